package raster

import (
	"image"
	"math"
)

// Apply maps a point in px of the reassembled strip (before deskew) to px
// of the deskewed strip.
func (t Transform) Apply(x, y float64) (float64, float64) {
	s, c := math.Sincos(t.SkewDeg * math.Pi / 180)
	dx, dy := x-t.CX, y-t.CY
	return t.CX + dx*c + dy*s + t.DX, t.CY - dx*s + dy*c + t.DY
}

// Inverse maps a point in px of the deskewed strip back to px of the
// reassembled strip; Inverse(Apply(x, y)) == (x, y).
func (t Transform) Inverse(x, y float64) (float64, float64) {
	s, c := math.Sincos(t.SkewDeg * math.Pi / 180)
	dx, dy := x-t.DX-t.CX, y-t.DY-t.CY
	return t.CX + dx*c - dy*s, t.CY + dx*s + dy*c
}

// IsIdentity reports whether the transform moves no point.
func (t Transform) IsIdentity() bool {
	return t.SkewDeg == 0 && t.DX == 0 && t.DY == 0
}

// Rotate returns a copy of img rotated clockwise (as seen on screen) by deg
// degrees about its centre, the same size; px that come from outside img
// are white (255). It samples bilinearly, band by band on up to workers
// goroutines (0: GOMAXPROCS). Rotate(img, -skew) undoes a skew of skew
// degrees.
func Rotate(img *image.Gray, deg float64, workers int) *image.Gray {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	t := Transform{SkewDeg: -deg, CX: float64(w) / 2, CY: float64(h) / 2}
	out := image.NewGray(image.Rect(0, 0, w, h))
	warp(out, img, t, workers)
	return out
}

// warp fills dst so that dst(p) = src(t.Inverse(p)), bilinearly, with
// 16.16 fixed-point steps along each row.
func warp(dst, src *image.Gray, t Transform, workers int) {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	dw := dst.Rect.Dx()
	s, c := math.Sincos(t.SkewDeg * math.Pi / 180)
	const one = 1 << 16
	stepX, stepY := int64(math.Round(c*one)), int64(math.Round(s*one))

	parallelBands(dst.Rect.Dy(), 256, workers, func(top, bottom int) {
		for y := top; y < bottom; y++ {
			// Pixel centres: sample at the source point of (x+0.5, y+0.5).
			fx, fy := t.Inverse(0.5, float64(y)+0.5)
			px := int64(math.Round((fx - 0.5) * one))
			py := int64(math.Round((fy - 0.5) * one))
			row := dst.Pix[y*dst.Stride : y*dst.Stride+dw]
			x0, x1 := interior(px, py, stepX, stepY, sw, sh, dw)
			for x := 0; x < x0; x++ {
				row[x] = bilinear(src, sw, sh, px+int64(x)*stepX, py+int64(x)*stepY)
			}
			bilinearRun(row[x0:x1], src, px+int64(x0)*stepX, py+int64(x0)*stepY,
				stepX, stepY)
			for x := x1; x < dw; x++ {
				row[x] = bilinear(src, sw, sh, px+int64(x)*stepX, py+int64(x)*stepY)
			}
		}
	})
}

// interior returns the range [x0, x1) of output columns whose sample point
// (px + x*sx, py + x*sy) has all four bilinear neighbours inside the
// sw x sh source, so the row can be sampled without bounds checks.
func interior(px, py, sx, sy int64, sw, sh, dw int) (int, int) {
	lo, hi := 0.0, float64(dw)
	clip := func(p, step int64, limit int) {
		// Need 0 <= p + x*step and p + x*step < (limit-1) << 16.
		top := float64(int64(limit-1)<<16 - 1)
		if step == 0 {
			if p < 0 || float64(p) > top {
				lo, hi = 0, 0
			}
			return
		}
		a, b := -float64(p)/float64(step), (top-float64(p))/float64(step)
		if step < 0 {
			a, b = b, a
		}
		lo, hi = math.Max(lo, math.Ceil(a)), math.Min(hi, math.Floor(b)+1)
	}
	clip(px, sx, sw)
	clip(py, sy, sh)
	if hi <= lo {
		return 0, 0
	}
	return int(lo), int(hi)
}

// bilinearRun samples src along a row of dst from (px, py) in 16.16 fixed
// point, stepping (sx, sy); every sample must be interior (see interior).
func bilinearRun(dst []uint8, src *image.Gray, px, py, sx, sy int64) {
	stride := src.Stride
	pix := src.Pix
	for i := range dst {
		x0, y0 := int(px>>16), int(py>>16)
		fx, fy := int64(px&0xffff), int64(py&0xffff)
		o := y0*stride + x0
		a, b := int64(pix[o]), int64(pix[o+1])
		c, d := int64(pix[o+stride]), int64(pix[o+stride+1])
		top := a<<16 + (b-a)*fx
		bot := c<<16 + (d-c)*fx
		dst[i] = uint8((top<<16 + (bot-top)*fy + 1<<31) >> 32)
		px += sx
		py += sy
	}
}

// bilinear samples src at the 16.16 fixed-point position (px, py), white
// outside.
func bilinear(src *image.Gray, sw, sh int, px, py int64) uint8 {
	x0, y0 := int(px>>16), int(py>>16)
	if px < 0 || py < 0 || x0 >= sw || y0 >= sh {
		return 255
	}
	fx, fy := int64(px&0xffff), int64(py&0xffff)
	x1, y1 := min(x0+1, sw-1), min(y0+1, sh-1)
	r0 := src.Pix[y0*src.Stride:]
	r1 := src.Pix[y1*src.Stride:]
	top := int64(r0[x0])*(0x10000-fx) + int64(r0[x1])*fx
	bot := int64(r1[x0])*(0x10000-fx) + int64(r1[x1])*fx
	v := (top*(0x10000-fy) + bot*fy + 1<<31) >> 32
	return uint8(v)
}
