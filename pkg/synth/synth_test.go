package synth

import (
	"bytes"
	"errors"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/welllog/digitiser/pkg/las"
	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/realdata"
)

func TestDeterministic(t *testing.T) {
	cfg := Config{Tier: TierHard, Seed: 42, Width: 800, Height: 1500}
	a, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(cfg)
	if !bytes.Equal(a.Image.Pix, b.Image.Pix) || !bytes.Equal(a.Mask.Pix, b.Mask.Pix) {
		t.Fatal("the same config rendered different pixels")
	}
	cfg.Seed = 43
	c, _ := Generate(cfg)
	if bytes.Equal(a.Image.Pix, c.Image.Pix) {
		t.Fatal("seeds 42 and 43 rendered the same image")
	}
}

func TestConfigErrors(t *testing.T) {
	bad := []Config{{Tier: "medium"}, {Width: 100}, {Height: 10},
		{Knobs: &Knobs{Tracks: Range{2, 1}}}}
	for _, cfg := range bad {
		if _, err := Generate(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("Generate(%+v) err = %v, want ErrConfig", cfg, err)
		}
	}
}

// TestFixturesRegenerate renders the fixtures and compares them byte for
// byte with the committed files.
func TestFixturesRegenerate(t *testing.T) {
	root := realdata.Root(t)
	files, err := Fixtures()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		want, err := os.ReadFile(filepath.Join(root, f.Path))
		if err != nil {
			t.Errorf("%s: %v (run: go run ./services/synth fixtures)", f.Path, err)
			continue
		}
		if !bytes.Equal(want, f.Data) {
			t.Errorf("%s differs from a fresh render (run: go run ./services/synth "+
				"fixtures, and bump Version if the change is meant)", f.Path)
		}
	}
}

// TestArchive checks an archive holds what the pipeline reads: pages, a
// manifest that parses and a truth LAS whose values match the truth rows.
func TestArchive(t *testing.T) {
	lg, err := Generate(Config{Tier: TierHard, Seed: 5, Width: 900, Height: 2400})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := lg.WriteArchive(&buf, ArchiveOptions{Pages: 2, ShiftPx: 4, RotDeg: 0.2}); err != nil {
		t.Fatal(err)
	}
	entries := untar(t, buf.Bytes())
	for _, name := range []string{"page-01.png", "page-02.png", "manifest.yaml", "truth.las"} {
		if entries[name] == nil {
			t.Fatalf("archive lacks %s", name)
		}
	}
	m, err := manifest.Parse("manifest.yaml", entries["manifest.yaml"])
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Pages) != 2 || m.Truth != TruthLASName {
		t.Errorf("manifest pages %v truth %q", m.Pages, m.Truth)
	}
	lf, err := las.Read(bytes.NewReader(entries["truth.las"]))
	if err != nil {
		t.Fatal(err)
	}
	depth := lf.Data[0]
	if step := depth[1] - depth[0]; math.Abs(step-m.Depth.Step) > 1e-9 {
		t.Errorf("truth LAS step %v, manifest step %v", step, m.Depth.Step)
	}
	// Each LAS value equals the truth at the row of its depth.
	for ci, tc := range m.Curves() {
		col := lf.Curve(tc.Mnemonic)
		for i := 0; i < len(depth); i += 17 {
			r := int(math.Round((depth[i]-lg.Depth[lg.Layout.Body.Top])*lg.PxPerUnit)) +
				lg.Layout.Body.Top
			if r >= len(lg.Depth) || math.Abs(lg.Depth[r]-depth[i])*lg.PxPerUnit > 1e-6 {
				continue // the sample falls between rows
			}
			want := lg.Truth[ci].Value[r]
			if math.Abs(col[i]-want) > 1e-4*math.Max(1, math.Abs(want)) {
				t.Fatalf("%s at %v: LAS %v, truth row %d %v", tc.Mnemonic, depth[i],
					col[i], r, want)
			}
		}
	}
}

func TestTiles(t *testing.T) {
	var n int
	var seen [3]int64
	st, err := Tiles(TileOptions{N: 30, Tile: 128, Seed: 2, PerLog: 10, Workers: 2},
		func(tl Tile) error {
			n++
			if tl.Image.Rect.Dx() != 128 || tl.Mask.Rect.Dy() != 128 {
				t.Errorf("tile %d is %v", tl.Index, tl.Image.Rect)
			}
			for _, v := range tl.Mask.Pix {
				if v > 2 {
					t.Fatalf("tile %d mask value %d", tl.Index, v)
				}
				seen[v]++
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if n != 30 || st.ClassPixels != seen {
		t.Errorf("%d tiles, stats %v, counted %v", n, st.ClassPixels, seen)
	}
	if seen[1] == 0 || seen[2] == 0 {
		t.Errorf("tiles hold no curve pixels of a class: %v", seen)
	}
}

func TestRealLAS(t *testing.T) {
	if _, err := os.Stat(filepath.Join(realdata.Root(t), DefaultLASDir)); err != nil {
		t.Skip("real LAS files absent (../shared/realdata/las); skipping")
	}
	k := EasyKnobs()
	k.RealLASProb = 1
	lg, err := Generate(Config{Seed: 3, Knobs: &k, Width: 900, Height: 1500})
	if err != nil {
		t.Fatal(err)
	}
	var catalogue = map[string]bool{}
	for _, e := range append(linearCatalogue, logCatalogue...) {
		catalogue[e.mnem] = true
	}
	real := 0
	for _, ct := range lg.Truth {
		if !catalogue[strings.TrimRight(ct.Mnemonic, "0123456789")] {
			real++
		}
	}
	if real == 0 {
		t.Errorf("RealLASProb 1 gave only generated curves")
	}
}

func untar(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	out, err := readTarGz(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func bilevel(img *image.Gray) bool {
	for _, v := range img.Pix {
		if v != 0 && v != 255 {
			return false
		}
	}
	return true
}
