// Package qa scores a digitised log: against a truth LAS when one is given
// (per-curve MAE, MSE, R-squared and coverage on values normalised to the
// track width) and always on its own (coverage, low-confidence spans, flat
// or clipped runs, implausible jumps). It flags curves for review below
// configurable thresholds, draws an overlay of the traces on the scan and
// writes the report as JSON and self-contained HTML.
package qa

import (
	"errors"
	"fmt"

	"github.com/welllog/digitiser/pkg/las"
	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/vector"
)

// Report statuses.
const (
	StatusOK          = "ok"
	StatusNeedsReview = "needs_review"
)

// ErrInput is wrapped by every error Evaluate returns for missing or
// inconsistent inputs.
var ErrInput = errors.New("qa: bad input")

// Input is what Evaluate scores.
type Input struct {
	// Output is the digitised LAS; its first curve is the depth index.
	// Required.
	Output *las.File
	// Truth is an optional truth LAS, matched to Output by mnemonic and
	// depth (truth is interpolated to the output's depths).
	Truth *las.File
	// Traces are the vectoriser's traces, optional. When given, the
	// per-row checks (confidence, flat, clipped, jumps) run on them at
	// full resolution; otherwise on Output's values.
	Traces []vector.Trace
	// Manifest gives every curve's scale. Required.
	Manifest *manifest.Manifest
	// Thresholds decide needs-review; zero fields mean the defaults.
	Thresholds Thresholds
	// RowDepth maps a trace row (px of the deskewed strip) to depth, e.g.
	// a depth.Calibration's Depth method; optional: without it spans found
	// on traces carry rows only.
	RowDepth func(row float64) float64
	// Reasons are whole-log reasons for review from earlier stages (e.g.
	// depth.Calibration.Review); any makes the report need review.
	Reasons []string
}

// Report is the outcome of Evaluate. It marshals to JSON; undefined
// numbers (NaN) are written as null.
type Report struct {
	// Status is "ok" or "needs_review" (any curve needs review, or
	// Reasons is not empty).
	Status     string     `json:"status"`
	Well       string     `json:"well,omitempty"`
	HasTruth   bool       `json:"has_truth"`
	Thresholds Thresholds `json:"thresholds"`
	// Reasons say, one line each, why the whole log needs review
	// (Input.Reasons); the curves' own reasons are in Curves.
	Reasons []string      `json:"reasons,omitempty"`
	Curves  []CurveReport `json:"curves"`
	// Summary holds the medians over curves of each class, the figures
	// the project's accuracy targets are stated in.
	Summary []ClassSummary `json:"summary"`
}

// CurveReport is the score of one manifest curve.
type CurveReport struct {
	Mnemonic string `json:"mnemonic"`
	Track    int    `json:"track"` // 0-based index into the manifest's tracks
	Class    int    `json:"class"`
	Style    string `json:"style"`
	Status   string `json:"status"`
	// Reasons say, one line each, why the curve needs review.
	Reasons []string `json:"reasons,omitempty"`
	// Coverage is the share of output rows with a value, 0..1.
	Coverage Num `json:"coverage"`
	// MeanConf is the mean trace confidence over rows with a value; null
	// without traces.
	MeanConf Num `json:"mean_conf"`
	// LowConfShare is the share of rows whose confidence is below
	// Thresholds.LowConf, counting rows without a value.
	LowConfShare Num    `json:"low_conf_share"`
	LowConf      []Span `json:"low_conf,omitempty"`
	FlatShare    Num    `json:"flat_share"`
	Flat         []Span `json:"flat,omitempty"`
	ClipShare    Num    `json:"clipped_share"`
	Clipped      []Span `json:"clipped,omitempty"`
	Jumps        []Jump `json:"jumps,omitempty"`
	// Truth holds the scores against the truth LAS; nil without one or
	// when the truth has no curve of this mnemonic.
	Truth *Metrics `json:"truth,omitempty"`
	// Plot is a decimated copy of the curve for the HTML report.
	Plot Plot `json:"plot"`
}

// Metrics compare digitised and truth values, both as fractions of the
// track width through the curve's scale (backup-scale values unwrapped).
type Metrics struct {
	MAE Num `json:"mae"`
	MSE Num `json:"mse"`
	R2  Num `json:"r2"`
	// Coverage is the share of rows where truth has a value that also have
	// a digitised value.
	Coverage Num `json:"coverage"`
	// Rows counts rows where both have a value.
	Rows int `json:"rows"`
}

// Span is a run of rows found by a check: trace rows [FromRow, ToRow)
// when found on traces (-1 otherwise) and the depths they cover when
// known (null otherwise).
type Span struct {
	FromRow   int `json:"from_row"`
	ToRow     int `json:"to_row"`
	FromDepth Num `json:"from_depth"`
	ToDepth   Num `json:"to_depth"`
}

// Jump is a change of position between two consecutive rows with values
// larger than Thresholds.MaxJump, in fractions of the track width.
type Jump struct {
	Row   int `json:"row"`
	Depth Num `json:"depth"`
	Size  Num `json:"size"`
}

// ClassSummary is the median of each metric over the curves of one class.
type ClassSummary struct {
	Class     int `json:"class"`
	Curves    int `json:"curves"`
	MedianR2  Num `json:"median_r2"`
	MedianMAE Num `json:"median_mae"`
	MedianCov Num `json:"median_coverage"`
	// Missed counts the curves with a truth but no comparable row, which
	// PoolTruth scores as R2 0 and MAE 1/3; 0 in a single report's summary.
	Missed int `json:"missed,omitempty"`
}

// Plot is a curve resampled for drawing: Depth, and the digitised and truth
// positions as fractions of the track width (NaN where absent).
type Plot struct {
	Depth     Series `json:"depth"`
	Digitised Series `json:"digitised"`
	Truth     Series `json:"truth,omitempty"`
	// Left and Right are the scale values at the track borders, for the
	// axis labels.
	Left  float64 `json:"left"`
	Right float64 `json:"right"`
	Unit  string  `json:"unit,omitempty"`
}

// Evaluate scores Output (and Traces) against the thresholds and, when
// given, the truth LAS. It returns an error wrapping ErrInput when Output
// or Manifest is missing or Output has no depth rows; a curve missing from
// Output is not an error but a needs-review reason.
func Evaluate(in Input) (*Report, error) {
	if in.Output == nil || in.Manifest == nil {
		return nil, fmt.Errorf("%w: the output LAS and the manifest are required", ErrInput)
	}
	if in.Output.Rows() == 0 {
		return nil, fmt.Errorf("%w: the output LAS has no depth rows", ErrInput)
	}
	th := in.Thresholds.withDefaults()
	rep := &Report{
		Status:     StatusOK,
		Well:       in.Manifest.Well.Name,
		HasTruth:   in.Truth != nil,
		Thresholds: th,
		Reasons:    in.Reasons,
	}
	if len(in.Reasons) > 0 {
		rep.Status = StatusNeedsReview
	}
	traces := map[string]*vector.Trace{}
	for i := range in.Traces {
		traces[in.Traces[i].Mnemonic] = &in.Traces[i]
	}
	for _, tc := range in.Manifest.Curves() {
		cr := evaluateCurve(in, tc, traces[tc.Mnemonic], th)
		if cr.Status != StatusOK {
			rep.Status = StatusNeedsReview
		}
		rep.Curves = append(rep.Curves, cr)
	}
	rep.Summary = summarise(rep.Curves)
	return rep, nil
}

// evaluateCurve runs every check on one curve and decides its status.
func evaluateCurve(in Input, tc manifest.TrackCurve, tr *vector.Trace,
	th Thresholds) CurveReport {
	cr := CurveReport{
		Mnemonic: tc.Mnemonic, Track: tc.Track, Class: tc.Class(), Style: tc.Style,
		Coverage: nan(), MeanConf: nan(), LowConfShare: nan(), FlatShare: nan(),
		ClipShare: nan(),
	}
	depths := in.Output.Data[0]
	vals := in.Output.Curve(tc.Mnemonic)
	if vals == nil {
		cr.Status = StatusNeedsReview
		cr.Reasons = append(cr.Reasons, fmt.Sprintf("curve %s is not in the output LAS",
			tc.Mnemonic))
		return cr
	}
	fr := fracs(tc.Curve, vals, in.Output.Null)
	cr.Coverage = Num(coverage(fr))

	if tr != nil {
		cr.checkTrace(tr, in.RowDepth, th)
	} else {
		cr.checkSeries(fr, depths, th)
	}
	var truth []float64
	if in.Truth != nil {
		truth = truthFracs(in.Truth, tc.Curve, depths)
		if truth != nil {
			m := compare(fr, truth)
			cr.Truth = &m
		}
	}
	cr.Plot = makePlot(tc.Curve, depths, fr, truth)
	cr.Reasons = append(cr.Reasons, th.judge(&cr)...)
	cr.Status = StatusOK
	if len(cr.Reasons) > 0 {
		cr.Status = StatusNeedsReview
	}
	return cr
}
