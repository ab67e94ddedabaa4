package segment

// Hatching: logs shade an area (here the part of a gamma ray drawn on its
// backup scale) with short parallel diagonal strokes, 1 px wide, a fixed
// spacing apart. Left in, a stroke is short enough to pass for a dash.
// A px is hatching when it lies on a thin diagonal stroke (no horizontal
// or vertical run longer than hatchThick px, a diagonal run of at least
// hatchDiag px) and the same row holds a px of a stroke of the same
// direction hatchMinGap..hatchMaxGap px to one side: a lone thin diagonal
// (a steep dash, the slanted part of a dotted curve) has no parallel
// twin at that distance.
const (
	hatchThick  = 2
	hatchDiag   = 5
	hatchMinGap = 6
	hatchMaxGap = 24
)

// Diagonal directions of a thin stroke in band.hatch.
const (
	diagDown = 1 // "\": x and y grow together
	diagUp   = 2 // "/": x grows as y falls
)

// removeHatch clears b.clean at the px of hatching (see hatchThick).
func (b *band) removeHatch() {
	n := b.w * b.h
	if cap(b.hatch) < n {
		b.hatch = make([]uint8, n)
	}
	b.hatch = b.hatch[:n]
	clear(b.hatch)
	for y := 0; y < b.h; y++ {
		row := b.clean[y*b.w : (y+1)*b.w]
		for x := 0; x < b.w; {
			if !row[x] {
				x++
				continue
			}
			s := x
			for x < b.w && row[x] {
				x++
			}
			if x-s > hatchThick {
				continue
			}
			for i := s; i < x; i++ {
				b.hatch[y*b.w+i] = b.thinDiagonal(i, y)
			}
		}
	}
	for y := 0; y < b.h; y++ {
		off := y * b.w
		for x := 0; x < b.w; x++ {
			d := b.hatch[off+x] & 3
			if d == 0 || !b.twin(off, x, d) {
				continue
			}
			b.hatch[off+x] |= 4 // hatching; the direction bits stay for twins
		}
	}
	for i, f := range b.hatch {
		if f&4 != 0 {
			b.clean[i] = false
		}
	}
}

// thinDiagonal returns the direction of the thin diagonal stroke through
// clean px (x, y), 0 when there is none: its vertical run is at most
// hatchThick px and a diagonal run through it at least hatchDiag px.
func (b *band) thinDiagonal(x, y int) uint8 {
	at := func(x, y int) bool {
		return x >= 0 && y >= 0 && x < b.w && y < b.h && b.clean[y*b.w+x]
	}
	v := 1
	for k := 1; v <= hatchThick && at(x, y-k); k++ {
		v++
	}
	for k := 1; v <= hatchThick && at(x, y+k); k++ {
		v++
	}
	if v > hatchThick {
		return 0
	}
	run := func(dx int) int {
		n := 1
		for k := 1; n < hatchDiag && at(x+k*dx, y+k); k++ {
			n++
		}
		for k := 1; n < hatchDiag && at(x-k*dx, y-k); k++ {
			n++
		}
		return n
	}
	switch {
	case run(1) >= hatchDiag:
		return diagDown
	case run(-1) >= hatchDiag:
		return diagUp
	}
	return 0
}

// twin reports whether row off holds a thin stroke px of direction d
// hatchMinGap..hatchMaxGap px left or right of column x.
func (b *band) twin(off, x int, d uint8) bool {
	for k := hatchMinGap; k <= hatchMaxGap; k++ {
		if x-k >= 0 && b.hatch[off+x-k]&3 == d {
			return true
		}
		if x+k < b.w && b.hatch[off+x+k]&3 == d {
			return true
		}
	}
	return false
}
