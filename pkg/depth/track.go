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
// grid). It returns an empty band when no gap qualifies (see
// edgeDepthTracks for a depth track at the edge of the log).
// runs are verticalRuns(img, span).
func findDepthTrack(img *image.Gray, span raster.Span, runs [][2]int) raster.Band {
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

// verticalRuns returns the [first, last] columns of each long vertical
// line: a run of columns with ink in over half the rows of span (every 4th
// row), left to right.
func verticalRuns(img *image.Gray, span raster.Span) [][2]int {
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
	var runs [][2]int
	for x, c := range count {
		switch {
		case c*2 <= rows:
		case len(runs) > 0 && runs[len(runs)-1][1] == x-1:
			runs[len(runs)-1][1] = x
		default:
			runs = append(runs, [2]int{x, x})
		}
	}
	return runs
}

// edgeDepthTracks lists the bands from the outermost long vertical line to
// the image edge, on either side, that could hold a depth track with no
// border of its own beyond it (the log's last column, at a page edge or
// with its border cut off by a skewed scan): at least minEdgeTrack px wide
// with at least minLabelInk of their px (every 4th row of span) ink. Only
// reading labels in them tells a depth track from a margin or an unruled
// track; the caller keeps the first that reads. runs are verticalRuns(img,
// span).
func edgeDepthTracks(img *image.Gray, span raster.Span, runs [][2]int) []raster.Band {
	if len(runs) == 0 {
		return nil
	}
	var out []raster.Band
	for _, b := range []raster.Band{{Left: runs[len(runs)-1][1] + 1, Right: img.Rect.Dx()},
		{Left: 0, Right: runs[0][0]}} {
		if b.Width() >= minEdgeTrack && inkShare(img, span, b) >= minLabelInk {
			out = append(out, b)
		}
	}
	return out
}

// Edge bands narrower than minEdgeTrack px, or with less than minLabelInk
// of their px ink, cannot hold depth labels.
const (
	minEdgeTrack = 40
	minLabelInk  = 0.002
)

// inkShare is the share of px of band b (rows of span, every 4th) darker
// than inkLevel.
func inkShare(img *image.Gray, span raster.Span, b raster.Band) float64 {
	var ink, all int
	for y := span.Top; y < span.Bottom; y += 4 {
		off := (y - img.Rect.Min.Y) * img.Stride
		for _, p := range img.Pix[off+b.Left : off+b.Right] {
			if p < inkLevel {
				ink++
			}
			all++
		}
	}
	if all == 0 {
		return 0
	}
	return float64(ink) / float64(all)
}
