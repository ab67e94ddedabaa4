package qa

import (
	"fmt"
	"math"
)

// Thresholds decide when a curve needs review. Fractions are of the track
// width; shares are of the curve's rows (trace rows when traces are given,
// output LAS rows otherwise). Zero fields mean the defaults.
type Thresholds struct {
	// MinCoverage is the least share of rows with a value. Default 0.9.
	MinCoverage float64 `json:"min_coverage"`
	// MinR2 is the least R-squared against truth. Default 0.95.
	MinR2 float64 `json:"min_r2"`
	// MaxMAE is the largest mean absolute error against truth. Default
	// 0.02 of the track width.
	MaxMAE float64 `json:"max_mae"`
	// LowConf is the confidence under which a row counts as low-confidence.
	// Default 0.3.
	LowConf float64 `json:"low_conf"`
	// MaxLowConfShare is the largest share of low-confidence rows (rows
	// without a value included). Default 0.15.
	MaxLowConfShare float64 `json:"max_low_conf_share"`
	// MinSpanRows is the shortest run of low-confidence or clipped rows
	// reported as a span. Default 10 rows.
	MinSpanRows int `json:"min_span_rows"`
	// FlatRows is the shortest run counted as flat: the position stays
	// within FlatTol of the run's first row. Default 150 rows.
	FlatRows int `json:"flat_rows"`
	// FlatTol is the flat-run tolerance. Default 0.002 of the track width.
	FlatTol float64 `json:"flat_tol"`
	// MaxFlatShare is the largest share of rows in flat runs. Default 0.2.
	MaxFlatShare float64 `json:"max_flat_share"`
	// ClipEdge is how close to a border (on the printed track, after
	// undoing any wrap) a row counts as clipped. Default 0.004.
	ClipEdge float64 `json:"clip_edge"`
	// MaxClipShare is the largest share of clipped rows. Default 0.05.
	MaxClipShare float64 `json:"max_clip_share"`
	// MaxJump is the largest plausible change of position between two
	// consecutive rows with values. Default 0.25 of the track width.
	MaxJump float64 `json:"max_jump"`
	// MaxJumps is how many implausible jumps a curve may have. Default 3;
	// negative means none.
	MaxJumps int `json:"max_jumps"`
}

// DefaultThresholds returns the thresholds Evaluate uses for zero fields.
func DefaultThresholds() Thresholds {
	return Thresholds{
		MinCoverage: 0.9, MinR2: 0.95, MaxMAE: 0.02,
		LowConf: 0.3, MaxLowConfShare: 0.15, MinSpanRows: 10,
		FlatRows: 150, FlatTol: 0.002, MaxFlatShare: 0.2,
		ClipEdge: 0.004, MaxClipShare: 0.05,
		MaxJump: 0.25, MaxJumps: 3,
	}
}

func (t Thresholds) withDefaults() Thresholds {
	d := DefaultThresholds()
	f := func(v *float64, def float64) {
		if *v == 0 {
			*v = def
		}
	}
	i := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	f(&t.MinCoverage, d.MinCoverage)
	f(&t.MinR2, d.MinR2)
	f(&t.MaxMAE, d.MaxMAE)
	f(&t.LowConf, d.LowConf)
	f(&t.MaxLowConfShare, d.MaxLowConfShare)
	i(&t.MinSpanRows, d.MinSpanRows)
	i(&t.FlatRows, d.FlatRows)
	f(&t.FlatTol, d.FlatTol)
	f(&t.MaxFlatShare, d.MaxFlatShare)
	f(&t.ClipEdge, d.ClipEdge)
	f(&t.MaxClipShare, d.MaxClipShare)
	f(&t.MaxJump, d.MaxJump)
	i(&t.MaxJumps, d.MaxJumps)
	if t.MaxJumps < 0 {
		t.MaxJumps = 0
	}
	return t
}

// judge returns one reason per threshold the curve fails. Undefined
// figures (NaN) fail nothing.
func (t Thresholds) judge(cr *CurveReport) []string {
	var out []string
	fail := func(bad bool, format string, a ...any) {
		if bad {
			out = append(out, fmt.Sprintf(format, a...))
		}
	}
	below := func(v Num, lim float64) bool { return !math.IsNaN(float64(v)) && float64(v) < lim }
	above := func(v Num, lim float64) bool { return !math.IsNaN(float64(v)) && float64(v) > lim }

	fail(below(cr.Coverage, t.MinCoverage), "coverage %.3f below %.3f", cr.Coverage,
		t.MinCoverage)
	fail(above(cr.LowConfShare, t.MaxLowConfShare), "%.1f%% of rows low-confidence "+
		"(over %.1f%%)", 100*cr.LowConfShare, 100*t.MaxLowConfShare)
	fail(above(cr.FlatShare, t.MaxFlatShare), "%.1f%% of rows in flat runs (over %.1f%%)",
		100*cr.FlatShare, 100*t.MaxFlatShare)
	fail(above(cr.ClipShare, t.MaxClipShare), "%.1f%% of rows clipped at a border "+
		"(over %.1f%%)", 100*cr.ClipShare, 100*t.MaxClipShare)
	fail(len(cr.Jumps) > t.MaxJumps, "%d implausible jumps (over %d)", len(cr.Jumps),
		t.MaxJumps)
	if m := cr.Truth; m != nil {
		fail(below(m.R2, t.MinR2), "R-squared %.4f below %.4f", m.R2, t.MinR2)
		fail(above(m.MAE, t.MaxMAE), "MAE %.4f of track width above %.4f", m.MAE, t.MaxMAE)
		fail(below(m.Coverage, t.MinCoverage), "truth coverage %.3f below %.3f",
			m.Coverage, t.MinCoverage)
		fail(m.Rows == 0, "no depth where both truth and output have a value")
	}
	return out
}
