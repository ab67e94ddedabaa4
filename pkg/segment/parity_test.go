package segment

import (
	"context"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestONNXMatchesPyTorch runs the card's parity tiles through ONNX
// Runtime from Go and compares with the probabilities PyTorch wrote at
// export, to one quantisation step.
func TestONNXMatchesPyTorch(t *testing.T) {
	seg := newTestONNX(t, ONNXOptions{Tile: 1024, Threads: 2})
	card := seg.Card()
	if len(card.Parity) == 0 {
		t.Skipf("model %s has no parity tiles in its card", seg.Name())
	}
	dir := filepath.Dir(testModel(t))
	for _, p := range card.Parity {
		if p.Width%card.StrideMultiple != 0 || p.Height%card.StrideMultiple != 0 {
			t.Logf("%s: %d x %d px is no stride multiple; padding would differ",
				p.Image, p.Width, p.Height)
			continue
		}
		img := readGray(t, filepath.Join(dir, p.Image))
		f, err := os.Open(filepath.Join(dir, p.Prob))
		if err != nil {
			t.Fatal(err)
		}
		want, err := DecodeProbMap(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		got, err := seg.Segment(context.Background(), img)
		if err != nil {
			t.Fatal(err)
		}
		m, n := diff(got, want)
		t.Logf("%s: max diff %d, %d of %d values differ", p.Image, m, n, 2*len(want.P[0]))
		if m > 1 {
			t.Errorf("%s: Go ORT differs from PyTorch by up to %d/255", p.Image, m)
		}
	}
}

// readGray decodes a PNG as 8-bit grey.
func readGray(t *testing.T, path string) *image.Gray {
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
	if g, ok := img.(*image.Gray); ok {
		return g
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Rect, img, img.Bounds().Min, draw.Src)
	return g
}
