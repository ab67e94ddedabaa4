package segment

import (
	"bytes"
	"context"
	"image"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/welllog/digitiser/pkg/raster"
)

// diff returns the largest difference between two maps and how many
// values differ at all.
func diff(a, b *raster.ProbMap) (maxDiff, differ int) {
	for c := range a.P {
		for i := range a.P[c] {
			d := int(a.P[c][i]) - int(b.P[c][i])
			if d < 0 {
				d = -d
			}
			maxDiff = max(maxDiff, d)
			if d > 0 {
				differ++
			}
		}
	}
	return maxDiff, differ
}

// newTestONNX opens the test model with opt, failing the test on error.
func newTestONNX(t *testing.T, opt ONNXOptions) *ONNX {
	t.Helper()
	requireRuntime(t)
	seg, err := NewONNX(testModel(t), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { seg.Close() })
	return seg.(*ONNX)
}

// testImage is a drawn log whose size is no multiple of any stride.
func testImage() *drawnLog { return drawLog(333, 517, 11) }

// TestONNXTiledMatchesWhole runs the model over one image as a single
// tile and as many overlapping stride-aligned tiles; the maps must agree
// to one quantisation step.
func TestONNXTiledMatchesWhole(t *testing.T) {
	img := testImage().img
	whole := newTestONNX(t, ONNXOptions{Tile: 1024, Threads: 2})
	_, overlap := whole.Geometry()
	tiled := newTestONNX(t, ONNXOptions{Tile: 2 * overlap, Threads: 2})
	tile, _ := tiled.Geometry()
	w, h := img.Rect.Dx(), img.Rect.Dy()
	plans := tiled.plan(w, h, []image.Rectangle{img.Rect})
	if len(plans) != 1 || len(plans[0].xs) < 2 || len(plans[0].ys) < 2 {
		t.Fatalf("tile %d px does not split the %d x %d test image both ways", tile, w, h)
	}

	ctx := context.Background()
	a, err := whole.Segment(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	b, err := tiled.Segment(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := uint8(255), uint8(0)
	for _, p := range a.P[0] {
		lo, hi = min(lo, p), max(hi, p)
	}
	if hi-lo < 32 {
		t.Fatalf("class 1 probabilities span only %d..%d: the model output is flat", lo, hi)
	}
	maxDiff, differ := diff(a, b)
	t.Logf("model %s, tile %d overlap %d px: max diff %d, %d values differ",
		whole.Name(), tile, overlap, maxDiff, differ)
	if maxDiff > 1 || differ*1000 > len(a.P[0]) {
		t.Errorf("tiled differs from whole-image: max %d, %d values", maxDiff, differ)
	}

	// Control: without overlap the tile borders must show, or the check
	// above could not fail.
	stride := whole.Card().StrideMultiple
	bare := newTestONNX(t, ONNXOptions{Tile: tile, Overlap: stride, Threads: 2})
	c, err := bare.Segment(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	if m, n := diff(a, c); m <= 1 {
		t.Errorf("overlap %d px also matches (max diff %d, %d values): the "+
			"comparison cannot see tile borders", stride, m, n)
	}
}

// TestONNXCUDAFallback asks for CUDA where there is no GPU: the segmenter
// must log a warning, run on the CPU and give the CPU's results.
func TestONNXCUDAFallback(t *testing.T) {
	if hasGPU() {
		t.Skip("a GPU is present: TestONNXCUDA covers the cuda provider")
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	seg := newTestONNX(t, ONNXOptions{Provider: ProviderCUDA, Threads: 2, Logger: log})
	if seg.Provider() != ProviderCPU {
		t.Fatalf("provider %q without a GPU, want cpu", seg.Provider())
	}
	if !strings.Contains(logs.String(), "cuda execution provider unavailable") {
		t.Errorf("no fallback warning logged; got %q", logs.String())
	}
	cpu := newTestONNX(t, ONNXOptions{Threads: 2})
	img := testImage().img
	a, err := seg.Segment(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cpu.Segment(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	if m, n := diff(a, b); m > 0 {
		t.Errorf("fallback differs from cpu: max %d, %d values", m, n)
	}
}

// TestONNXCUDA runs on a GPU and compares with the CPU. It needs a
// library built with the CUDA provider (the npm one has none: set
// ONNXRUNTIME_LIB); DIGITISE_REQUIRE_CUDA=1 makes a CPU fallback fail.
func TestONNXCUDA(t *testing.T) {
	if !hasGPU() {
		t.Skip("no GPU (/dev/nvidia0 absent)")
	}
	seg := newTestONNX(t, ONNXOptions{Provider: ProviderCUDA})
	if seg.Provider() != ProviderCUDA {
		msg := "GPU present but the ONNX Runtime library has no usable CUDA provider"
		if os.Getenv("DIGITISE_REQUIRE_CUDA") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg + "; set ONNXRUNTIME_LIB to a CUDA build")
	}
	cpu := newTestONNX(t, ONNXOptions{})
	img := testImage().img
	a, err := seg.Segment(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cpu.Segment(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	if m, n := diff(a, b); m > 2 {
		t.Errorf("cuda differs from cpu: max %d, %d values", m, n)
	}
}

// TestONNXClosedAndCancelled checks the errors after Close and on a
// cancelled context.
func TestONNXClosedAndCancelled(t *testing.T) {
	seg := newTestONNX(t, ONNXOptions{Threads: 2})
	img := testImage().img
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := seg.Segment(ctx, img); err == nil {
		t.Error("Segment with a cancelled context succeeded")
	}
	seg.Close()
	if _, err := seg.Segment(context.Background(), img); err != ErrClosed {
		t.Errorf("Segment after Close: %v, want ErrClosed", err)
	}
}
