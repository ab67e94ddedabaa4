package main

import (
	"context"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/welllog/digitiser/pkg/raster"
	"github.com/welllog/digitiser/pkg/realdata"
	"github.com/welllog/digitiser/pkg/segment"
	"github.com/welllog/digitiser/pkg/synth"
	"github.com/welllog/digitiser/pkg/vector"
)

// smallExample is a short easy log, quick enough for unit tests.
func smallExample(t testing.TB, tier synth.Tier, seed uint64) *Example {
	t.Helper()
	ex, err := NewExample(tier, seed, ExampleOptions{Width: 1200, Height: 1600,
		OracleDepth: true})
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

func TestOracleThroughStages(t *testing.T) {
	ex := smallExample(t, synth.TierEasy, 5)
	review := t.TempDir()
	r := Score(context.Background(), Model{Name: "mask", Oracle: true}, ex, vector.Options{}, review)
	if r.Error != "" {
		t.Fatalf("oracle failed: %s", r.Error)
	}
	checkReview(t, filepath.Join(review, "mask-easy-5.png"), ex)
	if got, want := len(r.Curves), len(ex.Manifest.Curves()); got != want || want == 0 {
		t.Fatalf("%d curve scores for %d manifest curves", got, want)
	}
	for _, c := range r.Curves {
		if c.Coverage < 0.9 {
			t.Errorf("%s: coverage %.3f from the exact mask, want >= 0.9", c.Mnemonic, c.Coverage)
		}
		if math.IsNaN(float64(c.R2)) || math.IsNaN(float64(c.MAE)) {
			t.Errorf("%s: unscored: %+v", c.Mnemonic, c)
		}
	}
	for c := 1; c <= 2; c++ {
		if v := r.Pixels.IoU[c]; !math.IsNaN(float64(v)) && v != 1 {
			t.Errorf("oracle class %d pixel IoU %v, want 1", c, v)
		}
	}
}

// TestDefaultModelThroughStages runs the committed default model on a hard
// log. Strict pixel IoU of 1-3 px lines is low even for good models (a
// 1 px offset counts fully), so the floors catch a broken model or input
// normalisation (IoU near 0), not small regressions.
func TestDefaultModelThroughStages(t *testing.T) {
	requireRuntime(t)
	root, err := realdata.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	// The default model is the newest version directory by name, as the
	// demo picks it.
	found, _ := filepath.Glob(filepath.Join(root, "training/models/curveseg/v*/model.onnx"))
	if len(found) == 0 {
		t.Skip("no model under training/models/curveseg yet")
	}
	sort.Strings(found)
	path := found[len(found)-1]
	seg, err := segment.NewONNX(path, segment.ONNXOptions{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer seg.Close()
	ex := smallExample(t, synth.TierHard, 3)
	r := Score(context.Background(), Model{Name: "default", Seg: seg}, ex, vector.Options{}, "")
	if r.Error != "" {
		t.Fatalf("%s failed: %s", path, r.Error)
	}
	if iou := r.Pixels.IoU[1]; !(iou >= 0.35) {
		t.Errorf("class 1 pixel IoU %.3f on a hard log, want >= 0.35", iou)
	}
	if f1 := r.Pixels.F1[2]; !(f1 >= 0.3) {
		t.Errorf("class 2 pixel F1 %.3f on a hard log, want >= 0.3", f1)
	}
	best := Float(math.Inf(-1))
	for _, c := range r.Curves {
		best = max(best, c.R2)
	}
	if best < 0.9 {
		t.Errorf("no curve traced with R2 >= 0.9: %+v", r.Curves)
	}
	t.Logf("pixels %+v curves %+v", r.Pixels, r.Curves)
}

func BenchmarkScorePixels(b *testing.B) {
	const w, h = 1700, 4000
	mask := image.NewGray(image.Rect(0, 0, w, h))
	pm := raster.NewProbMap(w, h)
	for i := range mask.Pix {
		mask.Pix[i] = uint8(i % 3)
		pm.P[i%2][i] = uint8(i)
	}
	b.SetBytes(w * h)
	for b.Loop() {
		ScorePixels(pm, mask, raster.Span{Bottom: h})
	}
}

func BenchmarkWarpMask(b *testing.B) {
	const w, h = 1700, 4000
	mask := image.NewGray(image.Rect(0, 0, w, h))
	tf := raster.Transform{SkewDeg: 1.5, CX: w / 2, CY: h / 2}
	b.SetBytes(w * h)
	for b.Loop() {
		WarpMask(mask, tf, w, h)
	}
}

// BenchmarkScoreOracle is the per-model stage cost without a network:
// vectorisation, LAS build and QA on a 1200 x 1600 px log.
func BenchmarkScoreOracle(b *testing.B) {
	ex := smallExample(b, synth.TierHard, 3)
	m := Model{Name: "mask", Oracle: true}
	for b.Loop() {
		Score(context.Background(), m, ex, vector.Options{}, "")
	}
}

func TestOracleCalibrationMatchesTruth(t *testing.T) {
	for _, tier := range []synth.Tier{synth.TierEasy, synth.TierHard} {
		lg, err := synth.Generate(synth.Config{Tier: tier, Seed: 11, Width: 1200, Height: 1600})
		if err != nil {
			t.Fatal(err)
		}
		prep, err := raster.Preprocess(lg.Gray(), lg.Manifest, raster.PreprocessOptions{})
		if err != nil {
			prep, err = raster.Preprocess(lg.Gray(), pinTracks(lg.Manifest, lg),
				raster.PreprocessOptions{})
		}
		if err != nil {
			t.Fatal(err)
		}
		cal := exactCalibration(lg, prep)
		x := float64(lg.Layout.Width) / 2
		rate := 1 / lg.PxPerUnit // depth per log-frame px
		for r := lg.Layout.Body.Top + 5; r < len(lg.Depth); r += 97 {
			px, py := lg.Geometry.Page(x, float64(r))
			_, row := prep.Transform.Apply(px, py)
			if d := cal.Depth(row) - lg.Depth[r]; math.Abs(d) > 0.05*rate {
				t.Fatalf("%s: row %d: depth off by %.4f %s (%.2f px)", tier, r, d, lg.Unit,
					d/rate)
			}
		}
	}
}

// checkReview opens a review picture and checks its three panels: as tall
// as the shrunk prepared image, and the mask panel (the third) drawn in the
// class colours where the mask has curves.
func checkReview(t *testing.T, path string, ex *Example) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("review picture: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("review picture %s: %v", path, err)
	}
	ph := (ex.Prepared.Image.Rect.Dy() + overlayFactor - 1) / overlayFactor
	pw := (ex.Prepared.Image.Rect.Dx() + overlayFactor - 1) / overlayFactor
	if b := img.Bounds(); b.Dy() != ph || b.Dx() != 3*pw+8 {
		t.Fatalf("review picture %v, want %d x %d", b, 3*pw+8, ph)
	}
	var red, blue int
	for y := 0; y < ph; y++ {
		for x := 2 * (pw + 4); x < 3*pw+8; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			switch {
			case r > 0xc000 && g < 0x4000 && b < 0x4000:
				red++
			case b > 0xc000 && r < 0x4000 && g < 0x4000:
				blue++
			}
		}
	}
	var solid, dashed bool
	for _, c := range ex.Manifest.Curves() {
		solid = solid || c.Class() == 1
		dashed = dashed || c.Class() == 2
	}
	if (red > 0) != solid || (blue > 0) != dashed {
		t.Errorf("mask panel: %d solid and %d dashed px; manifest has solid %v, dashed %v",
			red, blue, solid, dashed)
	}
}
