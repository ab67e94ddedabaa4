package synth

import (
	"math"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
)

// TrackGeom is where a curve track lies in px of the log frame.
type TrackGeom struct {
	// Band is the track's interior, borders excluded.
	Band raster.Band `json:"band"`
	// X0 and X1 are the centres of the left and right border lines: the
	// positions of track fraction 0 and 1.
	X0 float64 `json:"x0"`
	X1 float64 `json:"x1"`
	// Border is the border line weight in px.
	Border int `json:"border"`
	// Grid is linear or log; Decades counts log cycles.
	Grid    string `json:"grid"`
	Decades int    `json:"decades,omitempty"`
	// Divisions is the number of linear grid divisions across the track.
	Divisions int `json:"divisions,omitempty"`
}

// X converts a track fraction to a column position in px.
func (t TrackGeom) X(frac float64) float64 { return t.X0 + frac*(t.X1-t.X0) }

// Frac converts a column position in px to a track fraction.
func (t TrackGeom) Frac(x float64) float64 { return (x - t.X0) / (t.X1 - t.X0) }

// depthGrid is the depth scale of a log.
type depthGrid struct {
	unit   string
	scale  float64 // print scale, e.g. 240 for 1:240
	ppu    float64 // px per depth unit
	minor  float64 // depth between minor lines
	major  float64 // depth between major lines
	label  float64 // depth between labelled lines
	top    float64 // depth at row bodyTop
	step   float64 // LAS step
	dense  bool
	majorW int // major line weight, px
}

// plan is every layout decision of one log, drawn before any pixel.
type plan struct {
	w, h       int
	dpi        float64
	headerH    int // rows of the header block; 0 when absent
	body       raster.Span
	depthBand  raster.Band
	depthX     float64 // centre of the depth track, px
	tracks     []TrackGeom
	dg         depthGrid
	curves     []*curve
	look       look
	tiePoints  bool
	trackNames []string
}

// rowDepth returns the depth at a row of the log frame.
func (p *plan) rowDepth(row float64) float64 {
	return p.dg.top + (row-float64(p.body.Top))/p.dg.ppu
}

// depthRow returns the row of the log frame at a depth.
func (p *plan) depthRow(d float64) float64 {
	return float64(p.body.Top) + (d-p.dg.top)*p.dg.ppu
}

func newPlan(cfg Config, g *rng) *plan {
	k := cfg.Knobs
	p := &plan{w: cfg.Width, h: cfg.Height, dpi: math.Round(g.in(k.DPI))}
	p.dg = planDepth(k, p.dpi, g)
	if g.p(k.HeaderProb) {
		p.headerH = int(math.Min(float64(p.h)/4, g.between(1.6, 3.2)*p.dpi))
	}
	p.body = raster.Span{Top: p.headerH, Bottom: p.h}
	p.planTracks(k, g)
	p.tiePoints = g.p(k.TiePointsProb)
	return p
}

func planDepth(k *Knobs, dpi float64, g *rng) depthGrid {
	dg := depthGrid{unit: "ft", scale: 240, step: 0.5}
	if g.p(k.MetricProb) {
		dg.unit, dg.step = "m", 0.1
		dg.scale = []float64{200, 200, 500}[g.n(3)]
		dg.ppu = dpi / 0.0254 / dg.scale
		dg.minor, dg.major, dg.label = 1, 5, 10
		if dg.scale == 500 {
			dg.minor, dg.major, dg.label = 2, 10, 50
		}
	} else {
		if len(k.Scales) > 0 {
			dg.scale = k.Scales[g.n(len(k.Scales))]
		}
		dg.ppu = dpi * 12 / dg.scale
		dg.minor, dg.major, dg.label = 2, 10, 50
		if dg.ppu < 6 {
			dg.minor, dg.major, dg.label = 10, 50, 100
		}
	}
	if g.p(k.DenseGridProb) {
		dg.minor /= 2
		dg.dense = true
	}
	dg.majorW = g.count(k.MajorPx)
	// Start a little above a labelled line so the first label is in view.
	dg.top = float64(10+g.n(300))*dg.label - g.between(0.1, 0.9)*dg.label
	return dg
}

// planTracks lays out the curve tracks and the depth track across the
// strip: track 1, the depth track, then tracks 2 and 3 (API layout).
func (p *plan) planTracks(k *Knobs, g *rng) {
	n := g.count(k.Tracks)
	margin := float64(g.n(int(p.dpi/8) + 1))
	avail := float64(p.w) - 2*margin
	depthW := avail * g.between(0.08, 0.12)
	weights := make([]float64, n)
	sum := 0.0
	for i := range weights {
		weights[i] = g.between(1, 2)
		sum += weights[i]
	}
	border := g.count(k.BorderPx)
	x := margin
	for i := 0; i < n; i++ {
		w := (avail - depthW) * weights[i] / sum
		bl := int(math.Round(x))
		br := int(math.Round(x+w)) - border
		if i == n-1 {
			br = int(margin+avail) - border
		}
		tg := TrackGeom{
			Band:   raster.Band{Left: bl + border, Right: br},
			X0:     float64(bl) + float64(border-1)/2,
			X1:     float64(br) + float64(border-1)/2,
			Border: border, Grid: manifest.ScaleLinear,
		}
		if i > 0 && g.p(k.LogGridProb) {
			tg.Grid, tg.Decades = manifest.ScaleLog, g.count(k.Decades)
		} else {
			tg.Divisions = 10 * int(math.Max(1, math.Round((tg.X1-tg.X0)/(p.dpi*2.5))))
		}
		p.tracks = append(p.tracks, tg)
		x += w
		if i == 0 {
			p.depthBand = raster.Band{Left: br + border, Right: int(math.Round(x + depthW))}
			p.depthX = float64(p.depthBand.Left+p.depthBand.Right) / 2
			x += depthW
		}
	}
	if n == 1 {
		// The depth track sits right of a single track; it took the
		// width the missing tracks leave.
		p.tracks[0].Band.Right = int(margin+avail-depthW) - border
		p.tracks[0].X1 = float64(p.tracks[0].Band.Right) + float64(border-1)/2
		p.tracks[0].Divisions = 10 * int(math.Max(1,
			math.Round((p.tracks[0].X1-p.tracks[0].X0)/(p.dpi*2.5))))
		p.depthBand = raster.Band{Left: p.tracks[0].Band.Right + border,
			Right: int(margin + avail)}
		p.depthX = float64(p.depthBand.Left+p.depthBand.Right) / 2
	}
}

// layout returns the layout of the log frame in the raster package's terms.
func (p *plan) layout() raster.Layout {
	l := raster.Layout{Width: p.w, Height: p.h, Body: p.body, DepthTrack: p.depthBand}
	if p.headerH > 0 {
		l.Header = raster.Span{Top: 0, Bottom: p.headerH}
	}
	for _, t := range p.tracks {
		l.Tracks = append(l.Tracks, t.Band)
	}
	return l
}
