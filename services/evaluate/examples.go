package main

import (
	"fmt"
	"image"
	"math"

	"github.com/welllog/digitiser/pkg/depth"
	"github.com/welllog/digitiser/pkg/las"
	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
	"github.com/welllog/digitiser/pkg/synth"
)

// Example is one held-out synthetic log run through the model-independent
// stages (preprocessing, depth calibration) once, for every model to
// share.
type Example struct {
	Tier     string
	Seed     uint64
	Manifest *manifest.Manifest
	Truth    *las.File
	Prepared *raster.Prepared
	// Mask is the class mask mapped onto Prepared.Image.
	Mask        *image.Gray
	Calibration *depth.Calibration
	// PinnedTracks is set when preprocessing could not find the tracks on
	// its own and the generator's track borders were pinned in the
	// manifest instead (a preprocessing miss, not a segmentation one).
	PinnedTracks bool
	// DepthErrPx is, when depth was calibrated rather than taken from the
	// generator, the largest distance in px between the calibrated and the
	// exact depth over the body rows (NaN with the oracle).
	DepthErrPx float64
}

// ExampleOptions say how held-out logs are made and prepared.
type ExampleOptions struct {
	// Width and Height of each log in px; zero means synth's defaults.
	Width, Height int
	// OracleDepth replaces depth calibration by the generator's exact
	// row-to-depth mapping, so label reading and tie-point handling cannot
	// blur the model comparison.
	OracleDepth bool
}

// NewExample renders the log of (tier, seed), preprocesses it, maps its
// mask onto the prepared image and calibrates depth. Errors name the
// stage that failed; when preprocessing or calibration fails, the Example
// returned with the error still holds the log's Tier, Seed and Manifest,
// so that its curves can be counted as missed.
func NewExample(tier synth.Tier, seed uint64, opt ExampleOptions) (*Example, error) {
	lg, err := synth.Generate(synth.Config{Tier: tier, Seed: seed, Width: opt.Width,
		Height: opt.Height})
	if err != nil {
		return nil, fmt.Errorf("generate %s log %d: %w", tier, seed, err)
	}
	m := lg.Manifest
	pinned := false
	failed := func(stage string, err error) (*Example, error) {
		return &Example{Tier: string(tier), Seed: seed, Manifest: m, PinnedTracks: pinned},
			fmt.Errorf("%s %s log %d: %w", stage, tier, seed, err)
	}
	prep, err := raster.Preprocess(lg.Gray(), m, raster.PreprocessOptions{})
	if err != nil {
		m = pinTracks(m, lg)
		pinned = true
		if prep, err = raster.Preprocess(lg.Gray(), m, raster.PreprocessOptions{}); err != nil {
			return failed("preprocess", err)
		}
	}
	exact := exactCalibration(lg, prep)
	cal, errPx := exact, math.NaN()
	if !opt.OracleDepth {
		if cal, err = depth.Calibrate(prep.Image, prep.Layout, prep.Transform,
			m); err != nil {
			return failed("calibrate", err)
		}
		errPx = depthErrPx(cal, exact, prep.Layout.Body)
	}
	w, h := prep.Image.Rect.Dx(), prep.Image.Rect.Dy()
	return &Example{Tier: string(tier), Seed: seed, Manifest: m, Truth: truthLAS(lg),
		Prepared: prep, Mask: WarpMask(lg.Mask, prep.Transform, w, h),
		Calibration: cal, PinnedTracks: pinned, DepthErrPx: errPx}, nil
}

// depthErrPx is the largest |cal - exact| depth over the body rows, in px
// of the exact mapping; rows cal leaves undefined are skipped.
func depthErrPx(cal, exact *depth.Calibration, body raster.Span) float64 {
	rate := math.Abs(exact.Segments[0].Rate)
	worst := 0.0
	for r := body.Top; r < body.Bottom; r++ {
		d := cal.Depth(float64(r))
		if !math.IsNaN(d) {
			worst = math.Max(worst, math.Abs(d-exact.Depth(float64(r)))/rate)
		}
	}
	return worst
}

// pinTracks returns a copy of m with every track's borders pinned to the
// generator's, in px of the page at the body's middle row.
func pinTracks(m *manifest.Manifest, lg *synth.Log) *manifest.Manifest {
	mc := *m
	mc.Tracks = append([]manifest.Track(nil), m.Tracks...)
	mid := float64(lg.Layout.Body.Top+lg.Layout.Body.Bottom) / 2
	for i := range mc.Tracks {
		if i >= len(lg.Tracks) {
			break
		}
		b := lg.Tracks[i].Band
		l, _ := lg.Geometry.Page(float64(b.Left), mid)
		r, _ := lg.Geometry.Page(float64(b.Right), mid)
		mc.Tracks[i].Left, mc.Tracks[i].Right = int(math.Round(l)), int(math.Round(r))
	}
	return &mc
}

// exactCalibration is the generator's exact row-to-depth mapping of the
// prepared image (synth.Log.DepthLine) as a one-segment calibration.
func exactCalibration(lg *synth.Log, prep *raster.Prepared) *depth.Calibration {
	d0, rate := lg.DepthLine(prep.Transform)
	return &depth.Calibration{Unit: lg.Unit, Method: "oracle", Segments: []depth.Segment{{
		RowFrom: 0, RowTo: float64(prep.Image.Rect.Dy()), Depth0: d0, Rate: rate,
		Pass: depth.PassMain}}}
}

// truthLAS builds the truth LAS from the generator's samples: depth, then
// every manifest curve, NaN as the LAS null.
func truthLAS(lg *synth.Log) *las.File {
	f := &las.File{Version: "2.0", Null: las.DefaultNull}
	f.Curves = append(f.Curves, las.Item{Mnemonic: "DEPT", Unit: lg.Unit})
	f.Data = append(f.Data, lg.SampleDepth)
	for i, tc := range lg.Truth {
		col := make([]float64, len(lg.SampleDepth))
		for j := range col {
			col[j] = f.Null
			if i < len(lg.Samples) && j < len(lg.Samples[i]) && !math.IsNaN(lg.Samples[i][j]) {
				col[j] = lg.Samples[i][j]
			}
		}
		f.Curves = append(f.Curves, las.Item{Mnemonic: tc.Mnemonic})
		f.Data = append(f.Data, col)
	}
	return f
}
