package depth

import (
	"image"
	"math"

	"github.com/welllog/digitiser/pkg/internal/stats"
	"github.com/welllog/digitiser/pkg/raster"
)

// inkLevel is the grey level below which a pixel is ink.
const inkLevel = 128

// lineCover is the fraction of a row's track columns that must be ink for
// the row to be part of a horizontal grid line.
const lineCover = 0.5

// hline is one horizontal grid line: its centre row (px) and weight (the
// summed ink cover of its rows, about its thickness in px).
type hline struct {
	row    float64
	weight float64
}

// findLines returns the horizontal grid lines crossing the given column
// bands within rows [span.Top, span.Bottom), top to bottom.
func findLines(img *image.Gray, span raster.Span, bands []raster.Band) []hline {
	total := 0
	for _, b := range bands {
		total += b.Width()
	}
	if total == 0 {
		return nil
	}
	var lines []hline
	var cur hline
	var sumW float64
	flush := func() {
		if sumW > 0 {
			lines = append(lines, hline{row: cur.row / sumW, weight: sumW})
		}
		cur, sumW = hline{}, 0
	}
	for y := span.Top; y < span.Bottom; y++ {
		f := float64(rowInk(img, y, bands)) / float64(total)
		if f < lineCover {
			flush()
			continue
		}
		cur.row += f * float64(y)
		sumW += f
	}
	flush()
	return lines
}

// rowInk counts ink px of row y inside the bands.
func rowInk(img *image.Gray, y int, bands []raster.Band) int {
	n := 0
	off := (y-img.Rect.Min.Y)*img.Stride - img.Rect.Min.X
	for _, b := range bands {
		for _, p := range img.Pix[off+b.Left : off+b.Right] {
			if p < inkLevel {
				n++
			}
		}
	}
	return n
}

// gridPeriod returns the spacing of the finest regular grid lines in px:
// the median gap between neighbouring lines, after dropping gaps under
// 3 px (a thick line split in two) and those more than twice the first
// estimate (missing lines, section breaks). Zero when fewer than three
// lines.
func gridPeriod(lines []hline) float64 {
	var gaps []float64
	for i := 1; i < len(lines); i++ {
		if g := lines[i].row - lines[i-1].row; g >= 3 {
			gaps = append(gaps, g)
		}
	}
	if len(gaps) < 2 {
		return 0
	}
	med := stats.UpperMedian(gaps) // gaps sorted in place
	var sum float64
	var n int
	for _, g := range gaps {
		if math.Abs(g-med) < 0.25*med {
			sum += g
			n++
		}
	}
	return sum / float64(n)
}

// trackBands returns the column bands to look for grid lines in: the
// layout's curve tracks, or every column but the depth track's.
func trackBands(layout raster.Layout, width int) []raster.Band {
	if len(layout.Tracks) > 0 {
		return layout.Tracks
	}
	d := layout.DepthTrack
	var out []raster.Band
	if d.Left > 0 {
		out = append(out, raster.Band{Left: 0, Right: d.Left})
	}
	if d.Right < width {
		out = append(out, raster.Band{Left: max(d.Right, 0), Right: width})
	}
	return out
}
