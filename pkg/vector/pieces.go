package vector

import (
	"math"
	"slices"

	"github.com/welllog/digitiser/pkg/manifest"
)

// pieceMap labels every ink run of a band (per row, p >= threshold) by
// the shape of the piece of ink it belongs to: the runs are joined into
// connected pieces (8-connected from row to row); a piece whose bounding
// box has a diagonal of at most dotDiag px is a dot, a longer one a dash,
// and a dash within dotReach px of a dot a dash of a dash-dot line. The
// dashed, dotted and dash-dot curves of one track are told apart by it.
type pieceMap struct {
	rowStart []int32 // runs of row y are [rowStart[y], rowStart[y+1])
	lo, hi   []int16 // band columns of each run
	kind     []uint8 // pieceDot, pieceDash or pieceDashDot
	// dots and dashes count the pieces of each kind.
	dots, dashes int
}

// Kinds of pieces of ink.
const (
	pieceDot = iota
	pieceDash
	pieceDashDot
	numPieceKinds
)

// dotReach is how close, in px between bounding boxes, a dash must come
// to a dot to count as a dash of a dash-dot line: more than a dash-dot
// gap, less than the spacing of two curves' strokes.
const dotReach = 10

// fitShare is the inverse of the least share of a band's ink pieces that
// the shape a listed style needs (dots, dashes) must make up for its
// curves to be traced by style. A tenth, not more: a dotted curve makes
// several times as many pieces per row as a dashed one, and a dotted
// curve sweeping flat across the track (a spike) makes a dot or more per
// 10 px of the sweep, so a fair dashed curve beside it can fall to a
// seventh of the pieces.
const fitShare = 10

// dotDiag is the longest bounding-box diagonal, in px, of a piece of ink
// that is a dot: a dot of a 3 px line spans about 4 x 3 px, the shortest
// printed dash 8 px.
const dotDiag = 6.5

// buildPieces finds and labels the ink runs of the band view v (its
// exclusions must be empty).
func buildPieces(v *bandView, scratch []uint8) *pieceMap {
	pm := &pieceMap{rowStart: make([]int32, v.h+1)}
	var parent []int32
	var box [][4]int32 // per run: minX, maxX, minY, maxY of its piece
	find := func(i int32) int32 {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	union := func(a, b int32) {
		ra, rb := find(a), find(b)
		if ra == rb {
			return
		}
		parent[rb] = ra
		box[ra][0], box[ra][1] = min(box[ra][0], box[rb][0]), max(box[ra][1], box[rb][1])
		box[ra][2], box[ra][3] = min(box[ra][2], box[rb][2]), max(box[ra][3], box[rb][3])
	}
	row := scratch[:v.w]
	prevA, prevB := int32(0), int32(0)
	for y := range v.h {
		pm.rowStart[y] = int32(len(pm.lo))
		v.row(y, row)
		for x := 0; x < v.w; {
			if row[x] < v.thr {
				x++
				continue
			}
			s := x
			for x < v.w && row[x] >= v.thr {
				x++
			}
			id := int32(len(pm.lo))
			pm.lo, pm.hi = append(pm.lo, int16(s)), append(pm.hi, int16(x-1))
			parent = append(parent, id)
			box = append(box, [4]int32{int32(s), int32(x - 1), int32(y), int32(y)})
			for j := prevA; j < prevB; j++ {
				if int(pm.lo[j]) <= x && s <= int(pm.hi[j])+1 {
					union(j, id)
				}
			}
		}
		prevA, prevB = pm.rowStart[y], int32(len(pm.lo))
	}
	pm.rowStart[v.h] = int32(len(pm.lo))
	pm.kind = make([]uint8, len(pm.lo))
	var roots []int32
	for i := range pm.kind {
		if find(int32(i)) == int32(i) {
			roots = append(roots, int32(i))
		}
	}
	isDot := func(r int32) bool {
		b := box[r]
		return math.Hypot(float64(b[1]-b[0]+1), float64(b[3]-b[2]+1)) <= dotDiag
	}
	kind := make(map[int32]uint8, len(roots))
	for _, r := range roots {
		if isDot(r) {
			kind[r] = pieceDot
			pm.dots++
		} else {
			kind[r] = pieceDash
			pm.dashes++
		}
	}
	slices.SortFunc(roots, func(a, b int32) int { return int(box[a][2] - box[b][2]) })
	markDashDots(roots, box, kind)
	for i := range pm.kind {
		pm.kind[i] = kind[find(int32(i))]
	}
	return pm
}

// markDashDots turns the dashes within dotReach px of a dot into dash-dot
// dashes. roots are sorted by their first row.
func markDashDots(roots []int32, box [][4]int32, kind map[int32]uint8) {
	const tallest = 64 // rows a piece is assumed to span at most
	near := func(a, b [4]int32) bool {
		return a[0]-dotReach <= b[1] && b[0]-dotReach <= a[1] &&
			a[2]-dotReach <= b[3] && b[2]-dotReach <= a[3]
	}
	for i, d := range roots {
		if kind[d] != pieceDot {
			continue
		}
		for j := i - 1; j >= 0 && box[roots[j]][2] >= box[d][2]-tallest; j-- {
			if r := roots[j]; kind[r] != pieceDot && near(box[d], box[r]) {
				kind[r] = pieceDashDot
			}
		}
		for j := i + 1; j < len(roots) && box[roots[j]][2] <= box[d][3]+dotReach; j++ {
			if r := roots[j]; kind[r] != pieceDot && near(box[d], box[r]) {
				kind[r] = pieceDashDot
			}
		}
	}
}

// fits reports whether the ink shows the shapes the styles need: a tenth
// of the pieces or more dots when a dotted curve is listed, dashes when a
// dashed one is. Where it does not (the print's dots are too long, or
// dashes too short, to tell apart), curves are not traced by style.
func (pm *pieceMap) fits(cs []manifest.Curve) bool {
	n := pm.dots + pm.dashes
	for _, c := range cs {
		switch {
		case c.Style == manifest.StyleDotted && fitShare*pm.dots < n:
			return false
		case c.Style == manifest.StyleDashed && fitShare*pm.dashes < n:
			return false
		}
	}
	return n > 0
}

// styleWeights returns the factors, in 1/256, a curve of the style puts
// on each kind of piece: full on its own shapes, a quarter on shapes it
// never shows, half on dashes that may be its own but sit near dots (or
// not).
func styleWeights(style string) (w [numPieceKinds]uint16) {
	switch style {
	case manifest.StyleDotted:
		return [numPieceKinds]uint16{256, 64, 64}
	case manifest.StyleDashed:
		return [numPieceKinds]uint16{64, 256, 160}
	}
	return [numPieceKinds]uint16{256, 160, 256}
}

// weigh scales the runs of row y in out by the view's style weights.
func (v *bandView) weigh(y int, out []uint8) {
	pm := v.pieces
	for i := pm.rowStart[y]; i < pm.rowStart[y+1]; i++ {
		f := v.styleW[pm.kind[i]]
		if f >= 256 {
			continue
		}
		for x := pm.lo[i]; x <= pm.hi[i]; x++ {
			out[x] = uint8(uint16(out[x]) * f >> 8)
		}
	}
}

// styleOrder is the order in which the curves of a group with distinct
// line styles are traced: the most particular shapes first (dotted, then
// dashed), dash-dot, which shows both, last, on the ink left over.
func styleOrder(style string) int {
	switch style {
	case manifest.StyleDotted:
		return 0
	case manifest.StyleDashed:
		return 1
	}
	return 2
}
