package depth

import (
	"errors"
	"image"
	"math"
	"strings"
	"testing"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
	"github.com/welllog/digitiser/pkg/vector"
)

// flatTraces is one GR trace at mid-track over rows 100..1599 of
// linearCal (depths 110..259.9 ft).
func flatTraces(cal *Calibration) []vector.Trace {
	return []vector.Trace{traceOf("GR", 100, 1500, cal,
		func(float64) (float64, int8) { return 0.5, 0 })}
}

// TestBuildLogRefusesAbsurdDepths feeds BuildLog depth settings that
// Validate refuses, as a caller that skipped it would: each must give an
// error, not a panic or a giant allocation.
func TestBuildLogRefusesAbsurdDepths(t *testing.T) {
	cases := []struct {
		name string
		d    manifest.Depth
		want error
		says string
	}{
		{"step inf", manifest.Depth{Step: math.Inf(1)}, nil, "depth.step"},
		{"step nan", manifest.Depth{Step: math.NaN()}, nil, "depth.step"},
		{"start nan", manifest.Depth{Step: 0.5, Start: math.NaN()}, nil, "finite"},
		{"start -inf", manifest.Depth{Step: 0.5, Start: math.Inf(-1)}, nil, "finite"},
		{"stop inf", manifest.Depth{Step: 0.5, Stop: math.Inf(1)}, nil, "finite"},
		{"huge interval", manifest.Depth{Step: 0.5, Start: -1e15, Stop: 1e15}, ErrRowCap,
			"over the cap of 2000000"},
		{"tiny step", manifest.Depth{Step: 1e-12, Stop: 1e5}, ErrRowCap, "depth.max_rows"},
		{"one row", manifest.Depth{Step: 0.5, Start: 200, Stop: 200.3}, ErrRowCap,
			"gives one row"},
		{"step coarser than the traces", manifest.Depth{Step: 1e300}, ErrRowCap,
			"finer depth.step"},
		{"over a lowered cap", manifest.Depth{Step: 0.5, Start: 0, Stop: 100, MaxRows: 200},
			ErrRowCap, "201 rows, over the cap of 200"},
	}
	cal := linearCal()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := scaleManifest()
			c.d.Unit = "ft"
			m.Depth = c.d
			f, err := BuildLog(flatTraces(cal), cal, m)
			if err == nil {
				t.Fatalf("built %d rows without error", f.Rows())
			}
			if (c.want != nil && !errors.Is(err, c.want)) || !strings.Contains(err.Error(),
				c.says) {
				t.Fatalf("error %q: want %v saying %q", err, c.want, c.says)
			}
		})
	}
}

func TestBuildLogRowCapBoundary(t *testing.T) {
	m := scaleManifest()
	m.Depth.Start, m.Depth.Stop, m.Depth.MaxRows = 0, 100, 201
	f, err := BuildLog(flatTraces(linearCal()), linearCal(), m)
	if err != nil {
		t.Fatal(err)
	}
	if f.Rows() != 201 {
		t.Fatalf("%d rows, want 201", f.Rows())
	}
}

// TestBuildLogRefusesAbsurdCalibration: tie depths 0..1e300 make a rate
// of 1e297 per px; the traces' interval then holds far too many rows.
func TestBuildLogRefusesAbsurdCalibration(t *testing.T) {
	m := scaleManifest()
	cases := map[string]*Calibration{
		"huge rate": {Unit: "ft", Segments: []Segment{{RowFrom: 0, RowTo: 2000, Depth0: 0,
			Rate: 1e297, Pass: PassMain}}},
		"nan depth": {Unit: "ft", Segments: []Segment{{RowFrom: 0, RowTo: 2000,
			Depth0: math.NaN(), Rate: 0.1, Pass: PassMain}}},
		"inf rate": {Unit: "ft", Segments: []Segment{{RowFrom: 0, RowTo: 2000, Depth0: 0,
			Rate: math.Inf(1), Pass: PassMain}}},
	}
	for name, cal := range cases {
		t.Run(name, func(t *testing.T) {
			f, err := BuildLog(flatTraces(linearCal()), cal, m)
			if err == nil {
				t.Fatalf("built %d rows without error", f.Rows())
			}
			if !errors.Is(err, ErrRowCap) && !errors.Is(err, ErrNoData) {
				t.Fatalf("error %v wraps neither ErrRowCap nor ErrNoData", err)
			}
		})
	}
}

func TestCalibrateRefusesTiePointsOutsideStrip(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 200, 3000))
	cases := []struct {
		name string
		tps  []manifest.TiePoint
		says string
	}{
		{"below the strip", []manifest.TiePoint{{Row: 100000, Depth: 1000},
			{Row: 200000, Depth: 2000}}, "tie_points[1] row 100000 is outside the strip, " +
			"whose rows run 0..2999"},
		{"above the strip", []manifest.TiePoint{{Row: -100, Depth: 100},
			{Row: -50, Depth: 200}}, "row -100 is outside"},
		{"one outside", []manifest.TiePoint{{Row: 100, Depth: 1000},
			{Row: 3100, Depth: 1300}}, "tie_points[2] row 3100"},
		{"nan row", []manifest.TiePoint{{Row: math.NaN(), Depth: 100},
			{Row: 500, Depth: 200}}, "not a finite number"},
		{"inf depth", []manifest.TiePoint{{Row: 100, Depth: 100},
			{Row: 500, Depth: math.Inf(1)}}, "not a finite number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Calibrate(img, raster.Layout{}, raster.Transform{},
				tieManifest(c.tps...))
			if !errors.Is(err, ErrNoCalibration) || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("error %v: want ErrNoCalibration saying %q", err, c.says)
			}
		})
	}

	// The last row of the strip is inside, through a skew too.
	tf := raster.Transform{SkewDeg: 0.5, CX: 100, CY: 1500}
	cal, err := Calibrate(img, raster.Layout{}, tf, tieManifest(
		manifest.TiePoint{Row: 0, Depth: 1000}, manifest.TiePoint{Row: 2999, Depth: 1300}))
	if err != nil {
		t.Fatal(err)
	}
	if got := cal.Depth(2999); math.Abs(got-1300) > 0.05 {
		t.Fatalf("Depth(2999) = %v, want about 1300", got)
	}

	// So is a tie point on the strip's last row that deskew takes a few px
	// below the deskewed image (3 deg, 70 px right of the centre): a
	// generated hard log's manifest was refused for it.
	tf = raster.Transform{SkewDeg: 3, CX: 100, CY: 1500}
	lay := raster.Layout{DepthTrack: raster.Band{Left: 150, Right: 190}}
	if _, err := Calibrate(img, lay, tf, tieManifest(manifest.TiePoint{Row: 0, Depth: 1000},
		manifest.TiePoint{Row: 2999.3, Depth: 1300})); err != nil {
		t.Fatalf("tie point on the last row under skew: %v", err)
	}
}

func TestCheckLabelFit(t *testing.T) {
	cal := &Calibration{Unit: "ft", Segments: []Segment{{Rate: 0.1}}}
	cal.RMS = 0.4
	if err := checkLabelFit(cal, 10); err != nil {
		t.Errorf("RMS 0.4 ft against 1 ft a grid period: %v", err)
	}
	cal.RMS = 710
	err := checkLabelFit(cal, 10)
	if !errors.Is(err, ErrNoCalibration) || !strings.Contains(err.Error(), "misread") {
		t.Errorf("RMS 710 ft against 1 ft a grid period: err %v, want a refusal", err)
	}
	if err := checkLabelFit(cal, 0); err != nil {
		t.Errorf("no grid period: nothing to compare with, got %v", err)
	}
}
