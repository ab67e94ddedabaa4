package main

import (
	"context"
	"encoding/json"
	"github.com/welllog/digitiser/pkg/realdata"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/welllog/digitiser/pkg/raster"
	"github.com/welllog/digitiser/pkg/segment"
)

// parityCard is the part of model.card.json the parity test reads: the
// tiles training/curveseg/export.py wrote with PyTorch's probabilities.
type parityCard struct {
	Version string `json:"version"`
	Parity  []struct {
		Image string `json:"image"`
		Prob  string `json:"prob"`
	} `json:"parity"`
}

// parityTolerance is the largest difference allowed between ONNX Runtime's
// and PyTorch's probability of a pixel, in 1/255 steps: one for the
// rounding of each side to 8 bits, one for float differences.
const parityTolerance = 2

// TestModelParity runs every committed model (or $CURVESEG_MODEL) in ONNX
// Runtime through pkg/segment on the parity tiles its export wrote and
// compares with PyTorch's output on the same tiles.
func TestModelParity(t *testing.T) {
	requireRuntime(t)
	models := parityModels(t)
	for _, path := range models {
		t.Run(filepath.Base(filepath.Dir(path)), func(t *testing.T) {
			checkParity(t, path)
		})
	}
}

func checkParity(t *testing.T, modelPath string) {
	dir := filepath.Dir(modelPath)
	var card parityCard
	readJSON(t, filepath.Join(dir, segment.CardName), &card)
	if len(card.Parity) == 0 {
		t.Fatalf("%s lists no parity tiles: re-export it with training/curveseg/export.py", dir)
	}
	seg, err := segment.NewONNX(modelPath, segment.ONNXOptions{Tile: 256, Threads: 1})
	if err != nil {
		t.Fatalf("load %s: %v", modelPath, err)
	}
	defer seg.Close()

	for _, p := range card.Parity {
		img := readGray(t, filepath.Join(dir, p.Image))
		want := readProbMap(t, filepath.Join(dir, p.Prob))
		got, err := seg.Segment(context.Background(), img)
		if err != nil {
			t.Fatalf("segment %s: %v", p.Image, err)
		}
		if got.Width != want.Width || got.Height != want.Height {
			t.Fatalf("%s: ORT map %dx%d, PyTorch %dx%d", p.Image,
				got.Width, got.Height, want.Width, want.Height)
		}
		worst, at := maxDiff(got, want)
		if worst > parityTolerance {
			t.Errorf("%s: ORT and PyTorch differ by %d/255 at class %d px (%d, %d)",
				p.Image, worst, at[0], at[1], at[2])
		}
		t.Logf("%s %dx%d: max |ORT - PyTorch| = %d/255", p.Image, img.Rect.Dx(),
			img.Rect.Dy(), worst)
	}
}

// maxDiff returns the largest per-pixel difference and where: class, x, y.
func maxDiff(a, b *raster.ProbMap) (int, [3]int) {
	worst, at := 0, [3]int{}
	for c := range a.P {
		for i, v := range a.P[c] {
			d := int(v) - int(b.P[c][i])
			if d < 0 {
				d = -d
			}
			if d > worst {
				worst, at = d, [3]int{c + 1, i % a.Width, i / a.Width}
			}
		}
	}
	return worst, at
}

// requireRuntime fails (or skips when DIGITISE_ALLOW_SKIP_ORT=1) when the
// ONNX Runtime library is not installed.
func requireRuntime(t testing.TB) {
	t.Helper()
	lib := segment.DefaultLibraryPath()
	if _, err := os.Stat(lib); err != nil {
		if os.Getenv("DIGITISE_ALLOW_SKIP_ORT") == "1" {
			t.Skipf("ONNX Runtime library %s missing (DIGITISE_ALLOW_SKIP_ORT=1)", lib)
		}
		t.Fatalf("ONNX Runtime library %s missing: run deploy/local/setup-onnxruntime.sh", lib)
	}
}

// parityModels returns $CURVESEG_MODEL, else every committed model under
// training/models/curveseg.
func parityModels(t *testing.T) []string {
	if p := os.Getenv("CURVESEG_MODEL"); p != "" {
		return []string{p}
	}
	root, err := realdata.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	paths, err := filepath.Glob(filepath.Join(root, "training/models/curveseg/*/model.onnx"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no model under training/models/curveseg (glob err %v)", err)
	}
	return paths
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func readGray(t testing.TB, path string) *image.Gray {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("%s: %T, want 8-bit gray", path, img)
	}
	return g
}

func readProbMap(t testing.TB, path string) *raster.ProbMap {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pm, err := segment.DecodeProbMap(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return pm
}
