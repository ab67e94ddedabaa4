package synth

import (
	"bytes"
	"math"
	"testing"

	"github.com/welllog/digitiser/pkg/manifest"
)

// TestKnobs turns each knob to its extremes and checks the render shows
// it. Every field of Knobs appears here.
func TestKnobs(t *testing.T) {
	type check func(lg *Log) bool
	gen := func(mut func(k *Knobs)) *Log {
		k := HardKnobs()
		k.LASDir = ""
		mut(&k)
		lg, err := Generate(Config{Tier: TierHard, Seed: 9, Width: 900, Height: 1600, Knobs: &k})
		if err != nil {
			t.Fatal(err)
		}
		return lg
	}
	anyCurve := func(f func(ct CurveTruth, mc manifest.TrackCurve) bool) check {
		return func(lg *Log) bool {
			for i, tc := range lg.Manifest.Curves() {
				if f(lg.Truth[i], tc) {
					return true
				}
			}
			return false
		}
	}
	wraps := anyCurve(func(ct CurveTruth, _ manifest.TrackCurve) bool {
		for _, w := range ct.Wrap {
			if w != 0 {
				return true
			}
		}
		return false
	})
	cases := []struct {
		name    string
		on, off func(k *Knobs)
		shows   check
	}{
		{"header_prob", func(k *Knobs) { k.HeaderProb = 1 }, func(k *Knobs) { k.HeaderProb = 0 },
			func(lg *Log) bool { return lg.Layout.Header.Len() > 0 }},
		{"tracks",
			func(k *Knobs) { k.Tracks = Range{3, 3} },
			func(k *Knobs) { k.Tracks = Range{1, 1} },
			func(lg *Log) bool { return len(lg.Tracks) == 3 }},
		{"curves_per_track", func(k *Knobs) { k.CurvesPerTrack = Range{3, 3} },
			func(k *Knobs) { k.CurvesPerTrack = Range{1, 1} },
			func(lg *Log) bool { return len(lg.Truth) == 3*len(lg.Tracks) }},
		{"dpi",
			func(k *Knobs) { k.DPI = Range{300, 300} },
			func(k *Knobs) { k.DPI = Range{200, 200} },
			func(lg *Log) bool { return lg.DPI == 300 }},
		{"scales", func(k *Knobs) { k.Scales = []float64{600}; k.MetricProb = 0 },
			func(k *Knobs) { k.Scales = []float64{240}; k.MetricProb = 0 },
			func(lg *Log) bool { return lg.Manifest.Depth.Scale == 600 }},
		{"metric_prob", func(k *Knobs) { k.MetricProb = 1 }, func(k *Knobs) { k.MetricProb = 0 },
			func(lg *Log) bool { return lg.Unit == "m" }},
		{"log_grid_prob", func(k *Knobs) { k.LogGridProb = 1; k.Tracks = Range{2, 2} },
			func(k *Knobs) { k.LogGridProb = 0; k.Tracks = Range{2, 2} },
			func(lg *Log) bool { return lg.Tracks[1].Grid == manifest.ScaleLog }},
		{"decades",
			func(k *Knobs) { k.LogGridProb = 1; k.Decades = Range{4, 4}; k.Tracks = Range{2, 2} },
			func(k *Knobs) { k.LogGridProb = 1; k.Decades = Range{2, 2}; k.Tracks = Range{2, 2} },
			func(lg *Log) bool { return lg.Tracks[1].Decades == 4 }},
		{"dense_grid_prob",
			func(k *Knobs) { k.DenseGridProb = 1 },
			func(k *Knobs) { k.DenseGridProb = 0 },
			darkerGrid},
		{"border_px",
			func(k *Knobs) { k.BorderPx = Range{4, 4} },
			func(k *Knobs) { k.BorderPx = Range{1, 1} },
			func(lg *Log) bool { return lg.Tracks[0].Border == 4 }},
		{"major_px",
			func(k *Knobs) { k.MajorPx = Range{3, 3} },
			func(k *Knobs) { k.MajorPx = Range{1, 1} },
			darkerGrid},
		{"dashed_prob", func(k *Knobs) { k.DashedProb = 1 }, func(k *Knobs) { k.DashedProb = 0 },
			anyCurve(func(ct CurveTruth, _ manifest.TrackCurve) bool { return ct.Class == 2 })},
		{"width_px",
			func(k *Knobs) { k.WidthPx = Range{3, 3} },
			func(k *Knobs) { k.WidthPx = Range{1, 1} },
			anyCurve(func(ct CurveTruth, _ manifest.TrackCurve) bool { return ct.Width == 3 })},
		// Wraps and edge runs shift a curve's range past a border: they
		// are off on both sides.
		{"cross_prob", func(k *Knobs) { calm(k); k.CrossProb = 1 },
			func(k *Knobs) { calm(k); k.CrossProb = 0 }, crosses},
		{"edge_run_prob", func(k *Knobs) { k.EdgeRunProb = 1; k.WrapProb = 0 },
			func(k *Knobs) { k.EdgeRunProb = 0; k.WrapProb = 0 },
			anyCurve(func(ct CurveTruth, _ manifest.TrackCurve) bool { return pegged(ct) > 20 })},
		{"wrap_prob", func(k *Knobs) { k.WrapProb = 1 }, func(k *Knobs) { k.WrapProb = 0 }, wraps},
		{"hatch_prob", func(k *Knobs) { k.WrapProb = 1; k.HatchProb = 1 },
			func(k *Knobs) { k.WrapProb = 1; k.HatchProb = 0 }, inkDiffers},
		{"reverse_prob",
			func(k *Knobs) { k.ReverseProb = 1 },
			func(k *Knobs) { k.ReverseProb = 0 },
			reversedDiffers},
		{"fade_prob", func(k *Knobs) { k.FadeProb = 1; k.BilevelProb = 0; k.ColorProb = 0 },
			func(k *Knobs) { k.FadeProb = 0; k.BilevelProb = 0; k.ColorProb = 0 }, inkDiffers},
		{"break_rate", func(k *Knobs) { k.BreakRate = 20 }, func(k *Knobs) { k.BreakRate = 0 },
			fewerCurvePixels},
		{"labels",
			func(k *Knobs) { k.Labels = Range{5, 5} },
			func(k *Knobs) { k.Labels = Range{0, 0} },
			inkDiffers},
		{"stamps",
			func(k *Knobs) { k.Stamps = Range{3, 3} },
			func(k *Knobs) { k.Stamps = Range{0, 0} },
			inkDiffers},
		{"tick_prob",
			func(k *Knobs) { k.TickProb = 1 },
			func(k *Knobs) { k.TickProb = 0 }, inkDiffers},
		{"bed_ft",
			func(k *Knobs) { k.BedFt = Range{20, 20} },
			func(k *Knobs) { k.BedFt = Range{1, 1} },
			inkDiffers},
		{"noise", func(k *Knobs) { k.Noise = 0.05 }, func(k *Knobs) { k.Noise = 0 }, inkDiffers},
		{"spike_rate",
			func(k *Knobs) { k.SpikeRate = 30 },
			func(k *Knobs) { k.SpikeRate = 0 }, inkDiffers},
		{"bilevel_prob",
			func(k *Knobs) { k.BilevelProb = 1 },
			func(k *Knobs) { k.BilevelProb = 0 },
			func(lg *Log) bool { return bilevel(lg.Image) }},
		{"color_prob", func(k *Knobs) { k.BilevelProb = 0; k.ColorProb = 1 },
			func(k *Knobs) { k.BilevelProb = 0; k.ColorProb = 0 },
			func(lg *Log) bool { return lg.Color != nil }},
		{"tint",
			func(k *Knobs) { k.Tint = Range{80, 80} },
			func(k *Knobs) { k.Tint = Range{0, 0} },
			inkDiffers},
		{"stains", func(k *Knobs) { k.Stains = Range{6, 6}; k.BilevelProb = 0 },
			func(k *Knobs) { k.Stains = Range{0, 0}; k.BilevelProb = 0 }, inkDiffers},
		{"folds", func(k *Knobs) { k.Folds = Range{3, 3}; k.BilevelProb = 0 },
			func(k *Knobs) { k.Folds = Range{0, 0}; k.BilevelProb = 0 }, inkDiffers},
		{"skew_deg", func(k *Knobs) { k.SkewDeg = 3 }, func(k *Knobs) { k.SkewDeg = 0 },
			func(lg *Log) bool { return lg.Geometry.SkewDeg != 0 }},
		{"stretch", func(k *Knobs) { k.Stretch = 0.02 }, func(k *Knobs) { k.Stretch = 0 },
			func(lg *Log) bool { return lg.Geometry.Stretch != 1 }},
		{"blur", func(k *Knobs) { k.Blur = Range{2, 2}; k.BilevelProb = 0 },
			func(k *Knobs) { k.Blur = Range{0, 0}; k.BilevelProb = 0 }, inkDiffers},
		{"speckle", func(k *Knobs) { k.Speckle = Range{0.05, 0.05}; k.BilevelProb = 1 },
			func(k *Knobs) { k.Speckle = Range{0, 0}; k.BilevelProb = 1 }, inkDiffers},
		{"dropout", func(k *Knobs) { k.Dropout = Range{0.3, 0.3}; k.BilevelProb = 1 },
			func(k *Knobs) { k.Dropout = Range{0, 0}; k.BilevelProb = 1 }, inkDiffers},
		{"ink_noise", func(k *Knobs) { k.InkNoise = 40; k.BilevelProb = 0 },
			func(k *Knobs) { k.InkNoise = 0; k.BilevelProb = 0 }, inkDiffers},
		{"jpeg_prob",
			func(k *Knobs) { k.JPEGProb = 1; k.BilevelProb = 0; k.JPEGQuality = Range{20, 20} },
			func(k *Knobs) { k.JPEGProb = 0; k.BilevelProb = 0 }, inkDiffers},
		{"jpeg_quality",
			func(k *Knobs) { k.JPEGProb = 1; k.BilevelProb = 0; k.JPEGQuality = Range{10, 10} },
			func(k *Knobs) { k.JPEGProb = 1; k.BilevelProb = 0; k.JPEGQuality = Range{95, 95} },
			inkDiffers},
		{"tie_points_prob",
			func(k *Knobs) { k.TiePointsProb = 1 },
			func(k *Knobs) { k.TiePointsProb = 0 },
			func(lg *Log) bool { return len(lg.Manifest.Depth.TiePoints) >= 2 }},
		{"real_las_prob",
			func(k *Knobs) { k.RealLASProb = 1 },
			func(k *Knobs) { k.RealLASProb = 0 },
			nil}, // covered by TestRealLAS (needs ../shared/realdata)
		{"las_dir", nil, nil, nil}, // covered by TestRealLAS
	}
	for _, c := range cases {
		if c.shows == nil {
			continue
		}
		on, off := gen(c.on), gen(c.off)
		prevOn, prevOff = on, off
		if !c.shows(on) {
			t.Errorf("%s on: the render does not show it", c.name)
		}
		if c.shows(off) {
			t.Errorf("%s off: the render still shows it", c.name)
		}
	}
}

// The comparison checks look at the pair of renders of the case in hand.
var prevOn, prevOff *Log

// inkDiffers is true for the "on" render when it differs from "off".
func inkDiffers(lg *Log) bool {
	return lg == prevOn && !bytes.Equal(prevOn.Image.Pix, prevOff.Image.Pix)
}

func darkerGrid(lg *Log) bool {
	return lg == prevOn && inkSum(prevOn) > inkSum(prevOff)
}

func fewerCurvePixels(lg *Log) bool {
	return lg == prevOn && curvePixels(prevOn) < curvePixels(prevOff)*98/100
}

func inkSum(lg *Log) int {
	n := 0
	for _, v := range lg.Image.Pix {
		if v < 128 {
			n++
		}
	}
	return n
}

func curvePixels(lg *Log) int {
	n := 0
	for _, v := range lg.Mask.Pix {
		if v != 0 {
			n++
		}
	}
	return n
}

// pegged counts rows where a curve runs exactly on a track edge.
func pegged(ct CurveTruth) int {
	n := 0
	for _, f := range ct.Frac {
		if f == 0 || f == 1 {
			n++
		}
	}
	return n
}

// calm sets two curves per track, neither wrapping nor running along an
// edge.
func calm(k *Knobs) {
	k.CurvesPerTrack = Range{2, 2}
	k.WrapProb, k.EdgeRunProb = 0, 0
}

// crosses is true when two curves of one track share their range, so that
// they cross: the spans between their 10 % and 90 % quantiles overlap over
// 60 % of their union or more. (Curves of separate ranges cross too, where
// their neighbouring ranges overlap, so crossing alone shows nothing.)
func crosses(lg *Log) bool {
	for i, a := range lg.Truth {
		for _, b := range lg.Truth[i+1:] {
			if a.Track != b.Track {
				continue
			}
			a0, a1 := quantiles(finite(a.Frac), 0.1, 0.9)
			b0, b1 := quantiles(finite(b.Frac), 0.1, 0.9)
			overlap := min(a1, b1) - max(a0, b0)
			if overlap >= 0.6*(max(a1, b1)-min(a0, b0)) {
				return true
			}
		}
	}
	return false
}

// finite returns the values of v that are not NaN.
func finite(v []float64) []float64 {
	var out []float64
	for _, x := range v {
		if !math.IsNaN(x) {
			out = append(out, x)
		}
	}
	return out
}

func reversedDiffers(lg *Log) bool {
	if lg != prevOn {
		return false
	}
	a, b := prevOn.Manifest.Curves(), prevOff.Manifest.Curves()
	for i := range a {
		if i < len(b) && (a[i].Left > a[i].Right) != (b[i].Left > b[i].Right) {
			return true
		}
	}
	return false
}

// TestTrackStylesDistinct checks that no two curves of one track share a
// line style, even when every curve draws solid or every curve dashed.
func TestTrackStylesDistinct(t *testing.T) {
	for _, dashed := range []float64{0, 1} {
		k := HardKnobs()
		k.LASDir = ""
		k.CurvesPerTrack, k.DashedProb = Range{3, 3}, dashed
		for seed := uint64(1); seed <= 4; seed++ {
			lg, err := Generate(Config{Tier: TierHard, Seed: seed, Width: 900, Height: 800,
				Knobs: &k})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[[2]any]bool{}
			for _, ct := range lg.Truth {
				key := [2]any{ct.Track, ct.Style}
				if seen[key] {
					t.Errorf("dashed_prob %v seed %d: track %d has two %s curves", dashed,
						seed, ct.Track+1, ct.Style)
				}
				seen[key] = true
			}
		}
	}
}
