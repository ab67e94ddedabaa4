package segment

import "image"

// axisTile is one tile along one axis: it reads canvas px
// [start, start+size) and owns output px [own0, own1).
type axisTile struct {
	start, own0, own1 int
}

// alignUp rounds n up to a multiple of m (m >= 1).
func alignUp(n, m int) int { return (n + m - 1) / m * m }

// alignDown rounds n down to a multiple of m (m >= 1).
func alignDown(n, m int) int { return n / m * m }

// planAxis lays tiles along a whole axis of n px. The canvas is n padded
// up to a multiple of stride; tile size and overlap are multiples of
// stride, so every tile start is one too and the network's pooling grid
// lines up with whole-image inference. A canvas no larger than size gives
// one tile of the canvas's size. It returns the tile size used and the
// tiles in order (see planSpan). size must exceed overlap.
func planAxis(n, size, overlap, stride int) (int, []axisTile) {
	canvas := alignUp(n, stride)
	if canvas <= size {
		return canvas, []axisTile{{start: 0, own0: 0, own1: n}}
	}
	return size, planSpan(0, canvas, 0, n, size, overlap)
}

// planSpan lays tiles of size px over canvas px [lo, hi) (hi-lo > size)
// that together own the output px [own0, own1). Tiles step by
// size-overlap from lo; the last one is moved back to end at hi. Each
// tile owns the px between the middles of its overlaps with its
// neighbours, so every owned px is at least overlap/2 from a tile edge
// that is not lo or hi. size must exceed overlap.
func planSpan(lo, hi, own0, own1, size, overlap int) []axisTile {
	step := size - overlap
	var starts []int
	for s := lo; s+size < hi; s += step {
		starts = append(starts, s)
	}
	if last := hi - size; len(starts) == 0 || starts[len(starts)-1] != last {
		starts = append(starts, last)
	}

	tiles := make([]axisTile, len(starts))
	for i, s := range starts {
		t := axisTile{start: s, own0: own0, own1: own1}
		if i > 0 {
			t.own0 = max((starts[i-1]+size+s)/2, own0)
		}
		if i < len(starts)-1 {
			t.own1 = min((s+size+starts[i+1])/2, own1)
		}
		tiles[i] = t
	}
	return tiles
}

// regionPlan is the grid of equal tiles that computes one region: tiles
// of tw x th px at the column starts xs and row starts ys.
type regionPlan struct {
	tw, th int
	xs, ys []axisTile
}

// tiles returns the number of tiles in the plan.
func (p regionPlan) tiles() int { return len(p.xs) * len(p.ys) }

// cost returns the px the network computes for the plan.
func (p regionPlan) cost() int { return p.tiles() * p.tw * p.th }

// geometry is what tile planning needs to know of the network and the
// image: the image size, the stride multiple, the overlap and the most px
// a tile may hold (all px).
type geometry struct {
	w, h, stride, overlap, budget int
}

// context returns the canvas span that must be computed for the owned
// span [a, b) of an axis of n px: [a, b) widened by overlap/2 each way,
// aligned out to the stride and clipped to the canvas.
func (g geometry) context(a, b, n int) (lo, hi int) {
	half := g.overlap / 2
	lo = alignDown(max(0, a-half), g.stride)
	hi = min(alignUp(n, g.stride), alignUp(b+half, g.stride))
	return lo, hi
}

// planRegion plans the tiles that compute the owned rectangle r (inside
// the image): every owned px sees at least overlap/2 px of context on
// each side, or the canvas edge, so the result equals whole-image
// inference. Among the tile shapes of at most budget px it picks the one
// computing the fewest px: a narrow region gets tiles as wide as itself
// and as tall as the budget allows, so no overlap is spent across it.
func (g geometry) planRegion(r image.Rectangle) regionPlan {
	x0, x1 := g.context(r.Min.X, r.Max.X, g.w)
	y0, y1 := g.context(r.Min.Y, r.Max.Y, g.h)
	W, H := x1-x0, y1-y0
	minEdge := g.overlap + g.stride

	var best regionPlan
	for nx := 1; ; nx++ {
		tw := min(W, alignUp((W+(nx-1)*g.overlap+nx-1)/nx, g.stride))
		if nx > 1 && tw < minEdge {
			break
		}
		th := min(H, alignDown(g.budget/tw, g.stride))
		if th < H && th < minEdge {
			continue // too wide for the budget: try narrower tiles
		}
		if th < H { // as many rows of tiles as needed, evened out
			ny := (H - g.overlap + th - g.overlap - 1) / (th - g.overlap)
			th = min(th, alignUp((H+(ny-1)*g.overlap+ny-1)/ny, g.stride))
		}
		p := regionPlan{tw: tw, th: th,
			xs: g.spanTiles(x0, x1, r.Min.X, r.Max.X, tw),
			ys: g.spanTiles(y0, y1, r.Min.Y, r.Max.Y, th)}
		if best.tw == 0 || p.cost() < best.cost() ||
			p.cost() == best.cost() && p.tiles() < best.tiles() {
			best = p
		}
		if tw == W && nx > 1 || tw <= minEdge {
			break
		}
	}
	return best
}

// spanTiles lays tiles of size px over [lo, hi) owning [a, b).
func (g geometry) spanTiles(lo, hi, a, b, size int) []axisTile {
	if hi-lo <= size {
		return []axisTile{{start: lo, own0: a, own1: b}}
	}
	return planSpan(lo, hi, a, b, size, g.overlap)
}

// area returns the canvas px computed for the owned rectangle r alone.
func (g geometry) area(r image.Rectangle) int {
	x0, x1 := g.context(r.Min.X, r.Max.X, g.w)
	y0, y1 := g.context(r.Min.Y, r.Max.Y, g.h)
	return (x1 - x0) * (y1 - y0)
}

// merge joins regions while computing two as their bounding box costs no
// more px than computing them apart (their context areas overlap enough),
// most profitable pair first. Px of a bounding box outside both regions
// get computed too.
func (g geometry) merge(rs []image.Rectangle) []image.Rectangle {
	out := append([]image.Rectangle(nil), rs...)
	for {
		bi, bj, best := -1, -1, 0
		for i := range out {
			for j := i + 1; j < len(out); j++ {
				gain := g.area(out[i]) + g.area(out[j]) - g.area(out[i].Union(out[j]))
				if gain >= 0 && (bi < 0 || gain > best) {
					bi, bj, best = i, j, gain
				}
			}
		}
		if bi < 0 {
			return out
		}
		out[bi] = out[bi].Union(out[bj])
		out = append(out[:bj], out[bj+1:]...)
	}
}
