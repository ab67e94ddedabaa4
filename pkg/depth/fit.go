package depth

import (
	"math"
	"slices"

	"github.com/welllog/digitiser/pkg/internal/stats"
	"github.com/welllog/digitiser/pkg/raster"
)

// obs is one observation of depth at a row: a tie point, a read label or
// a grid line.
type obs struct {
	row   float64
	depth float64
	label string
}

// line is depth = a + b*row.
type line struct{ a, b float64 }

func (l line) at(row float64) float64 { return l.a + l.b*row }

// piece is one fitted segment with the observations that support it.
type piece struct {
	line
	rowMin, rowMax float64
	members        []int // indices into the observations
}

// fitOptions tune fitPiecewise.
type fitOptions struct {
	tol    float64 // inlier tolerance in depth units
	minIn  int     // fewest inliers a segment needs (at least 2)
	repeat *raster.Span
	// accept, when set, rejects implausible lines (e.g. a rate that does
	// not match the grid); depth must grow down the strip regardless.
	accept func(line) bool
}

// ok reports whether a line may be a segment.
func (f fitOptions) ok(l line) bool {
	return l.b > 0 && (f.accept == nil || f.accept(l))
}

// fitPiecewise splits observations (sorted by row) into linear pieces by
// sequential RANSAC: the line with the most inliers wins, its inliers'
// row range becomes a piece and every other observation inside that range
// is an outlier; the rest are fitted again until fewer than minIn remain.
// It returns the pieces sorted by row and whether each observation is an
// inlier.
func fitPiecewise(o []obs, opt fitOptions) ([]piece, []bool) {
	inlier := make([]bool, len(o))
	left := make([]int, len(o))
	for i := range o {
		left[i] = i
	}
	var pieces []piece
	for len(left) >= max(opt.minIn, 2) {
		best, ok := ransac(o, left, opt)
		if !ok {
			break
		}
		members := within(o, left, best, opt.tol)
		if len(members) < max(opt.minIn, 2) {
			break
		}
		if refit, ok := leastSquares(o, members); ok && opt.ok(refit) {
			if again := within(o, left, refit, opt.tol); len(again) >= len(members) {
				best, members = refit, again
			}
		}
		p := piece{line: best, rowMin: o[members[0]].row, rowMax: o[members[len(members)-1]].row,
			members: members}
		pieces = append(pieces, p)
		for _, i := range members {
			inlier[i] = true
		}
		left = slices.DeleteFunc(left, func(i int) bool {
			return o[i].row >= p.rowMin && o[i].row <= p.rowMax
		})
	}
	slices.SortFunc(pieces, func(a, b piece) int { return stats.Compare(a.rowMin, b.rowMin) })
	return pieces, inlier
}

// ransac tries the line through every pair of observations (depth must
// grow down the strip) and keeps the one with the most inliers, ties
// going to the smaller summed misfit.
func ransac(o []obs, idx []int, opt fitOptions) (line, bool) {
	tol := opt.tol
	var best line
	bestN, bestCost, found := 0, math.Inf(1), false
	for ii, i := range idx {
		for _, j := range idx[ii+1:] {
			dr := o[j].row - o[i].row
			if dr == 0 {
				continue
			}
			b := (o[j].depth - o[i].depth) / dr
			l := line{a: o[i].depth - b*o[i].row, b: b}
			if !opt.ok(l) {
				continue
			}
			n, cost := 0, 0.0
			for _, k := range idx {
				r := math.Abs(o[k].depth - l.at(o[k].row))
				if r <= tol {
					n++
					cost += r
				}
			}
			if n > bestN || (n == bestN && cost < bestCost) {
				best, bestN, bestCost, found = l, n, cost, true
			}
		}
	}
	return best, found
}

// within returns the observations of idx that l fits to within tol.
func within(o []obs, idx []int, l line, tol float64) []int {
	var out []int
	for _, i := range idx {
		if math.Abs(o[i].depth-l.at(o[i].row)) <= tol {
			out = append(out, i)
		}
	}
	return out
}

// leastSquares fits a line to the given observations; it reports false
// when they do not span two rows.
func leastSquares(o []obs, idx []int) (line, bool) {
	if len(idx) < 2 {
		return line{}, false
	}
	var sr, sd float64
	for _, i := range idx {
		sr += o[i].row
		sd += o[i].depth
	}
	n := float64(len(idx))
	mr, md := sr/n, sd/n
	var srr, srd float64
	for _, i := range idx {
		dr := o[i].row - mr
		srr += dr * dr
		srd += dr * (o[i].depth - md)
	}
	if srr == 0 {
		return line{}, false
	}
	b := srd / srr
	return line{a: md - b*mr, b: b}, true
}

// segments turns pieces into calibration segments covering [lo, hi): the
// boundary between two pieces is the repeat section's top when it lies
// between them, else cuts[k] when given and not NaN, else midway. A piece
// inside the repeat span, or one whose depths go back above depths
// already passed, belongs to the repeat pass.
func segments(pieces []piece, lo, hi float64, repeat *raster.Span,
	cuts []float64) []Segment {
	segs := make([]Segment, len(pieces))
	deepest := math.Inf(-1)
	for k, p := range pieces {
		from, to := lo, hi
		if k > 0 {
			from = segs[k-1].RowTo
		}
		if k+1 < len(pieces) {
			to = (p.rowMax + pieces[k+1].rowMin) / 2
			if k < len(cuts) && !math.IsNaN(cuts[k]) {
				to = cuts[k]
			}
			if repeat != nil && float64(repeat.Top) > p.rowMax &&
				float64(repeat.Top) < pieces[k+1].rowMin {
				to = float64(repeat.Top)
			}
		}
		pass := PassMain
		mid := (p.rowMin + p.rowMax) / 2
		inRepeat := repeat != nil && mid >= float64(repeat.Top) && mid < float64(repeat.Bottom)
		if inRepeat || p.at(p.rowMin) < deepest-p.b*(p.rowMax-p.rowMin)/2 {
			pass = PassRepeat
		} else {
			deepest = math.Max(deepest, p.at(p.rowMax))
		}
		segs[k] = Segment{RowFrom: from, RowTo: to, Depth0: p.at(from), Rate: p.b, Pass: pass}
	}
	return segs
}

// residuals scores every observation against the calibration.
func residuals(c *Calibration, o []obs, inlier []bool) []Residual {
	out := make([]Residual, len(o))
	for i, ob := range o {
		f := c.Depth(ob.row)
		out[i] = Residual{Row: ob.row, Depth: ob.depth, Fitted: f, Inlier: inlier[i],
			Label: ob.label, Residual: ob.depth - f}
	}
	return out
}
