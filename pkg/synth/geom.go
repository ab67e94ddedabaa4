package synth

import (
	"math"

	"github.com/welllog/digitiser/pkg/raster"
)

// Geometry is the scan's distortion of the log frame: a vertical stretch
// about the centre, then a rotation by SkewDeg about the centre (positive:
// clockwise as seen on the page, y pointing down). Page px = Page(log px).
type Geometry struct {
	SkewDeg float64 `json:"skew_deg"`
	Stretch float64 `json:"stretch"` // vertical scale factor, 1 = none
	CX      float64 `json:"cx"`
	CY      float64 `json:"cy"`
}

// Identity reports whether the geometry changes nothing.
func (gm Geometry) Identity() bool {
	return gm.SkewDeg == 0 && (gm.Stretch == 1 || gm.Stretch == 0)
}

func (gm Geometry) stretch() float64 {
	if gm.Stretch == 0 {
		return 1
	}
	return gm.Stretch
}

// Page maps a point of the log frame to px of the page.
func (gm Geometry) Page(x, y float64) (float64, float64) {
	s, c := math.Sincos(gm.SkewDeg * math.Pi / 180)
	vx, vy := x-gm.CX, (y-gm.CY)*gm.stretch()
	return gm.CX + c*vx - s*vy, gm.CY + s*vx + c*vy
}

// Log maps a point of the page to px of the log frame; the inverse of Page.
func (gm Geometry) Log(x, y float64) (float64, float64) {
	s, c := math.Sincos(gm.SkewDeg * math.Pi / 180)
	vx, vy := x-gm.CX, y-gm.CY
	return gm.CX + c*vx + s*vy, gm.CY + (-s*vx+c*vy)/gm.stretch()
}

// warp resamples a label canvas through the geometry, nearest neighbour,
// so that labels stay labels; pixels from outside are paper.
func (gm Geometry) warp(src *canvas) *canvas {
	if gm.Identity() {
		return src
	}
	dst := newCanvas(src.w, src.h)
	s, c := math.Sincos(gm.SkewDeg * math.Pi / 180)
	st := gm.stretch()
	const one = 1 << 16
	// Source position of pixel centre (x, y): x0 + x*ax, y0 + x*ay, in
	// 16.16 fixed point, +0.5 to round.
	ax, ay := int64(c*one), int64(-s/st*one)
	for y := 0; y < dst.h; y++ {
		sx, sy := gm.Log(0, float64(y))
		fx, fy := int64((sx+0.5)*one), int64((sy+0.5)*one)
		row := dst.pix[y*dst.w : (y+1)*dst.w]
		for x := range row {
			ix, iy := fx>>16, fy>>16
			if ix >= 0 && iy >= 0 && ix < int64(src.w) && iy < int64(src.h) {
				row[x] = src.pix[iy*int64(src.w)+ix]
			}
			fx += ax
			fy += ay
		}
	}
	return dst
}

// DepthLine is the exact row-to-depth mapping of an image prepared from
// the log's page, tf being the deskew preprocessing applied:
// depth = d0 + rate*row over the whole image (one line, as the geometry
// is a rotation and a vertical stretch), fitted to the generator's depth
// of every tenth log-frame row of the body, taken at the middle column
// through the scan geometry and tf. Calibration is scored against it.
func (lg *Log) DepthLine(tf raster.Transform) (d0, rate float64) {
	x := float64(lg.Layout.Width) / 2
	var n, sr, sd, srr, srd float64
	for r := lg.Layout.Body.Top; r < len(lg.Depth); r += 10 {
		d := lg.Depth[r]
		if math.IsNaN(d) {
			continue
		}
		_, row := tf.Apply(lg.Geometry.Page(x, float64(r)))
		n, sr, sd, srr, srd = n+1, sr+row, sd+d, srr+row*row, srd+row*d
	}
	rate = (n*srd - sr*sd) / (n*srr - sr*sr)
	return (sd - rate*sr) / n, rate
}
