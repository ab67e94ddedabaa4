package raster

import (
	"image"

	"github.com/welllog/digitiser/pkg/internal/stats"
)

// contrastTile is the size in px of the tiles the paper level is measured
// in; uneven lighting is corrected at this scale.
const contrastTile = 64

// maxBlackPoint caps the grey level stretched to black, so that a strip with
// almost no ink does not have its paper noise stretched into ink.
const maxBlackPoint = 100

// isBilevel reports whether a histogram holds only black (0) and white
// (255) px, as a CCITT scan does; such strips need no normalising.
func isBilevel(hist [256]int) bool {
	for i := 1; i < 255; i++ {
		if hist[i] != 0 {
			return false
		}
	}
	return true
}

// percentile returns the grey level below which frac of the histogram lies.
func percentile(hist []int, frac float64) int {
	total := 0
	for _, n := range hist {
		total += n
	}
	limit := int(frac * float64(total))
	acc := 0
	for i, n := range hist {
		acc += n
		if acc > limit {
			return i
		}
	}
	return len(hist) - 1
}

// normaliseContrast stretches img in place so that paper is white and ink
// black everywhere. First each px is divided by the paper level around it
// (flat-fielding uneven lighting): the paper level is measured per tile as
// its 90th percentile, replaced by the median of the 3 x 3 neighbouring
// tiles where it is under 3/4 of that (a tile filled by a logo), and
// interpolated
// bilinearly. Then the flattened strip's 0.5th percentile (at most grey
// maxBlackPoint) is stretched to black. It reports whether it changed
// anything: a bilevel strip (hist holds only 0 and 255) is left alone.
func normaliseContrast(img *image.Gray, hist [256]int, workers int) bool {
	if isBilevel(hist) {
		return false
	}
	paper := tilePaperLevels(img, workers)
	w, h := img.Rect.Dx(), img.Rect.Dy()

	const band = 256
	parts := make([][256]int, (h+band-1)/band)
	parallelBands(h, band, workers, func(top, bottom int) {
		gain := make([]int32, w)
		hp := &parts[top/band]
		for y := top; y < bottom; y++ {
			paper.gainRow(y, gain)
			row := img.Pix[y*img.Stride : y*img.Stride+w]
			for x, v := range row {
				o := uint8(min(255, (int32(v)*gain[x])>>16))
				row[x] = o
				hp[o]++
			}
		}
	})
	var flat [256]int
	for _, p := range parts {
		for i, n := range p {
			flat[i] += n
		}
	}

	black := min(percentile(flat[:], 0.005), maxBlackPoint)
	var lut [256]uint8
	for i := range lut {
		lut[i] = uint8(max(0, min(255, (i-black)*255/(255-black))))
	}
	parallelBands(h, band, workers, func(top, bottom int) {
		for y := top; y < bottom; y++ {
			row := img.Pix[y*img.Stride : y*img.Stride+w]
			for x, v := range row {
				row[x] = lut[v]
			}
		}
	})
	return true
}

// paperGrid holds the paper level of each tile.
type paperGrid struct {
	tw, th int // tiles across and down
	lev    []float32
}

// tilePaperLevels measures the paper level of every tile of img (see
// normaliseContrast).
func tilePaperLevels(img *image.Gray, workers int) *paperGrid {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	g := &paperGrid{tw: (w + contrastTile - 1) / contrastTile,
		th: (h + contrastTile - 1) / contrastTile}
	raw := make([]float32, g.tw*g.th)
	parallelBands(h, contrastTile, workers, func(top, bottom int) {
		ty := top / contrastTile
		hists := make([][256]int, g.tw)
		for y := top; y < bottom; y++ {
			for x, v := range img.Pix[y*img.Stride : y*img.Stride+w] {
				hists[x/contrastTile][v]++
			}
		}
		for tx := range hists {
			raw[ty*g.tw+tx] = float32(percentile(hists[tx][:], 0.9))
		}
	})

	g.lev = make([]float32, len(raw))
	var win []float32
	for ty := 0; ty < g.th; ty++ {
		for tx := 0; tx < g.tw; tx++ {
			win = win[:0]
			for j := max(0, ty-1); j <= min(g.th-1, ty+1); j++ {
				for i := max(0, tx-1); i <= min(g.tw-1, tx+1); i++ {
					win = append(win, raw[j*g.tw+i])
				}
			}
			lev := raw[ty*g.tw+tx]
			if med := stats.UpperMedian(win); lev < 0.75*med {
				lev = med // a dark blob, not paper
			}
			g.lev[ty*g.tw+tx] = lev
		}
	}
	return g
}

// gainRow fills gain[x] with 255/paper level at (x, y) in 16.16 fixed
// point, bilinear between tile centres.
func (g *paperGrid) gainRow(y int, gain []int32) {
	fy := (float32(y)+0.5)/contrastTile - 0.5
	ty0 := int(max(0, min(float32(g.th-1), fy)))
	ty1 := min(ty0+1, g.th-1)
	wy := max(0, min(1, fy-float32(ty0)))
	r0, r1 := g.lev[ty0*g.tw:(ty0+1)*g.tw], g.lev[ty1*g.tw:(ty1+1)*g.tw]
	for tx := 0; tx < g.tw; tx++ {
		// Across each tile, interpolate between this tile's centre and
		// the next one's.
		l0 := r0[tx]*(1-wy) + r1[tx]*wy
		nx := min(tx+1, g.tw-1)
		l1 := r0[nx]*(1-wy) + r1[nx]*wy
		g0, g1 := 255*65536/max(l0, 16), 255*65536/max(l1, 16)
		x0 := tx*contrastTile + contrastTile/2
		for x := x0; x < min(x0+contrastTile, len(gain)); x++ {
			gain[x] = int32(g0 + (g1-g0)*float32(x-x0)/contrastTile)
		}
		if tx == 0 {
			for x := 0; x < min(x0, len(gain)); x++ {
				gain[x] = int32(g0)
			}
		}
	}
}
