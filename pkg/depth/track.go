package depth

import (
	"image"
	"slices"

	"github.com/welllog/digitiser/pkg/internal/stats"
	"github.com/welllog/digitiser/pkg/raster"
)

// findDepthTrack looks for the depth track when the layout has none: of
// the column gaps between long vertical lines (ink in over half the rows
// of span), those at least 1.5 times the median gap wide, the one crossed
// by the fewest horizontal grid lines (depth tracks carry labels, not
// grid). It returns an empty band when there are no vertical lines.
func findDepthTrack(img *image.Gray, span raster.Span) raster.Band {
	w := img.Rect.Dx()
	count := make([]int, w)
	rows := 0
	for y := span.Top; y < span.Bottom; y += 4 {
		off := (y - img.Rect.Min.Y) * img.Stride
		for x, p := range img.Pix[off : off+w] {
			if p < inkLevel {
				count[x]++
			}
		}
		rows++
	}
	var runs [][2]int // [first, last] column of each vertical line
	for x, c := range count {
		switch {
		case c*2 <= rows:
		case len(runs) > 0 && runs[len(runs)-1][1] == x-1:
			runs[len(runs)-1][1] = x
		default:
			runs = append(runs, [2]int{x, x})
		}
	}
	if len(runs) < 2 {
		return raster.Band{}
	}
	gaps := make([]int, 0, len(runs)-1)
	for i := 1; i < len(runs); i++ {
		gaps = append(gaps, runs[i][0]-runs[i-1][1]-1)
	}
	med := stats.UpperMedian(slices.Clone(gaps))

	best, bestLines := raster.Band{}, -1
	for i, g := range gaps {
		if g*2 < med*3 || g < 24 {
			continue
		}
		b := raster.Band{Left: runs[i][1] + 1, Right: runs[i+1][0]}
		n := len(findLines(img, span, []raster.Band{b}))
		if bestLines < 0 || n < bestLines || (n == bestLines && b.Width() > best.Width()) {
			best, bestLines = b, n
		}
	}
	return best
}
