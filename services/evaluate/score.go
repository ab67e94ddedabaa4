package main

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/welllog/digitiser/pkg/depth"
	"github.com/welllog/digitiser/pkg/qa"
	"github.com/welllog/digitiser/pkg/raster"
	"github.com/welllog/digitiser/pkg/segment"
	"github.com/welllog/digitiser/pkg/vector"
)

// Missed-curve scores: a curve a stage failed on, or with no digitised
// value, scores as a random guess of a uniform position across the track
// (E|U-V| = 1/3, E(U-V)^2 = 1/6) with R2 0 and coverage 0, so failures
// pull the aggregates down instead of dropping out of them.
const (
	missedMAE = 1.0 / 3
	missedMSE = 1.0 / 6
)

// Model is a named segmenter under study. Oracle models ignore the image
// and return the example's exact mask.
type Model struct {
	Name   string
	Seg    segment.Segmenter
	Oracle bool
}

// Score runs one model on one example: segmentation, per-pixel scores
// over the log body, vectorisation, the LAS build and QA against the
// truth LAS.
// With review set, the review picture is written into that directory.
func Score(ctx context.Context, m Model, ex *Example, vopt vector.Options,
	review string) ExampleResult {
	start := time.Now()
	res := ExampleResult{Model: m.Name, Tier: ex.Tier, Seed: ex.Seed,
		PinnedTracks: ex.PinnedTracks}
	if !math.IsNaN(ex.DepthErrPx) {
		e := Float(ex.DepthErrPx)
		res.DepthErrPx = &e
	}
	curves, pix, err := scoreStages(ctx, m, ex, vopt, review)
	res.Pixels = pix
	if err != nil {
		res.Error = err.Error()
	}
	res.Curves = curves
	res.Seconds = time.Since(start).Seconds()
	return res
}

// Refused is m's result on an example that preprocessing or calibration
// refused (NewExample's error err): every curve missed, no pixels scored.
func Refused(m Model, ex *Example, err error) ExampleResult {
	return ExampleResult{Model: m.Name, Tier: ex.Tier, Seed: ex.Seed, Curves: missed(ex),
		Pixels: unscoredPixels(), PinnedTracks: ex.PinnedTracks, Error: err.Error()}
}

func scoreStages(ctx context.Context, m Model, ex *Example,
	vopt vector.Options, review string) ([]CurveScore, PixelScore, error) {
	pix := unscoredPixels()
	var pm *raster.ProbMap
	var err error
	if m.Oracle {
		pm = MaskProbMap(ex.Mask)
	} else if pm, err = m.Seg.Segment(ctx, ex.Prepared.Image); err != nil {
		return missed(ex), pix, fmt.Errorf("segment: %w", err)
	}
	pix = ScorePixels(pm, ex.Mask, ex.Prepared.Layout.Body)

	traces, err := vector.TraceAll(pm, ex.Prepared.Layout, ex.Manifest, vopt)
	if err != nil {
		return missed(ex), pix, fmt.Errorf("trace: %w", err)
	}
	if review != "" {
		if err := writeReview(review, m, ex, pm, traces); err != nil {
			return missed(ex), pix, err
		}
	}
	out, err := depth.BuildLog(traces, ex.Calibration, ex.Manifest)
	if err != nil {
		return missed(ex), pix, fmt.Errorf("build LAS: %w", err)
	}
	rep, err := qa.Evaluate(qa.Input{Output: out, Truth: ex.Truth, Traces: traces,
		Manifest: ex.Manifest, RowDepth: ex.Calibration.Depth})
	if err != nil {
		return missed(ex), pix, fmt.Errorf("qa: %w", err)
	}
	return curveScores(ex, rep), pix, nil
}

// curveScores takes QA's truth metrics per manifest curve; a curve QA
// could not score counts as missed.
func curveScores(ex *Example, rep *qa.Report) []CurveScore {
	byName := map[string]qa.CurveReport{}
	for _, c := range rep.Curves {
		byName[c.Mnemonic] = c
	}
	var out []CurveScore
	for _, tc := range ex.Manifest.Curves() {
		cs := missedCurve(tc.Mnemonic, tc.Class())
		if c, ok := byName[tc.Mnemonic]; ok && c.Truth != nil && c.Truth.Rows > 0 {
			t := c.Truth
			cs.MAE, cs.MSE, cs.Coverage = Float(t.MAE), Float(t.MSE), Float(t.Coverage)
			cs.R2 = Float(t.R2)
			if math.IsNaN(float64(cs.R2)) {
				cs.R2 = 0
			}
		}
		out = append(out, cs)
	}
	return out
}

// unscoredPixels is the PixelScore of a log no segmentation was scored
// on: NaN in every class, so it stays out of the pixel means.
func unscoredPixels() PixelScore {
	nan := Float(math.NaN())
	return PixelScore{IoU: [3]Float{nan, nan, nan}, F1: [3]Float{nan, nan, nan}}
}

func missed(ex *Example) []CurveScore {
	var out []CurveScore
	for _, tc := range ex.Manifest.Curves() {
		out = append(out, missedCurve(tc.Mnemonic, tc.Class()))
	}
	return out
}

func missedCurve(mnemonic string, class int) CurveScore {
	return CurveScore{Mnemonic: mnemonic, Class: class, MAE: missedMAE, MSE: missedMSE}
}
