package synth

import (
	"fmt"
	"math"
)

// drawOverlays draws what lies over the curves on real logs: depth-track
// ticks reaching into the tracks, values printed inside the tracks and
// rubber stamps. Their pixels are not curve pixels in the mask.
func (p *plan) drawOverlays(c *canvas, k *Knobs, g *rng) {
	if g.p(k.TickProb) {
		p.drawTicks(c, g)
	}
	rows := float64(p.body.Len())
	px := p.dpi * 0.1
	for n := int(g.in(k.Labels) * rows / 1000); n > 0; n-- {
		t := p.tracks[g.n(len(p.tracks))]
		s := fmt.Sprintf("%d", g.n(200)-100)
		if g.p(0.3) {
			s = g.pick("TEN", "ILD", "GR", "RHOB", "Casing", "TD")
		}
		x := t.Band.Left + g.n(max(1, t.Band.Width()-textWidth(s, px)))
		y := p.body.Top + g.n(max(1, p.body.Len()-int(px*2)))
		c.hline(x-2, x+textWidth(s, px)+2, y, int(px*1.3), inkPaper)
		c.text(s, x, y, px, inkText)
	}
	for n := g.count(k.Stamps); n > 0; n-- {
		p.drawStamp(c, g)
	}
}

// drawTicks marks every major depth line with a short wedge from each edge
// of the depth track, some reaching into the curve tracks.
func (p *plan) drawTicks(c *canvas, g *rng) {
	reach := g.between(0.2, 0.5) * p.dpi
	first := math.Ceil(p.rowDepth(float64(p.body.Top))/p.dg.major) * p.dg.major
	for d := first; p.depthRow(d) < float64(p.h)-2; d += p.dg.major {
		y := p.depthRow(d)
		l := reach * g.between(0.3, 1)
		for _, x0 := range []float64{float64(p.depthBand.Left), float64(p.depthBand.Right)} {
			dir := 1.0
			if x0 == float64(p.depthBand.Right) {
				dir = -1
			}
			xs, xe := x0-dir*l*0.3, x0+dir*l*0.7
			c.capsule(xs, y-1.5, xe, y, 0.8, 0, c.w, inkText)
			c.capsule(xs, y+1.5, xe, y, 0.8, 0, c.w, inkText)
		}
	}
}

// drawStamp draws a rubber stamp: a box with a word, anywhere over the
// tracks.
func (p *plan) drawStamp(c *canvas, g *rng) {
	s := g.pick("FIELD PRINT", "COPY", "PRELIMINARY", "FILE COPY", "RECEIVED")
	px := p.dpi * g.between(0.15, 0.3)
	w := textWidth(s, px) + int(px)
	h := int(px * 2)
	x := g.n(max(1, p.w-w))
	y := p.body.Top + g.n(max(1, p.body.Len()-h))
	bw := 2 + g.n(3)
	c.hline(x, x+w, y, bw, inkStamp)
	c.hline(x, x+w, y+h-bw, bw, inkStamp)
	c.vline(x, bw, y, y+h, inkStamp)
	c.vline(x+w-bw, bw, y, y+h, inkStamp)
	c.text(s, x+int(px/2), y+int(px/3), px, inkStamp)
}
