package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/welllog/digitiser/pkg/synth"
)

func TestLogCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.tar.gz")
	err := runLog([]string{"--tier", "hard", "--seed", "7", "--out", out, "--pages", "2",
		"--width", "800", "--height", "1600"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"x.tar.gz", "x.mask.png", "x.truth.json"} {
		if st, err := os.Stat(filepath.Join(filepath.Dir(out), name)); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", name, err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(filepath.Dir(out), "x.truth.json"))
	var tf synth.TruthFile
	if err := json.Unmarshal(b, &tf); err != nil {
		t.Fatal(err)
	}
	if len(tf.Curves) == 0 || len(tf.Depth) != 1600 || len(tf.Pages) != 2 {
		t.Errorf("truth: %d curves, %d rows, %d pages", len(tf.Curves), len(tf.Depth),
			len(tf.Pages))
	}
	if err := runLog([]string{"--out", "x.zip"}); err == nil {
		t.Error("an archive name without .tar.gz was accepted")
	}
}

func TestTilesCommand(t *testing.T) {
	dir := t.TempDir()
	if err := runTiles([]string{"--out", dir, "--n", "5", "--tile", "64", "--tier", "easy",
		"--workers", "1"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "stats.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st synth.TileStats
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	total := st.ClassPixels[0] + st.ClassPixels[1] + st.ClassPixels[2]
	if st.N != 5 || st.Tile != 64 || total != 5*64*64 {
		t.Errorf("stats %+v", st)
	}
	for i := range 5 {
		for _, sub := range []string{"images", "masks"} {
			if _, err := os.Stat(filepath.Join(dir, sub, synthName(i))); err != nil {
				t.Error(err)
			}
		}
	}
}

func synthName(i int) string { return fmt.Sprintf("%06d.png", i) }
