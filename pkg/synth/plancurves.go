package synth

import (
	"math"

	"github.com/welllog/digitiser/pkg/manifest"
)

// planCurves chooses the curves of every track, their scales, styles and
// signals, and fills their per-row fractions.
func (p *plan) planCurves(k *Knobs, g *rng) {
	n0 := int(math.Floor(p.dg.top/p.dg.step)) - 2
	nS := int(float64(p.h-p.body.Top)/p.dg.ppu/p.dg.step) + 6
	z := geology(nS, p.dg.step, k, g)
	used := map[string]bool{}
	real := realCurves(k.LASDir)
	for ti := range p.tracks {
		nc := g.count(k.CurvesPerTrack)
		cross := g.p(k.CrossProb)
		styles := map[string]bool{} // line styles taken in this track
		for ci := 0; ci < nc; ci++ {
			style := pickStyle(k, styles, g)
			styles[style] = true
			c := p.newCurve(ti, ci, nc, cross, style, z, real, used, k, g)
			c.sampleD = make([]float64, nS)
			for i := range c.sampleD {
				c.sampleD[i] = float64(n0+i) * p.dg.step
			}
			p.fillRows(c)
			p.curves = append(p.curves, c)
		}
	}
}

// pickStyle draws a curve's line style: class 2 (dashed twice as often as
// dotted or dash-dot) with probability DashedProb, else solid. As on
// printed logs, curves of one track never share a style: a style already
// taken is replaced by a free class-2 one (solid only when all three are
// taken), so a track holds at most one solid curve.
func pickStyle(k *Knobs, taken map[string]bool, g *rng) string {
	style := manifest.StyleSolid
	if g.p(k.DashedProb) {
		style = g.pick(manifest.StyleDashed, manifest.StyleDashed,
			manifest.StyleDotted, manifest.StyleDashDot)
	}
	if !taken[style] {
		return style
	}
	var free []string
	for _, s := range []string{manifest.StyleDashed, manifest.StyleDotted,
		manifest.StyleDashDot} {
		if !taken[s] {
			free = append(free, s)
		}
	}
	if len(free) == 0 {
		return manifest.StyleSolid
	}
	return free[g.n(len(free))]
}

// newCurve makes curve ci of nc in track ti, drawn in the given style.
func (p *plan) newCurve(ti, ci, nc int, cross bool, style string, z []float64,
	real []realCurve, used map[string]bool, k *Knobs, g *rng) *curve {
	tg := p.tracks[ti]
	logTrack := tg.Grid == manifest.ScaleLog
	c := &curve{track: ti, width: math.Round(g.in(k.WidthPx))}
	c.mc.Style = style
	c.dash = dashPattern(c.mc.Style, c.width, p.dpi, g)

	// The band of the track the curve mostly uses: shared when curves
	// cross, separate otherwise.
	lo, hi := 0.12, 0.88
	if !cross && nc > 1 {
		// Neighbouring bands overlap a little, as on real logs.
		step := 0.76 / float64(nc)
		w := math.Min(0.76, step*1.6)
		lo = 0.12 + step*float64(ci) - (w-step)/2
		lo = math.Max(0.05, math.Min(lo, 0.95-w))
		hi = lo + w
	}
	// A wrap or an edge run pushes a share of the curve past a border:
	// edge is +1 (right), -1 (left) or 0; share is the part beyond.
	edge, share := 0, 0.0
	switch {
	case g.p(k.WrapProb):
		c.wrapDir = 1
		if g.p(0.3) {
			c.wrapDir = -1
		}
		c.hatch = g.p(k.HatchProb)
		edge, share = c.wrapDir, g.between(0.05, 0.2)
	case g.p(k.EdgeRunProb):
		edge, share = 1, g.between(0.05, 0.2)
		if g.p(0.5) {
			edge = -1
		}
	}

	var u []float64
	rc, ok := pickReal(real, logTrack, used, k, g)
	if ok {
		u = p.realScale(c, rc, lo, hi, logTrack, tg.Decades, len(z), g)
	} else {
		e := pickCatalogue(logTrack, used, g)
		c.mc.Mnemonic, c.mc.Unit, c.mc.Description = e.mnem, e.unit, e.desc
		c.mc.Left, c.mc.Right = e.left, e.right
		c.mc.Scale = manifest.ScaleLinear
		if logTrack {
			c.mc.Scale = manifest.ScaleLog
			c.mc.Left = []float64{0.2, 1, 2}[g.n(3)]
			c.mc.Right = c.mc.Left * math.Pow(10, float64(tg.Decades))
		}
		if g.p(k.ReverseProb) {
			c.mc.Left, c.mc.Right = c.mc.Right, c.mc.Left
		}
		u = synthSignal(z, e, lo, hi, k, g)
	}
	used[c.mc.Mnemonic] = true
	pushPast(u, edge, share)
	displayClamp(u, c.wrapDir)
	c.samples = u
	c.setBackup()
	p.styleInk(c, k, g)
	return c
}

// setBackup gives a wrapping curve the backup scale that continues its
// main scale past the border it leaves.
func (c *curve) setBackup() {
	if c.wrapDir == 0 {
		return
	}
	l, r := c.mc.Left, c.mc.Right
	if c.mc.Scale == manifest.ScaleLog {
		ratio := r / l
		if c.wrapDir > 0 {
			c.mc.Backup = &manifest.Backup{Left: r, Right: r * ratio}
		} else {
			c.mc.Backup = &manifest.Backup{Left: l / ratio, Right: l}
		}
		return
	}
	if c.wrapDir > 0 {
		c.mc.Backup = &manifest.Backup{Left: r, Right: 2*r - l}
	} else {
		c.mc.Backup = &manifest.Backup{Left: 2*l - r, Right: l}
	}
}

func pickCatalogue(logTrack bool, used map[string]bool, g *rng) catalogueEntry {
	cat := linearCatalogue
	if logTrack {
		cat = logCatalogue
	}
	for range 50 {
		e := cat[g.n(len(cat))]
		if !used[e.mnem] {
			return e
		}
	}
	for i := 1; ; i++ {
		e := cat[g.n(len(cat))]
		e.mnem += string(rune('0' + i%10))
		if !used[e.mnem] {
			return e
		}
	}
}

func pickReal(real []realCurve, logTrack bool, used map[string]bool, k *Knobs,
	g *rng) (realCurve, bool) {
	if len(real) == 0 || !g.p(k.RealLASProb) {
		return realCurve{}, false
	}
	for range 20 {
		rc := real[g.n(len(real))]
		if rc.resistivity == logTrack && !used[rc.mnem] && len(rc.mnem) <= 8 {
			return rc, true
		}
	}
	return realCurve{}, false
}

// realScale sets a scale for a real curve so that its values fill
// [lo, hi] of the track, and returns its unwrapped fractions.
func (p *plan) realScale(c *curve, rc realCurve, lo, hi float64, logTrack bool,
	decades, n int, g *rng) []float64 {
	vals := rc.window(n, g)
	c.mc.Mnemonic, c.mc.Unit, c.mc.Description = rc.mnem, rc.unit, rc.desc
	qa, qb := quantiles(vals, 0.02, 0.98)
	if logTrack {
		c.mc.Scale = manifest.ScaleLog
		c.mc.Left = math.Pow(10, math.Floor(math.Log10(qa)))
		c.mc.Right = c.mc.Left * math.Pow(10, float64(decades))
	} else {
		c.mc.Scale = manifest.ScaleLinear
		// Scale values on a round step a tenth of the span, as log
		// headers print them.
		span := (qb - qa) / (hi - lo)
		step := niceNumber(span/10, true)
		c.mc.Left = math.Floor((qa-lo*span)/step) * step
		c.mc.Right = c.mc.Left + math.Ceil(span/step)*step
	}
	if g.p(0.2) {
		c.mc.Left, c.mc.Right = c.mc.Right, c.mc.Left
	}
	u := make([]float64, n)
	for i, v := range vals {
		u[i] = c.mc.Frac(v)
	}
	return u
}

// fillRows interpolates the curve's samples to every body row.
func (p *plan) fillRows(c *curve) {
	c.u = make([]float64, p.h)
	for r := range c.u {
		if r < p.body.Top {
			c.u[r] = math.NaN()
			continue
		}
		d := p.rowDepth(float64(r))
		f := (d - c.sampleD[0]) / p.dg.step
		i := int(math.Floor(f))
		i = max(0, min(i, len(c.samples)-2))
		c.u[r] = catmullRom(c.samples, i, f-float64(i))
	}
}

// dashPattern returns on/off lengths in px for a line style; nil is solid.
// The round caps of a line width w lengthen every inked piece by w and
// shorten every gap by w, so gaps get w added: every gap stays visible
// (2 px or more at 160 dpi) and a dot (about 1.3 w long) stays shorter
// than any dash (9 px or more), as on printed logs, where the dash pattern
// is what tells two curves of one track apart.
func dashPattern(style string, width, dpi float64, g *rng) []float64 {
	s := dpi / 200
	dot := math.Max(0.5, width*0.3)
	switch style {
	case manifest.StyleDashed:
		return []float64{g.between(9, 18) * s, width + g.between(4, 8)*s}
	case manifest.StyleDotted:
		return []float64{dot, width + g.between(2.5, 5)*s}
	case manifest.StyleDashDot:
		gap := width + g.between(3, 6)*s
		return []float64{g.between(12, 20) * s, gap, dot, gap}
	}
	return nil
}

// catmullRom interpolates s between samples i and i+1 at t in [0, 1]
// with a Catmull-Rom spline, as plotters smooth between log samples.
func catmullRom(s []float64, i int, t float64) float64 {
	p1, p2 := s[i], s[i+1]
	p0, p3 := p1, p2
	if i > 0 {
		p0 = s[i-1]
	}
	if i+2 < len(s) {
		p3 = s[i+2]
	}
	t2, t3 := t*t, t*t*t
	return 0.5 * (2*p1 + (-p0+p2)*t + (2*p0-5*p1+4*p2-p3)*t2 + (-p0+3*p1-3*p2+p3)*t3)
}

// pushPast shifts u so that share of it lies past the right border (edge
// +1) or the left one (edge -1).
func pushPast(u []float64, edge int, share float64) {
	if edge == 0 {
		return
	}
	var shift float64
	if edge > 0 {
		_, q := quantiles(u, 0, 1-share)
		shift = 1 - q
	} else {
		q, _ := quantiles(u, share, 1)
		shift = -q
	}
	for i := range u {
		u[i] += shift
	}
}
