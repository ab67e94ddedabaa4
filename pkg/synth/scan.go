package synth

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
)

// Scan looks.
const (
	LookBilevel = "bilevel" // 1-bit archive TIFF look, stored as 0/255 gray
	LookGray    = "gray"
	LookColor   = "color"
)

// look is how one log is printed and scanned.
type look struct {
	mode     string
	geom     Geometry
	paper    [3]float64
	inkGray  [inkCurve]float64 // gray per non-curve label
	inkRGB   [inkCurve][3]float64
	stains   []stain
	folds    []fold
	blur     float64
	speckle  float64
	dropout  float64
	noise    float64
	jpegQ    int
	thresh   float64
	noiseSed uint64
}

type stain struct{ x, y, r, depth float64 }

type fold struct{ y, width, depth float64 }

func newLook(cfg Config, p *plan, g *rng) look {
	k := cfg.Knobs
	l := look{mode: LookGray, noiseSed: g.r.Uint64()}
	switch {
	case g.p(k.BilevelProb):
		l.mode = LookBilevel
	case g.p(k.ColorProb):
		l.mode = LookColor
	}
	tint := g.in(k.Tint)
	l.paper = [3]float64{250 - tint*0.6, 248 - tint*0.8, 240 - tint*1.2}
	grid := g.between(60, 150)
	if l.mode == LookBilevel {
		grid = g.between(10, 60)
	}
	l.inkGray[inkMinor] = grid
	l.inkGray[inkMajor] = grid * 0.6
	l.inkGray[inkBorder] = g.between(0, 40)
	l.inkGray[inkText] = g.between(0, 50)
	l.inkGray[inkHatch] = grid * 0.8
	l.inkGray[inkStamp] = g.between(60, 140)
	gridRGB := [][3]float64{{grid, grid, grid}, {230, 130, 100}, {120, 180, 130},
		{200, 150, 110}}[g.n(4)]
	for i := range l.inkRGB {
		v := l.inkGray[i]
		l.inkRGB[i] = [3]float64{v, v, v}
	}
	l.inkRGB[inkMinor] = gridRGB
	l.inkRGB[inkMajor] = [3]float64{gridRGB[0] * 0.7, gridRGB[1] * 0.7, gridRGB[2] * 0.7}
	l.inkRGB[inkStamp] = [3]float64{190, 40, 60}
	for n := g.count(k.Stains); n > 0; n-- {
		l.stains = append(l.stains, stain{g.between(0, float64(p.w)),
			g.between(0, float64(p.h)), g.between(40, 400), g.between(10, 60)})
	}
	for n := g.count(k.Folds); n > 0; n-- {
		l.folds = append(l.folds, fold{g.between(0, float64(p.h)), g.between(4, 30),
			g.between(15, 60)})
	}
	l.geom = Geometry{CX: float64(p.w) / 2, CY: float64(p.h) / 2, Stretch: 1}
	if k.SkewDeg > 0 {
		l.geom.SkewDeg = g.between(-k.SkewDeg, k.SkewDeg)
	}
	if k.Stretch > 0 {
		l.geom.Stretch = 1 + g.between(-k.Stretch, k.Stretch)
	}
	l.blur = g.in(k.Blur)
	if l.mode == LookBilevel {
		// A 1-bit scan keeps thin lines: blur only softens edges.
		l.blur = math.Min(l.blur, 0.5)
		l.dropout = g.in(k.Dropout)
	}
	l.speckle = g.in(k.Speckle)
	l.noise = k.InkNoise
	if l.mode != LookBilevel && g.p(k.JPEGProb) {
		l.jpegQ = int(g.in(k.JPEGQuality))
	}
	l.thresh = g.between(110, 150)
	return l
}

// paperField returns the paper darkening of every pixel block of 16 x 16
// px from stains and folds, so a row of pixels reads it cheaply.
func (l *look) paperField(w, h int) (field []float32, bw int) {
	bw, bh := (w+15)/16, (h+15)/16
	field = make([]float32, bw*bh)
	for _, s := range l.stains {
		for by := max(0, int((s.y-s.r)/16)); by < min(bh, int((s.y+s.r)/16)+1); by++ {
			for bx := max(0, int((s.x-s.r)/16)); bx < min(bw, int((s.x+s.r)/16)+1); bx++ {
				dx, dy := float64(bx*16+8)-s.x, float64(by*16+8)-s.y
				d := math.Sqrt(dx*dx+dy*dy) / s.r
				if d < 1 {
					field[by*bw+bx] += float32(s.depth * (1 - d*d))
				}
			}
		}
	}
	return field, bw
}

// foldRow returns the darkening of a row from folds.
func (l *look) foldRow(y int) float64 {
	v := 0.0
	for _, f := range l.folds {
		d := math.Abs(float64(y)-f.y) / f.width
		if d < 1 {
			v += f.depth * (1 - d)
		}
	}
	return v
}

// composite turns a label canvas into the scanned gray image (and colour
// image for the colour look): ink, fading, paper, stains, folds, noise,
// blur, then thresholding and speckle or JPEG.
func (l *look) composite(c *canvas, curves []*curve) (*image.Gray, *image.RGBA) {
	if l.mode == LookColor {
		return l.compositeColor(c, curves)
	}
	img := image.NewGray(image.Rect(0, 0, c.w, c.h))
	field, bw := l.paperField(c.w, c.h)
	noise := noiseTable(l.noiseSed, l.noise)
	ns := xorshift(l.noiseSed | 1)
	var lut [256]int32
	for i := range inkCurve {
		lut[i] = int32(l.inkGray[i])
	}
	stain := make([]int32, c.w)
	for y := 0; y < c.h; y++ {
		paper := (l.paper[0]+l.paper[1]+l.paper[2])/3 - l.foldRow(y)
		lut[inkPaper] = int32(paper)
		for i, cv := range curves {
			a := 1.0
			if cv.fade != nil {
				a = float64(cv.fade[y])
			}
			lut[inkCurve+i] = int32(paper + (float64(cv.ink)-paper)*a)
		}
		frow := field[(y/16)*bw:]
		for x := range stain {
			stain[x] = int32(frow[x>>4])
		}
		off := int(ns.next() & noiseMask)
		row := c.pix[y*c.w : (y+1)*c.w]
		out := img.Pix[y*img.Stride : y*img.Stride+c.w]
		nz := noise[off : off+c.w]
		for x, lab := range row {
			v := lut[lab] + int32(nz[x])
			if lab == inkPaper {
				v -= stain[x]
			}
			out[x] = uint8(min(max(v, 0), 255))
		}
	}
	blurGray(img, l.blur)
	switch {
	case l.mode == LookBilevel:
		l.binarise(img)
	case l.jpegQ > 0:
		img = jpegGray(img, l.jpegQ)
	}
	return img, nil
}

// visibleContrast is how much darker than the paper of its row, in gray
// levels, a curve pixel or one of its eight neighbours must come out of the
// scan for the mask to label it. Fading ends in thresholding or blur that
// can leave a stretch of curve with no ink at all (a bilevel scan turns ink
// faded to a quarter white); no segmenter can see such a stretch, so the
// mask calls it background instead of teaching a model to draw curves on
// blank paper. The truth LAS keeps its values: QA scores the rows a
// digitiser reads, and counts the rest against coverage.
const visibleContrast = 40

// hideInvisible clears the mask's curve pixels that the scanned gray image
// img shows no ink for (see visibleContrast). The neighbourhood keeps
// single pixels lost to bilevel dropout inside a visible line labelled.
func (l *look) hideInvisible(mask, img *image.Gray) {
	w, h := mask.Rect.Dx(), mask.Rect.Dy()
	for y := 0; y < h; y++ {
		limit := int((l.paper[0]+l.paper[1]+l.paper[2])/3 - l.foldRow(y) - visibleContrast)
		row := mask.Pix[y*mask.Stride : y*mask.Stride+w]
		for x, c := range row {
			if c == 0 || darkNear(img, x, y, limit) {
				continue
			}
			row[x] = 0
		}
	}
}

// darkNear reports whether a pixel of img within one px of (x, y) is at or
// below limit.
func darkNear(img *image.Gray, x, y, limit int) bool {
	b := img.Rect
	for yy := max(y-1, 0); yy <= min(y+1, b.Dy()-1); yy++ {
		row := img.Pix[yy*img.Stride:]
		for xx := max(x-1, 0); xx <= min(x+1, b.Dx()-1); xx++ {
			if int(row[xx]) <= limit {
				return true
			}
		}
	}
	return false
}

// binarise thresholds to 0/255, drops a share of ink pixels and flips a
// speckle share of all pixels.
func (l *look) binarise(img *image.Gray) {
	t := uint8(l.thresh)
	ns := xorshift(l.noiseSed ^ 0x5bd1e995)
	drop := uint32(l.dropout * (1 << 32))
	for i, v := range img.Pix {
		b := uint8(255)
		if v < t {
			b = 0
			// Dropouts break thin lines as old 1-bit scans do.
			if drop > 0 && uint32(ns.next()) < drop {
				b = 255
			}
		}
		img.Pix[i] = b
	}
	// Speckle: flip pixels at exponential gaps, so the cost follows the
	// number of flips.
	if l.speckle > 0 {
		for i := 0; ; {
			u := float64(ns.next()>>11) / (1 << 53)
			i += 1 + int(-math.Log(1-u)/l.speckle)
			if i >= len(img.Pix) {
				break
			}
			img.Pix[i] = 255 - img.Pix[i]
		}
	}
}

// noiseMask bounds the offsets into a noise table.
const noiseMask = 1<<16 - 1

// noiseTable returns uniform noise of amplitude amp, long enough for any
// row to start at an offset up to noiseMask.
func noiseTable(seed uint64, amp float64) []int8 {
	tab := make([]int8, noiseMask+1+20000)
	ns := xorshift(seed ^ 0x2545f4914f6cdd1d)
	a := math.Min(amp, 127)
	for i := range tab {
		tab[i] = int8(math.Round(a * (float64(ns.next()&1023)/512 - 1)))
	}
	return tab
}

// compositeColor is composite for the colour look.
func (l *look) compositeColor(c *canvas, curves []*curve) (*image.Gray, *image.RGBA) {
	rgba := image.NewRGBA(image.Rect(0, 0, c.w, c.h))
	field, bw := l.paperField(c.w, c.h)
	var lut [256][3]float64
	copy(lut[:inkCurve], l.inkRGB[:])
	ns := xorshift(l.noiseSed | 1)
	for y := 0; y < c.h; y++ {
		f := l.foldRow(y)
		paper := [3]float64{l.paper[0] - f, l.paper[1] - f, l.paper[2] - f}
		lut[inkPaper] = paper
		for i, cv := range curves {
			a := 1.0
			if cv.fade != nil {
				a = float64(cv.fade[y])
			}
			for ch := range 3 {
				lut[inkCurve+i][ch] = paper[ch] + (float64(cv.color[ch])-paper[ch])*a
			}
		}
		frow := field[(y/16)*bw:]
		row := c.pix[y*c.w : (y+1)*c.w]
		out := rgba.Pix[y*rgba.Stride:]
		for x, lab := range row {
			v := lut[lab]
			n := l.noise * (float64(ns.next()&1023)/512 - 1)
			st := 0.0
			if lab == inkPaper {
				st = float64(frow[x>>4])
			}
			out[4*x] = clamp8(v[0] - st + n)
			out[4*x+1] = clamp8(v[1] - st*1.1 + n)
			out[4*x+2] = clamp8(v[2] - st*1.4 + n)
			out[4*x+3] = 255
		}
	}
	blurRGBA(rgba, l.blur)
	if l.jpegQ > 0 {
		rgba = jpegRGBA(rgba, l.jpegQ)
	}
	return grayOf(rgba), rgba
}

// grayOf converts colour to luminance.
func grayOf(src *image.RGBA) *image.Gray {
	b := src.Bounds()
	img := image.NewGray(b)
	for i := range img.Pix {
		p := src.Pix[4*i : 4*i+3]
		img.Pix[i] = uint8((299*int(p[0]) + 587*int(p[1]) + 114*int(p[2]) + 500) / 1000)
	}
	return img
}

func clamp8(v float64) uint8 {
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v + 0.5)
}

// xorshift is a tiny fast generator for per-pixel noise.
type xorshiftState struct{ s uint64 }

func xorshift(seed uint64) *xorshiftState { return &xorshiftState{s: seed | 1} }

func (x *xorshiftState) next() uint64 {
	x.s ^= x.s << 13
	x.s ^= x.s >> 7
	x.s ^= x.s << 17
	return x.s
}

func jpegGray(img *image.Gray, q int) *image.Gray {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		return img
	}
	dec, err := jpeg.Decode(&buf)
	if err != nil {
		return img
	}
	if g, ok := dec.(*image.Gray); ok {
		return g
	}
	return img
}

func jpegRGBA(img *image.RGBA, q int) *image.RGBA {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		return img
	}
	dec, err := jpeg.Decode(&buf)
	if err != nil {
		return img
	}
	out := image.NewRGBA(img.Bounds())
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.Set(x, y, color.RGBAModel.Convert(dec.At(x, y)))
		}
	}
	return out
}
