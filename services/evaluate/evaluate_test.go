package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/welllog/digitiser/pkg/qa"
	"github.com/welllog/digitiser/pkg/raster"
)

func TestMedianMeanIgnoresNaN(t *testing.T) {
	tests := []struct {
		in        []float64
		med, mean float64
	}{
		{[]float64{3, 1, 2}, 2, 2},
		{[]float64{4, 1, 2, 3}, 2.5, 2.5},
		{[]float64{1, math.NaN(), 5}, 3, 3},
	}
	for _, tc := range tests {
		med, mean := medianMean(tc.in)
		if float64(med) != tc.med || float64(mean) != tc.mean {
			t.Errorf("medianMean(%v) = %v, %v; want %v, %v", tc.in, med, mean, tc.med, tc.mean)
		}
	}
	if med, _ := medianMean(nil); !math.IsNaN(float64(med)) {
		t.Errorf("medianMean(nil) = %v, want NaN", med)
	}
}

func TestSummariseAndTarget(t *testing.T) {
	nan := Float(math.NaN())
	res := []ExampleResult{
		{Model: "a", Tier: "hard", Seed: 1, Curves: []CurveScore{
			{Class: 1, MAE: 0.005, R2: 0.99, Coverage: 1}, {Class: 2, MAE: 0.01, R2: 0.97}},
			Pixels: PixelScore{IoU: [3]Float{0.9, 0.5, 0.3}, F1: [3]Float{1, 0.6, 0.4}}},
		{Model: "a", Tier: "hard", Seed: 2, Curves: []CurveScore{
			{Class: 1, MAE: 0.009, R2: 0.985, Coverage: 0.5}, {Class: 2, MAE: 0.03, R2: 0.90}},
			Pixels: PixelScore{IoU: [3]Float{0.9, 0.7, nan}, F1: [3]Float{1, 0.8, nan}}},
		{Model: "b", Tier: "hard", Seed: 1, Curves: []CurveScore{
			{Class: 1, MAE: 0.05, R2: 0.5}, {Class: 2, MAE: 0.01, R2: 0.99}}},
	}
	sums := Summarise(res)
	if len(sums) != 4 {
		t.Fatalf("got %d summaries, want 4 (2 models x 2 classes)", len(sums))
	}
	a1 := sums[0]
	if a1.Model != "a" || a1.Class != 1 || a1.Curves != 2 {
		t.Fatalf("first summary %+v, want model a class 1 of 2 curves", a1)
	}
	if math.Abs(float64(a1.MedianR2)-0.9875) > 1e-12 || math.Abs(float64(a1.MeanCov)-0.75) > 1e-12 {
		t.Errorf("class 1: median R2 %v mean coverage %v, want 0.9875, 0.75", a1.MedianR2, a1.MeanCov)
	}
	if math.Abs(float64(sums[1].MeanIoU)-0.3) > 1e-12 {
		t.Errorf("class 2 mean IoU %v, want 0.3 (NaN example left out)", sums[1].MeanIoU)
	}
	// a: class 2 median R2 0.935 < 0.95 fails; a class-2 R2 of 0.97 alone passes.
	if Meets(qa.ProjectTarget, sums, "a", "hard") {
		t.Error("model a meets the target with class 2 median R2 0.935")
	}
	if Meets(qa.ProjectTarget, sums, "b", "hard") {
		t.Error("model b meets the target with class 1 R2 0.5")
	}
	ok := Summarise(res[:1])
	if !Meets(qa.ProjectTarget, ok, "a", "hard") {
		t.Errorf("example 1 alone should meet the target: %+v", ok)
	}
}

func TestScorePixelsCountsClasses(t *testing.T) {
	mask := image.NewGray(image.Rect(0, 0, 4, 2))
	copy(mask.Pix, []uint8{0, 1, 1, 2, 0, 0, 2, 2})
	pm := raster.NewProbMap(4, 2)
	// predicted: 0 1 0 2 / 1 0 2 0
	pm.Set(1, 1, 0, 200)
	pm.Set(2, 3, 0, 180)
	pm.Set(1, 0, 1, 130)
	pm.Set(2, 2, 1, 255)
	s := ScorePixels(pm, mask, raster.Span{Top: 0, Bottom: 2})
	// class 0: tp 2 fp 2 fn 1; class 1: tp 1 fp 1 fn 1; class 2: tp 2 fp 0 fn 1
	want := PixelScore{IoU: [3]Float{2.0 / 5, 1.0 / 3, 2.0 / 3},
		F1: [3]Float{4.0 / 7, 2.0 / 4, 4.0 / 5}}
	for c := 0; c < 3; c++ {
		if math.Abs(float64(s.IoU[c]-want.IoU[c])) > 1e-12 ||
			math.Abs(float64(s.F1[c]-want.F1[c])) > 1e-12 {
			t.Errorf("class %d: IoU %v F1 %v, want %v %v", c, s.IoU[c], s.F1[c],
				want.IoU[c], want.F1[c])
		}
	}
	empty := ScorePixels(raster.NewProbMap(4, 2), image.NewGray(image.Rect(0, 0, 4, 2)),
		raster.Span{Bottom: 2})
	if !math.IsNaN(float64(empty.IoU[1])) || empty.IoU[0] != 1 {
		t.Errorf("all background: IoU %v, want [1 NaN NaN]", empty.IoU)
	}
}

func TestWarpMaskFollowsTransform(t *testing.T) {
	mask := image.NewGray(image.Rect(0, 0, 60, 40))
	mask.Pix[10*mask.Stride+20] = 2
	tf := raster.Transform{DX: 5, DY: -3}
	got := WarpMask(mask, tf, 60, 40)
	if got.Pix[7*got.Stride+25] != 2 {
		t.Fatalf("shifted class px not at (25, 7)")
	}
	if n := countNonZero(got); n != 1 {
		t.Errorf("%d class px after a shift, want 1", n)
	}
	rot := raster.Transform{SkewDeg: 2, CX: 30, CY: 20}
	got = WarpMask(mask, rot, 60, 40)
	x, y := rot.Apply(20.5, 10.5)
	if got.Pix[int(y)*got.Stride+int(x)] != 2 {
		t.Errorf("rotated class px not at (%d, %d)", int(x), int(y))
	}
}

func countNonZero(g *image.Gray) int {
	n := 0
	for _, v := range g.Pix {
		if v != 0 {
			n++
		}
	}
	return n
}

func TestFloatMarshalsNaNAsNull(t *testing.T) {
	b, err := json.Marshal([]Float{1.5, Float(math.NaN()), Float(math.Inf(1))})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "[1.5,null,null]" {
		t.Fatalf("got %s", b)
	}
	var back []Float
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back[0] != 1.5 || !math.IsNaN(float64(back[1])) {
		t.Errorf("round trip %v", back)
	}
}

func TestPlotAndMarkdown(t *testing.T) {
	res := []ExampleResult{
		{Model: "m1", Tier: "easy", Seed: 1, Curves: []CurveScore{{Class: 1, R2: 0.9}}},
		{Model: "m1", Tier: "hard", Seed: 1, Curves: []CurveScore{{Class: 1, R2: 0.5}}},
		{Model: "m2", Tier: "easy", Seed: 1, Curves: []CurveScore{{Class: 1, R2: 0.99}}},
		{Model: "m2", Tier: "hard", Seed: 1, Error: "trace: boom",
			Curves: []CurveScore{missedCurve("X", 1)}},
	}
	var buf bytes.Buffer
	if err := PlotR2(&buf, res, []string{"m1", "m2"}); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	// m1's colour appears in the class 1 panel: its markers were drawn.
	found := 0
	b := img.Bounds()
	for y := 0; y < panelH; y++ {
		for x := plotLeft; x < plotW-plotRight; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if uint8(r>>8) == palette[0].R && uint8(g>>8) == palette[0].G &&
				uint8(bl>>8) == palette[0].B {
				found++
			}
		}
	}
	if found < 10 || b.Dx() != plotW {
		t.Errorf("m1 drawn on %d px of the class 1 panel", found)
	}

	var md strings.Builder
	if err := WriteMarkdown(&md, res, []string{"m1", "m2"}, qa.ProjectTarget); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| m1 | 1 | 1 | 0.9000 |",
		"| hard | 1 | 0.500 / — | !0.000 / — |", "- m2: not met"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for _, args := range [][]string{
		{"--out", "x"},
		{"--model", "mask"},
		{"--model", "mask", "--out", "x", "--easy", "0", "--hard", "0"},
		{"--model", "mask", "--out", "x", "--easy", "-1", "--hard", "1"},
		{"--model", "mask", "--out", "x", "--height", "100"},
		{"--model", "mask", "--model", "mask", "--out", "x"},
		{"--review", "--merge", "r.json", "--out", "x"},
		{"--review", "--export-tiles", "d"},
	} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q) accepted", args)
		}
	}
	cfg, err := parseFlags([]string{"--model", "mask", "--out", "x", "--hard", "2"})
	if err != nil || cfg.Hard != 2 || cfg.Easy != 6 || !cfg.OracleDepth {
		t.Errorf("parseFlags: %+v, %v", cfg, err)
	}
}

func TestMergeRuns(t *testing.T) {
	dir := t.TempDir()
	runA := []ExampleResult{{Model: "a", Tier: "hard", Seed: 1,
		Curves: []CurveScore{{Class: 1, R2: 0.99, MAE: 0.004}}}}
	runB := []ExampleResult{{Model: "b", Tier: "hard", Seed: 1,
		Curves: []CurveScore{{Class: 1, R2: 0.5, MAE: 0.1}}}}
	var paths []string
	for i, rs := range [][]ExampleResult{runA, runB} {
		p := filepath.Join(dir, fmt.Sprintf("r%d.json", i))
		if err := writeJSON(p, rs); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	out := filepath.Join(dir, "out")
	empty := filepath.Join(dir, "empty.json")
	os.WriteFile(empty, []byte("[]"), 0o644)
	if err := mergeRuns(&Config{Merge: []string{empty}, Out: out}); err == nil {
		t.Error("merging no results was accepted")
	}
	cfg := &Config{Merge: paths, Out: out}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := mergeRuns(cfg); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(out, "table.md"))
	if err != nil {
		t.Fatal(err)
	}
	ia, ib := strings.Index(string(md), "| a | 1 |"), strings.Index(string(md), "| b | 1 |")
	if ia < 0 || ib < ia {
		t.Errorf("merged table lacks a before b:\n%s", md)
	}
	if _, err := os.Stat(filepath.Join(out, "r2.png")); err != nil {
		t.Error(err)
	}
}

func TestLineEndsAtItsEndPoint(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 50, 50))
	c := palette[1]
	for _, p := range [][4]int{{2, 3, 40, 17}, {40, 2, 3, 45}, {5, 5, 5, 30}, {1, 9, 44, 9}} {
		line(img, p[0], p[1], p[2], p[3], c)
		if img.RGBAAt(p[2], p[3]) != c || img.RGBAAt(p[0], p[1]) != c {
			t.Errorf("line %v misses an end point", p)
		}
	}
}

// TestRefusedLogCountsAsMissed runs, with calibrated depth, a log too
// short to calibrate from its labels (800 px: fewer than three labels,
// with or without ../shared/realdata): it must appear in results.json
// with the error and every curve missed, and be marked in the
// per-example table, not vanish from the medians.
func TestRefusedLogCountsAsMissed(t *testing.T) {
	out := t.TempDir()
	cfg := &Config{Models: []string{"mask"}, Easy: 1, Seed: 900001, Width: 1200,
		Height: 800, Out: out}
	if err := run(context.Background(), cfg, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rs []ExampleResult
	if err := json.Unmarshal(data, &rs); err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || !strings.Contains(rs[0].Error, "calibrate depth") ||
		len(rs[0].Curves) == 0 {
		t.Fatalf("results %+v: want the one log, failed at calibration, with its curves", rs)
	}
	for _, c := range rs[0].Curves {
		if c.R2 != 0 || c.Coverage != 0 {
			t.Errorf("%s: R2 %v coverage %v, want a missed curve", c.Mnemonic, c.R2, c.Coverage)
		}
	}
	md, err := os.ReadFile(filepath.Join(out, "table.md"))
	if err != nil {
		t.Fatal(err)
	}
	marked := false
	for _, line := range strings.Split(string(md), "\n") {
		if strings.Contains(line, "| 900001") && strings.Contains(line, "!") {
			marked = true
		}
	}
	if !marked {
		t.Errorf("table does not mark the refused log 900001 with !:\n%s", md)
	}
}
