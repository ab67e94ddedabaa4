package vector

import (
	"bufio"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
)

// benchStrip draws a w x h map with three tracks, each holding a solid and
// a dashed curve (the first solid one wrapping), like a long scanned log.
func benchStrip(w, h int) (*raster.ProbMap, raster.Layout, *manifest.Manifest) {
	pm := raster.NewProbMap(w, h)
	layout := raster.Layout{Width: w, Height: h, Body: raster.Span{Top: 0, Bottom: h}}
	m := &manifest.Manifest{}
	tw := w / 3
	for t := range 3 {
		band := raster.Band{Left: t*tw + 4, Right: (t+1)*tw - 4}
		layout.Tracks = append(layout.Tracks, band)
		c := float64(band.Left+band.Right) / 2
		amp := float64(band.Width()) * 0.35
		solid := manifest.Curve{Mnemonic: "S" + strconv.Itoa(t), Left: 0, Right: 100}
		s := stroke{x: sine(c, amp, 900+100*float64(t)), cls: 1, width: 3, y1: h}
		if t == 0 {
			solid.Backup = &manifest.Backup{Left: 100, Right: 200}
			s.x = sine(c+amp/2, amp, 1100)
			s.wrap = &band
		}
		draw(pm, s)
		draw(pm, stroke{x: sine(c, -amp*0.8, 1300), cls: 2, width: 3, on: 14, off: 9, y1: h})
		m.Tracks = append(m.Tracks, manifest.Track{Curves: []manifest.Curve{solid,
			{Mnemonic: "D" + strconv.Itoa(t), Style: manifest.StyleDashed, Left: 0, Right: 1}}})
	}
	m.Defaults()
	return pm, layout, m
}

// BenchmarkTraceAll traces six curves down a 2000 x 60000 px strip and
// reports rows per second and the process's peak resident memory.
func BenchmarkTraceAll(b *testing.B) {
	pm, layout, m := benchStrip(2000, 60000)
	runtime.GC()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	b.ResetTimer()
	for b.Loop() {
		if _, err := TraceAll(pm, layout, m, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms1)
	b.ReportMetric(float64(pm.Height)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(b.N)/1e6, "alloc_MB/op")
	if hwm := peakRSS(); hwm > 0 {
		b.ReportMetric(hwm/1e6, "peak_RSS_MB")
	}
}

// BenchmarkViterbiRow times the DP over one 600 px band row by row: a
// plain band, and a cyclic one run on two copies of the track (main and
// backup scale).
func BenchmarkViterbiRow(b *testing.B) {
	const w, h = 600, 4000
	pm := raster.NewProbMap(w, h)
	draw(pm, stroke{x: sine(300, 200, 700), cls: 1, width: 3, y1: h})
	for _, kmax := range []int{0, 1} {
		name := "plain"
		if kmax > 0 {
			name = "backup"
		}
		b.Run(name, func(b *testing.B) {
			v := &bandView{pm: pm, cls: 1, w: w, h: h, thr: 128, cross: 64,
				cyclic: kmax > 0, kmax: kmax}
			opt := Options{}.withDefaults()
			var buf dpBuffers
			for b.Loop() {
				v.viterbi(opt, &buf)
			}
			b.ReportMetric(float64(w*h)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpx/s")
		})
	}
}

// BenchmarkExchange times the search for exchanged tails between two
// paths of 60000 rows.
func BenchmarkExchange(b *testing.B) {
	const h = 60000
	mk := func(x func(float64) float64) *path {
		p := &path{pos: make([]float64, h), conf: make([]float32, h), ev: make([]bool, h),
			run:   claim{lo: make([]int16, h), hi: make([]int16, h)},
			claim: claim{lo: make([]int16, h), hi: make([]int16, h)}}
		for y := range h {
			p.pos[y], p.conf[y], p.ev[y] = x(float64(y)), 1, true
		}
		return p
	}
	a, c := mk(sine(100, 60, 500)), mk(sine(300, 60, 700))
	opt := Options{}.withDefaults()
	for b.Loop() {
		resolveExchanges([]*path{a, c}, opt)
	}
	b.ReportMetric(float64(h)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// peakRSS reads the process's peak resident set (VmHWM) in bytes on Linux;
// 0 elsewhere.
func peakRSS() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				return 0
			}
			return kb * 1024
		}
	}
	return math.NaN()
}

// BenchmarkTraceByStyle traces a dashed and a dotted curve crossing in one
// 600 px track, 20000 rows: the piece labelling plus two style-weighted
// Viterbi paths.
func BenchmarkTraceByStyle(b *testing.B) {
	const w, h = 600, 20000
	pm := raster.NewProbMap(w, h)
	draw(pm, stroke{x: sine(300, 220, 900), cls: 2, width: 2, on: 14, off: 9, y1: h})
	draw(pm, stroke{x: sine(300, -200, 1300), cls: 2, width: 2, on: 1, off: 6, y1: h})
	m := manifestOf(curve("A", manifest.StyleDashed), curve("B", manifest.StyleDotted))
	layout := oneTrack(w, h, raster.Band{Left: 0, Right: w})
	for b.Loop() {
		if _, err := TraceAll(pm, layout, m, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(h)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkBuildPieces times the labelling of a band's ink into dots and
// dashes.
func BenchmarkBuildPieces(b *testing.B) {
	const w, h = 600, 20000
	pm := raster.NewProbMap(w, h)
	draw(pm, stroke{x: sine(300, 220, 900), cls: 2, width: 2, on: 14, off: 9, y1: h})
	draw(pm, stroke{x: sine(300, -200, 1300), cls: 2, width: 2, on: 1, off: 6, y1: h})
	v := &bandView{pm: pm, cls: 2, w: w, h: h, thr: 128, cross: 64}
	row := make([]uint8, w)
	for b.Loop() {
		buildPieces(v, row)
	}
	b.ReportMetric(float64(w*h)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpx/s")
}
