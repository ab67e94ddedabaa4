package segment

import (
	"image"
	"math"

	"github.com/welllog/digitiser/pkg/raster"
)

// fill writes the normalised tile whose top-left canvas px is (x0, y0)
// into b.in; px past the image are white paper.
func (s *ONNX) fill(b *tileBufs, img *image.Gray, x0, y0 int) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	paper := s.lut[255]
	for r := 0; r < b.h; r++ {
		dst := b.in[r*b.w : (r+1)*b.w]
		y := y0 + r
		n := 0
		if y < h {
			n = min(b.w, w-x0)
			off := y*img.Stride + x0
			src := img.Pix[off : off+n]
			for i, p := range src {
				dst[i] = s.lut[p]
			}
		}
		for i := n; i < b.w; i++ {
			dst[i] = paper
		}
	}
}

// store converts the owned part of the tile's output to uint8
// probabilities in pm: softmax over the three channels for logits, or the
// channels as they are for a softmax output.
func (s *ONNX) store(pm *raster.ProbMap, b *tileBufs, tx, ty axisTile) {
	plane := b.w * b.h
	logits := s.card.Output == "logits"
	for y := ty.own0; y < ty.own1; y++ {
		lr := (y - ty.start) * b.w
		pr := y * pm.Width
		for x := tx.own0; x < tx.own1; x++ {
			i := lr + x - tx.start
			l0, l1, l2 := b.out[i], b.out[plane+i], b.out[2*plane+i]
			var p1, p2 float32
			if logits {
				p1, p2 = softmax3(l0, l1, l2)
			} else {
				p1, p2 = l1, l2
			}
			pm.P[0][pr+x] = quantise(p1)
			pm.P[1][pr+x] = quantise(p2)
		}
	}
}

// softmax3 returns the softmax probabilities of classes 1 and 2.
func softmax3(l0, l1, l2 float32) (float32, float32) {
	m := max(l0, l1, l2)
	e0 := math.Exp(float64(l0 - m))
	e1 := math.Exp(float64(l1 - m))
	e2 := math.Exp(float64(l2 - m))
	sum := e0 + e1 + e2
	return float32(e1 / sum), float32(e2 / sum)
}

// quantise maps a probability 0..1 to 0..255, rounding to nearest.
func quantise(p float32) uint8 {
	switch {
	case p <= 0:
		return 0
	case p >= 1:
		return 255
	}
	return uint8(p*255 + 0.5)
}
