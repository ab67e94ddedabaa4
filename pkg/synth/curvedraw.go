package synth

import (
	"math"
	"sort"
)

// drawCurve inks one curve down its track, row to row, breaking the line
// where it wraps: it leaves through one border and re-enters through the
// other at the crossing row.
func (p *plan) drawCurve(c *canvas, cv *curve, ink uint8, g *rng) {
	t := p.tracks[cv.track]
	clipL, clipR := t.Band.Left-t.Border, t.Band.Right+t.Border
	rad := cv.width / 2
	d := newDasher(cv.dash, g.between(0, 40), cv.breaks, cv.breakW)
	draw := func(ax, ay, bx, by float64) {
		c.capsule(ax, ay, bx, by, rad, clipL, clipR, ink)
	}
	for r := p.body.Top; r+1 < p.h; r++ {
		u0, u1 := cv.u[r], cv.u[r+1]
		x0, _ := displayX(t, u0)
		x1, _ := displayX(t, u1)
		y0, y1 := float64(r), float64(r+1)
		s0, s1 := side(u0), side(u1)
		if s0 == s1 {
			d.segment(x0, y0, x1, y1, draw)
			continue
		}
		// The line crosses a border between the rows: exit at one
		// border, re-enter at the other.
		edge := 1.0
		if s0 < 0 || s1 < 0 {
			edge = 0
		}
		f := (edge - u0) / (u1 - u0)
		yc := y0 + f*(y1-y0)
		xOut, xIn := t.X(1), t.X(0)
		if s1 < s0 {
			xOut, xIn = t.X(0), t.X(1)
		}
		d.segment(x0, y0, xOut, yc, draw)
		d.segment(xIn, yc, x1, y1, draw)
	}
}

// side returns -1 on a left-wrap backup scale, 0 on the main scale and +1
// on a right-wrap backup scale.
func side(u float64) int {
	switch {
	case u > 1:
		return 1
	case u < 0:
		return -1
	}
	return 0
}

// styleInk chooses a curve's ink, fading and ink breaks.
func (p *plan) styleInk(cv *curve, k *Knobs, g *rng) {
	cv.ink = uint8(g.between(0, 45))
	palette := [][3]uint8{{20, 20, 20}, {200, 30, 30}, {30, 60, 190}, {20, 130, 50},
		{150, 40, 150}, {20, 20, 20}}
	cv.color = palette[g.n(len(palette))]
	if g.p(k.FadeProb) {
		cv.fade = fadeProfile(p.h, g)
	}
	if k.BreakRate > 0 {
		cv.breakW = g.between(2, 7)
		s := 0.0
		for s < float64(p.h)*4 {
			s += -math.Log(1-g.f()) * 1000 / k.BreakRate
			cv.breaks = append(cv.breaks, s)
		}
		sort.Float64s(cv.breaks)
	}
}

// fadeProfile returns an ink strength per row: mostly 1, with a few long
// stretches where the ink fades to as little as a quarter.
func fadeProfile(h int, g *rng) []float32 {
	f := make([]float32, h)
	for i := range f {
		f[i] = 1
	}
	for n := 1 + g.n(3); n > 0; n-- {
		c := g.between(0, float64(h))
		half := g.between(100, 1500)
		depth := g.between(0.3, 0.75)
		for r := max(0, int(c-half)); r < min(h, int(c+half)); r++ {
			x := (float64(r) - c) / half
			v := 1 - depth*(0.5+0.5*math.Cos(math.Pi*x))
			f[r] = float32(math.Min(float64(f[r]), v))
		}
	}
	return f
}
