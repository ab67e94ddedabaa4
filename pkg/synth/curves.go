package synth

import (
	"math"

	"github.com/welllog/digitiser/pkg/manifest"
)

// curve is one curve of a log: its manifest entry, how it is drawn and its
// unwrapped track fraction per row of the log frame.
type curve struct {
	mc    manifest.Curve
	track int
	width float64   // line width, px
	dash  []float64 // on, off, on, off... lengths in px; nil is solid
	// u is the unwrapped track fraction per row (NaN outside the body):
	// 1 < u < 2 is on a right-wrap backup scale, -1 < u < 0 on a left one.
	u       []float64
	wrapDir int  // +1 wraps off the right border, -1 off the left, 0 none
	hatch   bool // hatch the wrapped parts
	ink     uint8
	color   [3]uint8
	fade    []float32 // ink strength 0..1 per row; nil is full strength
	breaks  []float64 // arc-length positions (px) of ink breaks
	breakW  float64   // length of each break, px
	samples []float64 // u at the LAS step samples
	sampleD []float64 // depth of each sample
}

// catalogueEntry is a curve type with a typical scale.
type catalogueEntry struct {
	mnem, unit, desc string
	left, right      float64
	flat             bool // mostly flat with excursions (caliper, tension)
}

var linearCatalogue = []catalogueEntry{
	{"GR", "GAPI", "Gamma Ray", 0, 150, false},
	{"CALI", "in", "Caliper", 6, 16, true},
	{"SP", "mV", "Spontaneous Potential", -80, 20, false},
	{"DT", "us/ft", "Delta Time", 140, 40, false},
	{"NPHI", "v/v", "Neutron Porosity", 0.45, -0.15, false},
	{"DPHI", "v/v", "Density Porosity", 0.45, -0.15, false},
	{"RHOB", "g/cc", "Bulk Density", 1.95, 2.95, false},
	{"PEF", "b/e", "Photoelectric Factor", 0, 10, false},
	{"SPHI", "pu", "Sonic Porosity", 30, -10, false},
	{"TEN", "lb", "Cable Tension", 15000, 0, true},
	{"DRHO", "g/cc", "Density Correction", -0.25, 0.25, true},
	{"CGR", "GAPI", "Computed Gamma Ray", 0, 150, false},
	{"BS", "in", "Bit Size", 6, 16, true},
	{"LSPD", "ft/min", "Line Speed", 0, 100, true},
}

var logCatalogue = []catalogueEntry{
	{"ILD", "ohmm", "Deep Induction", 0.2, 0, false},
	{"ILM", "ohmm", "Medium Induction", 0.2, 0, false},
	{"SFLU", "ohmm", "Shallow Focused", 0.2, 0, false},
	{"LLD", "ohmm", "Deep Laterolog", 0.2, 0, false},
	{"LLS", "ohmm", "Shallow Laterolog", 0.2, 0, false},
	{"MSFL", "ohmm", "Micro Spherical", 0.2, 0, false},
	{"RXO", "ohmm", "Flushed Zone Resistivity", 0.2, 0, false},
}

// geology is the latent rock column the curves respond to: one value per
// LAS sample, 0 clean sand to 1 shale, blocky beds with smooth contacts.
func geology(n int, step float64, k *Knobs, g *rng) []float64 {
	z := make([]float64, n)
	i := 0
	prev := g.f()
	for i < n {
		thick := math.Exp(g.between(math.Log(k.BedFt.Min), math.Log(k.BedFt.Max+1e-9)))
		m := int(math.Max(1, thick/step))
		v := g.f()
		if g.p(0.6) {
			v = math.Round(v)*0.8 + g.f()*0.2 // mostly sand or shale
		}
		ramp := int(math.Max(1, g.between(0.3, 2)/step))
		trend := g.norm() * 0.05
		for j := 0; j < m && i < n; j++ {
			t := math.Min(1, float64(j)/float64(ramp))
			t = t * t * (3 - 2*t)
			z[i] = prev + (v-prev)*t + trend*float64(j)/float64(m)
			i++
		}
		prev = v
	}
	return z
}

// walk returns a smooth random series of unit spread: AR(1) noise with a
// correlation length of corr samples.
func walk(n int, corr float64, g *rng) []float64 {
	out := make([]float64, n)
	a := math.Exp(-1 / math.Max(corr, 1))
	s := math.Sqrt(1 - a*a)
	v := g.norm()
	for i := range out {
		v = a*v + s*g.norm()
		out[i] = v
	}
	return out
}

// synthSignal makes one curve's unwrapped fraction per sample from the
// geology: u = lo + (hi-lo)*mix, where mix follows the geology with weight
// s, the curve's own slow walk, noise and spikes.
func synthSignal(z []float64, e catalogueEntry, lo, hi float64, k *Knobs, g *rng) []float64 {
	n := len(z)
	own := walk(n, g.between(4, 40), g)
	s := g.between(0.5, 0.95)
	if g.p(0.5) {
		s = -s
	}
	noise := k.Noise * g.between(0.5, 1.5)
	jitter := walk(n, g.between(1, 3), g)
	spikeP := k.SpikeRate / 100 * 0.5 // per sample at 0.5 ft
	u := make([]float64, n)
	for i := range u {
		zz := z[i]
		if s < 0 {
			zz = 1 - zz
		}
		var mix float64
		if e.flat {
			// Flat with washouts in the shales, as a caliper reads.
			mix = 0.15 + 0.85*math.Min(1, math.Max(0, zz-0.5)*3) + 0.05*own[i]
		} else {
			mix = math.Abs(s)*zz + (1-math.Abs(s))*(0.5+0.25*own[i])
		}
		v := lo + (hi-lo)*mix + noise*jitter[i]
		if g.p(spikeP) {
			v += (hi - lo) * g.between(-0.4, 0.4)
		}
		u[i] = v
	}
	return u
}

// displayClamp limits unwrapped fractions to what the track can show: the
// track itself plus one backup width on the wrap side. A curve without a
// backup scale pegs at the border and runs flat along it.
func displayClamp(u []float64, wrapDir int) {
	lo, hi := 0.0, 1.0
	switch wrapDir {
	case 1:
		hi = 1.995
	case -1:
		lo = -0.995
	}
	for i, v := range u {
		u[i] = math.Min(hi, math.Max(lo, v))
	}
}

// niceNumber rounds v to 1, 2 or 5 times a power of ten, away from zero
// when up is true.
func niceNumber(v float64, up bool) float64 {
	if v == 0 {
		return 0
	}
	sign := 1.0
	if v < 0 {
		sign, v, up = -1, -v, !up
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if up && m*p >= v {
			return sign * m * p
		}
	}
	if !up {
		for _, m := range []float64{10, 5, 2.5, 2, 1} {
			if m*p <= v {
				return sign * m * p
			}
		}
	}
	return sign * 10 * p
}
