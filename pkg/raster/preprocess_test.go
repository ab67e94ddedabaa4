package raster

import (
	"errors"
	"image"
	"math"
	"testing"

	"github.com/welllog/digitiser/pkg/manifest"
)

// Layout of the real scan, measured on crops of it (see
// docs/preprocessing.md): the rows where the ruled grid starts and ends
// (body and repeat section), the first inked row of the header, and the
// columns inside the 3 px track border lines.
var (
	realHeaderTop = 38
	realBody      = Span{Top: 2524, Bottom: 11611}
	realRepeat    = Span{Top: 12580, Bottom: 15577}
	realDepth     = Band{Left: 501, Right: 664}
	realTracks    = []Band{{Left: 3, Right: 498}, {Left: 667, Right: 1662}}
)

func TestPreprocessRealLayout(t *testing.T) {
	_, scan := loadRealScan(t)
	p, err := Preprocess(scan, loadRealManifest(t), PreprocessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(p.SkewEstimateDeg) > 0.02 {
		t.Errorf("skew estimated %.4f deg on the straight scan, want about 0", p.SkewEstimateDeg)
	}
	checkLayout(t, p.Layout, 0, 0, 4, 2)
	if got := p.Layout.Header; abs(got.Top-realHeaderTop) > 2 || got.Bottom != p.Layout.Body.Top {
		t.Errorf("header %+v, want from row %d to the body", got, realHeaderTop)
	}
	if n := len(p.Layout.GridLines); n < 30 {
		t.Errorf("%d grid lines, want the 33 ruled through the body", n)
	}
}

// checkLayout compares a layout with the real scan's, shifted by (dx, dy)
// px, within rowTol rows and colTol columns.
func checkLayout(t *testing.T, l Layout, dx, dy, rowTol, colTol int) {
	t.Helper()
	span := func(name string, got, want Span) {
		if abs(got.Top-want.Top-dy) > rowTol || abs(got.Bottom-want.Bottom-dy) > rowTol {
			t.Errorf("%s rows [%d, %d), want [%d, %d) ± %d", name, got.Top, got.Bottom,
				want.Top+dy, want.Bottom+dy, rowTol)
		}
	}
	band := func(name string, got, want Band) {
		if abs(got.Left-want.Left-dx) > colTol || abs(got.Right-want.Right-dx) > colTol {
			t.Errorf("%s columns [%d, %d), want [%d, %d) ± %d", name, got.Left, got.Right,
				want.Left+dx, want.Right+dx, colTol)
		}
	}
	span("body", l.Body, realBody)
	if l.Repeat == nil {
		t.Errorf("no repeat section found, want rows [%d, %d)", realRepeat.Top+dy,
			realRepeat.Bottom+dy)
	} else {
		span("repeat section", *l.Repeat, realRepeat)
	}
	band("depth track", l.DepthTrack, realDepth)
	if len(l.Tracks) != len(realTracks) {
		t.Fatalf("%d tracks %v, want %d", len(l.Tracks), l.Tracks, len(realTracks))
	}
	for i := range realTracks {
		band("track", l.Tracks[i], realTracks[i])
	}
}

// TestPreprocessRotatedReal rotates the real scan (on a margin of white,
// as on a scanner bed) by known angles: the skew must be found within 0.1
// degree and the layout must come out where it is on the straight scan.
func TestPreprocessRotatedReal(t *testing.T) {
	_, scan := loadRealScan(t)
	const margin = 250
	padded := pad(scan, margin)
	m := loadRealManifest(t)
	for _, deg := range []float64{-1.2, 0.35, 2.0} {
		p, err := Preprocess(Rotate(padded, deg, 0), m, PreprocessOptions{})
		if err != nil {
			t.Fatalf("%.2f deg: %v", deg, err)
		}
		t.Logf("rotated %.2f deg: estimated %.4f", deg, p.SkewEstimateDeg)
		if math.Abs(p.SkewEstimateDeg-deg) > 0.1 {
			t.Errorf("rotated %.2f deg: skew estimated %.4f", deg, p.SkewEstimateDeg)
		}
		if p.Layout.SkewDeg != p.Transform.SkewDeg || p.Transform.SkewDeg == 0 {
			t.Errorf("layout skew %v, transform skew %v", p.Layout.SkewDeg, p.Transform.SkewDeg)
		}
		checkLayout(t, p.Layout, margin, margin, 4, 2)
	}
}

// TestEstimateSkewSign draws lines leaning with their tops to the right
// (a page turned clockwise) without Rotate: the skew must come out
// positive, and Rotate must lean lines the same way.
func TestEstimateSkewSign(t *testing.T) {
	const w, h, deg = 600, 3000, 0.8
	lean := math.Tan(deg * math.Pi / 180)
	img := blank(w, h)
	straight := blank(w, h)
	for _, x0 := range []int{100, 250, 400, 550} {
		for y := 0; y < h; y++ {
			x := x0 + int(math.Round(lean*float64(h/2-y)))
			img.Pix[y*w+x], img.Pix[y*w+x+1] = 0, 0
			straight.Pix[y*w+x0], straight.Pix[y*w+x0+1] = 0, 0
		}
	}
	if got := estimateSkew(newCoverMap(img, 128, 0), 5); math.Abs(got-deg) > 0.02 {
		t.Errorf("drawn lines: skew %.4f, want %.2f", got, deg)
	}
	rotated := Rotate(straight, deg, 0)
	if got := estimateSkew(newCoverMap(rotated, 128, 0), 5); math.Abs(got-deg) > 0.02 {
		t.Errorf("Rotate(%.2f): skew %.4f", deg, got)
	}
}

func blank(w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	return img
}

// TestPinnedTracks pins track 1's borders in px of a rotated strip: the
// layout must carry them through the deskew.
func TestPinnedTracks(t *testing.T) {
	_, scan := loadRealScan(t)
	const margin, deg = 250, 0.8
	rot := Rotate(pad(scan, margin), deg, 0)
	m := loadRealManifest(t)
	// Where the straight track 1 borders land on the rotated strip at the
	// body's middle row.
	fwd := Transform{SkewDeg: -deg, CX: float64(rot.Rect.Dx()) / 2,
		CY: float64(rot.Rect.Dy()) / 2}
	midY := float64(realBody.Top+realBody.Bottom)/2 + margin
	l, _ := fwd.Apply(float64(realTracks[0].Left+margin), midY)
	r, _ := fwd.Apply(float64(realTracks[0].Right+margin), midY)
	m.Tracks[0].Left, m.Tracks[0].Right = int(math.Round(l)), int(math.Round(r))

	p, err := Preprocess(rot, m, PreprocessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, want := p.Layout.Tracks[0], realTracks[0]
	if abs(got.Left-want.Left-margin) > 3 || abs(got.Right-want.Right-margin) > 3 {
		t.Errorf("pinned track 1 at %+v, want [%d, %d) ± 3", got, want.Left+margin,
			want.Right+margin)
	}
}

func TestPreprocessErrors(t *testing.T) {
	if _, err := Preprocess(blank(800, 3000), nil, PreprocessOptions{}); !errors.Is(err,
		ErrNoLog) {
		t.Errorf("blank strip: err = %v, want ErrNoLog", err)
	}

	_, scan := loadRealScan(t)
	m := loadRealManifest(t)
	extra := manifest.Track{Curves: []manifest.Curve{{Mnemonic: "RES", Left: 0.2,
		Right: 2000, Scale: manifest.ScaleLog, Style: manifest.StyleSolid}}}
	m.Tracks = append(m.Tracks, extra, extra)
	_, err := Preprocess(scan, m, PreprocessOptions{NoDeskew: true})
	if !errors.Is(err, ErrTracks) {
		t.Errorf("4 manifest tracks on a 3-track scan: err = %v, want ErrTracks", err)
	}
	t.Log(err)
}

// TestNormaliseContrast lights a ruled strip unevenly: illumination falls
// from 255 to 155 grey across it, paper reflects 0.9 of it and ink 0.35
// (light is multiplicative), so paper ranges 140-230 and ink 54-89. After
// normalising, paper must be white and ink black everywhere.
func TestNormaliseContrast(t *testing.T) {
	const w, h = 640, 2000
	img := image.NewGray(image.Rect(0, 0, w, h))
	ink := func(x, y int) bool { return x%40 < 2 || y%25 == 0 }
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			light := 155 + 100*float64(x)/w*float64(y)/h
			r := 0.9
			if ink(x, y) {
				r = 0.35
			}
			img.Pix[y*w+x] = uint8(light * r)
		}
	}
	if !normaliseContrast(img, histogram(img, 0), 0) {
		t.Fatal("grey strip left alone")
	}
	worstPaper, worstInk := 255, 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := int(img.Pix[y*w+x])
			if ink(x, y) {
				worstInk = max(worstInk, v)
			} else {
				worstPaper = min(worstPaper, v)
			}
		}
	}
	if worstPaper < 230 || worstInk > 40 {
		t.Errorf("after normalising: darkest paper %d (want >= 230), lightest ink %d "+
			"(want <= 40)", worstPaper, worstInk)
	}
}

// TestMatchTracks merges detected tracks onto the manifest's: never across
// the depth track, right of it first.
func TestMatchTracks(t *testing.T) {
	found := []Band{{3, 498}, {667, 1163}, {1166, 1662}}
	weights := []float64{math.Inf(1), 3, 2}
	depth := Band{501, 664}
	man := func(n int) *manifest.Manifest {
		m := &manifest.Manifest{}
		for i := 0; i < n; i++ {
			m.Tracks = append(m.Tracks, manifest.Track{})
		}
		return m
	}
	tests := []struct {
		tracks int
		want   []Band
	}{
		{3, []Band{{3, 498}, {667, 1163}, {1166, 1662}}},
		{2, []Band{{3, 498}, {667, 1662}}},
		{1, nil}, // would have to merge across the depth track
		{4, nil},
	}
	for _, tc := range tests {
		f := append([]Band(nil), found...)
		w := append([]float64(nil), weights...)
		got, err := matchTracks(f, w, depth, man(tc.tracks), Transform{}, 0)
		if tc.want == nil {
			if !errors.Is(err, ErrTracks) {
				t.Errorf("%d manifest tracks: %v, %v; want ErrTracks", tc.tracks, got, err)
			}
			continue
		}
		if err != nil || len(got) != len(tc.want) {
			t.Fatalf("%d manifest tracks: %v, %v; want %v", tc.tracks, got, err, tc.want)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%d manifest tracks: %v, want %v", tc.tracks, got, tc.want)
				break
			}
		}
	}
}
