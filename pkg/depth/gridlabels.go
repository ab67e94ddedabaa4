package depth

import (
	"fmt"
	"image"
	"math"
	"slices"
	"strconv"

	"github.com/welllog/digitiser/pkg/internal/stats"
	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
)

// reading is one depth label as read: its glyphs' shapes, the digits, the
// value and the row it marks.
type reading struct {
	shapes []shape
	text   string
	value  float64
	row    float64
}

// fromGridLabels calibrates from the grid and the depth labels: it finds
// the horizontal grid lines and their period, reads the labels in the
// depth track, snaps each to the nearest grid line, fits them piecewise by
// RANSAC, learns digit templates from the labels the fit confirmed, reads
// again and fits again.
func fromGridLabels(img *image.Gray, layout raster.Layout,
	m *manifest.Manifest) (*Calibration, error) {
	_, cal, err := labelTrack(img, layout, m)
	return cal, err
}

// labelTrack finds the depth track and calibrates from its labels. The
// track is layout.DepthTrack, else the unruled gap between long vertical
// lines (findDepthTrack), else the first band beyond the outermost lines
// whose labels fit (edgeDepthTracks). band is the track found, or the
// only edge band that could hold labels when none read, or empty; the
// error is the label fit's, or that no track was found.
func labelTrack(img *image.Gray, layout raster.Layout,
	m *manifest.Manifest) (band raster.Band, cal *Calibration, err error) {
	span := searchSpan(img, layout)
	if layout.DepthTrack.Width() > 0 {
		cal, err = labelsIn(img, layout, span, m)
		return layout.DepthTrack, cal, err
	}
	runs := verticalRuns(img, span)
	if band = findDepthTrack(img, span, runs); band.Width() > 0 {
		layout.DepthTrack = band
		cal, err = labelsIn(img, layout, span, m)
		return band, cal, err
	}
	edges := edgeDepthTracks(img, span, runs)
	for _, b := range edges {
		layout.DepthTrack = b
		if cal, err = labelsIn(img, layout, span, m); err == nil {
			return b, cal, nil
		}
	}
	if len(edges) == 1 {
		band = edges[0]
	}
	if err == nil {
		err = fmt.Errorf("%w: no depth track found: add depth.tie_points "+
			"(at least two rows with their depths) to the manifest", ErrNoCalibration)
	}
	return band, nil, err
}

// labelsIn reads and fits the labels of layout.DepthTrack over span.
func labelsIn(img *image.Gray, layout raster.Layout, span raster.Span,
	m *manifest.Manifest) (*Calibration, error) {
	band := layout.DepthTrack
	lines := findLines(img, span, trackBands(layout, img.Rect.Dx()))
	period := gridPeriod(lines)
	maxH := 60
	if period > 0 {
		maxH = max(int(3*period), 16)
	}
	inner := raster.Band{Left: band.Left + 2, Right: band.Right - 2}
	boxes := groupLabels(findGlyphs(img, span, inner, maxH))

	ts := renderedTemplates()
	rs := readLabels(boxes, ts, lines, period)
	o, pieces, inlier := fitLabels(rs, period, layout.Repeat)
	if len(pieces) > 0 {
		ts = learn(ts, examples(rs, inlier))
		rs = readLabels(boxes, ts, lines, period)
		o, pieces, inlier = fitLabels(rs, period, layout.Repeat)
	}
	if len(pieces) == 0 {
		return nil, fmt.Errorf("%w: read %d depth labels but fewer than three agree "+
			"on a scale: add depth.tie_points to the manifest", ErrNoCalibration, len(rs))
	}

	cal := &Calibration{Unit: m.Depth.Unit, Method: MethodGridLabels, GridPeriod: period,
		Segments: segments(pieces, 0, float64(img.Rect.Dy()), layout.Repeat,
			seams(pieces, lines, period))}
	cal.Residuals = residuals(cal, o, inlier)
	cal.summarise()
	if err := checkLabelFit(cal, period); err != nil {
		return nil, err
	}
	return cal, nil
}

// checkLabelFit refuses a label fit whose labels miss it by more than one
// grid period's depth (RMS over the labels it kept): every label sits on a
// grid line, so a right fit misses by a fraction of that, and a fit off by
// more was made from misread labels (one such read 12300, 123 and 1240 and
// logged a 500 ft interval as 23 ft).
func checkLabelFit(cal *Calibration, period float64) error {
	if period <= 0 || len(cal.Segments) == 0 {
		return nil
	}
	perLine := math.Abs(cal.Segments[0].Rate) * period
	if cal.RMS > perLine {
		return fmt.Errorf("%w: the depth labels read miss their fit by %.3g %s RMS, more "+
			"than one grid period (%.3g %s): they were misread; add depth.tie_points to the "+
			"manifest", ErrNoCalibration, cal.RMS, cal.Unit, perLine, cal.Unit)
	}
	return nil
}

// searchSpan is the rows holding the log: body through repeat section, or
// the whole image when the layout has no body.
func searchSpan(img *image.Gray, layout raster.Layout) raster.Span {
	span := layout.Body
	if span.Len() <= 0 {
		return raster.Span{Top: 0, Bottom: img.Rect.Dy()}
	}
	if r := layout.Repeat; r != nil && r.Len() > 0 {
		span.Top, span.Bottom = min(span.Top, r.Top), max(span.Bottom, r.Bottom)
	}
	return span
}

// readLabels reads every label box, dropping those that do not read as a
// number of two digits or more, and places each on the grid line nearest
// its centre; with a known period, labels further than half a period from
// any line are dropped.
func readLabels(boxes []labelBox, ts templates, lines []hline, period float64) []reading {
	var out []reading
	for _, lb := range boxes {
		if len(lb.glyphs) > 6 {
			continue
		}
		r := reading{row: float64(lb.box.Min.Y+lb.box.Max.Y) / 2}
		for _, g := range lb.glyphs {
			s := shapeOf(g)
			d, _ := readDigit(s, ts)
			r.shapes = append(r.shapes, s)
			r.text += strconv.Itoa(d)
		}
		if len(r.text) < 2 || r.text[0] == '0' {
			continue // depth labels have two digits or more, no leading zero
		}
		v, err := strconv.ParseFloat(r.text, 64)
		if err != nil {
			continue
		}
		if period > 0 {
			row, ok := snap(r.row, lines, period/2)
			if !ok {
				continue // not on a grid line: header text, not a label
			}
			r.row = row
		}
		r.value = v
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b reading) int { return stats.Compare(a.row, b.row) })
	return out
}

// snap returns the row of the grid line nearest row within reach px, and
// false when there is none.
func snap(row float64, lines []hline, reach float64) (float64, bool) {
	i, _ := slices.BinarySearchFunc(lines, row, func(l hline, r float64) int {
		return stats.Compare(l.row, r)
	})
	best, bestD, found := row, reach, false
	for _, k := range []int{i - 1, i} {
		if k >= 0 && k < len(lines) {
			if d := math.Abs(lines[k].row - row); d <= bestD {
				best, bestD, found = lines[k].row, d, true
			}
		}
	}
	return best, found
}

// fitLabels fits the readings in two rounds: a loose tolerance (a third of
// the usual step between labels) finds the pieces, then a tight one (a
// quarter of a grid period, in depth) keeps only labels on the fitted
// line, so that a page stitched a little off, or paper stretched unevenly,
// gets its own segment. Only readings on the labels' lattice are fitted
// (onLabelLattice), and segments at another scale are dropped (sameScale).
func fitLabels(rs []reading, period float64,
	repeat *raster.Span) ([]obs, []piece, []bool) {
	o := make([]obs, len(rs))
	for i, r := range rs {
		o[i] = obs{row: r.row, depth: r.value, label: r.text}
	}
	step := labelStep(rs)
	if step == 0 {
		return o, nil, make([]bool, len(o))
	}
	pieces, inlier := fitSubset(o, onLabelLattice(rs), step, period, repeat)
	pieces, inlier = sameScale(pieces, inlier)
	return o, pieces, inlier
}

// fitSubset runs fitRounds on the observations use marks and returns
// pieces and inlier flags indexed into all.
func fitSubset(all []obs, use []bool, step, period float64,
	repeat *raster.Span) ([]piece, []bool) {
	var o []obs
	var at []int
	for i, u := range use {
		if u {
			o = append(o, all[i])
			at = append(at, i)
		}
	}
	pieces, inlier := fitRounds(o, step, period, repeat)
	// Back to indices into all.
	full := make([]bool, len(all))
	for k, in := range inlier {
		full[at[k]] = in
	}
	for pi := range pieces {
		for m, k := range pieces[pi].members {
			pieces[pi].members[m] = at[k]
		}
	}
	return pieces, full
}

// fitRounds fits o in fitLabels' two rounds.
func fitRounds(o []obs, step, period float64,
	repeat *raster.Span) ([]piece, []bool) {
	accept := func(l line) bool { return period == 0 || niceStep(l.b*period) }
	pieces, inlier := fitPiecewise(o, fitOptions{tol: step / 3, minIn: 3, repeat: repeat,
		accept: accept})
	if len(pieces) == 0 || period == 0 {
		return pieces, inlier
	}
	rates := make([]float64, len(pieces))
	for i, p := range pieces {
		rates[i] = p.b
	}
	tol := 0.25 * period * stats.UpperMedian(rates)
	tight, tightIn := fitPiecewise(o, fitOptions{tol: tol, minIn: 3, repeat: repeat,
		accept: accept})
	if len(tight) == 0 {
		return pieces, inlier
	}
	return tight, tightIn
}

// onLabelLattice marks the readings to fit. Depth labels count in one
// step from a round number (4500, 4550, ...; or 25, 75, ... offset by
// half a step), so their values share one remainder modulo the step. A
// digit misread in the last places (27709 for 27700, 5954 for 5950) breaks
// the remainder but can stay within the fit's tolerance and shift the
// whole log by several px; one that drops digits (45 for 4450) can even
// make a second fit at a tenth of the rate.
//
// The step is the largest of the differences between neighbouring
// readings, rounded to a nice number, under which three or more and most
// readings share a remainder; then the next nice number down while that
// lets strictly more readings share one (a label missing at a page break
// makes a double step, under which only every other label agrees). Only
// the readings sharing it are fitted; with no such step, all are.
func onLabelLattice(rs []reading) []bool {
	use := make([]bool, len(rs))
	for i := range use {
		use[i] = true
	}
	var steps []float64
	for i := 1; i < len(rs); i++ {
		if d := rs[i].value - rs[i-1].value; d > 0 {
			steps = append(steps, niceRound(d))
		}
	}
	slices.Sort(steps)
	steps = slices.Compact(steps)
	step, rem, n := 0.0, 0.0, 0
	for k := len(steps) - 1; k >= 0; k-- {
		if r, c := commonRemainder(rs, steps[k]); c >= 3 && 2*c > len(rs) {
			step, rem, n = steps[k], r, c
			break
		}
	}
	if step == 0 {
		return use
	}
	for {
		s := niceBelow(step)
		r, c := commonRemainder(rs, s)
		if c <= n {
			break
		}
		step, rem, n = s, r, c
	}
	for i, r := range rs {
		use[i] = math.Mod(r.value, step) == rem
	}
	return use
}

// niceBelow is the nice number (1, 2, 2.5 or 5 times a power of ten)
// next below the nice number v.
func niceBelow(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)+1e-9))
	switch m := v / p; {
	case m > 4.9:
		return 2.5 * p
	case m > 2.4:
		return 2 * p
	case m > 1.9:
		return p
	}
	return 0.5 * p
}

// commonRemainder returns the remainder modulo step most readings share
// (the smallest on a tie) and how many share it.
func commonRemainder(rs []reading, step float64) (float64, int) {
	count := map[float64]int{}
	for _, r := range rs {
		count[math.Mod(r.value, step)]++
	}
	best, n := 0.0, 0
	for rem, c := range count {
		if c > n || (c == n && rem < best) {
			best, n = rem, c
		}
	}
	return best, n
}

// maxRateSpread is how far, as a fraction, a segment's rate may differ
// from the best-supported segment's: pages of one log share a print scale
// up to paper stretch and scanner drift (a few percent).
const maxRateSpread = 0.2

// sameScale drops pieces whose rate differs from that of the piece with
// the most labels by more than maxRateSpread: labels read with digits
// missing fit a second line at a tenth of the rate (45, 50, 60 for 4450,
// 4500, 4600), which no stitched page can have. Their labels become
// outliers.
func sameScale(pieces []piece, inlier []bool) ([]piece, []bool) {
	if len(pieces) < 2 {
		return pieces, inlier
	}
	ref := pieces[0]
	for _, p := range pieces[1:] {
		if len(p.members) > len(ref.members) {
			ref = p
		}
	}
	kept := pieces[:0:0]
	for _, p := range pieces {
		if math.Abs(p.b-ref.b) <= maxRateSpread*ref.b {
			kept = append(kept, p)
			continue
		}
		for _, i := range p.members {
			inlier[i] = false
		}
	}
	return kept, inlier
}

// seams places the boundary between neighbouring pieces where the grid's
// phase changes: of the grid lines between the last label of one piece and
// the first of the next, those above the cut should fall on the first
// piece's lattice (a whole number of grid spacings in depth) and those
// below on the second's. It returns NaN for a pair whose lines do not
// tell (no lines, or pages offset by a whole grid spacing).
func seams(pieces []piece, lines []hline, period float64) []float64 {
	cuts := make([]float64, max(len(pieces)-1, 0))
	for k := range cuts {
		cuts[k] = math.NaN()
		a, b := pieces[k], pieces[k+1]
		var between []hline
		for _, l := range lines {
			if l.row > a.rowMax && l.row < b.rowMin {
				between = append(between, l)
			}
		}
		if period == 0 || len(between) == 0 {
			continue
		}
		onA := make([]bool, len(between))
		onB := make([]bool, len(between))
		for i, l := range between {
			onA[i] = onLattice(a.line, l.row, period)
			onB[i] = onLattice(b.line, l.row, period)
		}
		// score(c) = lines before c on A + lines from c on B
		bestC, bestScore, differ := 0, -1, false
		for c := 0; c <= len(between); c++ {
			sc := 0
			for i := range between {
				if (i < c && onA[i]) || (i >= c && onB[i]) {
					sc++
				}
			}
			if sc > bestScore {
				bestC, bestScore = c, sc
			}
		}
		for i := range between {
			differ = differ || onA[i] != onB[i]
		}
		if !differ {
			continue
		}
		switch {
		case bestC == 0:
			cuts[k] = (a.rowMax + between[0].row) / 2
		case bestC == len(between):
			cuts[k] = (between[bestC-1].row + b.rowMin) / 2
		default:
			cuts[k] = (between[bestC-1].row + between[bestC].row) / 2
		}
	}
	return cuts
}

// onLattice reports whether a grid line at row lies within a fifth of a
// grid spacing of a whole number of spacings under the piece's line; the
// spacing in depth is the period times the rate, rounded to a nice step.
func onLattice(l line, row, period float64) bool {
	s := niceRound(period * l.b)
	d := l.at(row)
	return math.Abs(d-math.Round(d/s)*s) < 0.2*s
}

// niceRound rounds v > 0 to the nearest 1, 2, 2.5 or 5 times a power of ten.
func niceRound(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	best := p
	for _, n := range []float64{1, 2, 2.5, 5, 10} {
		if math.Abs(v-n*p) < math.Abs(v-best) {
			best = n * p
		}
	}
	return best
}

// niceStep reports whether a grid spacing in depth units is within 8% of
// 1, 2, 2.5 or 5 times a power of ten, as printed grids are.
func niceStep(v float64) bool {
	if !(v > 0) {
		return false
	}
	m := v / math.Pow(10, math.Floor(math.Log10(v)))
	for _, n := range []float64{1, 2, 2.5, 5, 10} {
		if math.Abs(m-n) < 0.08*n {
			return true
		}
	}
	return false
}

// labelStep is the median positive difference between the values of
// neighbouring labels, zero when there is none.
func labelStep(rs []reading) float64 {
	var d []float64
	for i := 1; i < len(rs); i++ {
		if s := rs[i].value - rs[i-1].value; s > 0 {
			d = append(d, s)
		}
	}
	if len(d) == 0 {
		return 0
	}
	return stats.UpperMedian(d)
}

// examples collects the glyph shapes of inlier labels by digit.
func examples(rs []reading, inlier []bool) [10][]shape {
	var ex [10][]shape
	for i, r := range rs {
		if !inlier[i] {
			continue
		}
		for k, s := range r.shapes {
			d := int(r.text[k] - '0')
			ex[d] = append(ex[d], s)
		}
	}
	return ex
}
