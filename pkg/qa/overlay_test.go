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

// TestOverlayTellsCurvesApart: two solid curves in one track get different
// colours, and each carries its mnemonic in its colour at the label rows.
func TestOverlayTellsCurvesApart(t *testing.T) {
	const w, h = 300, 2200
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	layout := raster.Layout{Width: w, Height: h, Body: raster.Span{Top: 0, Bottom: h},
		Tracks:    []raster.Band{{Left: 52, Right: 248}},
		GridLines: []raster.Band{{Left: 48, Right: 52}, {Left: 248, Right: 252}}}
	m := &manifest.Manifest{Tracks: []manifest.Track{{Curves: []manifest.Curve{
		{Mnemonic: "DT", Left: 140, Right: 40},
		{Mnemonic: "LTEN", Left: 15000, Right: 0},
	}}}}
	m.Defaults()
	line := func(mn string, frac float64) vector.Trace {
		tr := vector.Trace{Mnemonic: mn, Class: 1, Frac: make([]float64, h),
			Wrap: make([]int8, h), Conf: make([]float32, h)}
		for i := range h {
			tr.Frac[i], tr.Conf[i] = frac, 1
		}
		return tr
	}
	// DT at x = 100, LTEN at x = 240: its label must go left of it.
	out := Overlay(img, layout, []vector.Trace{line("DT", 0.25), line("LTEN", 0.95)}, m)
	dt, lten := out.RGBAAt(100, 700), out.RGBAAt(240, 700)
	if dt != ColorSolid || lten == dt || lten == ColorSolidWrap || lten == ColorLowConf {
		t.Fatalf("DT drawn %v, LTEN %v: want ColorSolid and a colour of its own", dt, lten)
	}
	count := func(c color.RGBA, x0, x1, y0, y1 int) int {
		n := 0
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				if out.RGBAAt(x, y) == c {
					n++
				}
			}
		}
		return n
	}
	for _, row := range []int{LabelEvery / 2, 3 * LabelEvery / 2} {
		if n := count(dt, 103, 130, row-12, row+6); n < 10 {
			t.Errorf("no DT label right of DT at row %d (%d px of its colour)", row, n)
		}
		if n := count(lten, 200, 238, row-12, row+6); n < 10 {
			t.Errorf("no LTEN label left of LTEN at row %d (%d px of its colour)", row, n)
		}
		if n := count(dt, 103, 130, row+200, row+218); n != 0 {
			t.Errorf("DT colour found %d times away from the label rows", n)
		}
	}
}
