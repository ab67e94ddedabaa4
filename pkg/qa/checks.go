package qa

import (
	"math"

	"github.com/welllog/digitiser/pkg/vector"
)

// maxSpans caps how many spans or jumps of one kind a curve report lists;
// the shares still count them all.
const maxSpans = 50

// series is what the per-row checks read: positions (unwrapped fractions),
// printed positions, optional confidences and where each sample lies.
type series struct {
	f     []float64
	raw   func(i int) float64
	conf  []float32 // nil when unknown
	row   func(i int) int
	depth func(i int) float64
}

// checkTrace runs the per-row checks on a trace at full resolution.
func (cr *CurveReport) checkTrace(tr *vector.Trace, rowDepth func(float64) float64,
	th Thresholds) {
	s := series{
		f:    tr.Frac,
		raw:  tr.Raw,
		conf: tr.Conf,
		row:  func(i int) int { return tr.Top + i },
		depth: func(i int) float64 {
			if rowDepth == nil {
				return math.NaN()
			}
			return rowDepth(float64(tr.Top + i))
		},
	}
	cr.check(s, th)
}

// checkSeries runs the per-row checks on output LAS values; run lengths
// then count LAS rows.
func (cr *CurveReport) checkSeries(fr, depths []float64, th Thresholds) {
	s := series{
		f: fr,
		raw: func(i int) float64 {
			if f := fr[i]; f < 0 || f > 1 {
				return f - math.Floor(f)
			}
			return fr[i]
		},
		row:   func(int) int { return -1 },
		depth: func(i int) float64 { return depths[i] },
	}
	cr.check(s, th)
}

func (cr *CurveReport) check(s series, th Thresholds) {
	n := len(s.f)
	if n == 0 {
		return
	}
	has := func(i int) bool { return !math.IsNaN(s.f[i]) }
	fn := float64(n)

	if s.conf != nil {
		var sum float64
		k := 0
		for i := range n {
			if has(i) {
				sum += float64(s.conf[i])
				k++
			}
		}
		if k > 0 {
			cr.MeanConf = Num(sum / float64(k))
		}
		low := func(i int) bool { return !has(i) || float64(s.conf[i]) < th.LowConf }
		cr.LowConf, _ = runs(n, low, th.MinSpanRows, s)
		cr.LowConfShare = Num(float64(countIf(n, low)) / fn)
	}

	clipped := func(i int) bool {
		if !has(i) {
			return false
		}
		r := s.raw(i)
		return r <= th.ClipEdge || r >= 1-th.ClipEdge
	}
	var rows int
	cr.Clipped, rows = runs(n, clipped, th.MinSpanRows, s)
	cr.ClipShare = Num(float64(rows) / fn)
	cr.Flat, rows = flatRuns(s, th)
	cr.FlatShare = Num(float64(rows) / fn)
	cr.Jumps = jumps(s, th.MaxJump)
}

// runs finds the runs of at least minLen samples where pred holds; it
// returns up to maxSpans of them and how many samples all the runs hold.
func runs(n int, pred func(int) bool, minLen int, s series) ([]Span, int) {
	var out []Span
	total := 0
	for i := 0; i < n; {
		if !pred(i) {
			i++
			continue
		}
		j := i
		for j < n && pred(j) {
			j++
		}
		if j-i >= minLen {
			total += j - i
			if len(out) < maxSpans {
				out = append(out, span(s, i, j))
			}
		}
		i = j
	}
	return out, total
}

// flatRuns finds runs of at least FlatRows samples with values that stay
// within FlatTol of the run's first value.
func flatRuns(s series, th Thresholds) ([]Span, int) {
	var out []Span
	total := 0
	n := len(s.f)
	for i := 0; i < n; {
		if math.IsNaN(s.f[i]) {
			i++
			continue
		}
		j := i + 1
		for j < n && math.Abs(s.f[j]-s.f[i]) <= th.FlatTol { // false on NaN
			j++
		}
		if j-i >= th.FlatRows {
			total += j - i
			if len(out) < maxSpans {
				out = append(out, span(s, i, j))
			}
		}
		i = j
	}
	return out, total
}

// jumps lists changes larger than maxJump between adjacent samples that
// both have values.
func jumps(s series, maxJump float64) []Jump {
	var out []Jump
	for i := 1; i < len(s.f); i++ {
		d := math.Abs(s.f[i] - s.f[i-1])
		if d > maxJump && len(out) < maxSpans {
			out = append(out, Jump{Row: s.row(i), Depth: Num(s.depth(i)), Size: Num(d)})
		}
	}
	return out
}

func span(s series, i, j int) Span {
	from, to := s.row(i), s.row(j-1)
	if to >= 0 {
		to++
	}
	return Span{FromRow: from, ToRow: to, FromDepth: Num(s.depth(i)),
		ToDepth: Num(s.depth(j - 1))}
}

func countIf(n int, pred func(int) bool) int {
	k := 0
	for i := range n {
		if pred(i) {
			k++
		}
	}
	return k
}
