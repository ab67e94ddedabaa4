package depth

import (
	"testing"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
	"github.com/welllog/digitiser/pkg/vector"
)

// BenchmarkCalibrateRealScan calibrates the 1664 x 17864 px real scan from
// its grid and labels (track found here, no layout given).
func BenchmarkCalibrateRealScan(b *testing.B) {
	img := realScan(b)
	m := ftManifest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Calibrate(img, raster.Layout{}, raster.Transform{}, m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(img.Rect.Dy()*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkCalibrateSynthetic calibrates a 1000 x 6000 px two-page strip.
func BenchmarkCalibrateSynthetic(b *testing.B) {
	img := drawStrip(b, 6000, []page{{0, 3000, 293}, {3000, 6000, 586}})
	m := ftManifest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Calibrate(img, raster.Layout{}, raster.Transform{}, m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(img.Rect.Dy()*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkTiePoints fits 20 tie points, one of them wrong.
func BenchmarkTiePoints(b *testing.B) {
	m := ftManifest()
	for k := range 20 {
		d := 250 + float64(k)*50
		if k == 7 {
			d += 30
		}
		m.Depth.TiePoints = append(m.Depth.TiePoints,
			manifest.TiePoint{Row: 2575 + float64(k)*507.5, Depth: d})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Calibrate(nil, raster.Layout{Height: 17864}, raster.Transform{}, m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildLog resamples three 15000-row traces (the real scan's main
// pass) to 0.5 ft.
func BenchmarkBuildLog(b *testing.B) {
	m, cal := scaleManifest(), linearCal()
	cal.Segments[0].RowTo = 20000
	var traces []vector.Trace
	for _, c := range m.Curves() {
		traces = append(traces, traceOf(c.Mnemonic, 0, 15000, cal,
			func(d float64) (float64, int8) { return 0.3 + 0.2*float64(int(d)%7)/7, 0 }))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := BuildLog(traces, cal, m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(15000*b.N)/b.Elapsed().Seconds(), "rows/s")
}
