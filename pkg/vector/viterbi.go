package vector

import (
	"math"

	"github.com/welllog/digitiser/pkg/raster"
)

// bandView reads one curve class of a probability map inside one track
// band and the body rows, with the ink claimed by curves already traced
// in the same band hidden.
type bandView struct {
	pm    *raster.ProbMap
	cls   int // 1 or 2
	left  int // first column of the band in the map, px
	w     int // band width, px
	top   int // first body row in the map, px
	h     int // body rows
	thr   uint8
	cross uint16 // CrossClass in 1/256
	// excl holds, per path already traced, the band columns [lo, hi] it
	// claims in each row; lo < 0 means none.
	excl []claim
}

// claim is the ink one traced path owns, per row, in band columns.
type claim struct {
	lo, hi []int16
}

// row fills out (len w) with the effective probabilities of body row y:
// the class probability, scaled down where the other class is more
// probable, and zero where an earlier path claimed the ink.
func (v *bandView) row(y int, out []uint8) {
	off := (v.top+y)*v.pm.Width + v.left
	pc := v.pm.P[v.cls-1][off : off+v.w]
	po := v.pm.P[2-v.cls][off : off+v.w]
	for x, p := range pc {
		if po[x] > p {
			p = uint8(uint16(p) * v.cross >> 8)
		}
		out[x] = p
	}
	for _, c := range v.excl {
		lo, hi := int(c.lo[y]), int(c.hi[y])
		if lo < 0 {
			continue
		}
		for x := lo; x <= hi; x++ {
			out[x] = 0
		}
	}
}

// dpBuffers is the scratch one worker reuses across groups.
type dpBuffers struct {
	bp         []int16 // per row and column: displacement from the row above
	d, t       []float32
	o          []int16
	s          []float32
	rowA, rowB []uint8
}

func (b *dpBuffers) ensure(w, h int) {
	if cap(b.bp) < w*h {
		b.bp = make([]int16, w*h)
	}
	if cap(b.d) < w {
		b.d = make([]float32, w)
		b.t = make([]float32, w)
		b.o = make([]int16, w)
		b.s = make([]float32, w)
		b.rowA = make([]uint8, w)
		b.rowB = make([]uint8, w)
	}
	b.bp = b.bp[:w*h]
	b.d, b.t, b.o, b.s = b.d[:w], b.t[:w], b.o[:w], b.s[:w]
	b.rowA, b.rowB = b.rowA[:w], b.rowB[:w]
}

// emission[p] is the cost of placing the curve on a pixel of probability
// p/255.
var emission = func() (e [256]float32) {
	for p := range e {
		e[p] = 1 - float32(p)/255
	}
	return e
}()

// viterbi finds the cheapest path down the band, one column per row, and
// returns it unwrapped: u[y] mod w is the column; on a cyclic band u moves
// past 0 or w where the path crosses the seam between the borders.
func (v *bandView) viterbi(opt Options, cyclic bool, buf *dpBuffers) []int32 {
	w, h := v.w, v.h
	buf.ensure(w, h)
	d, prev, cur := buf.d, buf.rowA, buf.rowB

	v.row(0, cur)
	for x := range w {
		d[x] = emission[cur[x]]
		buf.bp[x] = 0
	}
	for y := 1; y < h; y++ {
		prev, cur = cur, prev
		v.row(y, cur)
		v.stepCosts(buf.s, prev, cur, opt)
		relax(d, buf.t, buf.o, buf.s, cyclic)

		bp := buf.bp[y*w : (y+1)*w]
		minv := float32(math.Inf(1))
		for x := range w {
			c := buf.t[x] + emission[cur[x]]
			d[x] = c
			bp[x] = buf.o[x]
			minv = min(minv, c)
		}
		for x := range d {
			d[x] -= minv
		}
	}
	return backtrack(d, buf.bp, w, h)
}

// stepCosts sets s[x], the cost of moving between columns x-1 and x, for
// x >= 1: cheap along ink in either row, dear across empty paper. A gap of
// at most DashGap px between two ink runs, one of them at least
// minSteepRun px long, also costs the ink rate: it is a dash gap on a
// steep stretch. s[0] is the seam between the last and the first column.
func (v *bandView) stepCosts(s []float32, prev, cur []uint8, opt Options) {
	thr := v.thr
	w := len(s)
	jump, ink := float32(opt.JumpPenalty), float32(opt.InkStep)
	was := prev[0] >= thr || cur[0] >= thr
	for x := 1; x < w; x++ {
		is := prev[x] >= thr || cur[x] >= thr
		if is || was {
			s[x] = ink
		} else {
			s[x] = jump
		}
		was = is
	}
	s[0] = float32(opt.WrapPenalty) + jump

	// Close short gaps next to long runs: walk the runs left to right.
	lastEnd, lastLen := -1, 0 // previous run's last column and length
	for x := 0; x < w; {
		if prev[x] < thr && cur[x] < thr {
			x++
			continue
		}
		start := x
		for x < w && (prev[x] >= thr || cur[x] >= thr) {
			x++
		}
		n := x - start
		gap := start - lastEnd - 1
		if lastEnd >= 0 && gap <= opt.DashGap && max(n, lastLen) >= minSteepRun {
			for i := lastEnd + 1; i <= start; i++ {
				s[i] = ink
			}
		}
		lastEnd, lastLen = x-1, n
	}
}

// minSteepRun is the run length in px from which a row's ink counts as a
// steep stretch of curve rather than the width of a near-vertical line.
const minSteepRun = 5

// relax computes t[x] = min over x' of d[x'] + the cost of moving from x'
// to x, and o[x] the signed displacement x - x' of the best move (on a
// cyclic band counted across the seam). Two sweeps suffice on a line
// because a best move never turns back; a cyclic band adds one sweep on
// each side that continues past the seam while it still improves.
func relax(d, t []float32, o []int16, s []float32, cyclic bool) {
	w := len(d)
	copy(t, d)
	for x := range o {
		o[x] = 0
	}
	for x := 1; x < w; x++ {
		if c := t[x-1] + s[x]; c < t[x] {
			t[x], o[x] = c, o[x-1]+1
		}
	}
	if cyclic && w > 1 {
		if c := t[w-1] + s[0]; c < t[0] {
			t[0], o[0] = c, o[w-1]+1
			for x := 1; x < w; x++ {
				c := t[x-1] + s[x]
				if c >= t[x] {
					break
				}
				t[x], o[x] = c, o[x-1]+1
			}
		}
	}
	for x := w - 2; x >= 0; x-- {
		if c := t[x+1] + s[x+1]; c < t[x] {
			t[x], o[x] = c, o[x+1]-1
		}
	}
	if cyclic && w > 1 {
		if c := t[0] + s[0]; c < t[w-1] {
			t[w-1], o[w-1] = c, o[0]-1
			for x := w - 2; x >= 0; x-- {
				c := t[x+1] + s[x+1]
				if c >= t[x] {
					break
				}
				t[x], o[x] = c, o[x+1]-1
			}
		}
	}
}

// backtrack follows the displacements up from the cheapest end column and
// returns the unwrapped path.
func backtrack(d []float32, bp []int16, w, h int) []int32 {
	x := 0
	for i := range d {
		if d[i] < d[x] {
			x = i
		}
	}
	disp := make([]int32, h)
	cols := make([]int32, h)
	for y := h - 1; y >= 0; y-- {
		cols[y] = int32(x)
		if y == 0 {
			break
		}
		dy := int(bp[y*w+x])
		disp[y] = int32(dy)
		x = ((x-dy)%w + w) % w
	}
	u := cols // reuse: u[0] = cols[0], then accumulate
	for y := 1; y < h; y++ {
		u[y] = u[y-1] + disp[y]
	}
	return u
}
