package synth

import (
	"image"
	"math"
)

// blurTaps returns the side weight (of 256) of a 3-tap [a, 1-2a, a]
// kernel and the number of passes that approximate a blur of radius r px.
func blurTaps(r float64) (wa int32, passes int) {
	if r <= 0.05 {
		return 0, 0
	}
	passes = int(math.Ceil(r))
	return int32(256 * math.Min(1.0/3, r/float64(passes)*0.35)), passes
}

// blurGray blurs in place, separably, with a 3-tap kernel per pass.
func blurGray(img *image.Gray, r float64) {
	wa, passes := blurTaps(r)
	if passes == 0 {
		return
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	wc := 256 - 2*wa
	prev := make([]uint8, w)
	cur := make([]uint8, w)
	for range passes {
		for y := 0; y < h; y++ {
			row := img.Pix[y*img.Stride : y*img.Stride+w]
			copy(cur, row)
			for x := 1; x < w-1; x++ {
				s := wa*int32(cur[x-1]) + wc*int32(cur[x]) + wa*int32(cur[x+1])
				row[x] = uint8((s + 128) >> 8)
			}
		}
		// Vertical: each row from its unblurred neighbours.
		copy(prev, img.Pix[:w])
		for y := 1; y < h-1; y++ {
			row := img.Pix[y*img.Stride : y*img.Stride+w]
			next := img.Pix[(y+1)*img.Stride : (y+1)*img.Stride+w]
			copy(cur, row)
			for x := range row {
				s := wa*int32(prev[x]) + wc*int32(cur[x]) + wa*int32(next[x])
				row[x] = uint8((s + 128) >> 8)
			}
			prev, cur = cur, prev
		}
	}
}

// blurRGBA blurs each colour channel in place.
func blurRGBA(img *image.RGBA, r float64) {
	if _, passes := blurTaps(r); passes == 0 {
		return
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	ch := image.NewGray(image.Rect(0, 0, w, h))
	for c := range 3 {
		for i := range ch.Pix {
			ch.Pix[i] = img.Pix[4*i+c]
		}
		blurGray(ch, r)
		for i := range ch.Pix {
			img.Pix[4*i+c] = ch.Pix[i]
		}
	}
}
