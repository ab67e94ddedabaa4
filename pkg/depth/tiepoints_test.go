package depth

import (
	"math"
	"testing"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
)

func tieManifest(tps ...manifest.TiePoint) *manifest.Manifest {
	return &manifest.Manifest{Depth: manifest.Depth{Unit: "ft", Step: 0.5, TiePoints: tps}}
}

func TestTiePointsOutlier(t *testing.T) {
	// depth = 250 + row/10.15; the fourth tie point is 20 ft off.
	rate := 1 / 10.15
	var tps []manifest.TiePoint
	for k, row := range []float64{2575, 4098, 6128, 8158, 10188, 11203} {
		d := 250 + rate*(row-2575)
		if k == 3 {
			d += 20
		}
		tps = append(tps, manifest.TiePoint{Row: row, Depth: d})
	}
	cal, err := Calibrate(nil, raster.Layout{Height: 12000}, raster.Transform{},
		tieManifest(tps...))
	if err != nil {
		t.Fatal(err)
	}
	if cal.Method != MethodTiePoints || len(cal.Segments) != 1 {
		t.Fatalf("method %s, %d segments", cal.Method, len(cal.Segments))
	}
	for k, r := range cal.Residuals {
		if r.Inlier == (k == 3) {
			t.Errorf("tie point %d: inlier %v, residual %.3f", k, r.Inlier, r.Residual)
		}
	}
	for _, row := range []float64{0, 3000, 8158, 11999} {
		want := 250 + rate*(row-2575)
		if got := cal.Depth(row); math.Abs(got-want) > 1e-6 {
			t.Errorf("Depth(%v) = %v, want %v", row, got, want)
		}
		if got := cal.Row(want); math.Abs(got-row) > 1e-6 {
			t.Errorf("Row(%v) = %v, want %v", want, got, row)
		}
	}
	if cal.MaxAbs > 1e-6 {
		t.Errorf("inlier misfit %v", cal.MaxAbs)
	}
}

func TestTiePointsTwoPages(t *testing.T) {
	// Page 2 (rows >= 5000) is stitched 3 ft deeper than page 1 implies.
	depthAt := func(row float64) float64 {
		d := 100 + row/10
		if row >= 5000 {
			d += 3
		}
		return d
	}
	var tps []manifest.TiePoint
	for _, row := range []float64{500, 1500, 3000, 4500, 5500, 7000, 9500} {
		tps = append(tps, manifest.TiePoint{Row: row, Depth: depthAt(row)})
	}
	cal, err := Calibrate(nil, raster.Layout{Height: 10000}, raster.Transform{},
		tieManifest(tps...))
	if err != nil {
		t.Fatal(err)
	}
	if len(cal.Segments) != 2 {
		t.Fatalf("%d segments, want 2: %+v", len(cal.Segments), cal.Segments)
	}
	for _, s := range cal.Segments {
		if s.Pass != PassMain {
			t.Errorf("segment %+v is not main pass", s)
		}
	}
	for _, row := range []float64{200, 4400, 5600, 9900} {
		if got, want := cal.Depth(row), depthAt(row); math.Abs(got-want) > 1e-6 {
			t.Errorf("Depth(%v) = %v, want %v", row, got, want)
		}
	}
}

func TestTiePointsThroughTransform(t *testing.T) {
	// Tie points are rows of the strip before deskew; the calibration works
	// in rows after it.
	tf := raster.Transform{SkewDeg: 0.8, CX: 800, CY: 5000, DX: -4, DY: 7}
	layout := raster.Layout{Height: 10000, DepthTrack: raster.Band{Left: 500, Right: 660}}
	tps := []manifest.TiePoint{{Row: 1000, Depth: 200}, {Row: 9000, Depth: 1000}}
	cal, err := Calibrate(nil, layout, tf, tieManifest(tps...))
	if err != nil {
		t.Fatal(err)
	}
	x := float64(layout.DepthTrack.Left+layout.DepthTrack.Right) / 2
	for _, tp := range tps {
		xPre, _ := tf.Inverse(x, tp.Row)
		_, row := tf.Apply(xPre, tp.Row)
		if math.Abs(row-tp.Row) < 1 {
			t.Fatalf("transform moved row %v by under 1 px: the test proves nothing", tp.Row)
		}
		if got := cal.Depth(row); math.Abs(got-tp.Depth) > 1e-6 {
			t.Errorf("tie point row %v -> %v px: depth %v, want %v", tp.Row, row, got, tp.Depth)
		}
	}
}

func TestTiePointsRejectUpsideDown(t *testing.T) {
	tps := []manifest.TiePoint{{Row: 100, Depth: 500}, {Row: 900, Depth: 400}}
	_, err := Calibrate(nil, raster.Layout{}, raster.Transform{}, tieManifest(tps...))
	if err == nil {
		t.Error("depth decreasing down the strip calibrated without error")
	}
}
