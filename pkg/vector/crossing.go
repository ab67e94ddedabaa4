package vector

import (
	"math"
)

// resolveCrossings decides, wherever two paths of one band touch or cross,
// which branch after the contact continues which curve: the pairing whose
// slopes before and after agree best wins, and the tails are swapped when
// the tracer had bounced (only with swap: paths traced by line style keep
// their curve). Both paths are bridged across the contact. Paths are
// visited pair by pair, contacts in row order.
func resolveCrossings(paths []*path, opt Options, swap bool) {
	for i := range paths {
		for j := i + 1; j < len(paths); j++ {
			resolvePair(paths[i], paths[j], opt, swap)
		}
	}
}

func resolvePair(a, b *path, opt Options, swap bool) {
	h := len(a.pos)
	for y := 0; y < h; {
		if !touching(a, b, y, opt.ContactDist) {
			y++
			continue
		}
		end := y
		for k := end + 1; k < h && k <= end+contactPad+1; k++ {
			if touching(a, b, k, opt.ContactDist) {
				end = k
			}
		}
		if swap && shouldSwap(a, b, y, end, opt.SlopeWindow) {
			swapTails(a, b, (y+end+1)/2)
		}
		// Inside the contact the two lines' ink merges: bridge both
		// across it from their positions just outside.
		lo, hi := y-contactPad-1, end+contactPad+1
		if lo >= 0 && hi < h && hi-lo-1 <= opt.MaxGap {
			interpolate(a, lo, hi, opt.BridgeConf)
			interpolate(b, lo, hi, opt.BridgeConf)
		}
		y = end + 1
	}
}

// contactPad is how many rows either side of a contact are bridged too.
const contactPad = 2

// interpolate replaces the rows (lo, hi) that have a value with a line
// between rows lo and hi when both have values. Rows without a value stay
// so: bridge left them empty on purpose (a gap next to a sideways row).
func interpolate(p *path, lo, hi int, conf float64) {
	a, b := p.pos[lo], p.pos[hi]
	if math.IsNaN(a) || math.IsNaN(b) {
		return
	}
	c := float32(conf) * min(p.conf[lo], p.conf[hi])
	for i := lo + 1; i < hi; i++ {
		if math.IsNaN(p.pos[i]) {
			continue
		}
		t := float64(i-lo) / float64(hi-lo)
		p.pos[i] = a + t*(b-a)
		p.conf[i] = min(p.conf[i], c)
		p.ev[i] = false
	}
}

func touching(a, b *path, y int, dist float64) bool {
	return math.Abs(a.pos[y]-b.pos[y]) <= dist // false when either is NaN
}

// shouldSwap compares the slopes (px per row) of both paths over the
// window before row first and after row last.
func shouldSwap(a, b *path, first, last, window int) bool {
	h := len(a.pos)
	lo, hi := max(0, first-window), min(h, last+1+window)
	aIn, okA := slope(a.pos[lo:first], window/4)
	bIn, okB := slope(b.pos[lo:first], window/4)
	aOut, okC := slope(a.pos[last+1:hi], window/4)
	bOut, okD := slope(b.pos[last+1:hi], window/4)
	if !(okA && okB && okC && okD) {
		return false
	}
	keep := math.Abs(aIn-aOut) + math.Abs(bIn-bOut)
	swap := math.Abs(aIn-bOut) + math.Abs(bIn-aOut)
	const margin = 0.05 // px per row: parallel curves never swap
	return swap+margin < keep && swap < 0.5*keep
}

// slope fits a least-squares line to the defined values of v against
// their index and returns its slope; ok is false with fewer than minN
// values.
func slope(v []float64, minN int) (s float64, ok bool) {
	var n, sx, sy, sxx, sxy float64
	for i, y := range v {
		if math.IsNaN(y) {
			continue
		}
		x := float64(i)
		n++
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	den := n*sxx - sx*sx
	if n < float64(max(2, minN)) || den == 0 {
		return 0, false
	}
	return (n*sxy - sx*sy) / den, true
}

// swapTails exchanges everything from row y down between a and b.
func swapTails(a, b *path, y int) {
	for i := y; i < len(a.pos); i++ {
		a.pos[i], b.pos[i] = b.pos[i], a.pos[i]
		a.conf[i], b.conf[i] = b.conf[i], a.conf[i]
		a.ev[i], b.ev[i] = b.ev[i], a.ev[i]
		a.run.lo[i], b.run.lo[i] = b.run.lo[i], a.run.lo[i]
		a.run.hi[i], b.run.hi[i] = b.run.hi[i], a.run.hi[i]
	}
}
