package depth

import (
	"image"
	"image/draw"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
)

// page is one stitched page of a synthetic strip: rows [top, bottom) with
// depth = depth0 + (row-top)/pxPerFt.
type page struct {
	top, bottom int
	depth0      float64
}

const pxPerFt = 10.15

// drawStrip draws a 1000 px wide strip: curve tracks 0..399 and 561..999
// with vertical lines every 50 px and a horizontal line every 2 ft (2 px
// thick every 10 ft, 3 px every 50 ft), and a depth track 400..560 with a
// Go Regular label centred on every 50-ft line.
func drawStrip(t testing.TB, h int, pages []page) *image.Gray {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 1000, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	ink := func(x0, x1, y0, y1 int) {
		for y := max(y0, 0); y < min(y1, h); y++ {
			for x := x0; x < x1; x++ {
				img.Pix[y*img.Stride+x] = 0
			}
		}
	}
	for x := 0; x < 1000; x += 50 {
		if x != 400 && x != 450 && x != 500 && x != 550 {
			ink(x, x+1, 0, h)
		}
	}
	ink(399, 401, 0, h)
	ink(559, 561, 0, h)
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 27, DPI: 72,
		Hinting: font.HintingFull})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		first := math.Ceil(p.depth0/2) * 2
		for d := first; ; d += 2 {
			row := int(math.Round(float64(p.top) + (d-p.depth0)*pxPerFt))
			if row >= p.bottom {
				break
			}
			th := 1
			if math.Mod(d, 10) == 0 {
				th = 2
			}
			if math.Mod(d, 50) == 0 {
				th = 3
				dr := font.Drawer{Dst: img, Src: image.Black, Face: face}
				s := strconv.Itoa(int(d))
				w := dr.MeasureString(s).Round()
				dr.Dot = fixed.P(480-w/2, row+10)
				dr.DrawString(s)
			}
			ink(0, 399, row-th/2, row-th/2+th)
			ink(561, 1000, row-th/2, row-th/2+th)
		}
	}
	return img
}

func TestGridLabelsTwoPages(t *testing.T) {
	pages := []page{{top: 0, bottom: 3000, depth0: 293}, {top: 3000, bottom: 6000, depth0: 586}}
	img := drawStrip(t, 6000, pages)
	m := &manifest.Manifest{Depth: manifest.Depth{Unit: "ft", Step: 0.5}}
	cal, err := Calibrate(img, raster.Layout{}, raster.Transform{}, m)
	if err != nil {
		t.Fatal(err)
	}
	if cal.Method != MethodGridLabels || len(cal.Segments) != 2 {
		t.Fatalf("method %s, segments %+v", cal.Method, cal.Segments)
	}
	if math.Abs(cal.GridPeriod-2*pxPerFt) > 0.3 {
		t.Errorf("grid period %.2f px, want %.2f", cal.GridPeriod, 2*pxPerFt)
	}
	labels := 0
	for _, r := range cal.Residuals {
		if r.Inlier {
			labels++
		}
	}
	// Labels 300..550 on page 1, 600..850 on page 2.
	if labels != 12 {
		t.Errorf("%d labels fitted, want 12: %+v", labels, cal.Residuals)
	}
	checkPageDepths(t, cal, pages)
}

// checkPageDepths wants cal within 0.2 ft of each page's depth 100 px
// inside its top and bottom.
func checkPageDepths(t *testing.T, cal *Calibration, pages []page) {
	t.Helper()
	for _, p := range pages {
		for _, row := range []int{p.top + 100, p.bottom - 100} {
			want := p.depth0 + float64(row-p.top)/pxPerFt
			if got := cal.Depth(float64(row)); math.Abs(got-want) > 0.2 {
				t.Errorf("Depth(%d) = %.2f, want %.2f", row, got, want)
			}
		}
	}
}

// TestGridLabelsTwoPagesSeamLabel stitches two pages 3 ft apart in depth
// with the label at the page break on neither page, so the labels step
// twice as far there: every label must still be fitted, one segment per
// page. Taking the double step for the labels' step once dropped every
// other label, and the pages, left with two labels each, were fitted as
// one line 15 px off.
func TestGridLabelsTwoPagesSeamLabel(t *testing.T) {
	pages := []page{{top: 0, bottom: 2100, depth0: 293},
		{top: 2100, bottom: 4000, depth0: 293 + 2100/pxPerFt + 3}}
	img := drawStrip(t, 4000, pages)
	m := &manifest.Manifest{Depth: manifest.Depth{Unit: "ft", Step: 0.5}}
	cal, err := Calibrate(img, raster.Layout{}, raster.Transform{}, m)
	if err != nil {
		t.Fatal(err)
	}
	if len(cal.Segments) != 2 {
		t.Errorf("%d segments, want 2: %+v", len(cal.Segments), cal.Segments)
	}
	for _, r := range cal.Residuals {
		if !r.Inlier {
			t.Errorf("label %s at row %.0f left out of the fit", r.Label, r.Row)
		}
	}
	checkPageDepths(t, cal, pages)
}

// TestTiePointsCheckedAgainstLabels calibrates a labelled strip from
// tie points: right ones agree with the labels' own calibration, and tie
// points one label step (50 ft) off, as from a mistyped depth, are
// reported for review, while the calibration still follows them.
func TestTiePointsCheckedAgainstLabels(t *testing.T) {
	pages := []page{{top: 0, bottom: 3000, depth0: 293}}
	img := drawStrip(t, 3000, pages)
	for _, tc := range []struct {
		name  string
		shift float64 // ft added to every tie point's depth
		agree bool
	}{{"right", 0, true}, {"a label step off", 50, false}} {
		m := &manifest.Manifest{Depth: manifest.Depth{Unit: "ft", Step: 0.5}}
		for _, d := range []float64{300, 400, 500} {
			m.Depth.TiePoints = append(m.Depth.TiePoints, manifest.TiePoint{
				Row: (d - 293) * pxPerFt, Depth: d + tc.shift})
		}
		cal, err := Calibrate(img, raster.Layout{}, raster.Transform{}, m)
		if err != nil {
			t.Fatal(err)
		}
		lc := cal.LabelCheck
		if cal.Method != MethodTiePoints || lc == nil {
			t.Fatalf("%s: method %s, label check %+v: want tie points checked", tc.name,
				cal.Method, lc)
		}
		t.Logf("%s: %d labels, up to %.2f ft (%.1f px) apart", tc.name, lc.Labels,
			lc.MaxDiff, lc.MaxDiffPx)
		if lc.Agrees != tc.agree || lc.Labels < 3 {
			t.Errorf("%s: agrees %v over %d labels, want %v over 3 or more", tc.name,
				lc.Agrees, lc.Labels, tc.agree)
		}
		if review := cal.Review(); (len(review) > 0) == tc.agree ||
			(!tc.agree && !strings.Contains(review[0], "depth.tie_points")) {
			t.Errorf("%s: review %q", tc.name, review)
		}
	}
}

func TestGridLabelsNoLabels(t *testing.T) {
	img := drawStrip(t, 2000, nil)
	m := &manifest.Manifest{Depth: manifest.Depth{Unit: "ft", Step: 0.5}}
	if _, err := Calibrate(img, raster.Layout{}, raster.Transform{}, m); err == nil {
		t.Error("a strip without labels calibrated without error")
	}
}

// TestNiceBelow steps down the 1, 2, 2.5, 5 series.
func TestNiceBelow(t *testing.T) {
	for v, want := range map[float64]float64{100: 50, 50: 25, 25: 20, 20: 10, 10: 5, 5: 2.5,
		2: 1, 1: 0.5, 250: 200, 0.5: 0.25} {
		if got := niceBelow(v); math.Abs(got-want) > 1e-9 {
			t.Errorf("niceBelow(%v) = %v, want %v", v, got, want)
		}
	}
}

// TestOnLabelLattice keeps the readings that share the labels' remainder
// modulo their step, and all of them when no step has a remainder most
// share.
func TestOnLabelLattice(t *testing.T) {
	read := func(vs ...float64) []reading {
		rs := make([]reading, len(vs))
		for i, v := range vs {
			rs[i] = reading{row: float64(100 * i), value: v}
		}
		return rs
	}
	for _, tc := range []struct {
		name string
		vs   []float64
		want []bool
	}{
		{"last digit misread", []float64{27700, 27809, 27900, 28000, 28100},
			[]bool{true, false, true, true, true}},
		{"digits dropped", []float64{45, 4500, 4550, 60, 4650, 4700},
			[]bool{false, true, true, false, true, true}},
		{"offset by half a step", []float64{25, 75, 125, 175},
			[]bool{true, true, true, true}},
		{"no majority", []float64{13, 57, 101, 148},
			[]bool{true, true, true, true}},
		// A label missing (at a page break) makes a double step, under
		// which only every other label would share a remainder.
		{"every 50, one missing", []float64{4500, 4550, 4650, 4700, 4750},
			[]bool{true, true, true, true, true}},
		{"every 25 from 10, one missing", []float64{10, 35, 85, 110, 135},
			[]bool{true, true, true, true, true}},
		{"every 10 m, one missing", []float64{10, 20, 40, 50, 60},
			[]bool{true, true, true, true, true}},
		{"misread between labels", []float64{4500, 4590, 4600, 4650, 4700, 4750, 4800},
			[]bool{true, false, true, true, true, true, true}},
	} {
		rs := read(tc.vs...)
		got := onLabelLattice(rs)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v -> %v, want %v", tc.name, tc.vs, got, tc.want)
		}
	}
}

// TestSameScale drops a segment at another rate than the best-supported
// one and keeps pages whose rates differ by paper stretch.
func TestSameScale(t *testing.T) {
	p := func(b float64, members ...int) piece {
		return piece{line: line{b: b}, members: members}
	}
	in := []bool{true, true, true, true, true, true, true}
	got, inlier := sameScale([]piece{p(0.0093, 0, 1, 2), p(0.093, 3, 4, 5, 6)}, in)
	if len(got) != 1 || got[0].b != 0.093 || inlier[0] || inlier[2] || !inlier[3] {
		t.Errorf("kept %+v, inliers %v: want the 0.093 segment alone", got, inlier)
	}
	got, _ = sameScale([]piece{p(0.100, 0, 1, 2), p(0.104, 3, 4, 5)}, slices.Clone(in))
	if len(got) != 2 {
		t.Errorf("kept %d segments of rates 0.100 and 0.104, want both", len(got))
	}
}
