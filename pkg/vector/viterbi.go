package vector

import (
	"math"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
)

// bandView reads one curve class of a probability map inside one track
// band and the body rows, with the ink claimed by curves already traced
// in the same band hidden.
type bandView struct {
	pm    *raster.ProbMap
	cls   int // 1 or 2
	left  int // first column of the band in the map, px
	w     int // band width, px: on a cyclic band, the track's period
	top   int // first body row in the map, px
	h     int // body rows
	thr   uint8
	cross uint16 // CrossClass in 1/256
	// foldL and foldR are, on a cyclic band, how many map columns left of
	// the band and right of it (the outer halves of the border lines) are
	// folded onto its other end: both borders are one place there.
	foldL, foldR int
	cyclic       bool // the band's ends join (a curve with a backup scale)
	// kmin and kmax are the copies of the track a path may run on: 0 the
	// main scale, +1 and -1 the backup scales past the right and the left
	// border (see viterbi).
	kmin, kmax int
	// pieces, when set, labels the band's ink by shape; styleW (in
	// 1/256) weighs each kind for the line style being traced.
	pieces *pieceMap
	styleW [numPieceKinds]uint16
	// excl holds, per path already traced, the band columns [lo, hi] it
	// claims in each row; lo < 0 means none, lo > hi a claim across the
	// seam of a cyclic band.
	excl []claim
	// runs is stepCosts' scratch: the ink runs of the row pair it prices.
	runs [][2]int
}

// claim is the ink one traced path owns, per row, in band columns.
type claim struct {
	lo, hi []int16
}

// row fills out (len w) with the effective probabilities of body row y:
// the class probability, scaled down where the other class is more
// probable, and zero where an earlier path claimed the ink.
func (v *bandView) row(y int, out []uint8) {
	base := (v.top + y) * v.pm.Width
	v.read(out, base+v.left)
	for i := 1; i <= v.foldL; i++ {
		out[v.w-i] = max(out[v.w-i], v.at(base+v.left-i))
	}
	for i := range v.foldR {
		out[i] = max(out[i], v.at(base+v.left+v.w+i))
	}
	if v.pieces != nil {
		v.weigh(y, out)
	}
	for _, c := range v.excl {
		lo, hi := int(c.lo[y]), int(c.hi[y])
		switch {
		case lo < 0:
		case lo <= hi:
			clear(out[lo : hi+1])
		default:
			clear(out[lo:])
			clear(out[:hi+1])
		}
	}
}

// read fills out with the effective probabilities of the map pixels from
// offset off on.
func (v *bandView) read(out []uint8, off int) {
	pc := v.pm.P[v.cls-1][off : off+len(out)]
	po := v.pm.P[2-v.cls][off : off+len(out)]
	for x, p := range pc {
		if po[x] > p {
			p = uint8(uint16(p) * v.cross >> 8)
		}
		out[x] = p
	}
}

// at is the effective probability of the map pixel at offset off.
func (v *bandView) at(off int) uint8 {
	p, o := v.pm.P[v.cls-1][off], v.pm.P[2-v.cls][off]
	if o > p {
		p = uint8(uint16(p) * v.cross >> 8)
	}
	return p
}

// dpBuffers is the scratch one worker reuses across groups.
type dpBuffers struct {
	bp         []int16 // per row and column: displacement from the row above
	d, t       []float32
	o          []int16
	s          []float32
	rowA, rowB []uint8
	trA, trB   []uint8 // travel rows of broken-line curves (see travel)
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
		b.trA = make([]uint8, w)
		b.trB = make([]uint8, w)
	}
	b.bp = b.bp[:w*h]
	b.d, b.t, b.o, b.s = b.d[:w], b.t[:w], b.o[:w], b.s[:w]
	b.rowA, b.rowB = b.rowA[:w], b.rowB[:w]
	b.trA, b.trB = b.trA[:w], b.trB[:w]
}

// travel returns the ink that travel along row y is priced by
// (stepCosts), given the row's effective probabilities own (see row). A
// solid curve travels along its own ink only: own itself. A broken-line
// curve travels along the sum of own and the other class's probability
// (folded on a cyclic band as row folds own), written to out (len w):
// where a dashed curve sweeps across the track, a segmenter labels
// stretches of the sweep solid (a long dash is a short solid line), and
// priced as paper they made the trace cut the sweep short (48 hard logs,
// v4 model: dashed median R^2 0.930 -> 0.948). The other class's ink is
// neither hidden where earlier paths claimed ink nor weighed by line
// style: it only lets the path pass; where the path may sit is still
// decided by own.
func (v *bandView) travel(y int, own, out []uint8) []uint8 {
	if v.cls == manifest.ClassSolid {
		return own
	}
	base := (v.top + y) * v.pm.Width
	other := v.pm.P[2-v.cls]
	for x, p := range own {
		q := other[base+v.left+x]
		if x >= v.w-v.foldL {
			q = max(q, other[base+v.left+x-v.w])
		}
		if x < v.foldR {
			q = max(q, other[base+v.left+v.w+x])
		}
		out[x] = uint8(min(255, int(p)+int(q)))
	}
	return out
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
// returns it unwrapped: u[y] mod w is the column. On a cyclic band the
// path runs on copies kmin..kmax of the track laid side by side (0 the
// main scale, +1 the backup scale past the right border, -1 past the
// left), joined border to border where the scales meet, and u[y] counts
// from the main copy's left end; each row on a backup copy costs
// BackupCost more.
func (v *bandView) viterbi(opt Options, buf *dpBuffers) []int32 {
	w, h := v.w, v.h
	n := 1 + v.kmax - v.kmin
	ww := n * w
	buf.ensure(ww, h)
	d, prev, cur := buf.d, buf.rowA, buf.rowB
	prior := make([]float32, n)
	for k := range prior {
		if k+v.kmin != 0 {
			prior[k] = float32(opt.BackupCost)
		}
	}

	v.copyRow(0, cur, n)
	tbuf := [2][]uint8{buf.trA[:w], buf.trB[:w]} // travel rows, alternating
	tcur := v.travel(0, cur[:w], tbuf[0])
	for x := range ww {
		d[x] = emission[cur[x]] + prior[x/w]
		buf.bp[x] = 0
	}
	for y := 1; y < h; y++ {
		prev, cur = cur, prev
		v.copyRow(y, cur, n)
		tprev := tcur
		tcur = v.travel(y, cur[:w], tbuf[y&1])
		v.stepCosts(buf.s[:w], tprev, tcur, opt)
		for k := 1; k < n; k++ {
			copy(buf.s[k*w:(k+1)*w], buf.s[:w]) // s[k*w] is the seam
		}
		relax(d, buf.t, buf.o, buf.s)

		bp := buf.bp[y*ww : (y+1)*ww]
		minv := float32(math.Inf(1))
		for x := range ww {
			c := buf.t[x] + emission[cur[x]] + prior[x/w]
			d[x] = c
			bp[x] = buf.o[x]
			minv = min(minv, c)
		}
		for x := range d {
			d[x] -= minv
		}
	}
	u := backtrack(d, buf.bp, ww, h)
	for y := range u {
		u[y] += int32(v.kmin * w)
	}
	return u
}

// copyRow fills out[:w] with body row y (see row) and repeats it n times.
func (v *bandView) copyRow(y int, out []uint8, n int) {
	v.row(y, out[:v.w])
	for k := 1; k < n; k++ {
		copy(out[k*v.w:(k+1)*v.w], out[:v.w])
	}
}

// stepCosts sets s[x], the cost of moving between columns x-1 and x, for
// x >= 1: cheap along ink in either row (cheaper still along a sweep), dear
// across empty paper. Gaps of at most DashGap px (BrokenGap between dashes
// on dashed curves) between ink runs also cost the ink rate where one of
// the runs is at least minSteepRun px long or minDots runs follow each
// other: dash gaps on a steep stretch. Such a cluster of minDots runs or
// more that spans sweepRun px is a broken line sweeping across the track
// and costs the sweep rate along its length. s[0] is the seam between the
// last and the first column.
func (v *bandView) stepCosts(s []float32, prev, cur []uint8, opt Options) {
	thr := v.thr
	w := len(s)
	jump, ink := float32(opt.JumpPenalty), float32(opt.InkStep)
	// A move between columns x-1 and x is along ink when either column
	// holds ink in either row: x in [start, end] of some run.
	v.runs = inkRuns(v.runs[:0], prev, cur, thr)
	for x := range s {
		s[x] = jump
	}
	for _, r := range v.runs {
		for x := max(1, r[0]); x <= min(w-1, r[1]); x++ {
			s[x] = ink
		}
	}
	// The seam: where ink runs into both borders the curve is sweeping
	// through it (the border lines are one place on a cyclic band).
	s[0] = float32(opt.WrapPenalty) + jump
	if inkNear(prev, cur, 0, thr) && inkNear(prev, cur, w-seamReach, thr) {
		s[0] = ink
	}

	// Sweeps: one run of sweepRun px or more.
	for _, r := range v.runs {
		if r[1]-r[0] >= sweepRun {
			for i := r[0] + 1; i < r[1]; i++ {
				s[i] = ink * sweepFactor
			}
		}
	}
	bridgeClusters(s, v.runs, opt.DashGap, ink)
	if v.cls != manifest.ClassSolid && opt.BrokenGap > opt.DashGap {
		bridgeDashes(s, v.runs, opt.DashGap, opt.BrokenGap, ink)
	}
}

// bridgeClusters lowers to the ink rate s across the gaps inside each
// cluster of ink runs (a row's, [start, end) columns) joined by gaps of at
// most gap px that holds a run of minSteepRun px or more (a dash) or
// minDots runs (dots); a cluster of minDots runs or more spanning sweepRun
// px is a broken line sweeping across the track and costs the sweep rate
// along its length.
func bridgeClusters(s []float32, runs [][2]int, gap int, ink float32) {
	first, lastEnd, n, long := -1, -1, 0, false
	closeGaps := func() {
		if n >= 2 && (long || n >= minDots) {
			lower(s, first, lastEnd, n, ink)
		}
	}
	for _, r := range runs {
		isLong := r[1]-r[0] >= minSteepRun
		if lastEnd >= 0 && r[0]-lastEnd-1 <= gap {
			n++
			long = long || isLong
		} else {
			closeGaps()
			first, n, long = r[0], 1, isLong
		}
		lastEnd = r[1] - 1
	}
	closeGaps()
}

// bridgeDashes lowers to the ink rate s across gaps of at most gap px
// between two dashes of a row. A dash is a piece of ink minDashRun px
// long or more, its runs joined by gaps of at most join px (a segmenter
// breaks a faint dash into bits). A chain of dashes so joined is a steep
// stretch of a dashed line, and a sweep (see bridgeClusters) when it holds
// minDots dashes over sweepRun px. A gap with a shorter piece on either
// side (a dot, a speck) is left as it is, so that a speck between two
// curves does not join them.
func bridgeDashes(s []float32, runs [][2]int, join, gap int, ink float32) {
	first, lastEnd, dashes := -1, -1, 0
	flush := func() {
		if dashes >= 2 {
			lower(s, first, lastEnd, dashes, ink)
		}
		first, lastEnd, dashes = -1, -1, 0
	}
	piece := func(start, end int) {
		if end-start < minDashRun {
			flush()
			return
		}
		if lastEnd < 0 || start-lastEnd-1 > gap {
			flush()
			first = start
		}
		dashes++
		lastEnd = end - 1
	}
	for k := 0; k < len(runs); {
		start, end := runs[k][0], runs[k][1]
		for k++; k < len(runs) && runs[k][0]-end <= join; k++ {
			end = runs[k][1]
		}
		piece(start, end)
	}
	flush()
}

// lower sets s over columns (first, lastEnd] to at most the ink rate, or
// the sweep rate when runs pieces of ink span sweepRun px or more.
func lower(s []float32, first, lastEnd, runs int, ink float32) {
	c := ink
	if lastEnd-first+1 >= sweepRun && runs >= minDots {
		c = ink * sweepFactor
	}
	for i := first + 1; i <= lastEnd; i++ {
		s[i] = min(s[i], c)
	}
}

// inkRuns appends to out the [start, end) columns of each run of ink in
// either row, left to right, and returns it.
func inkRuns(out [][2]int, prev, cur []uint8, thr uint8) [][2]int {
	w := len(cur)
	for x := 0; x < w; {
		if prev[x] < thr && cur[x] < thr {
			x++
			continue
		}
		start := x
		for x < w && (prev[x] >= thr || cur[x] >= thr) {
			x++
		}
		out = append(out, [2]int{start, x})
	}
	return out
}

// seamReach is how close, in px, ink must come to each end of a cyclic
// band for the seam between them to cost the ink rate: a segmenter may
// drop the border line itself, and with it the px where a curve leaves
// the track.
const seamReach = 4

// inkNear reports whether columns [x, x+seamReach) of either row hold ink.
func inkNear(prev, cur []uint8, x int, thr uint8) bool {
	x = max(0, x)
	for i := x; i < min(len(cur), x+seamReach); i++ {
		if prev[i] >= thr || cur[i] >= thr {
			return true
		}
	}
	return false
}

// sweepRun is the run length in px from which a row's ink is a curve
// sweeping across the track within a row or two; travel along it costs
// sweepFactor times InkStep, so that the path follows a sweep of a whole
// track width rather than skip the rows it takes.
const (
	sweepRun    = 24
	sweepFactor = 0.1
)

// minDots is how many runs joined by dash gaps make a row's ink a steep
// stretch of a dotted line.
const minDots = 3

// minDashRun is the length in px from which a row's piece of ink is a dash
// lying nearly flat, for bridgeDashes: longer than a bold line is wide
// (up to 5 px, more where a segmenter blurs it), so that two near-vertical
// curves side by side are not taken for the dashes of one flat curve.
const minDashRun = 8

// minSteepRun is the run length in px from which a row's ink counts as a
// steep stretch of curve rather than the width of a near-vertical line.
const minSteepRun = 5

// relax computes t[x] = min over x' of d[x'] + the cost of moving from x'
// to x, and o[x] the signed displacement x - x' of the best move. Two
// sweeps suffice on a line because a best move never turns back.
func relax(d, t []float32, o []int16, s []float32) {
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
	for x := w - 2; x >= 0; x-- {
		if c := t[x+1] + s[x+1]; c < t[x] {
			t[x], o[x] = c, o[x+1]-1
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
