package raster

import (
	"errors"
	"image"
	"math"
	"strings"
	"testing"

	"github.com/welllog/digitiser/pkg/manifest"
)

// evenLog draws a 1500 x 3000 px two-track log whose borders print like
// its grid (every vertical line 1 px): track 1 from x = 40 to 640 with a
// linear grid of 10 divisions, a depth track with no vertical line up to
// x = 780, and track 2 to 1400 with a 4-decade log grid; horizontal grid
// every 20 px over body rows 300 to 2800. It returns the strip and the
// two tracks' bands, borders excluded.
func evenLog() (*image.Gray, []Band) {
	const w, h, top, bottom = 1500, 3000, 300, 2800
	img := blank(w, h)
	vline := func(x int) {
		for y := top; y < bottom; y++ {
			img.Pix[y*w+x] = 0
		}
	}
	hgrid := func(x0, x1 int) {
		for y := top; y < bottom; y += 20 {
			for x := x0; x <= x1; x++ {
				img.Pix[y*w+x] = 0
			}
		}
	}
	for i := 0; i <= 10; i++ {
		vline(40 + 60*i)
	}
	hgrid(40, 640)
	for dec := 0; dec < 4; dec++ {
		for k := 1; k <= 9; k++ {
			vline(780 + int(math.Round(155*(float64(dec)+math.Log10(float64(k))))))
		}
	}
	vline(1400)
	hgrid(780, 1400)
	return img, []Band{{41, 640}, {781, 1400}}
}

// evenManifest lists the log's two tracks and n more with no grid given
// (linear by default).
func evenManifest(extra int) *manifest.Manifest {
	curve := func(mn string) []manifest.Curve {
		return []manifest.Curve{{Mnemonic: mn, Left: 0, Right: 1}}
	}
	m := &manifest.Manifest{Tracks: []manifest.Track{
		{Grid: manifest.ScaleLinear, Curves: curve("GR")},
		{Grid: manifest.ScaleLog, Decades: 4, Curves: curve("RES")},
	}}
	for i := 0; i < extra; i++ {
		m.Tracks = append(m.Tracks, manifest.Track{Curves: curve("X" + string(rune('0'+i)))})
	}
	m.Defaults()
	return m
}

// TestTrackCountAboveScan asks for more tracks than a log holds whose
// borders print like its grid: the extra tracks could only be cut out of a
// real track's grid, so Preprocess must fail with ErrTracks (issue 2/5
// item 5) instead of inventing tracks; the true count still fits.
func TestTrackCountAboveScan(t *testing.T) {
	img, want := evenLog()
	p, err := Preprocess(img, evenManifest(0), PreprocessOptions{NoDeskew: true})
	if err != nil {
		t.Fatalf("the log's own two tracks: %v", err)
	}
	for i, b := range p.Layout.Tracks {
		if abs(b.Left-want[i].Left) > 2 || abs(b.Right-want[i].Right) > 2 {
			t.Errorf("two tracks: track %d at %+v, want %+v ± 2", i+1, b, want[i])
		}
	}

	for extra := 1; extra <= 3; extra++ {
		p, err := Preprocess(img, evenManifest(extra), PreprocessOptions{NoDeskew: true})
		if !errors.Is(err, ErrTracks) {
			var got []Band
			if p != nil {
				got = p.Layout.Tracks
			}
			t.Errorf("%d manifest tracks on a 2-track log: tracks %v, err %v; want ErrTracks",
				2+extra, got, err)
			continue
		}
		if !strings.Contains(err.Error(), "tracks[].left") {
			t.Errorf("%d tracks: %q does not say how to fix it", 2+extra, err)
		}
	}

	// Pinning the extra track's borders is the user taking control: kept.
	m := evenManifest(1)
	m.Tracks[2].Left, m.Tracks[2].Right = 1410, 1490
	p, err = Preprocess(img, m, PreprocessOptions{NoDeskew: true})
	if err != nil {
		t.Fatalf("3 tracks, the third pinned: %v", err)
	}
	if got := p.Layout.Tracks[2]; got != (Band{1410, 1490}) {
		t.Errorf("pinned track 3 at %+v, want [1410, 1490)", got)
	}
}

// TestPinnedTrackChecked refuses pinned borders the strip cannot hold,
// saying which and why (issue 2/5 item 21): too narrow is not "outside".
func TestPinnedTrackChecked(t *testing.T) {
	img, _ := evenLog()
	for _, tc := range []struct {
		left, right int
		want        string
	}{
		{100, 101, "too narrow (1 px)"},
		{100, 110, "too narrow (10 px)"},
		{1400, 1600, "outside the 1500 px wide strip"},
		{5000, 6000, "outside the 1500 px wide strip"},
	} {
		m := evenManifest(0)
		m.Tracks[0].Left, m.Tracks[0].Right = tc.left, tc.right
		_, err := Preprocess(img, m, PreprocessOptions{NoDeskew: true})
		if !errors.Is(err, ErrTracks) || !strings.Contains(err.Error(), tc.want) ||
			!strings.Contains(err.Error(), "tracks[0].left") {
			t.Errorf("track 1 pinned at [%d, %d): err %v; want ErrTracks saying %q and "+
				"naming tracks[0].left", tc.left, tc.right, err, tc.want)
		}
	}
}
