package qa_test

import (
	"encoding/json"
	"math"
	"os"
	"sort"
	"testing"
)

// curveWant is what the real scan's LAS must hold of one curve over the
// main pass.
type curveWant struct {
	mnemonics []string // accepted names, first preferred
	// minCov is the least share of main-pass depths with a value: solid
	// curves are drawn over the whole pass (off-scale stretches run along
	// the border or wrap), the dashed caliper loses some dash gaps where
	// it runs on the grid line at 8 in. SPHI is judged apart (see below).
	minCov   float64
	min, max float64 // plausible values
	inRange  float64 // least share of values within min..max
}

var realCurves = []curveWant{
	{[]string{"GR"}, 0.97, 0, 300, 0.999},
	{[]string{"CALI", "DCAL"}, 0.85, 6, 16, 0.999},
	{[]string{"DT"}, 0.97, 40, 140, 0.999},
	{[]string{"SPHI"}, 0, -10, 30, 0.999},
	{[]string{"LTEN"}, 0.95, 0, 15000, 0.999},
}

// mainPass returns the LAS values of a curve at the main-pass depths, nil
// when the LAS lacks it.
func mainPass(r *realRun, names ...string) (string, []float64) {
	for _, n := range names {
		v := r.log.Curve(n)
		if v == nil {
			continue
		}
		var out []float64
		for i, d := range r.log.Data[0] {
			if d >= mainTop && d <= mainBottom {
				out = append(out, v[i])
			}
		}
		return n, out
	}
	return "", nil
}

// checkCurves: every curve is present with its coverage and plausible
// values, SPHI agrees with DT, and the QA report marshals.
func checkCurves(t *testing.T, r *realRun, acc bar) {
	t.Helper()
	for _, w := range realCurves {
		name, v := mainPass(r, w.mnemonics...)
		if v == nil {
			t.Errorf("LAS lacks %v (has %v)", w.mnemonics, r.log.Curves)
			continue
		}
		// A trace on a border line's centre may read a hair past the
		// scale's end: 0.5% of the span is the border.
		tol := 0.005 * (w.max - w.min)
		n, in := 0, 0
		for _, x := range v {
			if !math.IsNaN(x) {
				n++
				if x >= w.min-tol && x <= w.max+tol {
					in++
				}
			}
		}
		cov := float64(n) / float64(len(v))
		share := float64(in) / math.Max(1, float64(n))
		t.Logf("%-4s coverage %.3f, %.4f within %g..%g", name, cov, share, w.min, w.max)
		acc.check(t, cov >= w.minCov, "%s covers %.3f of the main pass, want >= %.2f",
			name, cov, w.minCov)
		acc.check(t, share >= w.inRange, "%s: only %.4f of values within %g..%g", name,
			share, w.min, w.max)
	}
	checkSonic(t, r, acc)
	checkWraps(t, r, acc)
	checkCaliper(t, r, acc)

	if _, err := json.Marshal(r.rep); err != nil {
		t.Errorf("QA report does not marshal: %v", err)
	}
	for _, c := range r.rep.Curves {
		t.Logf("qa %-4s %s: coverage %.3f, mean conf %.3f %v", c.Mnemonic, c.Status,
			c.Coverage, c.MeanConf, c.Reasons)
	}
}

// checkSonic compares SPHI with the Wyllie porosity of DT at every depth
// where both are traced. SPHI is printed only while it is on its 30..-10
// pu scale, i.e. while DT is below about 90 us/ft; where DT says it is,
// SPHI must be there too.
func checkSonic(t *testing.T, r *realRun, acc bar) {
	t.Helper()
	_, dt := mainPass(r, "DT")
	_, sphi := mainPass(r, "SPHI")
	if dt == nil || sphi == nil {
		return
	}
	var errs []float64
	onScale, shown := 0, 0
	for i := range dt {
		w := wyllie(dt[i])
		if math.IsNaN(w) || w < -9 || w > 29 {
			continue
		}
		onScale++
		if math.IsNaN(sphi[i]) {
			continue
		}
		shown++
		errs = append(errs, math.Abs(sphi[i]-w))
	}
	if onScale < 100 {
		acc.check(t, false, "DT puts SPHI on scale at only %d depths", onScale)
		return
	}
	cov := float64(shown) / float64(onScale)
	sort.Float64s(errs)
	med, p90 := errs[len(errs)/2], errs[len(errs)*9/10]
	t.Logf("SPHI vs Wyllie(DT): %d depths on scale, SPHI at %.3f of them; "+
		"|error| median %.2f pu, p90 %.2f pu (1 pu = %.1f px)", onScale, cov, med, p90,
		float64(widestWidth(r))/40)
	acc.check(t, cov >= 0.9, "SPHI traced at %.3f of the depths where DT puts it on "+
		"scale, want >= 0.9", cov)
	// 1 pu is 25 px across the wide track and 0.7 us/ft of DT (7 px): a
	// median within 1 pu means both traces sit on their lines.
	acc.check(t, med <= 1 && p90 <= 3, "SPHI disagrees with Wyllie(DT): median %.2f pu "+
		"(want <= 1), p90 %.2f pu (want <= 3)", med, p90)
}

func widestWidth(r *realRun) int {
	x0, x1 := widest(r)
	return x1 - x0
}

// checkWraps compares where GR's trace is on its 150-300 backup scale
// with where the scan is hatched (the log hatches the wrapped part).
func checkWraps(t *testing.T, r *realRun, acc bar) {
	t.Helper()
	agree, hatched := wrapAgreement(r)
	t.Logf("GR wraps: scan hatched at %.3f of the main pass; trace on the backup scale "+
		"exactly there at %.3f of it", hatched, agree)
	acc.gap = "TODO(#5): pkg/vector leaves GR on the backup scale after it returns " +
		"to the main scale"
	acc.strict = acc.strict && os.Getenv(strictEnv) == "1"
	acc.check(t, agree >= 0.95, "GR on the backup scale where the scan is not hatched, "+
		"or the reverse: agreement %.3f, want >= 0.95", agree)
}

// checkCaliper: the caliper runs beside the bit-size line the log prints
// at 7 7/8 in; a hole a whole inch narrower than the bit is not drilled,
// so readings under 7 in are the trace on something else (the hatching
// of a GR wrap, on this scan).
func checkCaliper(t *testing.T, r *realRun, acc bar) {
	t.Helper()
	_, cali := mainPass(r, "CALI", "DCAL")
	n, under := 0, 0
	for _, v := range cali {
		if !math.IsNaN(v) {
			n++
			if v < 7 {
				under++
			}
		}
	}
	share := float64(under) / math.Max(1, float64(n))
	t.Logf("CALI under 7 in at %.3f of its depths", share)
	acc.gap = "TODO(#5): the caliper is traced on the hatching of GR's wraps " +
		"(pkg/segment classes the hatch strokes as dashed, pkg/vector follows them)"
	acc.strict = acc.strict && os.Getenv(strictEnv) == "1"
	acc.check(t, share <= 0.01, "CALI under 7 in at %.3f of its depths, want <= 0.01",
		share)
}

// hatchedRows marks the rows of the GR track where the hatching printed
// under a wrapped GR (between the left border and the backup-scale curve)
// shows: two or more ink runs across the track's first grid cell in most
// of the 9 rows around. Unhatched rows show none there but for a passing
// curve or a horizontal grid line.
func hatchedRows(r *realRun, track int) []bool {
	img := r.prep.Image
	band := r.prep.Layout.Tracks[track]
	x0, x1 := band.Left+3, band.Left+band.Width()/10-3
	for _, g := range r.prep.Layout.GridLines {
		if g.Left > band.Left+3 && g.Left-3 < x1 {
			x1 = g.Left - 3
		}
	}
	multi := make([]bool, img.Rect.Dy())
	for y := range multi {
		row := img.Pix[y*img.Stride:]
		runs, prev := 0, false
		for x := x0; x < x1; x++ {
			ink := row[x] < 128
			if ink && !prev {
				runs++
			}
			prev = ink
		}
		multi[y] = runs >= 2
	}
	out := make([]bool, len(multi))
	for y := range out {
		n := 0
		for k := max(0, y-4); k <= min(len(multi)-1, y+4); k++ {
			if multi[k] {
				n++
			}
		}
		out[y] = n >= 5
	}
	return out
}

// wrapAgreement is the share of main-pass rows where GR's trace is on
// the backup scale exactly where the scan is hatched, and the share of
// rows hatched.
func wrapAgreement(r *realRun) (agree, hatched float64) {
	tr := r.traces[0]
	hatch := hatchedRows(r, tr.Track)
	top, bottom := int(r.cal.Row(mainTop)), int(r.cal.Row(mainBottom))
	n, ok, h := 0, 0, 0
	for y := max(top, tr.Top); y < min(bottom, tr.Top+tr.Len()); y++ {
		i := y - tr.Top
		if math.IsNaN(tr.Frac[i]) {
			continue
		}
		n++
		if hatch[y] {
			h++
		}
		if (tr.Wrap[i] != 0) == hatch[y] {
			ok++
		}
	}
	return float64(ok) / math.Max(1, float64(n)), float64(h) / math.Max(1, float64(n))
}
