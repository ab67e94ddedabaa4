package vector

import (
	"math"
	"slices"
	"testing"

	"github.com/welllog/digitiser/pkg/raster"
	"github.com/welllog/digitiser/pkg/synth"
)

// maskMap turns a synthetic log's class mask into a certain probability
// map: what a perfect segmenter would output.
func maskMap(lg *synth.Log) *raster.ProbMap {
	b := lg.Mask.Bounds()
	pm := raster.NewProbMap(b.Dx(), b.Dy())
	for i, c := range lg.Mask.Pix {
		if c == 1 || c == 2 {
			pm.P[c-1][i] = 255
		}
	}
	return pm
}

// synthLayout is the log's layout with its track borders as grid lines, as
// preprocessing reports them.
func synthLayout(lg *synth.Log) raster.Layout {
	l := lg.Layout
	for _, t := range lg.Tracks {
		l.GridLines = append(l.GridLines,
			raster.Band{Left: t.Band.Left - t.Border, Right: t.Band.Left},
			raster.Band{Left: t.Band.Right, Right: t.Band.Right + t.Border})
	}
	return l
}

// curveScore compares a trace with the truth fractions over the body:
// R-squared, MAE (track widths) and the share of truth rows traced.
func curveScore(tr Trace, truth []float64) (r2, mae, cov float64) {
	var n, nt, sa, ss, st, stt float64
	for i, f := range tr.Frac {
		t := truth[tr.Top+i]
		if math.IsNaN(t) {
			continue
		}
		nt++
		if math.IsNaN(f) {
			continue
		}
		e := f - t
		n++
		sa += math.Abs(e)
		ss += e * e
		st += t
		stt += t * t
	}
	return 1 - ss/(stt-st*st/n), sa / n, n / nt
}

// TestTraceSyntheticMasks traces the exact masks of 16 easy and 16 hard
// synthetic logs (skew and stretch off: undoing them is preprocessing's
// job) and checks the per-class median R-squared and MAE: 0.99 and 0.01
// of the track width for solid curves, 0.98 (0.99 on easy logs) and 0.02
// for dashed ones, clearly better than the pipeline's targets on hard logs
// (0.98 / 0.95), so that a segmenter's errors have room.
func TestTraceSyntheticMasks(t *testing.T) {
	if testing.Short() {
		t.Skip("renders synthetic logs")
	}
	for _, tier := range []synth.Tier{synth.TierEasy, synth.TierHard} {
		k := synth.EasyKnobs()
		if tier == synth.TierHard {
			k = synth.HardKnobs()
		}
		k.SkewDeg, k.Stretch = 0, 0
		r2s := map[int][]float64{}
		maes := map[int][]float64{}
		for seed := uint64(1); seed <= 16; seed++ {
			lg, err := synth.Generate(synth.Config{Tier: tier, Seed: seed, Height: 3000,
				Knobs: &k})
			if err != nil {
				t.Fatal(err)
			}
			trs, err := TraceAll(maskMap(lg), synthLayout(lg), lg.Manifest, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for i, tr := range trs {
				r2, mae, cov := curveScore(tr, lg.Truth[i].Frac)
				t.Logf("%s seed %d %s class %d style %s: R2 %.4f MAE %.4f coverage %.3f",
					tier, seed, tr.Mnemonic, tr.Class, lg.Truth[i].Style, r2, mae, cov)
				r2s[tr.Class] = append(r2s[tr.Class], r2)
				maes[tr.Class] = append(maes[tr.Class], mae)
			}
		}
		for cls := 1; cls <= 2; cls++ {
			r2, mae := medianOf(r2s[cls]), medianOf(maes[cls])
			t.Logf("%s class %d: median R2 %.4f, median MAE %.4f over %d curves", tier, cls,
				r2, mae, len(r2s[cls]))
			minR2, maxMAE := 0.99, 0.01
			if cls == 2 {
				minR2, maxMAE = 0.98, 0.02
			}
			if tier == synth.TierEasy {
				minR2 = 0.99
			}
			if len(r2s[cls]) > 0 && (r2 < minR2 || mae > maxMAE) {
				t.Errorf("%s class %d: median R2 %.4f (want >= %v), MAE %.4f (want <= %v)",
					tier, cls, r2, minR2, mae, maxMAE)
			}
		}
	}
}

func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/2]
}
