package raster

import (
	"math"
)

// skewLevel is one pass of the coarse-to-fine skew search: the column
// binning, the length of the row segments projected separately, and the
// angle grid searched around the previous estimate.
type skewLevel struct {
	xdown   int     // columns summed into one bin
	segRows int     // rows per projected segment; 0 means the whole strip
	span    float64 // search half-width in degrees
	step    float64 // angle step in degrees
}

// estimateSkew returns the skew in degrees (positive: the page was rotated
// clockwise, so a vertical line leans with its top to the right) that makes
// the long vertical lines of the strip most nearly vertical, searching
// within ±maxDeg. It maximises the sum of squares of the column projection
// of ink taken along sheared lines: long vertical lines (track borders and
// grid) pile up into sharp peaks only at the right angle. Short segments
// give a broad peak for the coarse search, the whole strip a narrow one
// for the fine search.
func estimateSkew(cm *coverMap, maxDeg float64) float64 {
	levels := []skewLevel{
		{xdown: 2, segRows: 1024, span: maxDeg, step: 0.1},
		{xdown: 1, segRows: 2048, span: 0.2, step: 0.01},
		{xdown: 1, segRows: 0, span: 0.03, step: 0.001},
	}
	best := 0.0
	for _, lv := range levels {
		bins, bw := binColumns(cm, lv.xdown)
		n := int(math.Round(lv.span / lv.step))
		scores := make([]float64, 2*n+1)
		for i := range scores {
			a := best + float64(i-n)*lv.step
			if math.Abs(a) > maxDeg+1e-9 {
				scores[i] = math.Inf(-1)
				continue
			}
			scores[i] = projectionScore(bins, bw, cm, a, lv)
		}
		k := argmax(scores)
		best += float64(k-n)*lv.step + parabolaPeak(scores, k)*lv.step
	}
	return best
}

// binColumns sums xdown adjacent columns of the coverage map.
func binColumns(cm *coverMap, xdown int) ([]float32, int) {
	bw := (cm.W + xdown - 1) / xdown
	out := make([]float32, cm.bands()*bw)
	for b := 0; b < cm.bands(); b++ {
		src, dst := cm.row(b), out[b*bw:(b+1)*bw]
		for x, v := range src {
			dst[x/xdown] += float32(v)
		}
	}
	return out, bw
}

// projectionScore is the sum of squared column projections of the binned
// coverage along lines at angle deg, summed over row segments.
func projectionScore(bins []float32, bw int, cm *coverMap, deg float64, lv skewLevel) float64 {
	t := math.Tan(deg * math.Pi / 180)
	nb := cm.bands()
	segBands := nb
	if lv.segRows > 0 {
		segBands = max(1, lv.segRows/cm.Band)
	}
	proj := make([]float32, bw)
	var score float64
	for s0 := 0; s0 < nb; s0 += segBands {
		s1 := min(s0+segBands, nb)
		yc := float64(s0+s1) * float64(cm.Band) / 2
		clear(proj)
		for b := s0; b < s1; b++ {
			y := (float64(b) + 0.5) * float64(cm.Band)
			addShifted(proj, bins[b*bw:(b+1)*bw], t*(y-yc)/float64(lv.xdown))
		}
		for _, v := range proj {
			score += float64(v) * float64(v)
		}
	}
	return score
}

// addShifted adds src into dst moved right by shift bins, rounded to a
// whole bin, dropping what falls outside. Rounding, not interpolating,
// matters: interpolation blurs every angle but the whole-bin ones and so
// biases the search towards 0.
func addShifted(dst, src []float32, shift float64) {
	si := int(math.Round(shift))
	lo, hi := max(0, -si), min(len(src), len(dst)-si)
	for x := lo; x < hi; x++ {
		dst[x+si] += src[x]
	}
}

// argmax returns the index of the largest value; for a run of equal
// largest values (shifts that round alike) it returns the run's middle.
func argmax(v []float64) int {
	k := 0
	for i := range v {
		if v[i] > v[k] {
			k = i
		}
	}
	end := k
	for end+1 < len(v) && v[end+1] == v[k] {
		end++
	}
	return (k + end) / 2
}

// parabolaPeak returns the sub-step offset (-0.5..0.5) of the peak of a
// parabola through v[k-1], v[k], v[k+1]; 0 at the ends.
func parabolaPeak(v []float64, k int) float64 {
	if k == 0 || k == len(v)-1 {
		return 0
	}
	a, b, c := v[k-1], v[k], v[k+1]
	if math.IsInf(a, 0) || math.IsInf(c, 0) {
		return 0
	}
	d := a - 2*b + c
	if d >= 0 {
		return 0
	}
	return math.Max(-0.5, math.Min(0.5, 0.5*(a-c)/d))
}
