package synth

import "math"

// Ink labels of the label canvas: what was drawn last at each pixel.
// Curve i is inkCurve+i.
const (
	inkPaper  = 0
	inkMinor  = 1
	inkMajor  = 2
	inkBorder = 3
	inkText   = 4
	inkHatch  = 5
	inkStamp  = 6
	inkCurve  = 8
	maxCurves = 256 - inkCurve
)

// canvas is a label image: one ink label per pixel, row-major.
type canvas struct {
	w, h int
	pix  []uint8
}

func newCanvas(w, h int) *canvas {
	return &canvas{w: w, h: h, pix: make([]uint8, w*h)}
}

// hline fills rows [y, y+n) between columns [x0, x1).
func (c *canvas) hline(x0, x1, y, n int, ink uint8) {
	x0, x1 = max(x0, 0), min(x1, c.w)
	for r := max(y, 0); r < min(y+n, c.h); r++ {
		row := c.pix[r*c.w : (r+1)*c.w]
		for x := x0; x < x1; x++ {
			row[x] = ink
		}
	}
}

// vline fills columns [x, x+n) between rows [y0, y1).
func (c *canvas) vline(x, n, y0, y1 int, ink uint8) {
	x0, x1 := max(x, 0), min(x+n, c.w)
	for r := max(y0, 0); r < min(y1, c.h); r++ {
		row := c.pix[r*c.w : (r+1)*c.w]
		for xx := x0; xx < x1; xx++ {
			row[xx] = ink
		}
	}
}

// capsule inks every pixel whose centre lies within rad px of the segment
// from (ax, ay) to (bx, by), clipped to columns [clipL, clipR).
func (c *canvas) capsule(ax, ay, bx, by, rad float64, clipL, clipR int, ink uint8) {
	y0 := int(math.Ceil(math.Min(ay, by) - rad))
	y1 := int(math.Floor(math.Max(ay, by) + rad))
	y0, y1 = max(y0, 0), min(y1, c.h-1)
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	r2 := rad * rad
	for y := y0; y <= y1; y++ {
		lo, hi, ok := capsuleRow(ax, ay, dx, dy, l2, r2, float64(y))
		if !ok {
			continue
		}
		xa := max(int(math.Ceil(lo)), clipL, 0)
		xb := min(int(math.Floor(hi)), clipR-1, c.w-1)
		row := c.pix[y*c.w : (y+1)*c.w]
		for x := xa; x <= xb; x++ {
			row[x] = ink
		}
	}
}

// capsuleRow returns the x interval of line y inside the capsule around
// the segment a + t*d, t in [0, 1], of squared radius r2.
func capsuleRow(ax, ay, dx, dy, l2, r2, y float64) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	disc := func(cx, cy float64) {
		h := r2 - (y-cy)*(y-cy)
		if h >= 0 {
			s := math.Sqrt(h)
			lo, hi = math.Min(lo, cx-s), math.Max(hi, cx+s)
		}
	}
	disc(ax, ay)
	disc(ax+dx, ay+dy)
	if l2 > 1e-12 {
		// The band of points projecting inside the segment and within the
		// radius of its line, intersected with line y.
		l := math.Sqrt(l2)
		nx, ny := -dy/l, dx/l
		blo, bhi := math.Inf(-1), math.Inf(1)
		// Perpendicular: |nx*(x-ax) + ny*(y-ay)| <= rad.
		rad := math.Sqrt(r2)
		off := ny * (y - ay)
		if math.Abs(nx) > 1e-12 {
			p, q := (-rad-off)/nx+ax, (rad-off)/nx+ax
			blo, bhi = math.Max(blo, math.Min(p, q)), math.Min(bhi, math.Max(p, q))
		} else if math.Abs(off) > rad {
			return finish(lo, hi)
		}
		// Projection: 0 <= dx*(x-ax) + dy*(y-ay) <= l2.
		po := dy * (y - ay)
		if math.Abs(dx) > 1e-12 {
			p, q := (0-po)/dx+ax, (l2-po)/dx+ax
			blo, bhi = math.Max(blo, math.Min(p, q)), math.Min(bhi, math.Max(p, q))
		} else if po < 0 || po > l2 {
			return finish(lo, hi)
		}
		if blo <= bhi {
			lo, hi = math.Min(lo, blo), math.Max(hi, bhi)
		}
	}
	return finish(lo, hi)
}

func finish(lo, hi float64) (float64, float64, bool) {
	return lo, hi, lo <= hi
}

// dasher walks a polyline by arc length and calls draw for every piece
// that is inked under an on/off pattern and outside the breaks.
type dasher struct {
	pattern []float64 // nil: always on
	period  float64
	phase   float64
	breaks  []float64 // sorted arc-length starts of ink breaks
	breakW  float64
	s       float64 // arc length so far
	bi      int
}

func newDasher(pattern []float64, phase float64, breaks []float64, breakW float64) *dasher {
	d := &dasher{pattern: pattern, phase: phase, breaks: breaks, breakW: breakW}
	for _, v := range pattern {
		d.period += v
	}
	return d
}

// on reports whether arc length s is inked and how far the state lasts.
func (d *dasher) on(s float64) (bool, float64) {
	for d.bi < len(d.breaks) && d.breaks[d.bi]+d.breakW <= s {
		d.bi++
	}
	if d.bi < len(d.breaks) && d.breaks[d.bi] <= s {
		return false, d.breaks[d.bi] + d.breakW - s
	}
	next := math.Inf(1)
	if d.bi < len(d.breaks) {
		next = d.breaks[d.bi] - s
	}
	if d.pattern == nil {
		return true, next
	}
	m := math.Mod(s+d.phase, d.period)
	for i, v := range d.pattern {
		if m < v {
			return i%2 == 0, math.Min(v-m, next)
		}
		m -= v
	}
	return false, 1e-6
}

// segment advances along a segment and calls draw for its inked pieces.
func (d *dasher) segment(ax, ay, bx, by float64, draw func(ax, ay, bx, by float64)) {
	l := math.Hypot(bx-ax, by-ay)
	if l == 0 {
		return
	}
	t := 0.0
	for t < l {
		inked, run := d.on(d.s + t)
		run = math.Max(run, 1e-6)
		end := math.Min(l, t+run)
		if inked {
			f0, f1 := t/l, end/l
			draw(ax+f0*(bx-ax), ay+f0*(by-ay), ax+f1*(bx-ax), ay+f1*(by-ay))
		}
		t = end
	}
	d.s += l
}
