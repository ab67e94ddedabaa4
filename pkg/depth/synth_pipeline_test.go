package depth_test

import (
	"image"
	"math"
	"testing"

	"github.com/welllog/digitiser/pkg/depth"
	"github.com/welllog/digitiser/pkg/las"
	"github.com/welllog/digitiser/pkg/raster"
	"github.com/welllog/digitiser/pkg/synth"
	"github.com/welllog/digitiser/pkg/vector"
)

// TestSynthPipelineSkewedHard runs hard generated logs through the whole
// pipeline on a perfect segmentation: Preprocess (deskew, layout), the
// generator's mask carried onto the deskewed image, vector.TraceAll,
// BuildLog with the generator's own row-to-depth mapping, then R^2 of every
// curve's track fraction against the truth samples. On these logs track
// finding once put borders at grid lines (a border cut by the page edge
// under 3 deg, a grid line heavier than the borders), and curves scored
// R^2 of -2 to -60.
//
// The test guards track finding, so its bar is below what a clean curve
// reaches: since synth/1.2.0 the mask holds only the ink the scan shows, and
// where fading thinned a curve to scattered dots the trace of 900005 DRHO
// reaches R^2 0.67 and RHOB 0.955 (0.97 and more on the earlier masks,
// which labelled the lost ink too). TODO(#5): follow thinned stretches.
func TestSynthPipelineSkewedHard(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and digitises two 1700 x 3000 px logs")
	}
	for _, seed := range []uint64{900005, 900008} {
		lg, err := synth.Generate(synth.Config{Tier: synth.TierHard, Seed: seed,
			Width: 1700, Height: 3000})
		if err != nil {
			t.Fatal(err)
		}
		p, err := raster.Preprocess(lg.Gray(), lg.Manifest, raster.PreprocessOptions{})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		pm := maskProbMap(lg.Mask, p.Transform, p.Image.Rect.Dx(), p.Image.Rect.Dy())
		traces, err := vector.TraceAll(pm, p.Layout, lg.Manifest, vector.Options{})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		f, err := depth.BuildLog(traces, exactCalibration(lg, p), lg.Manifest)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		for i, tc := range lg.Manifest.Curves() {
			r2, n := fracR2(f, lg, i)
			t.Logf("seed %d %s: R^2 %.4f over %d samples", seed, tc.Mnemonic, r2, n)
			// TODO(#5): where a faded curve left a long stretch blank (the mask
			// drops it since synth/1.2.0), a path traced by line style may ride
			// another curve's ink across it (900005 DRHO on GRTO: R^2 0.67).
			if n < len(lg.SampleDepth)/2 || r2 < minSkewedR2 {
				t.Errorf("seed %d %s: R^2 %.4f over %d of %d samples, want >= %.2f over "+
					"half or more", seed, tc.Mnemonic, r2, n, len(lg.SampleDepth), minSkewedR2)
			}
		}
	}
}

// minSkewedR2 is TestSynthPipelineSkewedHard's bar: far above what a track
// border on a grid line scores (R^2 -2 to -60), below thinned faded curves.
const minSkewedR2 = 0.6

// maskProbMap carries the generator's class mask onto the deskewed image
// (nearest px through tf's inverse) as a certain probability map.
func maskProbMap(mask *image.Gray, tf raster.Transform, w, h int) *raster.ProbMap {
	pm := raster.NewProbMap(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sx, sy := tf.Inverse(float64(x)+0.5, float64(y)+0.5)
			ix, iy := int(math.Floor(sx)), int(math.Floor(sy))
			if ix < 0 || iy < 0 || ix >= mask.Rect.Dx() || iy >= mask.Rect.Dy() {
				continue
			}
			if c := mask.Pix[iy*mask.Stride+ix]; c == 1 || c == 2 {
				pm.P[c-1][y*w+x] = 255
			}
		}
	}
	return pm
}

// exactCalibration is the generator's exact row-to-depth mapping of the
// prepared image (synth.Log.DepthLine) as a one-segment calibration.
func exactCalibration(lg *synth.Log, p *raster.Prepared) *depth.Calibration {
	d0, rate := lg.DepthLine(p.Transform)
	return &depth.Calibration{Unit: lg.Unit, Method: "oracle", Segments: []depth.Segment{{
		RowFrom: 0, RowTo: float64(p.Image.Rect.Dy()), Depth0: d0, Rate: rate,
		Pass: depth.PassMain}}}
}

// fracR2 returns R^2 of manifest curve i's output against the truth
// samples of the same mnemonic at the same depths, both as track fractions
// of the curve's main scale, and how many samples were compared.
func fracR2(f *las.File, lg *synth.Log, i int) (float64, int) {
	c := lg.Manifest.Curves()[i]
	dept, vals := f.Curve("DEPT"), f.Curve(c.Mnemonic)
	truth := map[int64]float64{}
	for k, tc := range lg.Truth {
		if tc.Mnemonic != c.Mnemonic {
			continue
		}
		for j, d := range lg.SampleDepth {
			truth[int64(math.Round(d*1000))] = lg.Samples[k][j]
		}
	}
	var got, want []float64
	for j, d := range dept {
		w, ok := truth[int64(math.Round(d*1000))]
		if !ok || math.IsNaN(w) || math.IsNaN(vals[j]) {
			continue
		}
		got, want = append(got, c.Frac(vals[j])), append(want, c.Frac(w))
	}
	if len(want) < 2 {
		return math.NaN(), len(want)
	}
	mean := 0.0
	for _, v := range want {
		mean += v / float64(len(want))
	}
	var res, tot float64
	for j := range want {
		res += (got[j] - want[j]) * (got[j] - want[j])
		tot += (want[j] - mean) * (want[j] - mean)
	}
	return 1 - res/tot, len(want)
}

// TestSynthEdgeDepthTrack calibrates, from their depth labels alone, hard
// logs whose depth track is the last column of the page with no border of
// its own (one wide track, labels cut by the page edge under skew): every
// one of the 48 held-out hard archives that failed with "no depth track
// found" was of this kind.
func TestSynthEdgeDepthTrack(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and calibrates two 1700 x 6000 px logs")
	}
	for _, seed := range []uint64{900009, 900041} {
		lg := generateHard(t, seed)
		if dt := lg.Layout.DepthTrack; dt.Right < lg.Layout.Width-40 {
			t.Fatalf("seed %d: depth track %+v is not the page's last column; the "+
				"generator changed, pick another seed", seed, dt)
		}
		if len(lg.Manifest.Depth.TiePoints) > 0 {
			t.Fatalf("seed %d: the manifest has tie points; want labels only", seed)
		}
		checkCalibration(t, lg, "")
	}
}

// TestSynthEdgeDepthTrackTiePoints calibrates from the manifest's tie
// points hard logs turned about 3 degrees whose depth track is the page's
// last column, which preprocessing does not find. The tie points name rows
// where the labels sit; reading them at the strip's centre instead, 700 px
// away, put the whole log 37 and 40 px off (R^2 0.99 to 0.79 on a curve).
func TestSynthEdgeDepthTrackTiePoints(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and calibrates two 1700 x 6000 px logs")
	}
	for _, seed := range []uint64{900027, 900047} {
		lg := generateHard(t, seed)
		if dt := lg.Layout.DepthTrack; dt.Right < lg.Layout.Width-40 ||
			len(lg.Manifest.Depth.TiePoints) < 2 || math.Abs(lg.Geometry.SkewDeg) < 2 {
			t.Fatalf("seed %d: want an edge depth track %+v, tie points (%d) and 2 deg of "+
				"skew or more (%.2f); the generator changed, pick another seed", seed, dt,
				len(lg.Manifest.Depth.TiePoints), lg.Geometry.SkewDeg)
		}
		checkCalibration(t, lg, depth.MethodTiePoints)
	}
}

// TestSynthLabelMisreads calibrates hard logs where the digit reader gets
// some labels wrong in ways a fit alone accepts: a last digit (27709,
// 5954, 8606 for 27700, 5950, 8600) within the fit's tolerance, which
// moved the whole log 5 to 24 px, and labels read with digits missing (45,
// 50, 60 for 4450, 4500, 4600) that made a second segment at a tenth of
// the rate.
func TestSynthLabelMisreads(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and calibrates three 1700 x 6000 px logs")
	}
	for _, seed := range []uint64{900020, 900035, 900044} {
		checkCalibration(t, generateHard(t, seed), depth.MethodGridLabels)
	}
}

func generateHard(t *testing.T, seed uint64) *synth.Log {
	t.Helper()
	lg, err := synth.Generate(synth.Config{Tier: synth.TierHard, Seed: seed,
		Width: 1700, Height: 6000})
	if err != nil {
		t.Fatal(err)
	}
	return lg
}

// maxCalErrPx is how far, in px, a calibrated row may be from the
// generator's depth: label rows snap to grid lines drawn 1-3 px wide, and
// deskew is estimated to about 0.001 degrees.
const maxCalErrPx = 2

// checkCalibration preprocesses lg, calibrates it (by method, when not
// empty) and wants every body row within maxCalErrPx of the generator's
// depth.
func checkCalibration(t *testing.T, lg *synth.Log, method string) {
	t.Helper()
	seed := lg.Config.Seed
	p, err := raster.Preprocess(lg.Gray(), lg.Manifest, raster.PreprocessOptions{})
	if err != nil {
		t.Fatalf("seed %d: %v", seed, err)
	}
	cal, err := depth.Calibrate(p.Image, p.Layout, p.Transform, lg.Manifest)
	if err != nil {
		t.Fatalf("seed %d: %v", seed, err)
	}
	if method != "" && cal.Method != method {
		t.Fatalf("seed %d: calibrated by %s, want %s", seed, cal.Method, method)
	}
	want := exactCalibration(lg, p)
	rate := want.Segments[0].Rate
	worst := 0.0
	for r := p.Layout.Body.Top; r < p.Layout.Body.Bottom; r += 25 {
		worst = max(worst, math.Abs(cal.Depth(float64(r))-want.Depth(float64(r)))/rate)
	}
	t.Logf("seed %d: method %s, %d segments, largest error %.2f px over the body", seed,
		cal.Method, len(cal.Segments), worst)
	if worst > maxCalErrPx {
		t.Errorf("seed %d: depth off by up to %.1f px, want within %d px", seed, worst,
			maxCalErrPx)
	}
}
