package segment

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"testing"

	"github.com/welllog/digitiser/pkg/raster"
)

// TestProbMapRoundTrip encodes a classical map of a drawn log and a map
// of graded values, decodes them, and checks every byte; the PNG must
// also open with image/png as an RGB image whose R and G are the classes.
func TestProbMapRoundTrip(t *testing.T) {
	d := drawLog(301, 257, 4)
	drawn, err := NewClassical(ClassicalOptions{}).Segment(context.Background(), d.img)
	if err != nil {
		t.Fatal(err)
	}
	graded := raster.NewProbMap(700, 150) // rows wider than one IDAT chunk
	for i := range graded.P[0] {
		graded.P[0][i] = uint8(i * 7)
		graded.P[1][i] = uint8(i*13 + i/700)
	}
	for _, pm := range []*raster.ProbMap{drawn, graded} {
		var buf bytes.Buffer
		if err := EncodeProbMap(&buf, pm); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("image/png cannot read the map: %v", err)
		}
		if r, g, _, _ := img.At(5, 3).RGBA(); uint8(r>>8) != pm.At(1, 5, 3) ||
			uint8(g>>8) != pm.At(2, 5, 3) {
			t.Errorf("px (5,3) is R %d G %d, want %d %d", r>>8, g>>8,
				pm.At(1, 5, 3), pm.At(2, 5, 3))
		}
		got, err := DecodeProbMap(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if got.Width != pm.Width || got.Height != pm.Height {
			t.Fatalf("decoded %d x %d, want %d x %d", got.Width, got.Height, pm.Width, pm.Height)
		}
		if m, n := diff(got, pm); m != 0 {
			t.Errorf("round trip changed %d values (max %d)", n, m)
		}
	}
}

// TestProbMapErrors checks a bad map and a non-PNG input fail.
func TestProbMapErrors(t *testing.T) {
	bad := &raster.ProbMap{Width: 4, Height: 4}
	if err := EncodeProbMap(&bytes.Buffer{}, bad); err == nil {
		t.Error("encoding a map without planes succeeded")
	}
	if _, err := DecodeProbMap(bytes.NewReader([]byte("not a png"))); err == nil {
		t.Error("decoding garbage succeeded")
	}
	gray := image.NewGray(image.Rect(0, 0, 3, 2))
	gray.Pix[4] = 200
	var buf bytes.Buffer
	png.Encode(&buf, gray)
	pm, err := DecodeProbMap(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if pm.At(1, 1, 1) != 200 || pm.At(2, 1, 1) != 200 {
		t.Errorf("grey 200 decoded as %d %d", pm.At(1, 1, 1), pm.At(2, 1, 1))
	}
}
