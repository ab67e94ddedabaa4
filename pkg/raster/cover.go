package raster

import "image"

// coverBand is the height in px of the row bands a coverMap counts over.
const coverBand = 32

// coverMap counts ink per column in row bands: C[b*W+x] is the number of
// ink px in column x among rows [b*Band, (b+1)*Band). It is the compact
// summary (1/32 of the strip) that skew estimation and layout detection
// work from, so neither holds more than one copy of the strip.
type coverMap struct {
	W, H, Band int
	C          []uint8
}

// bands returns the number of row bands.
func (c *coverMap) bands() int { return (c.H + c.Band - 1) / c.Band }

// row returns band b's counts.
func (c *coverMap) row(b int) []uint8 { return c.C[b*c.W : (b+1)*c.W] }

// newCoverMap counts px darker than thresh (ink) in img, in bands of
// coverBand rows, on up to workers goroutines.
func newCoverMap(img *image.Gray, thresh uint8, workers int) *coverMap {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	cm := &coverMap{W: w, H: h, Band: coverBand}
	cm.C = make([]uint8, cm.bands()*w)
	parallelBands(h, coverBand*8, workers, func(top, bottom int) {
		for y := top; y < bottom; y++ {
			dst := cm.row(y / coverBand)
			src := img.Pix[y*img.Stride : y*img.Stride+w]
			for x, v := range src {
				if v < thresh {
					dst[x]++
				}
			}
		}
	})
	return cm
}

// newLineCoverMap is newCoverMap counting, besides ink (px darker than
// thresh), the px of light vertical lines: px at least ruledContrast grey
// levels darker than both px ruledReach columns to the left and right. A
// thin grey border blurred and resampled by the deskew stays lighter than
// the ink threshold but is still a ridge across the row.
func newLineCoverMap(img *image.Gray, thresh uint8, workers int) *coverMap {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	cm := &coverMap{W: w, H: h, Band: coverBand}
	cm.C = make([]uint8, cm.bands()*w)
	parallelBands(h, coverBand*8, workers, func(top, bottom int) {
		for y := top; y < bottom; y++ {
			dst := cm.row(y / coverBand)
			src := img.Pix[y*img.Stride : y*img.Stride+w]
			for x, v := range src {
				if v < thresh {
					dst[x]++
					continue
				}
				if x >= ruledReach && x+ruledReach < w && int(v)+ruledContrast <=
					int(min(src[x-ruledReach], src[x+ruledReach])) {
					dst[x]++
				}
			}
		}
	})
	return cm
}

// histogram returns the grey-level histogram of img.
func histogram(img *image.Gray, workers int) [256]int {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	const band = 512
	parts := make([][256]int, (h+band-1)/band)
	parallelBands(h, band, workers, func(top, bottom int) {
		p := &parts[top/band]
		for y := top; y < bottom; y++ {
			for _, v := range img.Pix[y*img.Stride : y*img.Stride+w] {
				p[v]++
			}
		}
	})
	var hist [256]int
	for _, p := range parts {
		for i, n := range p {
			hist[i] += n
		}
	}
	return hist
}

// otsu returns the threshold that best splits a histogram in two classes
// (Otsu's method): px below it are ink. A histogram with one level returns
// 128.
func otsu(hist [256]int) uint8 {
	var total, sum float64
	for i, n := range hist {
		total += float64(n)
		sum += float64(i) * float64(n)
	}
	var wB, sumB, best float64
	t := -1
	for i := 0; i < 255; i++ {
		wB += float64(hist[i])
		if wB == 0 {
			continue
		}
		wF := total - wB
		if wF == 0 {
			break
		}
		sumB += float64(i) * float64(hist[i])
		mB, mF := sumB/wB, (sum-sumB)/wF
		if v := wB * wF * (mB - mF) * (mB - mF); v > best {
			best, t = v, i
		}
	}
	if t < 0 {
		return 128
	}
	return uint8(t + 1)
}
