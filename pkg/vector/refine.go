package vector

import (
	"math"
)

// path is one traced curve in band coordinates before it becomes a Trace.
type path struct {
	// pos is the unwrapped position in px from the band's left edge
	// (pixel x covers [x, x+1)); NaN where there is no value.
	pos  []float64
	conf []float32
	// ev marks rows whose position came from ink, not from a bridge.
	ev []bool
	// run is the ink run (band columns) each inked row's position came
	// from; lo < 0 where none.
	run claim
	// claim is the ink this path owns, for excluding it from later paths:
	// run widened by ExcludeMargin.
	claim claim
}

// refine snaps the path of unwrapped columns u onto the ink of each row:
// the position is the probability-weighted centre of the ink run at (or
// within Snap px of) the chosen column, the confidence the run's peak
// probability. Rows without ink there get no value; gaps up to MaxGap
// rows between inked rows are then bridged (see bridge).
func (v *bandView) refine(u []int32, opt Options, scratch []uint8) *path {
	h, w := v.h, v.w
	p := &path{
		pos:   make([]float64, h),
		conf:  make([]float32, h),
		ev:    make([]bool, h),
		run:   claim{lo: make([]int16, h), hi: make([]int16, h)},
		claim: claim{lo: make([]int16, h), hi: make([]int16, h)},
	}
	row := scratch[:w]
	sideways := make([]bool, h) // the row's ink run is sidewaysRun px or longer
	for y := range h {
		p.pos[y] = math.NaN()
		p.claim.lo[y], p.claim.hi[y] = -1, -1
		p.run.lo[y], p.run.hi[y] = -1, -1
		v.row(y, row)
		x := int(((u[y] % int32(w)) + int32(w)) % int32(w))
		lo, hi, ok := findRun(row, x, opt.Snap, v.thr, v.cyclic)
		if !ok {
			continue
		}
		centre, peak := runCentre(row, lo, hi)
		p.pos[y] = float64(u[y]-int32(x)) + float64(lo) + centre
		p.conf[y] = float32(peak) / 255
		p.ev[y] = true
		sideways[y] = hi-lo+1 >= sidewaysRun
		p.run.lo[y], p.run.hi[y] = wrapCol(lo, w), wrapCol(hi, w)
		m := opt.ExcludeMargin
		switch {
		case v.cyclic && hi-lo+1+2*m >= w:
			p.claim.lo[y], p.claim.hi[y] = 0, int16(w-1)
		case v.cyclic:
			p.claim.lo[y], p.claim.hi[y] = wrapCol(lo-m, w), wrapCol(hi+m, w)
		default:
			p.claim.lo[y] = int16(max(0, lo-m))
			p.claim.hi[y] = int16(min(w-1, hi+m))
		}
	}
	bridge(p, sideways, opt)
	return p
}

// wrapCol returns column x taken modulo w.
func wrapCol(x, w int) int16 { return int16(((x % w) + w) % w) }

// findRun finds the run of ink (p >= thr) that holds column x, or the
// nearest one within snap px of it; lo and hi are its first and last
// columns. On a cyclic row the search and the run continue across the
// seam: lo may then be negative and hi w or more (columns modulo w).
func findRun(row []uint8, x, snap int, thr uint8, cyclic bool) (lo, hi int, ok bool) {
	w := len(row)
	ink := func(i int) bool {
		if cyclic {
			return row[((i%w)+w)%w] >= thr
		}
		return i >= 0 && i < w && row[i] >= thr
	}
	at, found := 0, false
	for d := 0; d <= snap && !found; d++ {
		if ink(x - d) {
			at, found = x-d, true
		} else if ink(x + d) {
			at, found = x+d, true
		}
	}
	if !found {
		return 0, 0, false
	}
	lo, hi = at, at
	for hi-lo+1 < w && ink(lo-1) {
		lo--
	}
	for hi-lo+1 < w && ink(hi+1) {
		hi++
	}
	return lo, hi, true
}

// runCentre returns the probability-weighted centre of the run [lo, hi]
// of row (columns modulo its length), in px from the left edge of column
// lo, and the run's peak probability.
func runCentre(row []uint8, lo, hi int) (centre float64, peak uint8) {
	w := len(row)
	var sw, sx float64
	for i := lo; i <= hi; i++ {
		q := row[((i%w)+w)%w]
		f := float64(q)
		sw += f
		sx += f * (float64(i-lo) + 0.5)
		peak = max(peak, q)
	}
	return sx / sw, peak
}

// sidewaysRun is the ink run length in px from which a row is sideways
// for bridge: the curve runs along the row there, usually out to a spike
// or back from one (also along a step, a long flat dash, or ink merged
// with a grid line or another curve), so the row's position, the run's
// centre, does not say where the curve went on. It is sweepRun, the run
// length from which travel takes a row's ink for a sweep, and stays equal
// to it unless scored otherwise (docs/loss-study.md, "Fifth pass").
const sidewaysRun = sweepRun

// bridge fills gaps of at most MaxGap rows between two inked rows by
// linear interpolation of the unwrapped position, at a confidence of
// BridgeConf times the lower end's. Nothing is extrapolated, and a gap
// with a sideways row at either end (sideways[y], see sidewaysRun) stays
// NaN: a line from a run's centre would invent the rows of the gap
// (figures: docs/loss-study.md, "Fifth pass").
func bridge(p *path, sideways []bool, opt Options) {
	last := -1
	for y, ok := range p.ev {
		if !ok {
			continue
		}
		gap := y - last - 1
		if last >= 0 && gap > 0 && gap <= opt.MaxGap && !sideways[last] && !sideways[y] {
			a, b := p.pos[last], p.pos[y]
			c := float32(opt.BridgeConf) * min(p.conf[last], p.conf[y])
			for i := last + 1; i < y; i++ {
				t := float64(i-last) / float64(y-last)
				p.pos[i] = a + t*(b-a)
				p.conf[i] = c
			}
		}
		last = y
	}
}
