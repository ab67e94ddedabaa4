package synth

import (
	"image"
	"math"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

var (
	fontOnce  sync.Once
	fontFont  *opentype.Font
	faceMu    sync.Mutex
	faceCache = map[int]font.Face{}
)

// face returns the Go Regular face at a pixel height, cached.
func face(px float64) font.Face {
	fontOnce.Do(func() {
		f, err := opentype.Parse(goregular.TTF)
		if err != nil {
			panic("synth: embedded Go font does not parse: " + err.Error())
		}
		fontFont = f
	})
	size := max(6, int(math.Round(px)))
	faceMu.Lock()
	defer faceMu.Unlock()
	if f, ok := faceCache[size]; ok {
		return f
	}
	f, err := opentype.NewFace(fontFont, &opentype.FaceOptions{
		Size: float64(size), DPI: 72, Hinting: font.HintingFull,
	})
	if err != nil {
		panic("synth: Go font face: " + err.Error())
	}
	faceCache[size] = f
	return f
}

// textWidth returns the advance of s in px at a pixel height.
func textWidth(s string, px float64) int {
	f := face(px)
	faceMu.Lock()
	defer faceMu.Unlock()
	return font.MeasureString(f, s).Ceil()
}

// text inks s with its top-left corner at (x, y), px high, where the
// rendered glyph coverage is at least half.
func (c *canvas) text(s string, x, y int, px float64, ink uint8) {
	f := face(px)
	faceMu.Lock()
	defer faceMu.Unlock()
	m := f.Metrics()
	w := font.MeasureString(f, s).Ceil() + 2
	h := (m.Ascent + m.Descent).Ceil() + 2
	dst := image.NewAlpha(image.Rect(0, 0, w, h))
	d := font.Drawer{Dst: dst, Src: image.Opaque, Face: f,
		Dot: fixed.Point26_6{X: fixed.I(1), Y: m.Ascent + fixed.I(1)}}
	d.DrawString(s)
	for yy := 0; yy < h; yy++ {
		cy := y + yy
		if cy < 0 || cy >= c.h {
			continue
		}
		for xx := 0; xx < w; xx++ {
			cx := x + xx
			if cx >= 0 && cx < c.w && dst.Pix[yy*dst.Stride+xx] >= 128 {
				c.pix[cy*c.w+cx] = ink
			}
		}
	}
}
