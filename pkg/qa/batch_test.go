package qa

import (
	"math"
	"strings"
	"testing"
)

func truthCurve(cls int, r2, mae, cov float64, rows int) CurveReport {
	return CurveReport{Class: cls, Truth: &Metrics{R2: Num(r2), MAE: Num(mae),
		Coverage: Num(cov), Rows: rows}}
}

func TestPoolTruth(t *testing.T) {
	a := &Report{HasTruth: true, Curves: []CurveReport{
		truthCurve(1, 0.99, 0.005, 1, 100),
		truthCurve(2, 0.90, 0.030, 0.9, 100),
	}}
	b := &Report{HasTruth: true, Curves: []CurveReport{
		truthCurve(1, 0.97, 0.009, 0.8, 100),
		truthCurve(1, math.NaN(), math.NaN(), 0, 0), // no rows: missed
		truthCurve(2, 0.96, 0.010, 1, 100),
	}}
	noTruth := &Report{Curves: []CurveReport{{Class: 1}}}
	sums := PoolTruth([]*Report{a, b, noTruth, nil})
	if len(sums) != 2 {
		t.Fatalf("got %d class summaries, want 2: %+v", len(sums), sums)
	}
	s1, s2 := sums[0], sums[1]
	if s1.Class != 1 || s1.Curves != 3 || float64(s1.MedianR2) != 0.97 ||
		float64(s1.MedianMAE) != 0.009 || float64(s1.MedianCov) != 0.8 || s1.Missed != 1 {
		t.Errorf("solid pool %+v: want 3 curves, medians R2 0.97, MAE 0.009, coverage 0.8, "+
			"1 missed", s1)
	}
	if s2.Class != 2 || s2.Curves != 2 || math.Abs(float64(s2.MedianR2)-0.93) > 1e-12 {
		t.Errorf("dashed pool %+v: want 2 curves, median R2 0.93", s2)
	}
}

func TestTargetCheck(t *testing.T) {
	ok := []ClassSummary{{Class: 1, MedianR2: 0.985, MedianMAE: 0.008},
		{Class: 2, MedianR2: 0.95, MedianMAE: 0.02}}
	if miss := ProjectTarget.Check(ok); len(miss) != 0 {
		t.Errorf("on-target summaries missed: %v", miss)
	}
	cases := map[string][]ClassSummary{
		"class 1":          {{Class: 1, MedianR2: 0.979, MedianMAE: 0.008}, ok[1]},
		"class 2":          {ok[0], {Class: 2, MedianR2: 0.96, MedianMAE: 0.021}},
		"no curves scored": {ok[0]},
		"NaN":              {{Class: 1, MedianR2: Num(math.NaN()), MedianMAE: 0}, ok[1]},
	}
	for name, sums := range cases {
		miss := ProjectTarget.Check(sums)
		if len(miss) != 1 {
			t.Errorf("%s: %d misses %v, want 1", name, len(miss), miss)
			continue
		}
		if name != "NaN" && !strings.Contains(miss[0], name) {
			t.Errorf("%s: miss %q does not say which", name, miss[0])
		}
	}
	// Class 1 misses on R2 alone: the line says its MAE met the goal.
	miss := ProjectTarget.Check(cases["class 1"])
	if len(miss) != 1 || !strings.Contains(miss[0], "0.98, missed") ||
		!strings.Contains(miss[0], "0.01, met") {
		t.Errorf("miss %v: want R2 missed and MAE met", miss)
	}
}
