package vector

import (
	"math"
)

// Exchange detection: two curves of one class traced one after another can
// come out swapped below some row. The first path is the cheapest single
// line down the band: where a stretch of one curve is poor (on a border, in
// a label) it may leap sideways across empty paper onto the other curve
// and carry on there; the second path, blind to that ink, then leaps the
// other way at the same rows. Two such leaps at once are an exchange, not
// two sweeps, when swapping the tails shortens the travel to a fraction.
const (
	// leapMin is the shortest move, in px between two rows with values,
	// that counts as a leap.
	leapMin = 24
	// leapWindow is how many rows apart two leaps may be and still be one
	// exchange.
	leapWindow = 8
	// leapGain is the factor by which swapping must cut the travel.
	leapGain = 3
)

// resolveExchanges swaps the tails of every pair of paths at the rows
// where both leap at once and the swap shortens their travel by leapGain,
// and bridges both across the leap rows.
func resolveExchanges(paths []*path, opt Options) {
	for i := range paths {
		for j := i + 1; j < len(paths); j++ {
			exchangePair(paths[i], paths[j], opt)
		}
	}
}

func exchangePair(a, b *path, opt Options) {
	la, lb := leaps(a), leaps(b)
	k := 0
	for _, ya := range la {
		for k < len(lb) && lb[k] < ya-leapWindow {
			k++
		}
		if k == len(lb) {
			return
		}
		yb := lb[k]
		if yb > ya+leapWindow {
			continue
		}
		lo, hi := defBefore(a, b, min(ya, yb)), defAfter(a, b, max(ya, yb)-1)
		if lo < 0 || hi < 0 {
			continue
		}
		keep := math.Abs(a.pos[hi]-a.pos[lo]) + math.Abs(b.pos[hi]-b.pos[lo])
		swap := math.Abs(b.pos[hi]-a.pos[lo]) + math.Abs(a.pos[hi]-b.pos[lo])
		if leapGain*swap >= keep {
			continue
		}
		swapTails(a, b, hi)
		if hi-lo-1 <= opt.MaxGap {
			interpolate(a, lo, hi, opt.BridgeConf)
			interpolate(b, lo, hi, opt.BridgeConf)
		}
	}
}

// leaps returns, in order, the rows y whose value lies at least leapMin px
// from that of the nearest row above with a value.
func leaps(p *path) []int {
	var out []int
	last := -1
	for y, u := range p.pos {
		if math.IsNaN(u) {
			continue
		}
		if last >= 0 && math.Abs(u-p.pos[last]) >= leapMin {
			out = append(out, y)
		}
		last = y
	}
	return out
}

// defBefore returns the last row before y where both paths have values,
// -1 if none.
func defBefore(a, b *path, y int) int {
	for r := y - 1; r >= 0; r-- {
		if !math.IsNaN(a.pos[r]) && !math.IsNaN(b.pos[r]) {
			return r
		}
	}
	return -1
}

// defAfter returns the first row after y where both paths have values,
// -1 if none.
func defAfter(a, b *path, y int) int {
	for r := y + 1; r < len(a.pos); r++ {
		if !math.IsNaN(a.pos[r]) && !math.IsNaN(b.pos[r]) {
			return r
		}
	}
	return -1
}
