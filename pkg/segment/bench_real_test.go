package segment

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
	"github.com/welllog/digitiser/pkg/realdata"
)

// preparedReal is the real scan after preprocessing, made once per test
// process.
var preparedReal struct {
	once sync.Once
	p    *raster.Prepared
	err  error
}

// realPrepared decodes and preprocesses the real sonic log with its
// manifest (testdata/real), as the pipeline does before segmentation; it
// skips when the scan is absent.
func realPrepared(tb testing.TB) *raster.Prepared {
	tb.Helper()
	root := realdata.Root(tb)
	scan := realdata.Path(tb, "scans", "kgs-15-131-20215-sonic.tif")
	data, err := os.ReadFile(scan)
	if err != nil {
		tb.Skipf("real scan not available (%v); see ../shared/realdata/README.md", err)
	}
	preparedReal.once.Do(func() {
		var pages []*image.Gray
		pages, preparedReal.err = raster.DecodePages(filepath.Base(scan), data)
		if preparedReal.err != nil {
			return
		}
		var strip *image.Gray
		strip, _, preparedReal.err = raster.Reassemble(pages, []string{filepath.Base(scan)},
			raster.ReassembleOptions{})
		if preparedReal.err != nil {
			return
		}
		var yml []byte
		yml, preparedReal.err = os.ReadFile(filepath.Join(root, "testdata", "real",
			"kgs-15-131-20215-sonic.yaml"))
		if preparedReal.err != nil {
			return
		}
		var m *manifest.Manifest
		if m, preparedReal.err = manifest.Parse("real.yaml", yml); preparedReal.err != nil {
			return
		}
		preparedReal.p, preparedReal.err = raster.Preprocess(strip, m,
			raster.PreprocessOptions{})
	})
	if preparedReal.err != nil {
		tb.Fatalf("prepare the real scan: %v", preparedReal.err)
	}
	return preparedReal.p
}

// BenchmarkONNXRealScan segments the real 1664 x 17864 px scan as the
// segment stage does: only the curve tracks over the log body
// ([SegmentLayout]), or the whole image with DIGITISE_BENCH_WHOLE=1. It
// reports rows/s of the strip, the process's CPU seconds (user + system)
// per run, the px the network computed per image px
// (tiling and context overhead) and the peak resident memory. Knobs:
// DIGITISE_BENCH_MODEL, DIGITISE_BENCH_TILE, DIGITISE_BENCH_THREADS,
// DIGITISE_BENCH_WORKERS.
func BenchmarkONNXRealScan(b *testing.B) {
	requireRuntime(b)
	p := realPrepared(b)
	s, err := NewONNX(benchModel(b), ONNXOptions{
		Tile:    envInt("DIGITISE_BENCH_TILE", 0),
		Threads: envInt("DIGITISE_BENCH_THREADS", 0),
		Workers: envInt("DIGITISE_BENCH_WORKERS", 0)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	regions := LayoutRegions(p.Layout)
	if os.Getenv("DIGITISE_BENCH_WHOLE") == "1" {
		regions = []image.Rectangle{p.Image.Rect}
	}
	o := s.(*ONNX)
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for range b.N {
		if _, err := o.SegmentRegions(context.Background(), p.Image, regions); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu_s/op")
	w, h := p.Image.Rect.Dx(), p.Image.Rect.Dy()
	b.ReportMetric(float64(b.N*h)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(o.computedPx(w, h, regions))/float64(w*h), "computed/px")
	b.ReportMetric(peakRSSMB(), "peak_MB")
}

// cpuSeconds returns the user and system CPU time of the process so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// TestONNXRealScanRegions segments 1400 rows of the real prepared scan
// across the top of the log body twice: the whole crop, and only the
// curve tracks over the body (SegmentLayout). Inside the tracks the maps
// must be equal, outside the second must be 0.
func TestONNXRealScanRegions(t *testing.T) {
	requireRuntime(t)
	p := realPrepared(t)
	top := p.Layout.Body.Top - 500
	img := crop(p.Image, top, top+1400)
	layout := p.Layout
	layout.Height = 1400
	layout.Header = raster.Span{Top: 0, Bottom: 500}
	layout.Body = raster.Span{Top: 500, Bottom: 1400}
	layout.Repeat = nil
	s := newTestONNX(t, ONNXOptions{Tile: 768})
	want, err := s.Segment(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	got, err := SegmentLayout(context.Background(), s, img, layout)
	if err != nil {
		t.Fatal(err)
	}
	regions := LayoutRegions(layout)
	inside := checkRegions(t, got, want, regions)
	lit := 0
	for i := range got.P[0] {
		if max(got.P[0][i], got.P[1][i]) >= 128 {
			lit++
		}
	}
	t.Logf("%d tracks, %d px inside, %d curve px; network computed %.2f px a px",
		len(regions), inside, lit,
		float64(s.computedPx(img.Rect.Dx(), 1400, regions))/float64(img.Rect.Dx()*1400))
	if len(regions) < 2 || lit < 1000 {
		t.Errorf("%d tracks, %d curve px: want the real scan's 2 tracks with curves",
			len(regions), lit)
	}
}
