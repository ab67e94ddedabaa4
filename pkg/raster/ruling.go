package raster

import (
	"image"
	"slices"

	"github.com/welllog/digitiser/pkg/internal/stats"
)

// Thresholds for telling the depth track from the curve tracks by their
// horizontal ruling.
const (
	// ruledFill is the share of a gap's columns that must be darker than
	// the rows around for a row to be a horizontal grid line across it.
	ruledFill = 0.8
	// ruledContrast is how much darker (grey levels) a grid line's px are
	// than the px ruledReach rows above and below (lines up to 5 px thick).
	ruledContrast = 16
	ruledReach    = 3
	// unruledShare is how much less ruled than the typical gap (the median)
	// the depth track must be: curve tracks carry the horizontal depth grid,
	// the depth track only labels and ticks.
	unruledShare = 0.2
	// minDepthGapShare is the narrowest depth track as a share of the
	// distance between the outermost lines.
	minDepthGapShare = 0.04
)

// gapRuling returns, for each gap between neighbouring lines, the share of
// the sections' rows where a horizontal line crosses the gap: ruledFill of
// its columns (the px next to the lines left out) are at least
// ruledContrast grey levels darker than the px ruledReach rows above and
// below. Being relative, it finds light grey or coloured grid on tinted
// paper as well as black, and ignores stains and shading. Gaps narrower
// than 4 px get 0. It reads every section row of img once.
func gapRuling(img *image.Gray, spans []Span, lines []vline, workers int) []float64 {
	if len(lines) < 2 {
		return nil
	}
	gaps := make([]Band, len(lines)-1)
	for i := range gaps {
		gaps[i] = Band{Left: lines[i].Right + 1, Right: lines[i+1].Left - 1}
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	const band = 256
	type part struct {
		rows  int
		ruled []int
	}
	parts := make([]part, (h+band-1)/band)
	parallelBands(h, band, workers, func(top, bottom int) {
		p := &parts[top/band]
		p.ruled = make([]int, len(gaps))
		prefix := make([]int, w+1)
		for y := max(top, ruledReach); y < min(bottom, h-ruledReach); y++ {
			if !inSpans(spans, y) {
				continue
			}
			p.rows++
			row := img.Pix[y*img.Stride : y*img.Stride+w]
			above := img.Pix[(y-ruledReach)*img.Stride:]
			below := img.Pix[(y+ruledReach)*img.Stride:]
			for x, v := range row {
				prefix[x+1] = prefix[x]
				if int(v)+ruledContrast <= int(min(above[x], below[x])) {
					prefix[x+1]++
				}
			}
			for i, g := range gaps {
				if g.Width() >= 2 && float64(prefix[g.Right]-prefix[g.Left]) >=
					ruledFill*float64(g.Width()) {
					p.ruled[i]++
				}
			}
		}
	})

	out := make([]float64, len(gaps))
	rows := 0
	for _, p := range parts {
		rows += p.rows
		for i, n := range p.ruled {
			out[i] += float64(n)
		}
	}
	for i := range out {
		if rows > 0 && gaps[i].Width() >= 2 {
			out[i] /= float64(rows)
		} else {
			out[i] = 0
		}
	}
	return out
}

// inSpans reports whether row y lies in one of spans.
func inSpans(spans []Span, y int) bool {
	for _, s := range spans {
		if y >= s.Top && y < s.Bottom {
			return true
		}
	}
	return false
}

// depthGap returns the index i of the gap between lines i and i+1 that is
// the depth track: the widest gap that is wide (minDepthGapShare of the
// distance between the outermost lines) and carries under unruledShare of
// the typical (median) gap's horizontal ruling. It returns -1 when no gap qualifies,
// e.g. on a log without horizontal grid or with the depth track at the
// edge, outside the outermost lines.
func depthGap(lines []vline, ruling []float64) int {
	if len(lines) < 3 || len(ruling) != len(lines)-1 {
		return -1
	}
	widths := make([]int, len(ruling))
	for i := range widths {
		widths[i] = lines[i+1].Left - lines[i].Right
	}
	typical := stats.UpperMedian(slices.Clone(ruling))
	if typical <= 0 {
		return -1
	}
	span := float64(lines[len(lines)-1].Left - lines[0].Right)
	best := -1
	for i, r := range ruling {
		if float64(widths[i]) < minDepthGapShare*span || r > unruledShare*typical {
			continue
		}
		if best < 0 || widths[i] > widths[best] {
			best = i
		}
	}
	return best
}
