package segment

// axisTile is one tile along one axis: it reads canvas px
// [start, start+size) and owns output px [own0, own1).
type axisTile struct {
	start, own0, own1 int
}

// alignUp rounds n up to a multiple of m (m >= 1).
func alignUp(n, m int) int { return (n + m - 1) / m * m }

// alignDown rounds n down to a multiple of m (m >= 1).
func alignDown(n, m int) int { return n / m * m }

// planAxis lays tiles along an axis of n px. The canvas is n padded up to
// a multiple of stride; tile size and overlap are multiples of stride, so
// every tile start is one too and the network's pooling grid lines up with
// whole-image inference. Tiles step by size-overlap; the last one is moved
// back to end at the canvas edge. Each tile owns the px between the middles
// of its overlaps with its neighbours, clipped to n, so every owned px is
// at least overlap/2 from a tile edge that is not a canvas edge. A canvas
// no larger than size gives one tile of the canvas's size. It returns the
// tile size used and the tiles in order. size must exceed overlap.
func planAxis(n, size, overlap, stride int) (int, []axisTile) {
	canvas := alignUp(n, stride)
	if canvas <= size {
		return canvas, []axisTile{{start: 0, own0: 0, own1: n}}
	}
	step := size - overlap
	var starts []int
	for s := 0; s+size < canvas; s += step {
		starts = append(starts, s)
	}
	last := canvas - size
	if starts[len(starts)-1] != last {
		starts = append(starts, last)
	}

	tiles := make([]axisTile, len(starts))
	for i, s := range starts {
		t := axisTile{start: s, own0: 0, own1: n}
		if i > 0 {
			t.own0 = (starts[i-1] + size + s) / 2
		}
		if i < len(starts)-1 {
			t.own1 = min((s+size+starts[i+1])/2, n)
		}
		tiles[i] = t
	}
	return size, tiles
}
