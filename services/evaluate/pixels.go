package main

import (
	"image"
	"math"

	"github.com/welllog/digitiser/pkg/raster"
)

// WarpMask maps a class mask in px of the input strip onto the deskewed
// strip preprocessing made: dst(p) = mask(round(tf.Inverse(p))), nearest
// neighbour so classes stay classes; px from outside the mask are
// background. The result is w x h px.
func WarpMask(mask *image.Gray, tf raster.Transform, w, h int) *image.Gray {
	dst := image.NewGray(image.Rect(0, 0, w, h))
	if tf.IsIdentity() && mask.Rect.Dx() == w && mask.Rect.Dy() == h {
		copy(dst.Pix, mask.Pix)
		return dst
	}
	b := mask.Rect
	for y := 0; y < h; y++ {
		row := dst.Pix[y*dst.Stride : y*dst.Stride+w]
		for x := range row {
			sx, sy := tf.Inverse(float64(x)+0.5, float64(y)+0.5)
			ix, iy := int(math.Floor(sx)), int(math.Floor(sy))
			if ix >= 0 && iy >= 0 && ix < b.Dx() && iy < b.Dy() {
				row[x] = mask.Pix[iy*mask.Stride+ix]
			}
		}
	}
	return dst
}

// MaskProbMap turns a class mask into a certain probability map: 255 for
// the px's class, 0 elsewhere. It is the oracle segmenter: what the rest of
// the pipeline makes of a perfect segmentation.
func MaskProbMap(mask *image.Gray) *raster.ProbMap {
	w, h := mask.Rect.Dx(), mask.Rect.Dy()
	pm := raster.NewProbMap(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if c := mask.Pix[y*mask.Stride+x]; c == 1 || c == 2 {
				pm.P[c-1][y*w+x] = 255
			}
		}
	}
	return pm
}

// ScorePixels compares the most probable class of each px of pm (background
// probability being 255 - p1 - p2) with the mask, within rows span (the log
// body; the header holds no curves). Masks and maps must be the same size.
func ScorePixels(pm *raster.ProbMap, mask *image.Gray, span raster.Span) PixelScore {
	var conf [3][3]int64 // truth, prediction
	top, bottom := max(span.Top, 0), min(span.Bottom, pm.Height)
	for y := top; y < bottom; y++ {
		mrow := mask.Pix[y*mask.Stride : y*mask.Stride+pm.Width]
		off := y * pm.Width
		for x, m := range mrow {
			p1, p2 := int(pm.P[0][off+x]), int(pm.P[1][off+x])
			pred := 0
			switch bg := 255 - p1 - p2; {
			case p1 > bg && p1 >= p2:
				pred = 1
			case p2 > bg && p2 > p1:
				pred = 2
			}
			if m > 2 {
				m = 0
			}
			conf[m][pred]++
		}
	}
	return scoresFrom(conf)
}

func scoresFrom(conf [3][3]int64) PixelScore {
	var s PixelScore
	for c := 0; c < 3; c++ {
		tp := float64(conf[c][c])
		var fp, fn float64
		for o := 0; o < 3; o++ {
			if o != c {
				fp += float64(conf[o][c])
				fn += float64(conf[c][o])
			}
		}
		s.IoU[c], s.F1[c] = Float(math.NaN()), Float(math.NaN())
		if tp+fp+fn > 0 {
			s.IoU[c] = Float(tp / (tp + fp + fn))
			s.F1[c] = Float(2 * tp / (2*tp + fp + fn))
		}
	}
	return s
}
