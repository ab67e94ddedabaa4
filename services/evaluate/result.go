package main

import (
	"math"
	"slices"

	"github.com/welllog/digitiser/pkg/qa"
)

// CurveScore is one curve's scores on one example, on values normalised
// to the track width (0 left border, 1 right), as pkg/qa computes them.
type CurveScore struct {
	Mnemonic string `json:"mnemonic"`
	Class    int    `json:"class"`
	MAE      Float  `json:"mae"`
	MSE      Float  `json:"mse"`
	R2       Float  `json:"r2"`
	Coverage Float  `json:"coverage"`
}

// PixelScore is the per-pixel agreement of a segmentation with the mask,
// per class (background, solid, dashed); NaN where a class has neither
// truth nor predicted px.
type PixelScore struct {
	IoU [3]Float `json:"iou"`
	F1  [3]Float `json:"f1"`
}

// ExampleResult is one model on one held-out log.
type ExampleResult struct {
	Model   string       `json:"model"`
	Tier    string       `json:"tier"`
	Seed    uint64       `json:"seed"`
	Curves  []CurveScore `json:"curves"`
	Pixels  PixelScore   `json:"pixels"`
	Seconds float64      `json:"seconds"`
	// PinnedTracks says preprocessing needed the generator's track borders.
	PinnedTracks bool `json:"pinned_tracks,omitempty"`
	// DepthErrPx is the calibrated depth's largest error over the body, in
	// px, when depth was calibrated (--oracle-depth=false); absent with the
	// generator's exact depth.
	DepthErrPx *Float `json:"depth_err_px,omitempty"`
	// Error is set when a stage failed on this example; its curves then
	// count as missed (R2 0, coverage 0) in the aggregates.
	Error string `json:"error,omitempty"`
}

// Summary aggregates one model's results on one tier for one curve class.
type Summary struct {
	Model  string `json:"model"`
	Tier   string `json:"tier"`
	Class  int    `json:"class"`
	Curves int    `json:"curves"`
	// Median and mean over curves of the tier and class.
	MedianMAE Float `json:"median_mae"`
	MeanMAE   Float `json:"mean_mae"`
	MedianMSE Float `json:"median_mse"`
	MeanMSE   Float `json:"mean_mse"`
	MedianR2  Float `json:"median_r2"`
	MeanR2    Float `json:"mean_r2"`
	MedianCov Float `json:"median_coverage"`
	MeanCov   Float `json:"mean_coverage"`
	// MeanIoU and MeanF1 are the class's per-pixel scores averaged over the
	// tier's examples that hold the class.
	MeanIoU Float `json:"mean_iou"`
	MeanF1  Float `json:"mean_f1"`
}

// Summarise aggregates results by model, tier and class, in the order the
// models and tiers first appear.
func Summarise(results []ExampleResult) []Summary {
	type key struct {
		model, tier string
		class       int
	}
	var order []key
	curves := map[key][]CurveScore{}
	pixels := map[key][][2]float64{}
	for _, r := range results {
		for class := 1; class <= 2; class++ {
			k := key{r.Model, r.Tier, class}
			if _, ok := curves[k]; !ok {
				order = append(order, k)
				curves[k] = nil
			}
			if iou := float64(r.Pixels.IoU[class]); !math.IsNaN(iou) {
				pixels[k] = append(pixels[k], [2]float64{iou, float64(r.Pixels.F1[class])})
			}
		}
		for _, c := range r.Curves {
			k := key{r.Model, r.Tier, c.Class}
			curves[k] = append(curves[k], c)
		}
	}
	var out []Summary
	for _, k := range order {
		cs := curves[k]
		if len(cs) == 0 {
			continue
		}
		s := Summary{Model: k.model, Tier: k.tier, Class: k.class, Curves: len(cs)}
		pick := func(f func(CurveScore) Float) []float64 {
			v := make([]float64, len(cs))
			for i, c := range cs {
				v[i] = float64(f(c))
			}
			return v
		}
		s.MedianMAE, s.MeanMAE = medianMean(pick(func(c CurveScore) Float { return c.MAE }))
		s.MedianMSE, s.MeanMSE = medianMean(pick(func(c CurveScore) Float { return c.MSE }))
		s.MedianR2, s.MeanR2 = medianMean(pick(func(c CurveScore) Float { return c.R2 }))
		s.MedianCov, s.MeanCov = medianMean(pick(func(c CurveScore) Float { return c.Coverage }))
		var iou, f1 []float64
		for _, p := range pixels[k] {
			iou, f1 = append(iou, p[0]), append(f1, p[1])
		}
		_, s.MeanIoU = medianMean(iou)
		_, s.MeanF1 = medianMean(f1)
		out = append(out, s)
	}
	return out
}

// Meets reports whether a model's summaries for one tier reach target t for
// both classes at once (qa.Target.Check on their medians).
func Meets(t qa.Target, sums []Summary, model, tier string) bool {
	var cs []qa.ClassSummary
	for _, s := range sums {
		if s.Model == model && s.Tier == tier {
			cs = append(cs, qa.ClassSummary{Class: s.Class, Curves: s.Curves,
				MedianR2: qa.Num(s.MedianR2), MedianMAE: qa.Num(s.MedianMAE)})
		}
	}
	return len(cs) > 0 && len(t.Check(cs)) == 0
}

// medianMean returns the median and mean of v, ignoring NaN; NaN for an
// empty set.
func medianMean(v []float64) (Float, Float) {
	var x []float64
	sum := 0.0
	for _, f := range v {
		if !math.IsNaN(f) {
			x = append(x, f)
			sum += f
		}
	}
	if len(x) == 0 {
		return Float(math.NaN()), Float(math.NaN())
	}
	slices.Sort(x)
	n := len(x)
	med := x[n/2]
	if n%2 == 0 {
		med = (x[n/2-1] + x[n/2]) / 2
	}
	return Float(med), Float(sum / float64(n))
}
