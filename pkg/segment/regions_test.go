package segment

import (
	"context"
	"image"
	"testing"

	"github.com/welllog/digitiser/pkg/raster"
)

// testLayout is a layout of the test image: two tracks either side of a
// depth track, a header above the body and margins below it.
func testLayout(img *image.Gray) raster.Layout {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	return raster.Layout{Width: w, Height: h,
		Header:     raster.Span{Top: 0, Bottom: 90},
		Body:       raster.Span{Top: 90, Bottom: h - 60},
		DepthTrack: raster.Band{Left: 120, Right: 170},
		Tracks:     []raster.Band{{Left: 3, Right: 118}, {Left: 172, Right: w - 2}}}
}

// checkRegions fails t unless got equals want at every px inside the
// regions and is 0 everywhere else; it returns how many px were inside.
func checkRegions(t *testing.T, got, want *raster.ProbMap, regions []image.Rectangle) int {
	t.Helper()
	inside := 0
	for y := 0; y < got.Height; y++ {
		for x := 0; x < got.Width; x++ {
			in := false
			for _, r := range regions {
				in = in || image.Pt(x, y).In(r)
			}
			for c := range got.P {
				g, w := got.P[c][y*got.Width+x], want.P[c][y*got.Width+x]
				if in && g != w {
					t.Fatalf("class %d px (%d, %d) inside a region: %d, whole image %d",
						c+1, x, y, g, w)
				}
				if !in && g != 0 {
					t.Fatalf("class %d px (%d, %d) outside the regions: %d, want 0",
						c+1, x, y, g)
				}
			}
			if in {
				inside++
			}
		}
	}
	return inside
}

// TestONNXRegionsMatchWhole segments only the tracks of a layout, in
// tiles small enough to split them both ways, and checks that every px
// inside equals whole-image inference and every px outside is 0.
func TestONNXRegionsMatchWhole(t *testing.T) {
	img := testImage().img
	layout := testLayout(img)
	whole := newTestONNX(t, ONNXOptions{Tile: 1024, Threads: 2})
	want, err := whole.Segment(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	_, overlap := whole.Geometry()
	tiled := newTestONNX(t, ONNXOptions{Tile: 2 * overlap, Threads: 1, Workers: 2})
	regions := LayoutRegions(layout)
	if len(regions) != 2 {
		t.Fatalf("layout regions %v, want the two tracks", regions)
	}
	got, err := SegmentLayout(context.Background(), tiled, img, layout)
	if err != nil {
		t.Fatal(err)
	}
	inside := checkRegions(t, got, want, regions)
	var lit int
	for i, p := range got.P[0] {
		if p >= 128 || got.P[1][i] >= 128 {
			lit++
		}
	}
	t.Logf("%d px inside the tracks, %d of them curve", inside, lit)
	if lit == 0 {
		t.Error("no curve px inside the tracks: the comparison saw a flat map")
	}
}

// TestONNXRegionsOffset segments a sub-image whose bounds do not start at
// the origin, with a region partly outside it.
func TestONNXRegionsOffset(t *testing.T) {
	img := testImage().img
	sub := img.SubImage(image.Rect(40, 30, 300, 480)).(*image.Gray)
	s := newTestONNX(t, ONNXOptions{Threads: 2})
	want, err := s.Segment(context.Background(), sub)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.SegmentRegions(context.Background(), sub,
		[]image.Rectangle{image.Rect(0, 100, 200, 400)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Width != 260 || got.Height != 450 {
		t.Fatalf("map %d x %d px, want the sub-image's 260 x 450", got.Width, got.Height)
	}
	checkRegions(t, got, want, []image.Rectangle{image.Rect(0, 70, 160, 370)})
	if _, err := s.SegmentRegions(context.Background(), sub,
		[]image.Rectangle{image.Rect(400, 0, 500, 10)}); err == nil {
		t.Error("a region outside the image gave no error")
	}
}

// TestSegmentLayoutClassical checks the fallback for a segmenter without
// regions: the whole image is segmented and cleared outside the tracks.
func TestSegmentLayoutClassical(t *testing.T) {
	img := drawLog(400, 600, 3).img
	layout := testLayout(img)
	c := NewClassical(ClassicalOptions{})
	want, err := c.Segment(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	got, err := SegmentLayout(context.Background(), c, img, layout)
	if err != nil {
		t.Fatal(err)
	}
	checkRegions(t, got, want, LayoutRegions(layout))

	other := layout
	other.Height++
	got, err = SegmentLayout(context.Background(), c, img, other)
	if err != nil {
		t.Fatal(err)
	}
	if m, n := diff(got, want); m != 0 {
		t.Errorf("layout of another size: map differs from Segment at %d px", n)
	}
}

// TestLayoutRegions checks the regions are the tracks over the body,
// clipped to the strip.
func TestLayoutRegions(t *testing.T) {
	l := raster.Layout{Width: 100, Height: 500, Body: raster.Span{Top: 50, Bottom: 600},
		Tracks: []raster.Band{{Left: -5, Right: 40}, {Left: 60, Right: 99}, {Left: 120,
			Right: 130}}}
	got := LayoutRegions(l)
	want := []image.Rectangle{image.Rect(0, 50, 40, 500), image.Rect(60, 50, 99, 500)}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("regions %v, want %v", got, want)
	}
	if r := LayoutRegions(raster.Layout{Width: 10, Height: 10}); len(r) != 0 {
		t.Errorf("layout without tracks: regions %v, want none", r)
	}
}

// BenchmarkKeepOnly clears a 1664 x 17864 px map outside the real scan's
// two tracks over its body, as SegmentLayout does for the classical
// segmenter.
func BenchmarkKeepOnly(b *testing.B) {
	pm := raster.NewProbMap(1664, 17864)
	regions := []image.Rectangle{image.Rect(3, 2524, 498, 11611),
		image.Rect(667, 2524, 1662, 11611)}
	b.SetBytes(int64(2 * len(pm.P[0])))
	for range b.N {
		keepOnly(pm, regions, image.Point{})
	}
}
