package synth

import (
	"fmt"
	"math"

	"github.com/welllog/digitiser/pkg/manifest"
)

// render draws the plan as ink labels in the log frame: grid, borders,
// depth labels, header, hatching, curves, then what lies over curves.
func (p *plan) render(k *Knobs, g *rng) *canvas {
	c := newCanvas(p.w, p.h)
	p.drawDepthGrid(c)
	for _, t := range p.tracks {
		p.drawTrackGrid(c, t)
	}
	p.drawDepthLabels(c)
	if p.headerH > 0 {
		p.drawHeader(c, g)
	}
	for _, cv := range p.curves {
		if cv.hatch {
			p.drawHatch(c, cv, 6+g.n(6))
		}
	}
	for i, cv := range p.curves {
		p.drawCurve(c, cv, uint8(inkCurve+i), g)
	}
	p.drawOverlays(c, k, g)
	return c
}

// lineWeight returns the weight in px of the depth line at depth d.
func (p *plan) lineWeight(d float64) int {
	on := func(step float64) bool {
		q := d / step
		return math.Abs(q-math.Round(q)) < 1e-6
	}
	switch {
	case on(p.dg.label):
		return min(p.dg.majorW+1, 4)
	case on(p.dg.major):
		return p.dg.majorW
	}
	return 1
}

// drawDepthGrid draws the horizontal depth lines across every track.
func (p *plan) drawDepthGrid(c *canvas) {
	first := math.Ceil(p.rowDepth(float64(p.body.Top))/p.dg.minor) * p.dg.minor
	last := p.rowDepth(float64(p.h))
	for i := 0; ; i++ {
		d := first + float64(i)*p.dg.minor
		if d > last {
			break
		}
		w := p.lineWeight(d)
		ink := uint8(inkMinor)
		if w > 1 {
			ink = inkMajor
		}
		row := int(math.Round(p.depthRow(d))) - (w-1)/2
		row = max(row, p.body.Top)
		for _, t := range p.tracks {
			c.hline(t.Band.Left, t.Band.Right, row, w, ink)
		}
	}
}

// drawTrackGrid draws a track's vertical grid lines and its borders.
func (p *plan) drawTrackGrid(c *canvas, t TrackGeom) {
	top, bot := p.body.Top, p.h
	vl := func(frac float64, w int, ink uint8) {
		x := int(math.Round(t.X(frac))) - (w-1)/2
		c.vline(x, w, top, bot, ink)
	}
	if t.Grid == manifest.ScaleLog {
		for dec := 0; dec < t.Decades; dec++ {
			for m := 2; m <= 9; m++ {
				vl((float64(dec)+math.Log10(float64(m)))/float64(t.Decades), 1, inkMinor)
			}
			if dec > 0 {
				vl(float64(dec)/float64(t.Decades), 2, inkMajor)
			}
		}
	} else {
		for k := 1; k < t.Divisions; k++ {
			w, ink := 1, uint8(inkMinor)
			switch {
			case k%10 == 0:
				w, ink = 3, inkMajor
			case k%5 == 0:
				w, ink = 2, inkMajor
			}
			vl(float64(k)/float64(t.Divisions), w, ink)
		}
	}
	c.vline(t.Band.Left-t.Border, t.Border, top, bot, inkBorder)
	c.vline(t.Band.Right, t.Border, top, bot, inkBorder)
}

// drawDepthLabels writes the depth at every labelled line in the depth
// track.
func (p *plan) drawDepthLabels(c *canvas) {
	px := p.dpi * 0.13
	first := math.Ceil(p.rowDepth(float64(p.body.Top))/p.dg.label) * p.dg.label
	for d := first; p.depthRow(d) < float64(p.h)-px; d += p.dg.label {
		s := fmt.Sprintf("%g", d)
		w := textWidth(s, px)
		x := int(p.depthX) - w/2
		y := int(math.Round(p.depthRow(d) - px*0.6))
		if y > p.body.Top {
			c.text(s, x, y, px, inkText)
		}
	}
}

// drawHeader draws a header block: a box, a few lines of well data and
// the track legend (scale values, mnemonic and a sample of each style).
func (p *plan) drawHeader(c *canvas, g *rng) {
	h := p.headerH
	c.hline(0, p.w, 2, 2, inkBorder)
	c.hline(0, p.w, h-3, 2, inkBorder)
	px := p.dpi * 0.09
	lines := []string{
		"Company  " + g.pick("Kinney Oil Company", "Prairie Resources", "Blue Stem Energy"),
		"Well  " + g.pick("D&K Heinen No. 1-4", "Schmidt 2-17", "Wellington KGS 1-32"),
		"Field  " + g.pick("Wildcat", "Mitsue", "Collingwood"),
		fmt.Sprintf("Depth in %s scaled 1:%g", map[string]string{"ft": "Feet",
			"m": "Metres"}[p.dg.unit], p.dg.scale),
	}
	y := int(px)
	for _, s := range lines {
		if y+int(px*2) > h/2 {
			break
		}
		c.text(s, int(p.dpi*0.2), y, px, inkText)
		y += int(px * 1.6)
	}
	// Legend: one row per curve, stacked at the bottom of the header.
	rowH := int(px * 2.2)
	perTrack := make([]int, len(p.tracks))
	for _, cv := range p.curves {
		perTrack[cv.track]++
	}
	n := 0
	for _, v := range perTrack {
		n = max(n, v)
	}
	top := h - 4 - n*rowH
	c.hline(0, p.w, top-2, 1, inkBorder)
	seen := make([]int, len(p.tracks))
	for _, cv := range p.curves {
		t := p.tracks[cv.track]
		ry := top + seen[cv.track]*rowH
		seen[cv.track]++
		l, r := fmt.Sprintf("%g", cv.mc.Left), fmt.Sprintf("%g", cv.mc.Right)
		name := cv.mc.Description
		if name == "" || textWidth(name, px) > t.Band.Width()/2 {
			name = cv.mc.Mnemonic
		}
		c.text(l, t.Band.Left+2, ry, px, inkText)
		c.text(r, t.Band.Right-2-textWidth(r, px), ry, px, inkText)
		c.text(name, (t.Band.Left+t.Band.Right-textWidth(name, px))/2, ry, px, inkText)
		sy := float64(ry) + px*1.6
		d := newDasher(cv.dash, 0, nil, 0)
		d.segment(float64(t.Band.Left), sy, float64(t.Band.Right), sy,
			func(ax, ay, bx, by float64) {
				c.capsule(ax, ay, bx, by, cv.width/2, t.Band.Left, t.Band.Right, inkText)
			})
	}
}

// displayX returns the column of a curve at row r and whether the row is
// on the backup scale.
func displayX(t TrackGeom, u float64) (float64, bool) {
	switch {
	case u > 1:
		return t.X(u - 1), true
	case u < 0:
		return t.X(u + 1), true
	}
	return t.X(u), false
}

// drawHatch hatches between a wrapped curve and the border it re-entered
// from, as logs mark their backup-scale excursions.
func (p *plan) drawHatch(c *canvas, cv *curve, period int) {
	t := p.tracks[cv.track]
	for r := p.body.Top; r < p.h; r++ {
		x, wrapped := displayX(t, cv.u[r])
		if !wrapped {
			continue
		}
		x0, x1 := t.Band.Left, int(x)
		if cv.wrapDir < 0 {
			x0, x1 = int(x)+1, t.Band.Right
		}
		row := c.pix[r*c.w : (r+1)*c.w]
		for xx := max(x0, 0); xx < min(x1, c.w); xx++ {
			if ((xx-r)%period+period)%period == 0 && row[xx] == inkPaper {
				row[xx] = inkHatch
			}
		}
	}
}
