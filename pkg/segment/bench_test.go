package segment

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// Benchmarks. deploy/local/bench-segment.sh runs BenchmarkONNXTiles
// beside training/bench_infer.py on the same model and tiles; these
// environment variables point it at them:
//
//	DIGITISE_BENCH_MODEL       model.onnx (or its directory)
//	DIGITISE_BENCH_TILES       raw uint8 tiles written by bench_infer.py tiles
//	DIGITISE_BENCH_THREADS     ONNX Runtime intra-op threads (default: all)
//	DIGITISE_BENCH_STRIP_ROWS  rows of the strip benchmark (default 60000)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// benchModel returns $DIGITISE_BENCH_MODEL or the test model.
func benchModel(b *testing.B) string {
	p := os.Getenv("DIGITISE_BENCH_MODEL")
	if p == "" {
		return testModel(b)
	}
	if !strings.HasSuffix(p, ".onnx") {
		p = filepath.Join(p, "model.onnx")
	}
	return p
}

// benchTiles reads $DIGITISE_BENCH_TILES, or cuts 8 tiles of 512 px from
// a drawn log.
func benchTiles(b *testing.B) []*image.Gray {
	path := os.Getenv("DIGITISE_BENCH_TILES")
	if path == "" {
		d := drawLog(512, 8*512, 5)
		var tiles []*image.Gray
		for y := 0; y < 8*512; y += 512 {
			tiles = append(tiles, crop(d.img, y, y+512))
		}
		return tiles
	}
	var meta struct{ N, Tile int }
	js, err := os.ReadFile(path + ".json")
	if err == nil {
		err = json.Unmarshal(js, &meta)
	}
	raw, rerr := os.ReadFile(path)
	if err != nil || rerr != nil || len(raw) != meta.N*meta.Tile*meta.Tile {
		b.Fatalf("read tiles %s(.json): %v %v (%d bytes)", path, err, rerr, len(raw))
	}
	tiles := make([]*image.Gray, meta.N)
	for i := range tiles {
		tiles[i] = &image.Gray{Pix: raw[i*meta.Tile*meta.Tile : (i+1)*meta.Tile*meta.Tile],
			Stride: meta.Tile, Rect: image.Rect(0, 0, meta.Tile, meta.Tile)}
	}
	return tiles
}

// BenchmarkONNXTiles times one Segment call per tile, each tile one
// network run (normalise, run, softmax, quantise), and reports tiles/s.
func BenchmarkONNXTiles(b *testing.B) {
	requireRuntime(b)
	tiles := benchTiles(b)
	tile := tiles[0].Rect.Dx()
	seg, err := NewONNX(benchModel(b), ONNXOptions{Tile: tile, Overlap: 8,
		Threads: envInt("DIGITISE_BENCH_THREADS", 0)})
	if err != nil {
		b.Fatal(err)
	}
	defer seg.Close()
	ctx := context.Background()
	if _, err := seg.Segment(ctx, tiles[0]); err != nil { // warm-up
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		for _, t := range tiles {
			if _, err := seg.Segment(ctx, t); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(tiles))/b.Elapsed().Seconds(), "tiles/s")
	b.ReportMetric(float64(tile), "tile_px")
}

// benchStrip returns a 2000 px wide strip of rows rows, a drawn log
// repeated down its length.
func benchStrip(rows int) *image.Gray {
	d := drawLog(2000, 3000, 9)
	img := image.NewGray(image.Rect(0, 0, 2000, rows))
	for y := 0; y < rows; y += 3000 {
		copy(img.Pix[y*img.Stride:], d.img.Pix[:min(3000, rows-y)*d.img.Stride])
	}
	return img
}

// peakRSSMB returns the process's peak resident memory (VmHWM) in MB, or
// 0 where /proc is not readable.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if f := strings.Fields(string(line)); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkONNXStrip segments a 2000 x 60000 px strip with default tiles
// and reports rows/s and the process's peak memory. DIGITISE_BENCH_THREADS
// is the cores to use in all, shared among DIGITISE_BENCH_WORKERS workers
// (default: the segmenter's).
func BenchmarkONNXStrip(b *testing.B) {
	requireRuntime(b)
	img := benchStrip(envInt("DIGITISE_BENCH_STRIP_ROWS", 60000))
	workers, threads := parallelism(envInt("DIGITISE_BENCH_WORKERS", 0), 0,
		envInt("DIGITISE_BENCH_THREADS", runtime.NumCPU()))
	seg, err := NewONNX(benchModel(b), ONNXOptions{Workers: workers, Threads: threads})
	if err != nil {
		b.Fatal(err)
	}
	defer seg.Close()
	b.ResetTimer()
	for range b.N {
		if _, err := seg.Segment(context.Background(), img); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*img.Rect.Dy())/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(peakRSSMB(), "peak_MB")
}

// BenchmarkClassical segments a 2000 x 6000 px drawn log.
func BenchmarkClassical(b *testing.B) {
	img := benchStrip(envInt("DIGITISE_BENCH_CLASSICAL_ROWS", 6000))
	seg := NewClassical(ClassicalOptions{})
	b.ResetTimer()
	for range b.N {
		if _, err := seg.Segment(context.Background(), img); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*img.Rect.Dy())/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkEncodeProbMap writes the classical map of a 2000 x 6000 px log.
func BenchmarkEncodeProbMap(b *testing.B) {
	img := benchStrip(6000)
	pm, err := NewClassical(ClassicalOptions{}).Segment(context.Background(), img)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	b.ResetTimer()
	for range b.N {
		buf.Reset()
		if err := EncodeProbMap(&buf, pm); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len())/1e6, "MB")
	b.SetBytes(int64(2 * len(pm.P[0])))
}

// BenchmarkDecodeProbMap reads that map back.
func BenchmarkDecodeProbMap(b *testing.B) {
	img := benchStrip(6000)
	pm, err := NewClassical(ClassicalOptions{}).Segment(context.Background(), img)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := EncodeProbMap(&buf, pm); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(2 * len(pm.P[0])))
	b.ResetTimer()
	for range b.N {
		if _, err := DecodeProbMap(bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}
