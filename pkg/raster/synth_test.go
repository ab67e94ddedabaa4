package raster_test

import (
	"errors"
	"fmt"
	"github.com/welllog/digitiser/pkg/realdata"
	"math"
	"os"
	"testing"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
	"github.com/welllog/digitiser/pkg/synth"
	"github.com/welllog/digitiser/pkg/vector"
)

// synthCase is a generated log that once defeated track finding.
type synthCase struct {
	tier   synth.Tier
	seed   uint64
	height int
	why    string
}

// trackCases are the logs of issue 5's findings: easy logs whose three
// tracks were found as two, and hard logs whose tracks were misplaced so
// that curves scored R^2 down to -30 on a perfect segmentation.
var trackCases = []synthCase{
	{synth.TierEasy, 100, 2400, "log track 2, shared 2 px border, grid as heavy"},
	{synth.TierEasy, 101, 2400, "two tracks, 3 px borders and 3 px grid"},
	{synth.TierEasy, 102, 2400, "three linear tracks, shared border"},
	{synth.TierEasy, 103, 2400, "two log tracks side by side"},
	{synth.TierEasy, 108, 2400, "three tracks, 3 px borders"},
	{synth.TierEasy, 11, 2400, "three tracks, 2 px borders"},
	{synth.TierHard, 900004, 3000, "right border cut by the page edge under -1.9 deg"},
	{synth.TierHard, 900005, 3000, "left border cut by the page edge under 3 deg, 1 px"},
	{synth.TierHard, 900008, 3000, "a 3 px grid line heavier than the 2 px borders"},
	{synth.TierHard, 34, 2400, "grey grid below the ink threshold"},
	{synth.TierHard, 4, 2400, "log track with only its decade line inked"},
	{synth.TierHard, 50, 2400, "two log tracks, 1 px borders"},
	{synth.TierHard, 1017, 4000, "light 1 px borders in colour, skewed"},
	{synth.TierHard, 1125, 4000, "light borders on a one-track log"},
}

// TestPreprocessSynthTracks preprocesses generated logs and checks every
// track's edges (the border centres vector.TrackEdges measures fractions
// from) against the generator's, mapped through its scan geometry and the
// deskew, and that the depth track lies where the generator drew it.
func TestPreprocessSynthTracks(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and preprocesses 14 logs")
	}
	needRealWells(t)
	for _, tc := range trackCases {
		t.Run(fmt.Sprintf("%s-%d", tc.tier, tc.seed), func(t *testing.T) {
			lg, err := synth.Generate(synth.Config{Tier: tc.tier, Seed: tc.seed,
				Width: 1700, Height: tc.height})
			if err != nil {
				t.Fatal(err)
			}
			p, err := raster.Preprocess(lg.Gray(), lg.Manifest, raster.PreprocessOptions{})
			if err != nil {
				t.Fatalf("%s: %v", tc.why, err)
			}
			checkSynthTracks(t, lg, p, tc.why)
		})
	}
}

// checkSynthTracks compares p's tracks with the generator's at the body's
// middle row: edges within 1 px and half a border, the depth track within
// 3 px when the generator drew it between two tracks.
func checkSynthTracks(t *testing.T, lg *synth.Log, p *raster.Prepared, why string) {
	t.Helper()
	if len(p.Layout.Tracks) != len(lg.Tracks) {
		t.Fatalf("%s: %d tracks, want %d", why, len(p.Layout.Tracks), len(lg.Tracks))
	}
	mid := float64(lg.Layout.Body.Top+lg.Layout.Body.Bottom) / 2
	at := func(x float64) float64 {
		// Generator px have integers at pixel centres, the layout's
		// columns span [x, x+1).
		px, py := lg.Geometry.Page(x, mid)
		ax, _ := p.Transform.Apply(px, py)
		return ax + 0.5
	}
	for i, tg := range lg.Tracks {
		x0, x1 := vector.TrackEdges(p.Layout, i)
		w0, w1 := at(tg.X0), at(tg.X1)
		// Two tracks side by side share one line twice a border wide, whose
		// centre is half a border off each track's own.
		tol := 1 + float64(tg.Border)/2
		if math.Abs(x0-w0) > tol || math.Abs(x1-w1) > tol {
			t.Errorf("%s: track %d edges %.1f..%.1f px, want %.1f..%.1f ± %.1f", why, i+1,
				x0, x1, w0, w1, tol)
		}
	}
	if len(lg.Tracks) < 2 {
		return
	}
	d := p.Layout.DepthTrack
	l, r := at(float64(lg.Layout.DepthTrack.Left)), at(float64(lg.Layout.DepthTrack.Right))
	if math.Abs(float64(d.Left)-l) > 3 || math.Abs(float64(d.Right)-r) > 3 {
		t.Errorf("%s: depth track %+v, want [%.0f, %.0f)", why, d, l, r)
	}
}

// TestPreprocessSynthTrackCount asks for more tracks than a generated log
// holds: its grid lines (bilevel, 1 and 2 px) are lighter than its 3 px
// borders, so the fit must refuse rather than cut a track at a grid line.
// (Where blur widens the grid to the borders' weight, only the grids' own
// regularity tells them apart: see TestTrackCountAboveScan.)
func TestPreprocessSynthTrackCount(t *testing.T) {
	needRealWells(t)
	lg, err := synth.Generate(synth.Config{Tier: synth.TierEasy, Seed: 102, Width: 1700,
		Height: 2400})
	if err != nil {
		t.Fatal(err)
	}
	m := *lg.Manifest
	m.Tracks = append(append([]manifest.Track(nil), m.Tracks...), manifest.Track{
		Curves: []manifest.Curve{{Mnemonic: "X", Left: 0, Right: 1}}})
	_, err = raster.Preprocess(lg.Gray(), &m, raster.PreprocessOptions{})
	if !errors.Is(err, raster.ErrTracks) {
		t.Fatalf("4 manifest tracks on a 3-track log with 3 px borders: err %v, want "+
			"ErrTracks", err)
	}
	t.Log(err)
}

// TestPreprocessSynthSweep checks track finding on many generated logs of
// both tiers when RASTER_SWEEP is "FIRST:N:HEIGHT" (e.g. 1:100:2400): logs
// of seeds FIRST to FIRST+N-1, 1700 px wide. It takes about a second per
// log on one core, so it is off by default.
func TestPreprocessSynthSweep(t *testing.T) {
	spec := os.Getenv("RASTER_SWEEP")
	if spec == "" {
		t.Skip("set RASTER_SWEEP=FIRST:N:HEIGHT to check track finding on many logs")
	}
	var first uint64
	var n, height int
	if _, err := fmt.Sscanf(spec, "%d:%d:%d", &first, &n, &height); err != nil {
		t.Fatalf("RASTER_SWEEP=%q: want FIRST:N:HEIGHT, e.g. 1:100:2400", spec)
	}
	for _, tier := range []synth.Tier{synth.TierEasy, synth.TierHard} {
		for seed := first; seed < first+uint64(n); seed++ {
			lg, err := synth.Generate(synth.Config{Tier: tier, Seed: seed, Width: 1700,
				Height: height})
			if err != nil {
				t.Fatal(err)
			}
			why := fmt.Sprintf("%s log %d", tier, seed)
			p, err := raster.Preprocess(lg.Gray(), lg.Manifest, raster.PreprocessOptions{})
			if err != nil {
				t.Errorf("%s: %v", why, err)
				continue
			}
			checkSynthTracks(t, lg, p, why)
		}
	}
}

// needRealWells skips a test whose seeds were chosen on logs drawn with the
// real wells' curves: the generator draws other signals when
// ../shared/realdata/las is absent, so the same seeds make other logs.
//
// TODO(#5): without the real wells, hard seed 50 at 4000 px puts the border
// between tracks 2 and 3 13 px off; track fitting must hold on those logs too.
func needRealWells(t *testing.T) {
	t.Helper()
	realdata.Skip(t, "las", "kgs-1-32-wellington.las")
}
