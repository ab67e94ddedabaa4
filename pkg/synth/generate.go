package synth

import (
	"fmt"
	"image"
	"math"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
)

// CurveTruth is the exact truth of one curve. Slices are indexed by row of
// the log frame (the upright, unstretched render; equal to the page when
// Geometry is the identity); NaN where the curve is absent (header).
type CurveTruth struct {
	Mnemonic string  `json:"mnemonic"`
	Class    int     `json:"class"`
	Track    int     `json:"track"`
	Style    string  `json:"style"`
	Width    float64 `json:"width_px"`
	// X is the curve's centre column in px of the log frame, on the scale
	// in use (the backup scale where wrapped).
	X []float64 `json:"x"`
	// Value is the curve value on its scale (backup scale where wrapped).
	Value []float64 `json:"value"`
	// Frac is the unwrapped track fraction: above 1 or below 0 on the
	// backup scale.
	Frac []float64 `json:"frac"`
	// Wrap is 0 on the main scale, +1 where the curve left the right
	// border and re-entered from the left, -1 for the reverse.
	Wrap []int8 `json:"wrap"`
	// PageX and PageY are (X, row) mapped through Geometry: the point in
	// px of the page (the strip, for a multi-page archive).
	PageX []float64 `json:"page_x"`
	PageY []float64 `json:"page_y"`
}

// Log is one rendered log with its truth.
type Log struct {
	Config Config `json:"-"`
	// Image is the scanned page in gray (0/255 for the bilevel look).
	Image *image.Gray `json:"-"`
	// Color is the colour scan for the colour look, nil otherwise.
	Color *image.RGBA `json:"-"`
	// Mask holds the class of every page pixel: 0 background, 1 curve
	// drawn solid, 2 curve drawn dashed, dotted or dash-dot. It is aligned
	// with Image.
	Mask *image.Gray `json:"-"`
	// Manifest is what the pipeline reads for this log.
	Manifest *manifest.Manifest `json:"manifest"`
	// Truth holds one entry per manifest curve, in manifest order.
	Truth []CurveTruth `json:"curves"`
	// Depth is the depth of every row of the log frame in Unit; NaN in the
	// header.
	Depth []float64 `json:"depth"`
	Unit  string    `json:"unit"`
	// Layout is the layout of the log frame; Tracks says where each
	// track's fractions 0 and 1 lie.
	Layout raster.Layout `json:"layout"`
	Tracks []TrackGeom   `json:"tracks"`
	// Geometry maps the log frame to the page (skew and stretch).
	Geometry Geometry `json:"geometry"`
	// Look is bilevel, gray or color; DPI the scan resolution.
	Look string  `json:"look"`
	DPI  float64 `json:"dpi"`
	// PxPerUnit is rows of the log frame per depth unit.
	PxPerUnit float64 `json:"px_per_unit"`
	// SampleDepth are the truth LAS depths, Samples[i] the values of curve
	// i there.
	SampleDepth []float64   `json:"-"`
	Samples     [][]float64 `json:"-"`
}

// Gray returns the page in gray, whatever the look.
func (l *Log) Gray() *image.Gray { return l.Image }

// Generate renders one log from cfg. It fails only on an invalid config
// (wrapping ErrConfig). The same cfg always renders the same log.
func Generate(cfg Config) (*Log, error) {
	cfg, err := cfg.resolved()
	if err != nil {
		return nil, err
	}
	k := cfg.Knobs
	g := newRNG(cfg.Seed, 1)
	p := newPlan(cfg, g)
	p.planCurves(k, g)
	if len(p.curves) > maxCurves {
		return nil, fmt.Errorf("%w: %d curves: at most %d", ErrConfig, len(p.curves), maxCurves)
	}
	p.look = newLook(cfg, p, g)

	labels := p.render(k, g)
	labels = p.look.geom.warp(labels)
	img, col := p.look.composite(labels, p.curves)
	mask := p.mask(labels)
	p.look.hideInvisible(mask, img)

	lg := &Log{Config: cfg, Image: img, Color: col, Mask: mask,
		Unit: p.dg.unit, Layout: p.layout(), Tracks: p.tracks, Geometry: p.look.geom,
		Look: p.look.mode, DPI: p.dpi, PxPerUnit: p.dg.ppu}
	lg.Manifest = p.manifest(g)
	p.truth(lg)
	return lg, nil
}

// mask turns labels into classes.
func (p *plan) mask(labels *canvas) *image.Gray {
	var lut [256]uint8
	for i, cv := range p.curves {
		lut[inkCurve+i] = uint8(cv.mc.Class())
	}
	m := image.NewGray(image.Rect(0, 0, labels.w, labels.h))
	for i, v := range labels.pix {
		m.Pix[i] = lut[v]
	}
	return m
}

// truth fills the per-row truth and the LAS samples.
func (p *plan) truth(lg *Log) {
	lg.Depth = make([]float64, p.h)
	for r := range lg.Depth {
		lg.Depth[r] = math.NaN()
		if r >= p.body.Top {
			lg.Depth[r] = p.rowDepth(float64(r))
		}
	}
	for _, cv := range p.curves {
		t := p.tracks[cv.track]
		ct := CurveTruth{Mnemonic: cv.mc.Mnemonic, Class: cv.mc.Class(), Track: cv.track,
			Style: cv.mc.Style, Width: cv.width,
			X: make([]float64, p.h), Value: make([]float64, p.h),
			Frac: make([]float64, p.h), Wrap: make([]int8, p.h),
			PageX: make([]float64, p.h), PageY: make([]float64, p.h)}
		for r, u := range cv.u {
			if math.IsNaN(u) {
				ct.X[r], ct.Value[r], ct.Frac[r] = math.NaN(), math.NaN(), math.NaN()
				ct.PageX[r], ct.PageY[r] = math.NaN(), math.NaN()
				continue
			}
			x, _ := displayX(t, u)
			ct.X[r], ct.Frac[r], ct.Wrap[r] = x, u, int8(side(u))
			ct.Value[r] = cv.mc.Value(u)
			ct.PageX[r], ct.PageY[r] = p.look.geom.Page(x, float64(r))
		}
		lg.Truth = append(lg.Truth, ct)
	}
	top, bot := p.rowDepth(float64(p.body.Top)), p.rowDepth(float64(p.h-1))
	if len(p.curves) == 0 {
		return
	}
	sd := p.curves[0].sampleD
	for _, d := range sd {
		if d >= top && d <= bot {
			lg.SampleDepth = append(lg.SampleDepth, d)
		}
	}
	lg.Samples = make([][]float64, len(p.curves))
	for ci, cv := range p.curves {
		for i, d := range sd {
			if d >= top && d <= bot {
				lg.Samples[ci] = append(lg.Samples[ci], cv.mc.Value(cv.samples[i]))
			}
		}
	}
}
