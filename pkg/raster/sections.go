package raster

import (
	"image"
)

// Thresholds for finding the log's sections from its vertical lines.
const (
	// lineFullBand is how many of a band's coverBand rows must be ink for
	// a column to count as a line in that band.
	lineFullBand = coverBand - 2
	// gridRowFrac is the fraction of the grid's vertical lines that must be
	// inked for a row to be inside a log section (body or repeat).
	gridRowFrac = 0.75
	// sectionGapRows is the widest run of rows without the grid that is
	// still taken as part of the same section (a fold, a scanner dropout).
	sectionGapRows = 64
	// minGridRun is the shortest run of grid rows kept: shorter runs are
	// horizontal rules (legend boxes, a header frame) that cross every
	// line without being part of a section.
	minGridRun = 16
)

// candidateLines finds columns that hold a long vertical line: columns
// (with one px of tolerance either side) fully inked in at least half as
// many bands as the longest line. Lines drawn only in the header or the
// legend boxes fall short of that; the grid of the log body does not. It
// returns nil when no column is a line over minRows px.
func candidateLines(cm *coverMap, minRows int) []Band {
	nfull := make([]int, cm.W)
	for b := 0; b < cm.bands(); b++ {
		row := cm.row(b)
		for x := range row {
			m := row[x]
			if x > 0 {
				m = max(m, row[x-1])
			}
			if x+1 < cm.W {
				m = max(m, row[x+1])
			}
			if int(m) >= lineFullBand {
				nfull[x]++
			}
		}
	}
	top := 0
	for _, n := range nfull {
		top = max(top, n)
	}
	if top*cm.Band < minRows {
		return nil
	}
	var lines []Band
	for x := 0; x < cm.W; x++ {
		if 2*nfull[x] < top {
			continue
		}
		x0 := x
		for x < cm.W && 2*nfull[x] >= top {
			x++
		}
		lines = append(lines, Band{Left: x0, Right: x})
	}
	return lines
}

// gridRows marks the rows where at least gridRowFrac of lines have ink:
// rows inside a log section. A dark line has ink in a row when its px
// there hold at least one ink px's worth of darkness (255 - thresh)
// together, so that a thin line split over two grey px by a rotation still
// counts. A light line (dark so in under 3/4 as many rows as the darkest
// line: light grey or coloured grid, blurred) also has ink where its
// darkest px is ruledContrast darker than the paper ruledReach px either
// side.
func gridRows(img *image.Gray, lines []Band, thresh uint8, workers int) []bool {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	dark := func(row []uint8, l Band) bool {
		d := 0
		for x := l.Left; x < l.Right; x++ {
			d += 255 - int(row[x])
		}
		return d >= 255-int(thresh)
	}
	ridge := func(row []uint8, l Band) bool {
		darkest := 255
		for x := l.Left; x < l.Right; x++ {
			darkest = min(darkest, int(row[x]))
		}
		side := min(row[max(0, l.Left-ruledReach)], row[min(w-1, l.Right-1+ruledReach)])
		return darkest+ruledContrast <= int(side)
	}
	nDark := make([]int, len(lines))
	most := 0
	for i, l := range lines {
		for y := 0; y < h; y += 4 {
			if dark(img.Pix[y*img.Stride:y*img.Stride+w], l) {
				nDark[i]++
			}
		}
		most = max(most, nDark[i])
	}
	light := make([]bool, len(lines))
	for i, n := range nDark {
		light[i] = 4*n < 3*most
	}

	in := make([]bool, h)
	need := int(gridRowFrac*float64(len(lines)) + 0.5)
	parallelBands(h, 1024, workers, func(top, bottom int) {
		for y := top; y < bottom; y++ {
			row := img.Pix[y*img.Stride : y*img.Stride+w]
			n := 0
			for i, l := range lines {
				if dark(row, l) || light[i] && ridge(row, l) {
					n++
				}
			}
			in[y] = n >= need
		}
	})
	return in
}

// sectionSpans turns the per-row grid marks into spans of at least minRows
// px: runs under minGridRun rows are dropped, then gaps up to
// sectionGapRows closed.
func sectionSpans(in []bool, minRows int) []Span {
	var runs []Span
	for y := 0; y < len(in); y++ {
		if !in[y] {
			continue
		}
		y0 := y
		for y < len(in) && in[y] {
			y++
		}
		if y-y0 < minGridRun {
			continue
		}
		if n := len(runs); n > 0 && y0-runs[n-1].Bottom <= sectionGapRows {
			runs[n-1].Bottom = y
			continue
		}
		runs = append(runs, Span{Top: y0, Bottom: y})
	}
	var out []Span
	for _, r := range runs {
		if r.Len() >= minRows {
			out = append(out, r)
		}
	}
	return out
}

// pickSections chooses the main pass (the first section at least half as
// long as the longest) and the repeat section (the next one after it).
func pickSections(spans []Span) (body Span, repeat *Span) {
	longest := 0
	for _, s := range spans {
		longest = max(longest, s.Len())
	}
	for i, s := range spans {
		if 2*s.Len() < longest {
			continue
		}
		if i+1 < len(spans) {
			r := spans[i+1]
			repeat = &r
		}
		return s, repeat
	}
	return Span{}, nil
}

// headerSpan returns the rows from the first inked row down to the body's
// top; empty when nothing is printed above the body.
func headerSpan(img *image.Gray, body Span, thresh uint8) Span {
	w := img.Rect.Dx()
	for y := 0; y < body.Top; y++ {
		for _, v := range img.Pix[y*img.Stride : y*img.Stride+w] {
			if v < thresh {
				return Span{Top: y, Bottom: body.Top}
			}
		}
	}
	return Span{}
}
