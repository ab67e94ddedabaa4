package qa

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
	"github.com/welllog/digitiser/pkg/vector"
)

// Overlay colours, per curve class: main scale, backup scale (wrapped
// rows) and rows below the low-confidence default (0.3).
var (
	ColorSolid      = color.RGBA{220, 30, 30, 255} // class 1
	ColorSolidWrap  = color.RGBA{255, 140, 0, 255} // class 1 on its backup scale
	ColorDashed     = color.RGBA{30, 90, 230, 255} // class 2
	ColorDashedWrap = color.RGBA{0, 180, 190, 255} // class 2 on its backup scale
	ColorLowConf    = color.RGBA{200, 0, 200, 255} // any class, confidence < 0.3
)

// curveColors are the main-scale colours of the first, second and third
// curve of one class in one track (the first is ColorSolid or ColorDashed),
// so that curves of a class sharing a track, and a swap where they cross,
// can be told apart.
var curveColors = [][]color.RGBA{
	manifest.ClassSolid:  {ColorSolid, {20, 140, 40, 255}, {150, 90, 0, 255}},
	manifest.ClassDashed: {ColorDashed, {120, 60, 210, 255}, {0, 120, 120, 255}},
}

// LabelEvery is the spacing in rows (px of the deskewed strip) of the
// mnemonic labels Overlay writes beside each trace.
const LabelEvery = 1000

// Overlay draws the traces over the deskewed strip img (the image the
// layout was found on), 3 px wide, in per-class colours: ColorSolid and
// ColorDashed on the main scale for the first curve of its class in a
// track (a second and third get colours of their own), the Wrap variants
// on backup-scale rows, ColorLowConf where confidence is below 0.3. A
// wrapped row is drawn where it is printed. Every LabelEvery rows the
// curve's mnemonic is written beside it in its colour. The class comes
// from the manifest curve of the trace's mnemonic (the trace's own Class
// when m is nil or lacks it). The result takes 4 bytes a px: use
// OverlayScaled for long strips.
func Overlay(img *image.Gray, layout raster.Layout, traces []vector.Trace,
	m *manifest.Manifest) *image.RGBA {
	return OverlayScaled(img, layout, traces, m, 1)
}

// OverlayScaled is Overlay shrunk by an integer factor (1 or less means
// none): each output pixel is the darkest of its factor x factor block, so
// thin lines survive; traces are drawn at scale.
func OverlayScaled(img *image.Gray, layout raster.Layout, traces []vector.Trace,
	m *manifest.Manifest, factor int) *image.RGBA {
	factor = max(1, factor)
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, (b.Dx()+factor-1)/factor, (b.Dy()+factor-1)/factor))
	shrinkInto(out, img, factor)

	classes := map[string]int{}
	if m != nil {
		for _, c := range m.Curves() {
			classes[c.Mnemonic] = c.Class()
		}
	}
	seen := map[[2]int]int{} // (track, class) -> curves drawn
	for i := range traces {
		tr := &traces[i]
		if tr.Track < 0 || tr.Track >= len(layout.Tracks) {
			continue
		}
		cls, ok := classes[tr.Mnemonic]
		if !ok {
			cls = tr.Class
		}
		k := seen[[2]int{tr.Track, cls}]
		seen[[2]int{tr.Track, cls}]++
		pen := tracePen{cls: cls, main: mainColor(cls, k)}
		drawTrace(out, layout, tr, pen, float64(factor))
		labelTrace(out, layout, tr, pen.main, float64(factor))
	}
	return out
}

// tracePen is how one trace is drawn.
type tracePen struct {
	cls  int
	main color.RGBA // main-scale colour
}

// mainColor is the main-scale colour of the k-th curve of class cls in a
// track.
func mainColor(cls, k int) color.RGBA {
	if cls < 0 || cls >= len(curveColors) || len(curveColors[cls]) == 0 {
		cls = manifest.ClassSolid
	}
	p := curveColors[cls]
	return p[k%len(p)]
}

// shrinkInto fills out with the darkest pixel of each factor-square block.
func shrinkInto(out *image.RGBA, img *image.Gray, factor int) {
	b := img.Bounds()
	for oy := range out.Rect.Dy() {
		for ox := range out.Rect.Dx() {
			v := uint8(255)
			for y := b.Min.Y + oy*factor; y < min(b.Max.Y, b.Min.Y+(oy+1)*factor); y++ {
				row := img.Pix[(y-b.Min.Y)*img.Stride:]
				for x := ox * factor; x < min(b.Dx(), (ox+1)*factor); x++ {
					v = min(v, row[x])
				}
			}
			o := out.PixOffset(ox, oy)
			out.Pix[o], out.Pix[o+1], out.Pix[o+2], out.Pix[o+3] = v, v, v, 255
		}
	}
}

// drawTrace joins consecutive rows of one trace with horizontal spans so
// that steep stretches stay connected; a change of wrap breaks the line.
func drawTrace(out *image.RGBA, layout raster.Layout, tr *vector.Trace, pen tracePen,
	f float64) {
	x0, x1 := vector.TrackEdges(layout, tr.Track)
	prevX, prevWrap := math.NaN(), int8(0)
	for i := range tr.Len() {
		if math.IsNaN(tr.Frac[i]) {
			prevX = math.NaN()
			continue
		}
		x := vector.FracX(tr.Raw(i), x0, x1) / f
		y := int(float64(tr.Top+i) / f)
		a, b := x, x
		if !math.IsNaN(prevX) && tr.Wrap[i] == prevWrap {
			a, b = min(prevX, x), max(prevX, x)
		}
		c := traceColor(pen, tr.Wrap[i] != 0, tr.Conf[i] < 0.3)
		for px := int(math.Floor(a)) - 1; px <= int(math.Floor(b))+1; px++ {
			for py := y - 1; py <= y+1; py++ {
				if image.Pt(px, py).In(out.Rect) {
					out.SetRGBA(px, py, c)
				}
			}
		}
		prevX, prevWrap = x, tr.Wrap[i]
	}
}

func traceColor(pen tracePen, wrapped, low bool) color.RGBA {
	switch {
	case low:
		return ColorLowConf
	case pen.cls == manifest.ClassDashed && wrapped:
		return ColorDashedWrap
	case wrapped:
		return ColorSolidWrap
	}
	return pen.main
}

// labelTrace writes the trace's mnemonic in c beside it at rows
// LabelEvery/2, 3*LabelEvery/2, ... where it has a value: 4 px right of
// the line, or left of it when the label would leave the track; on a
// white box so that it reads over the grid.
func labelTrace(out *image.RGBA, layout raster.Layout, tr *vector.Trace, c color.RGBA,
	f float64) {
	face := basicfont.Face7x13
	x0, x1 := vector.TrackEdges(layout, tr.Track)
	width := font.MeasureString(face, tr.Mnemonic).Ceil()
	first := (tr.Top+LabelEvery/2+LabelEvery-1)/LabelEvery*LabelEvery - LabelEvery/2
	if first < tr.Top {
		first += LabelEvery
	}
	for row := first; row < tr.Top+tr.Len(); row += LabelEvery {
		i := row - tr.Top
		if math.IsNaN(tr.Frac[i]) {
			continue
		}
		x := int(vector.FracX(tr.Raw(i), x0, x1)/f) + 4
		if float64(x+width) > x1/f {
			x -= width + 8
		}
		y := int(float64(row)/f) + 4
		box := image.Rect(x-1, y-face.Ascent-1, x+width+1, y+face.Descent)
		draw.Draw(out, box.Intersect(out.Rect), image.White, image.Point{}, draw.Src)
		d := font.Drawer{Dst: out, Src: image.NewUniform(c), Face: face,
			Dot: fixed.P(x, y)}
		d.DrawString(tr.Mnemonic)
	}
}
