package raster

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

// Size of the synthetic strip the stage benchmarks run on, px.
const benchW, benchH = 2000, 60000

var benchStrip struct {
	once     sync.Once
	straight *image.Gray // ruled, bilevel, no skew
	skewed   *image.Gray // the same turned 0.4 degrees clockwise
}

// syntheticStrip returns a 2000 x 60000 px log: a printed header, a body
// ruled like the real scan (3 px track borders, 1 px grid every 50 px
// across and every 20 px down, heavier every 100 px), a depth track, and
// a wandering 3 px curve per track; and the same strip skewed 0.4 degrees.
func syntheticStrip() (straight, skewed *image.Gray) {
	benchStrip.once.Do(func() {
		img := blank(benchW, benchH)
		rng := rand.New(rand.NewPCG(1, 2))
		fill := func(x0, y0, x1, y1 int) {
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					img.Pix[y*benchW+x] = 0
				}
			}
		}
		for i := 0; i < 3000; i++ { // header print
			x, y := rng.IntN(benchW-20), 100+rng.IntN(1300)
			fill(x, y, x+2+rng.IntN(12), y+2+rng.IntN(14))
		}
		top, bottom := 1600, benchH-400
		tracks := [][2]int{{40, 640}, {840, 1940}}
		for _, tr := range tracks {
			for x := tr[0]; x <= tr[1]; x += 50 {
				wid := 1
				if x == tr[0] || x+50 > tr[1] {
					wid = 3
				}
				fill(x, top, x+wid, bottom)
			}
			for y := top; y < bottom; y += 20 {
				fill(tr[0], y, tr[1]+3, y+1+btoi(y%100 == 0))
			}
			pos := float64(tr[0]+tr[1]) / 2
			for y := top; y < bottom; y++ {
				pos += 2*math.Sin(float64(y)/300) + rng.Float64() - 0.5
				pos = math.Max(float64(tr[0]+10), math.Min(float64(tr[1]-10), pos))
				fill(int(pos), y, int(pos)+3, y+1)
			}
		}
		for y := top + 100; y < bottom; y += 500 { // depth labels
			fill(700, y-10, 780, y+10)
		}
		benchStrip.straight = img
		benchStrip.skewed = Rotate(img, 0.4, 0)
	})
	return benchStrip.straight, benchStrip.skewed
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// runMeasured runs fn b.N times and reports rows/s and peak_MB: the most
// heap any one run held above what was live before it (garbage included,
// so an upper bound), sampled every millisecond with a collection before
// each run.
func runMeasured(b *testing.B, rows int, fn func()) {
	b.Helper()
	const name = "/memory/classes/heap/objects:bytes"
	var peak uint64
	var busy time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		runtime.GC()
		s := []metrics.Sample{{Name: name}}
		metrics.Read(s)
		base, top := s[0].Value.Uint64(), s[0].Value.Uint64()
		stop, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			s := []metrics.Sample{{Name: name}}
			for {
				metrics.Read(s)
				top = max(top, s[0].Value.Uint64())
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
				}
			}
		}()
		b.StartTimer()
		start := time.Now()
		fn()
		busy += time.Since(start)
		b.StopTimer()
		close(stop)
		<-done
		peak = max(peak, top-base)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/busy.Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak_MB")
}

func BenchmarkDecodeG4Real(b *testing.B) {
	data, img := loadRealScan(b)
	runMeasured(b, img.Rect.Dy(), func() {
		if _, err := DecodePages("real.tif", data); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkDecodePNGStrip(b *testing.B) {
	straight, _ := syntheticStrip()
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, straight); err != nil {
		b.Fatal(err)
	}
	runMeasured(b, benchH, func() {
		if _, err := DecodePages("strip.png", buf.Bytes()); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkEstimateSkew(b *testing.B) {
	_, skewed := syntheticStrip()
	runMeasured(b, benchH, func() {
		cm := newCoverMap(skewed, 128, 0)
		if s := estimateSkew(cm, 5); math.Abs(s-0.4) > 0.05 {
			b.Fatalf("skew %.3f, want 0.4", s)
		}
	})
}

func BenchmarkDeskewWarp(b *testing.B) {
	_, skewed := syntheticStrip()
	runMeasured(b, benchH, func() { Rotate(skewed, -0.4, 0) })
}

func BenchmarkNormaliseContrast(b *testing.B) {
	straight, _ := syntheticStrip()
	grey := image.NewGray(straight.Rect)
	for i, v := range straight.Pix {
		grey.Pix[i] = 60 + uint8(int(v)*150/255) + uint8(i%7)
	}
	hist := histogram(grey, 0)
	work := image.NewGray(grey.Rect)
	runMeasured(b, benchH, func() {
		copy(work.Pix, grey.Pix)
		normaliseContrast(work, hist, 0)
	})
}

func BenchmarkFindLayout(b *testing.B) {
	straight, _ := syntheticStrip()
	runMeasured(b, benchH, func() {
		lay, err := FindLayout(straight, nil, Transform{}, PreprocessOptions{})
		if err != nil || len(lay.Tracks) != 2 {
			b.Fatalf("layout %+v, err %v", lay, err)
		}
	})
}

func BenchmarkPreprocess(b *testing.B) {
	_, skewed := syntheticStrip()
	runMeasured(b, benchH, func() {
		if _, err := Preprocess(skewed, nil, PreprocessOptions{}); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkPreprocessReal(b *testing.B) {
	_, img := loadRealScan(b)
	m := loadRealManifest(b)
	runMeasured(b, img.Rect.Dy(), func() {
		if _, err := Preprocess(img, m, PreprocessOptions{}); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkReassemble joins ten 6400 px pages of the synthetic strip
// sharing 400 px each, every other page fed 6 px to the right; each page
// is checked for skew (none is found, so none is rotated).
func BenchmarkReassemble(b *testing.B) {
	straight, _ := syntheticStrip()
	var pages []*image.Gray
	var names []string
	for y, i := 0, 0; y+400 < benchH; y, i = y+6000, i+1 {
		h := min(6400, benchH-y)
		pages = append(pages, cutPage(straight, -6*(i%2), y, benchW, h))
		names = append(names, fmt.Sprintf("strip_%02d.tif", i+1))
	}
	runMeasured(b, benchH, func() {
		_, st, err := Reassemble(pages, names, ReassembleOptions{})
		if err != nil || st.Height != benchH {
			b.Fatalf("stitch %+v, err %v", st, err)
		}
	})
}

// BenchmarkGapRuling measures the horizontal ruling of every gap between
// the synthetic strip's vertical lines, the depth track cue of FindLayout.
func BenchmarkGapRuling(b *testing.B) {
	straight, _ := syntheticStrip()
	cm := newLineCoverMap(straight, inkThreshold, 0)
	body := []Span{{Top: 1600, Bottom: benchH - 400}}
	lines := sectionLines(cm, body, Transform{})
	runMeasured(b, body[0].Len(), func() {
		r := gapRuling(straight, body, lines, 0)
		if d := depthGap(lines, r); d < 0 || lines[d].Right > 700 || lines[d+1].Left < 780 {
			b.Fatalf("depth gap %d in %v", d, lines)
		}
	})
}

// BenchmarkLineCoverMap measures the ink and light-line cover map that
// FindLayout finds the vertical lines on.
func BenchmarkLineCoverMap(b *testing.B) {
	straight, _ := syntheticStrip()
	runMeasured(b, benchH, func() { newLineCoverMap(straight, inkThreshold, 0) })
}
