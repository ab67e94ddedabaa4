package main

import (
	"encoding/json"
	"fmt"
	"image"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/welllog/digitiser/pkg/synth"
)

// TestExportTilesOnPreparedPixels exports a few tiles and checks the
// trainer's layout, the class values and that the warped mask lands on ink
// of the prepared image: curve px are much darker than background px.
func TestExportTilesOnPreparedPixels(t *testing.T) {
	dir := t.TempDir()
	opt := TileExport{Dir: dir, N: 6, Tile: 128, PerLog: 3, Seed: 7, Background: 0.01}
	st, err := ExportTiles(opt, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if st.N != 6 || st.GeneratorVersion != synth.Version || st.ClassPixels[1] == 0 {
		t.Fatalf("stats %+v: want 6 tiles of %s with curve px", st, synth.Version)
	}
	var onInk, offInk [2]float64 // sum, count
	for i := range 6 {
		name := fmt.Sprintf("%06d.png", i)
		img := readGray(t, filepath.Join(dir, "images", name))
		mask := readGray(t, filepath.Join(dir, "masks", name))
		if img.Rect.Dx() != 128 || mask.Rect != img.Rect {
			t.Fatalf("tile %d: image %v mask %v, want 128 px square", i, img.Rect, mask.Rect)
		}
		for p, c := range mask.Pix {
			switch {
			case c > 2:
				t.Fatalf("tile %d: mask value %d, want 0..2", i, c)
			case c > 0:
				onInk[0], onInk[1] = onInk[0]+float64(img.Pix[p]), onInk[1]+1
			default:
				offInk[0], offInk[1] = offInk[0]+float64(img.Pix[p]), offInk[1]+1
			}
		}
	}
	on, off := onInk[0]/onInk[1], offInk[0]/offInk[1]
	if on > off-60 {
		t.Errorf("mean gray on curve px %.0f, off %.0f: want curve px darker by > 60", on, off)
	}
	var js map[string]any
	data, err := os.ReadFile(filepath.Join(dir, "stats.json"))
	if err == nil {
		err = json.Unmarshal(data, &js)
	}
	if err != nil || js["source"] != "prepared" {
		t.Errorf("stats.json %s (err %v): want source prepared", data, err)
	}
}

func TestConfigExportNeedsCount(t *testing.T) {
	if _, err := parseFlags([]string{"--export-tiles", t.TempDir(), "--tiles-n", "0"}); err == nil {
		t.Error("--tiles-n 0 accepted")
	}
	if _, err := parseFlags([]string{"--export-tiles", "x", "--tiles-seed", "9"}); err == nil {
		t.Error("--tiles-seed 9 accepted: its logs meet the held-out seeds")
	}
	for _, f := range []string{"1.5", "-0.1", "NaN"} {
		if _, err := parseFlags([]string{"--export-tiles", "x", "--tiles-n", "5", "--tiles-focus", f}); err == nil {
			t.Errorf("--tiles-focus %s accepted", f)
		}
	}
	c, err := parseFlags([]string{"--export-tiles", "x", "--tiles-n", "5"})
	if err != nil || c.Export.N != 5 || c.Export.Dir != "x" {
		t.Errorf("parse: %+v, %v; want an export of 5 tiles to x", c, err)
	}
}

// BenchmarkCutTiles cuts 24 tiles of 256 px from a 1200 x 1600 px log.
func BenchmarkCutTiles(b *testing.B) {
	ex := smallExample(b, synth.TierHard, 3)
	opt := TileExport{N: 24}.resolved()
	g := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		cutTiles(ex, opt, g, 24)
	}
}

// TestFocusPx checks which curve px a focused export centres tiles on: a
// near-horizontal run of FocusRun px and the px of both classes where a
// solid and a dashed curve meet, never a vertical stretch on its own.
func TestFocusPx(t *testing.T) {
	m := image.NewGray(image.Rect(0, 0, 80, 60))
	for x := 10; x < 10+FocusRun; x++ {
		m.Pix[5*m.Stride+x] = 1 // sweep of the solid class
	}
	for y := range 60 {
		m.Pix[y*m.Stride+60] = 1 // vertical solid stretch
		m.Pix[y*m.Stride+40] = 2 // vertical dashed stretch
	}
	m.Pix[30*m.Stride+43] = 1 // a solid px 3 px from the dashed line
	got := map[[2]int]bool{}
	for _, p := range focusPx(m) {
		got[[2]int{p % m.Stride, p / m.Stride}] = true
	}
	want := [][2]int{{10, 5}, {10 + FocusRun - 1, 5}, {43, 30}, {40, 30}, {40, 26}}
	for _, p := range want {
		if !got[p] {
			t.Errorf("px %v not a focus px", p)
		}
	}
	for _, p := range [][2]int{{60, 5}, {60, 30}, {40, 10}, {40, 25}} {
		if got[p] {
			t.Errorf("px %v a focus px: a vertical stretch away from the other class", p)
		}
	}
	short := image.NewGray(image.Rect(0, 0, 40, 4))
	for x := 5; x < 5+FocusRun-1; x++ {
		short.Pix[short.Stride+x] = 2
	}
	if n := len(focusPx(short)); n != 0 {
		t.Errorf("a run of %d px gave %d focus px, want 0", FocusRun-1, n)
	}
}
