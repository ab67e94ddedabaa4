package qa

import (
	"image"
	"math"
	"testing"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
	"github.com/welllog/digitiser/pkg/vector"
)

// benchInput is a 60000-row trace and its 6000-row LAS with truth.
func benchInput() Input {
	const rows, samples = 60000, 6000
	c := manifest.Curve{Mnemonic: "GR", Left: 0, Right: 150,
		Backup: &manifest.Backup{Left: 150, Right: 300}}
	tr := vector.Trace{Mnemonic: "GR", Class: 1, Frac: make([]float64, rows),
		Wrap: make([]int8, rows), Conf: make([]float32, rows)}
	for i := range rows {
		f := 0.6 + 0.5*math.Sin(float64(i)/300)
		tr.Frac[i], tr.Conf[i] = f, 0.8
		if f > 1 {
			tr.Wrap[i] = 1
		}
	}
	depths := seq(samples, func(i int) float64 { return 1000 + 0.5*float64(i) })
	vals := seq(samples, func(i int) float64 { return c.Value(tr.Frac[10*i]) })
	return Input{Output: lasOf(depths, map[string][]float64{"GR": vals}),
		Truth: lasOf(depths, map[string][]float64{"GR": vals}), Manifest: oneCurve(c),
		Traces: []vector.Trace{tr}}
}

// BenchmarkEvaluate scores one 60000-row curve against truth.
func BenchmarkEvaluate(b *testing.B) {
	in := benchInput()
	for b.Loop() {
		if _, err := Evaluate(in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(60000*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkOverlayScaled draws a 60000-row trace over a 2000 x 60000 px
// strip shrunk 4 times.
func BenchmarkOverlayScaled(b *testing.B) {
	in := benchInput()
	img := image.NewGray(image.Rect(0, 0, 2000, 60000))
	layout := raster.Layout{Width: 2000, Height: 60000,
		Body: raster.Span{Bottom: 60000}, Tracks: []raster.Band{{Left: 100, Right: 700}}}
	for b.Loop() {
		OverlayScaled(img, layout, in.Traces, in.Manifest, 4)
	}
	b.ReportMetric(60000*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
