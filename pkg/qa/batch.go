package qa

import (
	"fmt"
	"math"

	"github.com/welllog/digitiser/pkg/manifest"
)

// Target is an accuracy goal stated per curve class (index 1 solid, 2
// dashed; 0 unused): the median R-squared over the curves at least R2 and
// the median MAE at most MAE, both on values normalised to the track width.
type Target struct {
	R2  [3]float64 `json:"r2"`
	MAE [3]float64 `json:"mae"`
}

// ProjectTarget is the project's goal on hard logs: median R-squared >= 0.98
// (solid) and >= 0.95 (dashed), median MAE <= 0.01 and <= 0.02 of the track
// width, both classes at once.
var ProjectTarget = Target{R2: [3]float64{0, 0.98, 0.95}, MAE: [3]float64{0, 0.01, 0.02}}

// Check compares per-class summaries with the target and returns one line
// per class that misses it (empty when every class with a goal is met). A
// class the target names but the summaries lack misses it.
func (t Target) Check(sums []ClassSummary) []string {
	var miss []string
	for cls := manifest.ClassSolid; cls <= manifest.ClassDashed; cls++ {
		if t.R2[cls] == 0 && t.MAE[cls] == 0 {
			continue
		}
		var s *ClassSummary
		for i := range sums {
			if sums[i].Class == cls {
				s = &sums[i]
			}
		}
		switch {
		case s == nil:
			miss = append(miss, fmt.Sprintf("class %d: no curves scored", cls))
		case !(float64(s.MedianR2) >= t.R2[cls]) || !(float64(s.MedianMAE) <= t.MAE[cls]):
			miss = append(miss, fmt.Sprintf("class %d: median R2 %.4f (goal >= %.2f, %s), "+
				"median MAE %.4f (goal <= %.2f, %s)", cls, float64(s.MedianR2), t.R2[cls],
				metOr(float64(s.MedianR2) >= t.R2[cls]), float64(s.MedianMAE), t.MAE[cls],
				metOr(float64(s.MedianMAE) <= t.MAE[cls])))
		}
	}
	return miss
}

// metOr says whether one figure of a class met its goal.
func metOr(met bool) string {
	if met {
		return "met"
	}
	return "missed"
}

// Missed truth scores: a curve the truth has but the output lacks (no row
// to compare) scores as a random guess of a uniform position across the
// track, R-squared 0 and MAE 1/3, so that it counts against the pool
// instead of dropping out of it.
const (
	missedR2  = 0
	missedMAE = 1.0 / 3
)

// PoolTruth takes per-class medians over every curve of every report that
// was scored against a truth LAS: the figures a batch of logs is judged by.
// A curve with a truth LAS but no comparable rows counts as missed (R2 0,
// MAE 1/3, coverage 0) and is counted in Missed. Reports without truth are
// skipped.
func PoolTruth(reports []*Report) []ClassSummary {
	var out []ClassSummary
	for _, cls := range []int{manifest.ClassSolid, manifest.ClassDashed} {
		var r2, mae, cov []float64
		missed := 0
		for _, r := range reports {
			if r == nil || !r.HasTruth {
				continue
			}
			for _, c := range r.Curves {
				if c.Class != cls || c.Truth == nil {
					continue
				}
				t := c.Truth
				if t.Rows == 0 || math.IsNaN(float64(t.R2)) {
					r2, mae, cov = append(r2, missedR2), append(mae, missedMAE), append(cov, 0)
					missed++
					continue
				}
				r2 = append(r2, float64(t.R2))
				mae = append(mae, float64(t.MAE))
				cov = append(cov, float64(t.Coverage))
			}
		}
		if len(r2) == 0 {
			continue
		}
		out = append(out, ClassSummary{Class: cls, Curves: len(r2), MedianR2: Num(median(r2)),
			MedianMAE: Num(median(mae)), MedianCov: Num(median(cov)), Missed: missed})
	}
	return out
}
