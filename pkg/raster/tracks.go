package raster

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/welllog/digitiser/pkg/internal/stats"
	"github.com/welllog/digitiser/pkg/manifest"
)

// ErrTracks is wrapped when the tracks found on the strip cannot be matched
// to the manifest's tracks.
var ErrTracks = errors.New("track borders not found")

// Thresholds for telling track borders from grid lines.
const (
	// lineCover is the fraction of section rows a column must be ink in to
	// be part of a vertical line.
	lineCover = 0.5
	// borderStrength is the fraction of the heaviest line's weight (its
	// summed cover across its width, about its width in px) a line needs
	// to be taken for a track border: borders are drawn heavier than grid.
	borderStrength = 0.7
)

// vline is a vertical line in the log sections: its columns and weight.
type vline struct {
	Band
	weight float64
}

// minSourceShare is the least share of a column's section rows that must
// come from inside the input strip for the column to be judged at all: a
// column the deskew filled mostly with white margin cannot show a line.
const minSourceShare = 0.25

// sectionLines finds the vertical lines of the log sections to the px:
// runs of columns that are ink in at least lineCover of the sections' rows.
// Only rows whose px came from inside the input strip count (see
// sourceRows): a border line near the edge of a skewed page is cut off at
// one end by the deskew, and is still a border.
func sectionLines(cm *coverMap, spans []Span, tf Transform) []vline {
	cov := make([]float64, cm.W)
	valid := make([]float64, cm.W)
	rows := 0
	for _, s := range spans {
		for b := (s.Top + cm.Band - 1) / cm.Band; (b+1)*cm.Band <= s.Bottom; b++ {
			for x, v := range cm.row(b) {
				cov[x] += float64(v)
			}
			rows += cm.Band
		}
	}
	if rows == 0 {
		return nil
	}
	for x := range valid {
		lo, hi := sourceRows(tf, cm.W, cm.H, float64(x)+0.5)
		for _, s := range spans {
			for b := (s.Top + cm.Band - 1) / cm.Band; (b+1)*cm.Band <= s.Bottom; b++ {
				top, bot := float64(b*cm.Band), float64((b+1)*cm.Band)
				valid[x] += max(0, min(bot, hi)-max(top, lo))
			}
		}
	}
	share := func(x int) float64 {
		if valid[x] < minSourceShare*float64(rows) {
			return 0
		}
		return min(1, cov[x]/valid[x])
	}

	var lines []vline
	for x := 0; x < cm.W; x++ {
		if share(x) < lineCover {
			continue
		}
		l := vline{Band: Band{Left: x}}
		for x < cm.W && share(x) >= lineCover {
			l.weight += share(x)
			x++
		}
		l.Right = x
		lines = append(lines, l)
	}
	return lines
}

// sourceRows returns the rows [lo, hi) of column x (px centre) of a
// w x h px deskewed strip whose px tf.Inverse maps inside the w x h px
// input strip, shrunk by a px for the bilinear fringe. The whole column
// for an identity transform; lo >= hi when no row does.
func sourceRows(tf Transform, w, h int, x float64) (lo, hi float64) {
	lo, hi = 0, float64(h)
	if tf.SkewDeg == 0 {
		return lo, hi
	}
	s, c := math.Sincos(tf.SkewDeg * math.Pi / 180)
	dx := x - tf.DX - tf.CX
	// Inverse: sx = CX + dx*c - dy*s, sy = CY + dx*s + dy*c with
	// dy = y - DY - CY; keep 1 <= sx <= w-1 and 1 <= sy <= h-1.
	within := func(a, b, limit float64) {
		// 1 <= a + b*dy <= limit-1, as bounds on y.
		if b == 0 {
			if a < 1 || a > limit-1 {
				lo, hi = 0, 0
			}
			return
		}
		y0 := (1-a)/b + tf.DY + tf.CY
		y1 := (limit-1-a)/b + tf.DY + tf.CY
		if b < 0 {
			y0, y1 = y1, y0
		}
		lo, hi = max(lo, y0), min(hi, y1)
	}
	within(tf.CX+dx*c, -s, float64(w))
	within(tf.CY+dx*s, c, float64(h))
	return lo, hi
}

// trackBorders picks the track borders among the lines: the outermost
// lines and every line nearly as heavy as the heaviest. When most lines
// are that heavy (a scan where borders and grid print alike) it falls back
// to the outermost lines and the two sides of the widest gap, which is
// taken for the depth track when it is over twice the median spacing.
func trackBorders(lines []vline) []vline {
	if len(lines) < 2 {
		return nil
	}
	heaviest := 0.0
	for _, l := range lines {
		heaviest = max(heaviest, l.weight)
	}
	var out []vline
	for i, l := range lines {
		if i == 0 || i == len(lines)-1 || l.weight >= borderStrength*heaviest {
			out = append(out, l)
		}
	}
	if len(lines) <= 4 || 2*len(out) <= len(lines) {
		return out
	}

	gaps := make([]int, len(lines)-1)
	widest := 0
	for i := range gaps {
		gaps[i] = lines[i+1].Left - lines[i].Right
		if gaps[i] > gaps[widest] {
			widest = i
		}
	}
	med := stats.UpperMedian(slices.Clone(gaps))
	out = []vline{lines[0]}
	if gaps[widest] > 2*med && widest > 0 && widest < len(gaps)-1 {
		out = append(out, lines[widest], lines[widest+1])
	}
	return append(out, lines[len(lines)-1])
}

// trackCells splits the strip at the borders into bands (borders
// excluded) and finds the depth track among them: the band with no grid
// line inside, preferring one that is neither first nor last. It returns
// the curve tracks left to right, the depth track (empty when none) and,
// for each curve track, the weight of the border to its right.
func trackCells(lines, borders []vline) (tracks []Band, depth Band, rightWeight []float64) {
	cells := make([]Band, 0, len(borders))
	inner := make([]int, 0, len(borders))
	for i := 0; i+1 < len(borders); i++ {
		c := Band{Left: borders[i].Right, Right: borders[i+1].Left}
		n := 0
		for _, l := range lines {
			if l.Left >= c.Left && l.Right <= c.Right {
				n++
			}
		}
		cells = append(cells, c)
		inner = append(inner, n)
	}

	d := -1
	for i, n := range inner {
		if n == 0 && (d < 0 || (d == 0 || d == len(cells)-1) && i < len(cells)-1) {
			d = i
		}
	}
	for i, c := range cells {
		if i == d {
			depth = c
			continue
		}
		tracks = append(tracks, c)
		rightWeight = append(rightWeight, borders[i+1].weight)
	}
	if d >= 0 && d > 0 {
		// The border between the track left of the depth track and the
		// depth track must never be merged across.
		rightWeight[d-1] = math.Inf(1)
	}
	return tracks, depth, rightWeight
}

// matchTracks maps the manifest's tracks onto the detected curve tracks.
// With more detected tracks than the manifest lists, neighbours on the same
// side of the depth track are merged, lightest shared border first and
// right of the depth track before left (the usual track 2 + 3 case), never
// across it. Tracks
// the manifest pins (Left/Right in px of the reassembled strip) are mapped
// through tf at row y and override detection. It fails, wrapping ErrTracks,
// when the manifest lists more tracks than were found and not all of them
// are pinned.
func matchTracks(found []Band, rightWeight []float64, depth Band, m *manifest.Manifest,
	tf Transform, y float64) ([]Band, error) {
	if m == nil {
		return found, nil
	}
	want := len(m.Tracks)
	for len(found) > want {
		i := mergeCandidate(found, rightWeight, depth)
		if i < 0 {
			break // never merge across the depth track
		}
		found[i].Right = found[i+1].Right
		found = append(found[:i+1], found[i+2:]...)
		rightWeight = append(rightWeight[:i], rightWeight[i+1:]...)
	}

	out := make([]Band, want)
	for i, t := range m.Tracks {
		switch {
		case pinned(t):
			l, _ := tf.Apply(float64(t.Left), y)
			r, _ := tf.Apply(float64(t.Right), y)
			out[i] = Band{Left: int(math.Round(l)), Right: int(math.Round(r))}
		case len(found) == want:
			out[i] = found[i]
		default:
			return nil, fmt.Errorf("%w: the manifest lists %d curve tracks but %d were found "+
				"on the scan; pin track %d's borders with tracks[%d].left and .right (px)",
				ErrTracks, want, len(found), i+1, i)
		}
	}
	return out, nil
}

// mergeCandidate returns i such that tracks i and i+1 are the pair to
// merge: the lightest shared border, right of the depth track first; -1
// when every neighbouring pair straddles the depth track.
func mergeCandidate(found []Band, rightWeight []float64, depth Band) int {
	best := -1
	score := func(i int) (bool, float64) {
		return found[i].Left >= depth.Right, rightWeight[i]
	}
	for i := 0; i+1 < len(found); i++ {
		if math.IsInf(rightWeight[i], 1) {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		rb, wb := score(best)
		ri, wi := score(i)
		if ri && !rb || ri == rb && wi <= wb {
			best = i
		}
	}
	return best
}

// minPinnedWidth is the narrowest track the manifest may pin, px: a track
// must hold a curve and the grid lines either side of it (0.08 in at 200
// dpi).
const minPinnedWidth = 16

// checkPins checks the track borders m pins (px of the w px wide
// reassembled strip) against the strip: inside it, and at least
// minPinnedWidth px wide once mapped through tf at row y. Errors wrap
// ErrTracks and name the track and the manifest fields to fix.
func checkPins(m *manifest.Manifest, w int, tf Transform, y float64) error {
	if m == nil {
		return nil
	}
	for i, t := range m.Tracks {
		if !pinned(t) {
			continue
		}
		if t.Left < 0 || t.Right > w {
			return fmt.Errorf("%w: track %d is pinned at [%d, %d) px, outside the %d px "+
				"wide strip; correct tracks[%d].left and .right (px of the reassembled "+
				"strip)", ErrTracks, i+1, t.Left, t.Right, w, i)
		}
		l, _ := tf.Apply(float64(t.Left), y)
		r, _ := tf.Apply(float64(t.Right), y)
		if width := int(math.Round(r)) - int(math.Round(l)); width < minPinnedWidth {
			return fmt.Errorf("%w: track %d pinned at [%d, %d) px is too narrow (%d px); a "+
				"track is at least %d px wide: correct tracks[%d].left and .right (px of "+
				"the reassembled strip)", ErrTracks, i+1, t.Left, t.Right, width,
				minPinnedWidth, i)
		}
	}
	return nil
}
