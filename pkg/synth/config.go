// Package synth renders synthetic raster well logs with exact truth: the
// page image, a per-pixel class mask aligned with it (0 background, 1 curve
// drawn solid, 2 curve drawn dashed, dotted or dash-dot), per-row curve
// positions and values, a truth LAS and the manifest the pipeline reads.
// It feeds segmentation training (tiles), the accuracy benchmark and the
// project's test fixtures.
//
// Output is a pure function of [Config] and [Version]: the same seed gives
// the same bytes. Coordinates are px with integer values at pixel centres:
// column c and row r name the centre of pixel (c, r).
package synth

import (
	"errors"
	"fmt"
)

// Version is the generator version. It changes whenever the same Config
// would render different pixels; stats.json and truth files record it.
const Version = "synth/1.2.1"

// Tier selects a preset of [Knobs].
type Tier string

// Tiers. Easy holds clean logs: upright 200 dpi, solid and dashed curves,
// linear grids, mild paper. Hard holds what breaks digitisers: faint and
// dashed curves, crossings, wraps, dense and log grids, bilevel noise,
// skew, stretch, stains and folds.
const (
	TierEasy  Tier = "easy"
	TierHard  Tier = "hard"
	TierMixed Tier = "mixed" // tiles only: each log draws easy or hard
)

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("synth: invalid config")

// Config says what to render. The zero value of every field but Tier and
// Seed means its default.
type Config struct {
	// Tier is easy or hard; it chooses the default Knobs. Default easy.
	Tier Tier
	// Seed makes the log: the same Seed, Config and Version render the
	// same bytes.
	Seed uint64
	// Width is the strip width in px. Default 1700 (a 8.5 in page at
	// 200 dpi).
	Width int
	// Height is the strip height in px, header included. Default 6000.
	Height int
	// Knobs tune every realism feature; nil means the Tier's preset
	// ([EasyKnobs] or [HardKnobs]).
	Knobs *Knobs
}

// Range is a closed interval [Min, Max] a value is drawn from uniformly.
type Range struct {
	Min float64 `json:"min"`
	Max float64 `json:"max"`
}

// Knobs are the realism controls. Probabilities are 0..1 and decide per
// log, track or curve; Ranges are drawn uniformly.
type Knobs struct {
	// Layout.
	HeaderProb     float64   `json:"header_prob"`      // a header block with legend
	Tracks         Range     `json:"tracks"`           // curve tracks, 1..3
	CurvesPerTrack Range     `json:"curves_per_track"` // curves per track, 1..3
	DPI            Range     `json:"dpi"`              // scan resolution, px per inch
	Scales         []float64 `json:"scales"`           // depth print scales in ft, e.g. 240 for 1:240
	MetricProb     float64   `json:"metric_prob"`      // depth in m instead of ft
	LogGridProb    float64   `json:"log_grid_prob"`    // a track after the first has a log grid
	Decades        Range     `json:"decades"`          // log grid cycles, 2..4
	DenseGridProb  float64   `json:"dense_grid_prob"`  // minor depth lines every 1 ft / 0.5 m
	BorderPx       Range     `json:"border_px"`        // track border weight, px
	MajorPx        Range     `json:"major_px"`         // major grid line weight, px

	// Curves.
	DashedProb  float64 `json:"dashed_prob"`   // a curve is class 2 (dashed, dotted, dash-dot)
	WidthPx     Range   `json:"width_px"`      // curve line width, px
	CrossProb   float64 `json:"cross_prob"`    // a curve shares its neighbour's range so they cross
	EdgeRunProb float64 `json:"edge_run_prob"` // a curve runs flat along a track edge
	WrapProb    float64 `json:"wrap_prob"`     // a curve has a backup scale and wraps
	HatchProb   float64 `json:"hatch_prob"`    // a wrapped part is hatched
	ReverseProb float64 `json:"reverse_prob"`  // a curve's scale is reversed
	RealLASProb float64 `json:"real_las_prob"` // values come from a real LAS file
	LASDir      string  `json:"las_dir"`       // where real LAS files are; "" disables
	FadeProb    float64 `json:"fade_prob"`     // a curve has faded stretches
	BreakRate   float64 `json:"break_rate"`    // ink breaks per 1000 px of curve
	Labels      Range   `json:"labels"`        // text labels over tracks per 1000 rows
	Stamps      Range   `json:"stamps"`        // rubber stamps per log
	TickProb    float64 `json:"tick_prob"`     // depth-track ticks reaching into tracks

	// Signals.
	BedFt     Range   `json:"bed_ft"`     // bed thickness, ft
	Noise     float64 `json:"noise"`      // noise, fraction of the track width
	SpikeRate float64 `json:"spike_rate"` // spikes per 100 ft

	// Page and scan.
	BilevelProb float64 `json:"bilevel_prob"` // 200-dpi 1-bit archive look
	ColorProb   float64 `json:"color_prob"`   // colour scan (else grayscale)
	Tint        Range   `json:"tint"`         // paper darkening, 0..255
	Stains      Range   `json:"stains"`       // stains per log
	Folds       Range   `json:"folds"`        // folds across the strip per log
	SkewDeg     float64 `json:"skew_deg"`     // |skew| up to this, degrees
	Stretch     float64 `json:"stretch"`      // |vertical stretch - 1| up to this
	Blur        Range   `json:"blur"`         // blur radius, px (0: none)
	Speckle     Range   `json:"speckle"`      // salt and pepper, fraction of pixels
	Dropout     Range   `json:"dropout"`      // bilevel ink pixels lost, fraction
	InkNoise    float64 `json:"ink_noise"`    // gray noise amplitude, 0..255
	JPEGProb    float64 `json:"jpeg_prob"`    // JPEG round trip for gray/colour
	JPEGQuality Range   `json:"jpeg_quality"` // JPEG quality, 1..100

	// Manifest.
	TiePointsProb float64 `json:"tie_points_prob"` // the manifest gives tie points
}

// EasyKnobs returns the easy tier: clean upright 200 dpi logs.
func EasyKnobs() Knobs {
	return Knobs{
		HeaderProb: 0.5, Tracks: Range{1, 3}, CurvesPerTrack: Range{1, 2},
		DPI: Range{200, 200}, Scales: []float64{240}, LogGridProb: 0.2, Decades: Range{2, 4},
		BorderPx: Range{2, 3}, MajorPx: Range{2, 3},
		DashedProb: 0.4, WidthPx: Range{2, 3}, CrossProb: 0.3, ReverseProb: 0.2,
		WrapProb: 0.15, HatchProb: 0.5, RealLASProb: 0.3, LASDir: DefaultLASDir,
		Labels: Range{0, 0.3}, TickProb: 0.5,
		BedFt: Range{4, 40}, Noise: 0.005, SpikeRate: 0.5,
		BilevelProb: 0.5, ColorProb: 0.1, Tint: Range{0, 15}, Blur: Range{0, 0.6},
		InkNoise: 4, JPEGQuality: Range{85, 95}, TiePointsProb: 1,
	}
}

// HardKnobs returns the hard tier: everything that breaks digitisers.
func HardKnobs() Knobs {
	return Knobs{
		HeaderProb: 0.7, Tracks: Range{1, 3}, CurvesPerTrack: Range{1, 3},
		DPI: Range{160, 240}, Scales: []float64{240, 240, 200, 600}, MetricProb: 0.2,
		LogGridProb: 0.4, Decades: Range{2, 4},
		DenseGridProb: 0.4, BorderPx: Range{1, 4}, MajorPx: Range{1, 3},
		DashedProb: 0.5, WidthPx: Range{1, 3}, CrossProb: 0.7, EdgeRunProb: 0.3,
		WrapProb: 0.4, HatchProb: 0.6, ReverseProb: 0.3, RealLASProb: 0.4,
		LASDir: DefaultLASDir, FadeProb: 0.4, BreakRate: 1.5,
		Labels: Range{0.2, 1}, Stamps: Range{0, 2}, TickProb: 0.8,
		BedFt: Range{1, 30}, Noise: 0.01, SpikeRate: 2,
		BilevelProb: 0.6, ColorProb: 0.15, Tint: Range{5, 50}, Stains: Range{0, 4},
		Folds: Range{0, 2}, SkewDeg: 3, Stretch: 0.01, Blur: Range{0, 1.2},
		Speckle: Range{0, 0.004}, Dropout: Range{0, 0.08}, InkNoise: 12, JPEGProb: 0.5,
		JPEGQuality: Range{40, 90}, TiePointsProb: 0.5,
	}
}

// DefaultLASDir is where real LAS files are read from, relative to the
// repository root. Missing files fall back to generated signals.
const DefaultLASDir = "../shared/realdata/las"

// resolved returns the config with defaults applied and validated.
func (c Config) resolved() (Config, error) {
	if c.Tier == "" {
		c.Tier = TierEasy
	}
	if c.Width == 0 {
		c.Width = 1700
	}
	if c.Height == 0 {
		c.Height = 6000
	}
	if c.Knobs == nil {
		var k Knobs
		switch c.Tier {
		case TierEasy:
			k = EasyKnobs()
		case TierHard:
			k = HardKnobs()
		default:
			return c, fmt.Errorf("%w: tier %q: use easy or hard", ErrConfig, c.Tier)
		}
		c.Knobs = &k
	}
	return c, c.validate()
}

func (c Config) validate() error {
	bad := func(f string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(f, a...))
	}
	if c.Tier != TierEasy && c.Tier != TierHard {
		return bad("tier %q: use easy or hard", c.Tier)
	}
	if c.Width < 400 || c.Width > 20000 {
		return bad("width %d px: use 400..20000", c.Width)
	}
	if c.Height < 600 || c.Height > 400000 {
		return bad("height %d px: use 600..400000", c.Height)
	}
	k := c.Knobs
	checks := []struct {
		name     string
		r        Range
		min, max float64
	}{
		{"tracks", k.Tracks, 1, 3}, {"curves_per_track", k.CurvesPerTrack, 1, 3},
		{"dpi", k.DPI, 50, 600}, {"decades", k.Decades, 1, 6},
		{"border_px", k.BorderPx, 1, 8}, {"major_px", k.MajorPx, 1, 8},
		{"width_px", k.WidthPx, 1, 6}, {"bed_ft", k.BedFt, 0.5, 500},
		{"jpeg_quality", k.JPEGQuality, 1, 100}, {"blur", k.Blur, 0, 5},
		{"speckle", k.Speckle, 0, 0.2}, {"dropout", k.Dropout, 0, 0.5}, {"tint", k.Tint, 0, 200},
	}
	for _, ck := range checks {
		if ck.r.Min > ck.r.Max || ck.r.Min < ck.min || ck.r.Max > ck.max {
			return bad("%s [%v, %v]: use min <= max within [%v, %v]",
				ck.name, ck.r.Min, ck.r.Max, ck.min, ck.max)
		}
	}
	if k.SkewDeg < 0 || k.SkewDeg > 10 {
		return bad("skew_deg %v: use 0..10", k.SkewDeg)
	}
	if k.Stretch < 0 || k.Stretch > 0.1 {
		return bad("stretch %v: use 0..0.1", k.Stretch)
	}
	return nil
}
