package segment

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// drawnLog is a synthetic log drawn for tests: a grid, text labels, one
// solid and one dashed curve, and the true class of every px.
type drawnLog struct {
	img   *image.Gray
	truth []uint8 // 0 background or grid or text, 1 solid, 2 dashed
	text  []bool  // px of text labels
}

// drawLog draws a w x h px log like a 200 dpi scan: minor grid every
// 20 px, major every 100 px (2 px), vertical lines every w/10 px, track
// borders, depth labels, a solid curve 2 px wide and a dashed one with
// 11 px dashes and 7 px gaps along its length.
func drawLog(w, h int, seed uint64) *drawnLog {
	d := &drawnLog{img: image.NewGray(image.Rect(0, 0, w, h)), truth: make([]uint8, w*h),
		text: make([]bool, w*h)}
	for i := range d.img.Pix {
		d.img.Pix[i] = 255
	}
	for y := 0; y < h; y += 20 {
		d.hline(y, 0)
		if y%100 == 0 && y+1 < h {
			d.hline(y+1, 0)
		}
	}
	for x := 0; x < w; x += w / 10 {
		d.vline(x, 0)
	}
	d.vline(w-1, 0)
	d.vline(w-2, 0)
	before := append([]uint8(nil), d.img.Pix...)
	for y := 60; y < h-20; y += 200 {
		d.label(w/10+4, y, "1250")
		d.label(5*w/10+4, y+90, "GR API")
	}
	for i, p := range d.img.Pix {
		d.text[i] = p != before[i]
	}

	rng := rand.New(rand.NewPCG(seed, 7))
	d.curve(rng, w, 1)
	d.curve(rng, w, 2)
	return d
}

func (d *drawnLog) hline(y int, v uint8) {
	for x := 0; x < d.img.Rect.Dx(); x++ {
		d.img.SetGray(x, y, color.Gray{v})
	}
}

func (d *drawnLog) vline(x int, v uint8) {
	for y := 0; y < d.img.Rect.Dy(); y++ {
		d.img.SetGray(x, y, color.Gray{v})
	}
}

func (d *drawnLog) label(x, y int, s string) {
	dr := font.Drawer{Dst: d.img, Src: image.Black, Face: basicfont.Face7x13,
		Dot: fixed.P(x, y)}
	dr.DrawString(s)
}

// curve draws one curve of class cls (1 solid, 2 dashed) across the
// track: x(y) is a sum of two sines with random phase, 2 px wide.
func (d *drawnLog) curve(rng *rand.Rand, w, cls int) {
	h := d.img.Rect.Dy()
	p1, p2 := 60+rng.Float64()*120, 15+rng.Float64()*20
	ph1, ph2 := rng.Float64()*6.3, rng.Float64()*6.3
	amp := 0.3 + 0.05*rng.Float64()
	xAt := func(y int) int {
		v := 0.5 + amp*math.Sin(float64(y)/p1+ph1) + 0.08*math.Sin(float64(y)/p2+ph2)
		return int(v * float64(w))
	}
	arc := 0.0
	prev := xAt(0)
	for y := 0; y < h; y++ {
		x := xAt(y)
		arc += math.Hypot(float64(x-prev), 1)
		lo, hi := min(x, prev), max(x, prev)
		prev = x
		if cls == 2 && math.Mod(arc, 18) >= 11 {
			continue
		}
		for px := lo; px <= hi+1; px++ {
			if px < 0 || px >= w {
				continue
			}
			d.img.Pix[y*d.img.Stride+px] = 0
			d.truth[y*w+px] = uint8(cls)
		}
	}
}
