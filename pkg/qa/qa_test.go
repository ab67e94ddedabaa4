package qa

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/welllog/digitiser/pkg/las"
	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/vector"
)

func lasOf(depths []float64, cols map[string][]float64) *las.File {
	f := &las.File{Curves: []las.Item{{Mnemonic: "DEPT"}}, Data: [][]float64{depths}}
	for m, v := range cols {
		f.Curves = append(f.Curves, las.Item{Mnemonic: m})
		f.Data = append(f.Data, v)
	}
	return f
}

func oneCurve(c manifest.Curve) *manifest.Manifest {
	m := &manifest.Manifest{Well: manifest.Well{Name: "TEST 1"},
		Tracks: []manifest.Track{{Curves: []manifest.Curve{c}}}}
	m.Defaults()
	return m
}

func seq(n int, f func(i int) float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = f(i)
	}
	return v
}

func TestMetricsAgainstTruth(t *testing.T) {
	const n = 200
	c := manifest.Curve{Mnemonic: "GR", Left: 0, Right: 150}
	depths := seq(n, func(i int) float64 { return 1000 + 0.5*float64(i) })
	// Truth every 0.25 ft, offset by 0.1 ft: the output's depths fall
	// between truth samples, on a piecewise-linear shape interpolation
	// recovers exactly.
	truthD := seq(2*n+2, func(i int) float64 { return 999.9 + 0.25*float64(i) })
	tv := func(d float64) float64 { return 75 + 4*math.Abs(math.Mod(d-999.9, 30)-15) }
	truth := lasOf(truthD, map[string][]float64{"GR": seq(2*n+2, func(i int) float64 {
		return tv(truthD[i])
	})})
	// Output: truth + 2 (0.0133 of the track), alternating sign; 10 nulls.
	out := seq(n, func(i int) float64 {
		if i%20 == 7 {
			return math.NaN()
		}
		return tv(depths[i]) + 2*float64(1-2*(i%2))
	})
	rep, err := Evaluate(Input{Output: lasOf(depths, map[string][]float64{"GR": out}),
		Truth: truth, Manifest: oneCurve(c)})
	if err != nil {
		t.Fatal(err)
	}
	m := rep.Curves[0].Truth
	if m == nil {
		t.Fatal("no truth metrics")
	}
	// Expected from the definitions, over the rows with a value.
	var sumT, sumTT, k float64
	for i := range n {
		if !math.IsNaN(out[i]) {
			f := tv(depths[i]) / 150
			sumT += f
			sumTT += f * f
			k++
		}
	}
	e := 2.0 / 150
	wantR2 := 1 - k*e*e/(sumTT-sumT*sumT/k)
	checks := []struct {
		name      string
		got, want float64
	}{
		{"mae", float64(m.MAE), e}, {"mse", float64(m.MSE), e * e},
		{"r2", float64(m.R2), wantR2}, {"coverage", float64(m.Coverage), 190.0 / 200},
		{"output coverage", float64(rep.Curves[0].Coverage), 190.0 / 200},
	}
	for _, ck := range checks {
		if math.Abs(ck.got-ck.want) > 1e-9 {
			t.Errorf("%s = %.9f, want %.9f", ck.name, ck.got, ck.want)
		}
	}
	if m.Rows != 190 {
		t.Errorf("rows = %d, want 190", m.Rows)
	}
	if rep.Status != StatusOK || rep.Summary[0].Class != 1 {
		t.Errorf("status %s (reasons %v), summary %+v", rep.Status, rep.Curves[0].Reasons,
			rep.Summary)
	}
}

func TestBackupScaleUnwrapped(t *testing.T) {
	c := manifest.Curve{Mnemonic: "GR", Left: 0, Right: 150,
		Backup: &manifest.Backup{Left: 150, Right: 300}}
	cr := manifest.Curve{Mnemonic: "GR", Left: 150, Right: 0, // reversed main scale
		Backup: &manifest.Backup{Left: 300, Right: 150}}
	cases := []struct {
		c    manifest.Curve
		v    float64
		want float64
	}{
		{c, 75, 0.5}, {c, 225, 1.5}, {c, 300, 2}, {cr, 225, -0.5}, {cr, 30, 0.8},
	}
	for _, tc := range cases {
		if got := valueFrac(tc.c, tc.v); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("value %v on %v..%v: frac %v, want %v", tc.v, tc.c.Left, tc.c.Right,
				got, tc.want)
		}
	}
}

func TestNeedsReview(t *testing.T) {
	const n = 400
	c := manifest.Curve{Mnemonic: "CALI", Style: manifest.StyleDashed, Left: 6, Right: 16}
	depths := seq(n, func(i int) float64 { return 0.5 * float64(i) })
	good := seq(n, func(i int) float64 { return 11 + 3*math.Sin(float64(i)/9) })
	tr := vector.Trace{Mnemonic: "CALI", Class: 2, Top: 100,
		Frac: make([]float64, n), Wrap: make([]int8, n), Conf: make([]float32, n)}
	for i := range n {
		tr.Frac[i], tr.Conf[i] = c.Frac(good[i]), 0.9
	}
	base := func() Input {
		return Input{Output: lasOf(depths, map[string][]float64{"CALI": good}),
			Truth:    lasOf(depths, map[string][]float64{"CALI": good}),
			Manifest: oneCurve(c), Traces: []vector.Trace{tr}}
	}
	cases := map[string]struct {
		edit func(in *Input)
		want string
	}{
		"clean": {func(*Input) {}, ""},
		"low coverage": {func(in *Input) {
			in.Output = lasOf(depths, map[string][]float64{"CALI": seq(n, func(i int) float64 {
				if i < 100 {
					return math.NaN()
				}
				return good[i]
			})})
		}, "coverage"},
		"poor fit": {func(in *Input) {
			in.Output = lasOf(depths, map[string][]float64{"CALI": seq(n, func(i int) float64 {
				return 11 + 3*math.Cos(float64(i)/9)
			})})
		}, "R-squared"},
		"low confidence": {func(in *Input) {
			in.Traces = cloneTrace(tr, func(t *vector.Trace) {
				for i := 50; i < 150; i++ {
					t.Conf[i] = 0.1
				}
			})
		}, "low-confidence"},
		"jumps": {func(in *Input) {
			in.Traces = cloneTrace(tr, func(t *vector.Trace) {
				for _, i := range []int{40, 90, 140, 190} {
					t.Frac[i] += 0.6
				}
			})
		}, "jumps"},
		"flat": {func(in *Input) {
			in.Traces = cloneTrace(tr, func(t *vector.Trace) {
				for i := 100; i < 300; i++ {
					t.Frac[i] = 0.42
				}
			})
		}, "flat"},
		"clipped": {func(in *Input) {
			in.Traces = cloneTrace(tr, func(t *vector.Trace) {
				for i := 100; i < 140; i++ {
					t.Frac[i] = 0.999
				}
			})
		}, "clipped"},
		"missing curve": {func(in *Input) {
			in.Output = lasOf(depths, map[string][]float64{"GR": good})
		}, "not in the output"},
		"whole-log reason": {func(in *Input) {
			in.Reasons = []string{"depth: tie points and labels differ"}
		}, "tie points and labels differ"},
	}
	for name, tc := range cases {
		in := base()
		tc.edit(&in)
		rep, err := Evaluate(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		reasons := strings.Join(append(rep.Reasons, rep.Curves[0].Reasons...), "; ")
		if tc.want == "" {
			if rep.Status != StatusOK {
				t.Errorf("%s: status %s: %s", name, rep.Status, reasons)
			}
			continue
		}
		if rep.Status != StatusNeedsReview || !strings.Contains(reasons, tc.want) {
			t.Errorf("%s: status %s, reasons %q: want needs_review for %q", name, rep.Status,
				reasons, tc.want)
		}
	}
}

func cloneTrace(tr vector.Trace, edit func(*vector.Trace)) []vector.Trace {
	c := tr
	c.Frac = append([]float64(nil), tr.Frac...)
	c.Conf = append([]float32(nil), tr.Conf...)
	c.Wrap = append([]int8(nil), tr.Wrap...)
	edit(&c)
	return []vector.Trace{c}
}

func TestReportJSONAndHTML(t *testing.T) {
	c := manifest.Curve{Mnemonic: "GR", Left: 0, Right: 150}
	depths := seq(50, func(i int) float64 { return float64(i) })
	vals := seq(50, func(i int) float64 { return 70 + float64(i%7) })
	vals[3] = math.NaN()
	rep, err := Evaluate(Input{Output: lasOf(depths, map[string][]float64{"GR": vals}),
		Manifest: oneCurve(c)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	cb := back.Curves[0]
	if !math.IsNaN(cb.Plot.Digitised[3]) || !math.IsNaN(float64(cb.MeanConf)) {
		t.Errorf("NaN did not survive the JSON round trip")
	}
	if back.Curves[0].Coverage != rep.Curves[0].Coverage {
		t.Errorf("coverage %v after round trip, want %v", back.Curves[0].Coverage,
			rep.Curves[0].Coverage)
	}

	var html bytes.Buffer
	if err := WriteHTML(&html, rep); err != nil {
		t.Fatal(err)
	}
	s := html.String()
	if strings.Count(s, "<svg") != 1 || strings.Count(s, "<polyline") != 2 ||
		!strings.Contains(s, "GR") {
		t.Errorf("want one plot with two polylines (split at the null) for GR; got %d svg, "+
			"%d polylines", strings.Count(s, "<svg"), strings.Count(s, "<polyline"))
	}
}

func TestEvaluateErrors(t *testing.T) {
	m := oneCurve(manifest.Curve{Mnemonic: "GR", Left: 0, Right: 1})
	for name, in := range map[string]Input{
		"no output":   {Manifest: m},
		"no manifest": {Output: lasOf([]float64{1}, nil)},
		"no rows":     {Output: lasOf(nil, nil), Manifest: m},
	} {
		if _, err := Evaluate(in); !errors.Is(err, ErrInput) {
			t.Errorf("%s: error %v, want ErrInput", name, err)
		}
	}
}
