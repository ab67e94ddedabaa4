package depth

import (
	"image"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
	"github.com/welllog/digitiser/pkg/realdata"
)

// realScan decodes ../shared/realdata/scans/kgs-15-131-20215-sonic.tif
// (found from the module root) once, or skips the test when it is absent.
func realScan(t testing.TB) *image.Gray {
	t.Helper()
	scanOnce.Do(func() {
		dir, err := realdata.Dir()
		if err != nil {
			scanErr = err
			return
		}
		path := filepath.Join(dir, "scans", "kgs-15-131-20215-sonic.tif")
		data, err := os.ReadFile(path)
		if err != nil {
			scanErr = err
			return
		}
		pages, err := raster.DecodePages(filepath.Base(path), data)
		if err != nil {
			scanErr = err
			return
		}
		scanImg = pages[0]
	})
	if scanErr != nil {
		t.Skipf("real scan absent (%v): put it in ../shared/realdata/scans", scanErr)
	}
	return scanImg
}

var (
	scanOnce sync.Once
	scanImg  *image.Gray
	scanErr  error
)

func ftManifest() *manifest.Manifest {
	return &manifest.Manifest{Depth: manifest.Depth{Unit: "ft", Step: 0.5}}
}

// sonicManifest describes the real scan as its printed header does.
func sonicManifest() *manifest.Manifest {
	m := &manifest.Manifest{
		Well: manifest.Well{Name: "D&K Heinen No. 1-4", Company: "Kinney Oil Company",
			API: "15-131-20215-00-00", County: "Nemaha", State: "Kansas"},
		Depth: manifest.Depth{Unit: "ft", Step: 0.5, Scale: 240, MajorEvery: 50},
		Tracks: []manifest.Track{
			{Curves: []manifest.Curve{
				{Mnemonic: "GR", Unit: "GAPI", Left: 0, Right: 150,
					Backup: &manifest.Backup{Left: 150, Right: 300}},
				{Mnemonic: "CALI", Unit: "IN", Style: "dashed", Left: 6, Right: 16}}},
			{Curves: []manifest.Curve{
				{Mnemonic: "DT", Unit: "US/F", Left: 140, Right: 40},
				{Mnemonic: "SPHI", Unit: "PU", Style: "dashed", Left: 30, Right: -10}}},
		},
	}
	m.Defaults()
	return m
}

// TestRealScanLabels calibrates the real scan from its grid and labels
// (the depth track found here: no layout is given) and checks every
// printed 50-ft label: the main pass 250..1100 ft and the repeat section
// 850..1100 ft must each be read, fitted and within 1 ft (10 px), and in
// the main pass the label's own ink must be centred within 10 px of the
// row Row() gives for its depth.
func TestRealScanLabels(t *testing.T) {
	img := realScan(t)
	cal, err := Calibrate(img, raster.Layout{}, raster.Transform{}, ftManifest())
	if err != nil {
		t.Fatal(err)
	}
	main, repeat := map[float64]Residual{}, map[float64]Residual{}
	for _, r := range cal.Residuals {
		if !r.Inlier {
			continue
		}
		s, _ := cal.segmentAt(r.Row, "")
		if s.Pass == PassRepeat {
			repeat[r.Depth] = r
		} else {
			main[r.Depth] = r
		}
	}
	check := func(pass string, got map[float64]Residual, from, to float64) {
		for d := from; d <= to; d += 50 {
			r, ok := got[d]
			if !ok {
				t.Errorf("%s pass: label %v ft not read and fitted", pass, d)
				continue
			}
			if math.Abs(r.Residual) > 1 {
				t.Errorf("%s pass: label %v ft misfit %.2f ft", pass, d, r.Residual)
			}
		}
	}
	check(PassMain, main, 250, 1100)
	check(PassRepeat, repeat, 850, 1100)

	span := raster.Span{Top: 0, Bottom: img.Rect.Dy()}
	band := findDepthTrack(img, span, verticalRuns(img, span))
	for d := 250.0; d <= 1100; d += 50 {
		row := cal.Row(d)
		c, ok := inkCentre(img, band, row, 30)
		if !ok || math.Abs(c-row) > 10 {
			t.Errorf("label %v ft: ink centred at row %.1f, calibration says %.1f", d, c, row)
		}
	}
	t.Logf("rate %.5f ft/px, period %.2f px, RMS %.3f ft, max %.3f ft, %d segments",
		cal.Segments[0].Rate, cal.GridPeriod, cal.RMS, cal.MaxAbs, len(cal.Segments))
}

// inkCentre returns the middle of the rows holding ink in the left three
// quarters of the band (clear of the ticks on its right border) within
// reach px of row.
func inkCentre(img *image.Gray, band raster.Band, row float64, reach int) (float64, bool) {
	top, bottom := -1, -1
	right := band.Left + band.Width()*3/4
	for y := int(row) - reach; y <= int(row)+reach; y++ {
		for x := band.Left + 5; x < right; x++ {
			if img.GrayAt(x, y).Y < inkLevel {
				if top < 0 {
					top = y
				}
				bottom = y
				break
			}
		}
	}
	if top < 0 {
		return 0, false
	}
	return float64(top+bottom) / 2, true
}

// TestRealScanPreprocessed calibrates the real scan with the layout and
// transform raster.Preprocess finds, as the pipeline does, and checks the
// labels as above.
func TestRealScanPreprocessed(t *testing.T) {
	img := realScan(t)
	prep, err := raster.Preprocess(img, sonicManifest(), raster.PreprocessOptions{})
	if err != nil {
		t.Fatalf("preprocess: %v", err)
	}
	cal, err := Calibrate(prep.Image, prep.Layout, prep.Transform, ftManifest())
	if err != nil {
		t.Fatalf("layout %+v: %v", prep.Layout, err)
	}
	n := 0
	for _, r := range cal.Residuals {
		if r.Inlier {
			n++
			if math.Abs(r.Residual) > 1 {
				t.Errorf("label %s misfit %.2f ft", r.Label, r.Residual)
			}
		}
	}
	t.Logf("layout body %+v repeat %+v depth track %+v: %d labels, %d segments, RMS %.3f ft",
		prep.Layout.Body, prep.Layout.Repeat, prep.Layout.DepthTrack, n, len(cal.Segments), cal.RMS)
	if n < 18 {
		t.Errorf("%d labels fitted, want the 18 of the main pass at least", n)
	}
	for d := 250.0; d <= 1100; d += 50 {
		if got := cal.Depth(cal.Row(d)); math.Abs(got-d) > 1e-6 {
			t.Errorf("Depth(Row(%v)) = %v", d, got)
		}
	}
}
