package qa

import (
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
	"github.com/welllog/digitiser/pkg/vector"
)

func TestOverlayColoursTrace(t *testing.T) {
	const w, h = 300, 200
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	layout := raster.Layout{Width: w, Height: h, Body: raster.Span{Top: 20, Bottom: 180},
		Tracks:    []raster.Band{{Left: 52, Right: 248}},
		GridLines: []raster.Band{{Left: 48, Right: 52}, {Left: 248, Right: 252}}}
	m := &manifest.Manifest{Tracks: []manifest.Track{{Curves: []manifest.Curve{
		{Mnemonic: "GR", Left: 0, Right: 150, Backup: &manifest.Backup{Left: 150, Right: 300}},
		{Mnemonic: "CALI", Style: manifest.StyleDashed, Left: 6, Right: 16},
	}}}}
	m.Defaults()
	n := layout.Body.Len()
	gr := vector.Trace{Mnemonic: "GR", Class: 1, Top: 20, Frac: make([]float64, n),
		Wrap: make([]int8, n), Conf: make([]float32, n)}
	cal := vector.Trace{Mnemonic: "CALI", Class: 2, Track: 0, Top: 20,
		Frac: make([]float64, n), Wrap: make([]int8, n), Conf: make([]float32, n)}
	for i := range n {
		gr.Frac[i], gr.Conf[i] = 0.25, 1
		if i >= 100 { // wrapped: printed at 0.5 of the track
			gr.Frac[i], gr.Wrap[i] = 1.5, 1
		}
		cal.Frac[i], cal.Conf[i] = 0.75, 1
		if i < 10 {
			cal.Frac[i] = math.NaN()
		}
	}
	out := Overlay(img, layout, []vector.Trace{gr, cal}, m)

	// Track edges are the border centres, 50 and 250: frac 0.25 is x=100.
	want := []struct {
		x, y int
		c    color.RGBA
	}{
		{100, 60, ColorSolid}, {150, 150, ColorSolidWrap}, {200, 80, ColorDashed},
		{200, 25, color.RGBA{255, 255, 255, 255}}, // CALI has no value there
		{120, 60, color.RGBA{255, 255, 255, 255}},
		{100, 10, color.RGBA{255, 255, 255, 255}}, // above the body
	}
	for _, p := range want {
		if got := out.RGBAAt(p.x, p.y); got != p.c {
			t.Errorf("pixel (%d, %d) = %v, want %v", p.x, p.y, got, p.c)
		}
	}
	small := OverlayScaled(img, layout, []vector.Trace{gr}, m, 4)
	if small.Rect.Dx() != 75 || small.RGBAAt(25, 15) != ColorSolid {
		t.Errorf("scaled overlay %v, pixel (25, 15) = %v", small.Rect, small.RGBAAt(25, 15))
	}
}
