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
	// claim is the ink this path owns, for excluding it from later paths.
	claim claim
}

// refine snaps the path of unwrapped columns u onto the ink of each row:
// the position is the probability-weighted centre of the ink run at (or
// within Snap px of) the chosen column, the confidence the run's peak
// probability. Rows without ink there get no value; gaps up to MaxGap
// rows between inked rows are then bridged.
func (v *bandView) refine(u []int32, opt Options, scratch []uint8) *path {
	h, w := v.h, v.w
	p := &path{
		pos:   make([]float64, h),
		conf:  make([]float32, h),
		ev:    make([]bool, h),
		claim: claim{lo: make([]int16, h), hi: make([]int16, h)},
	}
	row := scratch[:w]
	for y := range h {
		p.pos[y] = math.NaN()
		p.claim.lo[y], p.claim.hi[y] = -1, -1
		v.row(y, row)
		x := int(((u[y] % int32(w)) + int32(w)) % int32(w))
		lo, hi, ok := findRun(row, x, opt.Snap, v.thr)
		if !ok {
			continue
		}
		centre, peak := runCentre(row[lo : hi+1])
		p.pos[y] = float64(u[y]-int32(x)) + float64(lo) + centre
		p.conf[y] = float32(peak) / 255
		p.ev[y] = true
		m := opt.ExcludeMargin
		p.claim.lo[y] = int16(max(0, lo-m))
		p.claim.hi[y] = int16(min(w-1, hi+m))
	}
	bridge(p, opt)
	return p
}

// findRun finds the run of ink (p >= thr) that holds column x, or the
// nearest one within snap px of it; lo and hi are its first and last
// columns.
func findRun(row []uint8, x, snap int, thr uint8) (lo, hi int, ok bool) {
	w := len(row)
	at := -1
	for d := 0; d <= snap && at < 0; d++ {
		if x-d >= 0 && row[x-d] >= thr {
			at = x - d
		} else if x+d < w && row[x+d] >= thr {
			at = x + d
		}
	}
	if at < 0 {
		return 0, 0, false
	}
	lo, hi = at, at
	for lo > 0 && row[lo-1] >= thr {
		lo--
	}
	for hi < w-1 && row[hi+1] >= thr {
		hi++
	}
	return lo, hi, true
}

// runCentre returns the probability-weighted centre of a run, in px from
// its first pixel's left edge, and the run's peak probability.
func runCentre(run []uint8) (centre float64, peak uint8) {
	var sw, sx float64
	for i, q := range run {
		f := float64(q)
		sw += f
		sx += f * (float64(i) + 0.5)
		peak = max(peak, q)
	}
	return sx / sw, peak
}

// bridge fills gaps of at most MaxGap rows between two inked rows by
// linear interpolation of the unwrapped position, at a confidence of
// BridgeConf times the lower end's. Nothing is extrapolated.
func bridge(p *path, opt Options) {
	last := -1
	for y, ok := range p.ev {
		if !ok {
			continue
		}
		if gap := y - last - 1; last >= 0 && gap > 0 && gap <= opt.MaxGap {
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
