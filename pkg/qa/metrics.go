package qa

import (
	"math"
	"slices"
	"sort"

	"github.com/welllog/digitiser/pkg/las"
	"github.com/welllog/digitiser/pkg/manifest"
)

// valueFrac converts a curve value to a fraction of the track width. On a
// curve with a backup scale a value beyond the main scale is read on the
// backup scale and unwrapped: 1 + its backup fraction past the right
// border, its backup fraction - 1 past the left.
func valueFrac(c manifest.Curve, v float64) float64 {
	f := c.Frac(v)
	if c.Backup == nil || (f >= 0 && f <= 1) || math.IsNaN(f) {
		return f
	}
	b := manifest.Curve{Left: c.Backup.Left, Right: c.Backup.Right, Scale: c.Scale}
	r := b.Frac(v)
	if f > 1 {
		return 1 + r
	}
	return r - 1
}

// fracs converts a LAS column to track fractions; NaN and NULL values stay
// NaN (a zero null means las.DefaultNull).
func fracs(c manifest.Curve, vals []float64, null float64) []float64 {
	if null == 0 {
		null = las.DefaultNull
	}
	out := make([]float64, len(vals))
	for i, v := range vals {
		if math.IsNaN(v) || v == null {
			out[i] = math.NaN()
			continue
		}
		out[i] = valueFrac(c, v)
	}
	return out
}

// truthFracs returns the truth curve as track fractions interpolated
// linearly to the given depths, NaN outside the truth's depth range or
// next to a truth NULL; nil when the truth file lacks the curve.
func truthFracs(truth *las.File, c manifest.Curve, depths []float64) []float64 {
	vals := truth.Curve(c.Mnemonic)
	if vals == nil || truth.Rows() == 0 {
		return nil
	}
	type sample struct{ d, f float64 }
	tf := fracs(c, vals, truth.Null)
	s := make([]sample, 0, len(tf))
	for i, d := range truth.Data[0] {
		if !math.IsNaN(d) {
			s = append(s, sample{d, tf[i]})
		}
	}
	slices.SortStableFunc(s, func(a, b sample) int {
		switch {
		case a.d < b.d:
			return -1
		case a.d > b.d:
			return 1
		}
		return 0
	})

	out := make([]float64, len(depths))
	for i, d := range depths {
		out[i] = math.NaN()
		j := sort.Search(len(s), func(k int) bool { return s[k].d >= d })
		switch {
		case j < len(s) && s[j].d == d:
			out[i] = s[j].f
		case j == 0 || j == len(s):
		default:
			a, b := s[j-1], s[j]
			t := (d - a.d) / (b.d - a.d)
			out[i] = a.f + t*(b.f-a.f) // NaN when either end is NULL
		}
	}
	return out
}

// compare scores digitised fractions against truth fractions row by row.
func compare(got, truth []float64) Metrics {
	var n, withTruth int
	var sa, ss, st, stt float64
	for i, t := range truth {
		if math.IsNaN(t) {
			continue
		}
		withTruth++
		g := got[i]
		if math.IsNaN(g) {
			continue
		}
		e := g - t
		n++
		sa += math.Abs(e)
		ss += e * e
		st += t
		stt += t * t
	}
	m := Metrics{MAE: nan(), MSE: nan(), R2: nan(), Coverage: nan(), Rows: n}
	if withTruth > 0 {
		m.Coverage = Num(float64(n) / float64(withTruth))
	}
	if n == 0 {
		return m
	}
	fn := float64(n)
	m.MAE, m.MSE = Num(sa/fn), Num(ss/fn)
	if tot := stt - st*st/fn; tot > 0 {
		m.R2 = Num(1 - ss/tot)
	}
	return m
}

// coverage is the share of defined values.
func coverage(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	n := 0
	for _, x := range v {
		if !math.IsNaN(x) {
			n++
		}
	}
	return float64(n) / float64(len(v))
}

// summarise takes per-class medians over the curves.
func summarise(curves []CurveReport) []ClassSummary {
	var out []ClassSummary
	for _, cls := range []int{manifest.ClassSolid, manifest.ClassDashed} {
		var r2, mae, cov []float64
		n := 0
		for _, c := range curves {
			if c.Class != cls {
				continue
			}
			n++
			cov = append(cov, float64(c.Coverage))
			if c.Truth != nil {
				r2 = append(r2, float64(c.Truth.R2))
				mae = append(mae, float64(c.Truth.MAE))
			}
		}
		if n == 0 {
			continue
		}
		out = append(out, ClassSummary{Class: cls, Curves: n,
			MedianR2: Num(median(r2)), MedianMAE: Num(median(mae)), MedianCov: Num(median(cov))})
	}
	return out
}

// median of the defined values; NaN when there are none.
func median(v []float64) float64 {
	v = slices.DeleteFunc(slices.Clone(v), math.IsNaN)
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	k := len(v) / 2
	if len(v)%2 == 1 {
		return v[k]
	}
	return (v[k-1] + v[k]) / 2
}
