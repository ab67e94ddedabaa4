package raster

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/welllog/digitiser/pkg/internal/stats"
	"github.com/welllog/digitiser/pkg/manifest"
)

// Costs of the track fit (see fitTracks). Lattice misfits are in grid
// spacings, so 0.02 is a line about a px off on a 50 px grid.
const (
	// splitWeightCost is the cost of splitting tracks at a line as light as
	// nothing, relative to the heaviest line of its side: borders are
	// drawn at least as heavy as the grid.
	splitWeightCost = 0.1
	// balanceCost is the cost per unit a track falls short of half the
	// mean track width of its side.
	balanceCost = 2.0
	// layoutCost is the cost of a layout other than track 1 left of the
	// depth track and the other tracks right of it (the API layout).
	layoutCost = 0.5
	// missingCost is the cost of a lattice with no line at any of its
	// positions; less for fewer missing lines. Kept small: light grid can
	// fall below the ink threshold and leave only the heavy lines.
	missingCost = 0.05
	// maxSplits bounds the split combinations tried on one side; beyond
	// it the heaviest lines are taken.
	maxSplits = 50000
)

// fitTracks finds the manifest's tracks among the vertical lines of the
// log sections, using how many tracks the manifest lists and their grids
// as the prior. d is the gap between lines d and d+1 that holds the depth
// track (-1 when none was found). Track 1 goes left of the depth track and
// the others right of it unless the lines say otherwise; on each side the
// tracks are split at the lines that leave every track's vertical grid
// most regular (a linear lattice, or a log one of some decades), heavy and
// not too narrow. Borders are excluded from the bands.
//
// It fails, wrapping ErrTracks, when the lines cannot hold that many
// tracks, and when they can only by leaving a track's lines far off its
// grid (over maxTrackMisfit) while fewer tracks fit the lines well: then
// the manifest lists more tracks than the scan has, and the extra ones
// would be cut out of a real track's grid.
func fitTracks(lines []vline, d int, m *manifest.Manifest) ([]Band, error) {
	want := len(m.Tracks)
	f := fitCount(lines, d, m.Tracks)
	if f.bands == nil {
		return nil, fmt.Errorf("%w: the manifest lists %d curve tracks but the scan's %d "+
			"long vertical lines cannot hold them; pin each track's borders with "+
			"tracks[].left and .right (px)", ErrTracks, want, len(lines))
	}
	if f.worst <= maxTrackMisfit || pinsAny(m) {
		return f.bands, nil // pinned borders override the fit (matchTracks)
	}
	for k := want - 1; k >= 1; k-- {
		if g := fitCount(lines, d, make([]manifest.Track, k)); g.bands != nil &&
			g.worst <= maxTrackMisfit {
			t := m.Tracks[f.worstTrack]
			return nil, &countError{fmt.Errorf("%w: the manifest lists %d curve tracks but "+
				"the scan's grid does not hold that many: split into %d, track %d (%s "+
				"grid) would be cut out of another track's grid (lines %.2f of a division "+
				"off), while fewer tracks fit it; list only the scan's tracks, check each "+
				"track's grid: and decades:, or pin each track's borders with "+
				"tracks[].left and .right (px)", ErrTracks, want, want, f.worstTrack+1,
				gridName(t), f.worst)}
		}
	}
	return f.bands, nil
}

// countError is fitTracks' error when the scan has fewer tracks than the
// manifest lists: final, not a cue to find the tracks another way.
type countError struct{ err error }

func (e *countError) Error() string { return e.err.Error() }
func (e *countError) Unwrap() error { return e.err }

// maxTrackMisfit is the largest lattice misfit (see latticeCost, in grid
// divisions) of a track taken as fitting its grid. Tracks fitted on
// generated logs of both tiers and on the real scan stay under 0.16; a
// track cut out of another's grid, or a log grid read as linear, scores
// 0.3 and more.
const maxTrackMisfit = 0.25

// trackFit is one split of the lines into tracks: the bands (nil when
// none is possible), the total cost, and the largest lattice misfit of a
// track with the index of that track.
type trackFit struct {
	bands      []Band
	cost       float64
	worst      float64
	worstTrack int
}

// fitCount splits the lines into len(tracks) tracks (see fitTracks),
// trying every count of tracks left of the depth track.
func fitCount(lines []vline, d int, tracks []manifest.Track) trackFit {
	want := len(tracks)
	left, right := []vline(nil), lines
	if d >= 0 {
		left, right = lines[:d+1], lines[d+1:]
	}
	best := trackFit{cost: math.Inf(1)}
	for nl := 0; nl <= want; nl++ {
		nr := want - nl
		if !fits(left, nl) || !fits(right, nr) {
			continue
		}
		ls := splitSide(left, tracks[:nl])
		rs := splitSide(right, tracks[nl:])
		cost := ls.cost + rs.cost
		if nl != 1 && len(left) >= 2 {
			cost += layoutCost
		}
		if math.IsInf(cost, 1) || cost >= best.cost {
			continue
		}
		best = trackFit{bands: append(ls.bands, rs.bands...), cost: cost}
		best.worst, best.worstTrack = ls.worst, ls.worstTrack
		if rs.worst > ls.worst {
			best.worst, best.worstTrack = rs.worst, nl+rs.worstTrack
		}
	}
	return best
}

// pinsAny reports whether the manifest pins some track's borders.
func pinsAny(m *manifest.Manifest) bool {
	for _, t := range m.Tracks {
		if pinned(t) {
			return true
		}
	}
	return false
}

// pinned reports whether the manifest pins the track's borders.
func pinned(t manifest.Track) bool { return t.Right > t.Left && t.Right > 0 }

// gridName says what grid a track declares, for messages.
func gridName(t manifest.Track) string {
	switch {
	case t.Grid == manifest.ScaleLog && t.Decades > 0:
		return fmt.Sprintf("%d-decade log", t.Decades)
	case t.Grid == "":
		return "any"
	}
	return t.Grid
}

// fits reports whether a side of the depth track with these lines can
// hold k tracks: k+1 lines at least, and no ruled side left empty.
func fits(side []vline, k int) bool {
	if k == 0 {
		return len(side) < 2
	}
	return len(side) >= k+1
}

// splitSide splits the lines of one side of the depth track into
// len(tracks) tracks and returns the bands, borders excluded, the cost
// and the worst track's lattice misfit. Only lines at least
// borderStrength as heavy as the heavier outer line of the side are split
// at; among those the cheapest split wins: the tracks' lattice misfits
// (latticeCost), tracks under half the mean width, lighter split lines.
// The cost is +Inf (bands nil) when no split is allowed.
func splitSide(side []vline, tracks []manifest.Track) trackFit {
	k := len(tracks)
	if k == 0 {
		return trackFit{}
	}
	heaviest := 0.0
	for _, l := range side {
		heaviest = max(heaviest, l.weight)
	}
	// A track border inside the side is at least nearly as heavy as the
	// side's outer borders (the heavier: one may be cut by the page edge).
	light := borderStrength * max(side[0].weight, side[len(side)-1].weight)
	cost := func(cut []int) float64 {
		c := 0.0
		width := float64(side[len(side)-1].Left - side[0].Right)
		for t := 0; t < k; t++ {
			a, b := cut[t], cut[t+1]
			c += latticeCost(side[a:b+1], tracks[t])
			if k > 1 {
				short := 0.5 - float64(side[b].Left-side[a].Right)/(width/float64(k))
				c += balanceCost * max(0, short)
			}
			if t > 0 {
				c += splitWeightCost * (1 - side[a].weight/heaviest)
			}
		}
		return c
	}

	cut := make([]int, k+1)
	cut[k] = len(side) - 1
	var best []int
	bestCost := math.Inf(1)
	if combinations(len(side)-2, k-1) > maxSplits {
		best = heaviestCuts(side, k)
		bestCost = cost(best)
		for _, i := range best[1:k] {
			if side[i].weight < light {
				bestCost = math.Inf(1)
			}
		}
	} else {
		var walk func(t, from int)
		walk = func(t, from int) {
			if t == k {
				if c := cost(cut); c < bestCost {
					best, bestCost = slices.Clone(cut), c
				}
				return
			}
			for i := from; i <= len(side)-1-(k-t); i++ {
				if side[i].weight < light {
					continue
				}
				cut[t] = i
				walk(t+1, i+1)
			}
		}
		walk(1, 1)
	}
	if best == nil {
		return trackFit{cost: math.Inf(1)}
	}

	f := trackFit{bands: make([]Band, k), cost: bestCost}
	for t := range f.bands {
		f.bands[t] = Band{Left: side[best[t]].Right, Right: side[best[t+1]].Left}
		if c := latticeCost(side[best[t]:best[t+1]+1], tracks[t]); c > f.worst {
			f.worst, f.worstTrack = c, t
		}
	}
	return f
}

// heaviestCuts returns the cut indices (first and last line included)
// that split side at its k-1 heaviest inner lines.
func heaviestCuts(side []vline, k int) []int {
	inner := make([]int, 0, len(side))
	for i := 1; i+1 < len(side); i++ {
		inner = append(inner, i)
	}
	slices.SortStableFunc(inner, func(a, b int) int {
		return -stats.Compare(side[a].weight, side[b].weight)
	})
	cut := append([]int{0}, inner[:k-1]...)
	cut = append(cut, len(side)-1)
	slices.Sort(cut)
	return cut
}

// combinations returns n choose k, saturating at maxSplits+1.
func combinations(n, k int) int {
	if k < 0 || k > n {
		return 0
	}
	c := 1
	for i := 0; i < k; i++ {
		c = c * (n - i) / (i + 1)
		if c > maxSplits {
			return maxSplits + 1
		}
	}
	return c
}

// latticeCost says how far a track's lines (its two borders first and
// last) are from a regular grid: for a "linear" track a lattice of equal
// divisions, for "log" one of some decades (the manifest's count when
// given), for a track that names no grid the better of both. See
// linearMisfit and logMisfit.
func latticeCost(ls []vline, t manifest.Track) float64 {
	pos := make([]float64, len(ls))
	for i, l := range ls {
		pos[i] = float64(l.Left+l.Right) / 2
	}
	switch t.Grid {
	case manifest.ScaleLinear:
		return linearMisfit(pos)
	case manifest.ScaleLog:
		return logMisfit(pos, t.Decades)
	}
	return min(linearMisfit(pos), logMisfit(pos, 0))
}

// linearMisfit is the RMS distance of the inner lines from the nearest
// division of an equal-division lattice between the first and last line,
// in divisions (the division from the median line spacing), plus
// missingCost times the share of divisions with no line.
func linearMisfit(pos []float64) float64 {
	if len(pos) <= 2 {
		return 0
	}
	width := pos[len(pos)-1] - pos[0]
	gaps := make([]float64, len(pos)-1)
	for i := range gaps {
		gaps[i] = pos[i+1] - pos[i]
	}
	n := max(1, math.Round(width/stats.UpperMedian(gaps)))
	step := width / n
	lattice := make([]float64, 0, int(n)+1)
	for j := 0.0; j <= n; j++ {
		lattice = append(lattice, pos[0]+j*step)
	}
	return misfit(pos, lattice, func(int) float64 { return step })
}

// logMisfit is linearMisfit for a log grid of decades cycles (1 to 6 tried
// when decades is 0): lines at each decade's 1, 2, ... 9, distances in the
// local line spacing.
func logMisfit(pos []float64, decades int) float64 {
	if len(pos) <= 2 {
		return 0
	}
	if decades <= 0 {
		best := math.Inf(1)
		for n := 1; n <= 6; n++ {
			best = min(best, logMisfit(pos, n))
		}
		return best
	}
	width := pos[len(pos)-1] - pos[0]
	var lattice []float64
	for dec := 0; dec < decades; dec++ {
		for k := 1; k <= 9; k++ {
			f := (float64(dec) + math.Log10(float64(k))) / float64(decades)
			lattice = append(lattice, pos[0]+f*width)
		}
	}
	lattice = append(lattice, pos[len(pos)-1])
	spacing := func(j int) float64 {
		s := math.Inf(1)
		if j > 0 {
			s = lattice[j] - lattice[j-1]
		}
		if j+1 < len(lattice) {
			s = min(s, lattice[j+1]-lattice[j])
		}
		return s
	}
	return misfit(pos, lattice, spacing)
}

// misfit scores lines against lattice positions (the first and last being
// the borders): the RMS distance of each inner line from its nearest
// lattice position in that position's spacing, plus missingCost times the
// share of inner lattice positions with no line within a third of their
// spacing.
func misfit(pos, lattice []float64, spacing func(j int) float64) float64 {
	var sum float64
	hit := make([]bool, len(lattice))
	for _, p := range pos[1 : len(pos)-1] {
		j, _ := slices.BinarySearch(lattice, p)
		if j == len(lattice) || j > 0 && p-lattice[j-1] < lattice[j]-p {
			j--
		}
		d := math.Abs(p-lattice[j]) / spacing(j)
		sum += d * d
		if d < 1.0/3 {
			hit[j] = true
		}
	}
	missing := 0
	for j := 1; j+1 < len(lattice); j++ {
		if !hit[j] {
			missing++
		}
	}
	c := math.Sqrt(sum / float64(len(pos)-2))
	if inner := len(lattice) - 2; inner > 0 {
		c += missingCost * float64(missing) / float64(inner)
	}
	return c
}

// findTracks finds the depth track and the curve tracks among the lines
// (d as in fitTracks) and maps them onto m's tracks at row y (see
// matchTracks for pinned borders). With a manifest the tracks are fitted
// to its track count (fitTracks); without one, or when the lines cannot
// hold that count, the borders are told from the grid by weight
// (trackBorders) and surplus tracks merged. When the lines hold fewer
// tracks than the manifest lists, it fails (see fitTracks).
func findTracks(lines []vline, d int, m *manifest.Manifest, tf Transform,
	y float64) (tracks []Band, depth Band, err error) {
	if d >= 0 {
		depth = Band{Left: lines[d].Right, Right: lines[d+1].Left}
	}
	if m != nil && len(m.Tracks) > 0 {
		found, ferr := fitTracks(lines, d, m)
		var ce *countError
		if errors.As(ferr, &ce) {
			return nil, depth, ferr
		}
		if ferr == nil {
			tracks, err = matchTracks(found, nil, depth, m, tf, y)
			return tracks, depth, err
		}
	}

	borders := trackBorders(lines)
	if d >= 0 {
		borders = withBorders(borders, lines[d], lines[d+1])
	}
	found, cellDepth, rightWeight := trackCells(lines, borders)
	if d < 0 {
		depth = cellDepth
	}
	tracks, err = matchTracks(found, rightWeight, depth, m, tf, y)
	return tracks, depth, err
}

// withBorders adds lines to borders (sorted left to right) unless present.
func withBorders(borders []vline, add ...vline) []vline {
	for _, a := range add {
		if !slices.ContainsFunc(borders, func(b vline) bool { return b.Band == a.Band }) {
			borders = append(borders, a)
		}
	}
	slices.SortFunc(borders, func(a, b vline) int { return a.Left - b.Left })
	return borders
}
