package vector

import (
	"math"
	"testing"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
)

// stroke is a curve drawn for a test: x(y) in px of the map (unwrapped
// when wrapped into a band), a line width and a dash pattern along the
// arc, in px.
type stroke struct {
	x      func(y float64) float64
	cls    int
	width  float64
	on     float64 // 0: solid
	off    float64
	y0, y1 int              // rows drawn, [y0, y1)
	wrap   *raster.Band     // draw x modulo this band
	prob   uint8            // ink probability; 0 means 255
	skip   func(y int) bool // rows left blank (gaps)
}

// draw rasterises s into pm by sampling points at most half a px apart
// (ten per row or more) and marking the pixels within half the line width
// of each.
func draw(pm *raster.ProbMap, s stroke) {
	p := s.prob
	if p == 0 {
		p = 255
	}
	hw := s.width / 2
	arc := 0.0
	prevX := s.x(float64(s.y0))
	for y := s.y0; y < s.y1; y++ {
		n := max(10, int(2*math.Abs(s.x(float64(y+1))-s.x(float64(y))))+1)
		for k := range n {
			fy := float64(y) + float64(k)/float64(n)
			x := s.x(fy)
			arc += math.Hypot(x-prevX, 1/float64(n))
			prevX = x
			if s.on > 0 && math.Mod(arc, s.on+s.off) >= s.on {
				continue
			}
			if s.skip != nil && s.skip(y) {
				continue
			}
			if s.wrap != nil {
				w := float64(s.wrap.Width())
				x = float64(s.wrap.Left) + math.Mod(math.Mod(x-float64(s.wrap.Left), w)+w, w)
			}
			for px := int(math.Floor(x - hw)); px <= int(math.Floor(x+hw)); px++ {
				if px < 0 || px >= pm.Width || math.Abs(float64(px)+0.5-x) > hw+0.25 {
					continue
				}
				if s.wrap != nil && (px < s.wrap.Left || px >= s.wrap.Right) {
					continue
				}
				if pm.At(s.cls, px, y) < p {
					pm.Set(s.cls, px, y, p)
				}
			}
		}
	}
}

// oneTrack is a layout with a single track band over the whole body.
func oneTrack(w, h int, band raster.Band) raster.Layout {
	return raster.Layout{
		Width: w, Height: h,
		Body:   raster.Span{Top: 0, Bottom: h},
		Tracks: []raster.Band{band},
	}
}

// manifestOf builds a one-track manifest with the given curves.
func manifestOf(curves ...manifest.Curve) *manifest.Manifest {
	m := &manifest.Manifest{Tracks: []manifest.Track{{Curves: curves}}}
	m.Defaults()
	return m
}

// curve is a linear 0..100 curve of the given style.
func curve(mnem, style string) manifest.Curve {
	return manifest.Curve{Mnemonic: mnem, Style: style, Left: 0, Right: 100}
}

// errStats compares a trace with the drawn centre line over rows [a, b):
// mean and max absolute error in px, and how many rows had no value.
func errStats(t *testing.T, tr Trace, band raster.Band, x func(float64) float64,
	a, b int) (mean, worst float64, missing int) {
	t.Helper()
	w := float64(band.Width())
	n := 0
	for y := a; y < b; y++ {
		f := tr.Frac[y-tr.Top]
		if math.IsNaN(f) {
			missing++
			continue
		}
		e := math.Abs(float64(band.Left) + f*w - x(float64(y)+0.5))
		mean += e
		worst = max(worst, e)
		n++
	}
	if n > 0 {
		mean /= float64(n)
	}
	return mean, worst, missing
}
