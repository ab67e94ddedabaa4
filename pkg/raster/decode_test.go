package raster

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestDecodeRealG4(t *testing.T) {
	_, img := loadRealScan(t)
	if got := img.Rect.Size(); got != image.Pt(1664, 17864) {
		t.Fatalf("size %v, want 1664 x 17864 px", got)
	}
	// 0.09523 is the ink fraction PIL's libtiff decoder gives for the same
	// file; a G4 decoding error shifts whole runs and moves it far more.
	if got := inkFraction(img); absf(got-0.09523) > 0.0005 {
		t.Errorf("ink fraction %.5f, want 0.09523", got)
	}
	// Paper is white (255), ink black (0), nothing between.
	hist := histogram(img, 0)
	if !isBilevel(hist) || hist[255] < hist[0] {
		t.Errorf("not white paper with black ink: %d black, %d white", hist[0], hist[255])
	}
}

// TestDecodeMultiPageTIFF reads a three-page TIFF written by PIL (libtiff):
// a CCITT G4 bilevel page, an LZW grey page and a deflate RGB page, each
// with one dark rectangle.
func TestDecodeMultiPageTIFF(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "multipage.tif"))
	if err != nil {
		t.Fatal(err)
	}
	pages, err := DecodePages("multipage.tif", data)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		size image.Point
		rect image.Rectangle
	}{
		{image.Pt(240, 320), image.Rect(20, 30, 60, 90)},
		{image.Pt(200, 300), image.Rect(100, 150, 140, 200)},
		{image.Pt(100, 150), image.Rect(10, 10, 30, 50)},
	}
	if len(pages) != len(want) {
		t.Fatalf("%d pages, want %d", len(pages), len(want))
	}
	for i, w := range want {
		checkRect(t, i+1, pages[i], w.size, w.rect)
	}
}

// checkRect checks that a page is size px and dark exactly inside rect.
func checkRect(t *testing.T, page int, img *image.Gray, size image.Point, rect image.Rectangle) {
	t.Helper()
	if img.Rect.Size() != size {
		t.Errorf("page %d: size %v, want %v", page, img.Rect.Size(), size)
		return
	}
	bad := 0
	for y := 0; y < size.Y; y++ {
		for x := 0; x < size.X; x++ {
			v := img.GrayAt(x, y).Y
			inside := image.Pt(x, y).In(rect)
			if inside && v > 60 || !inside && v < 250 {
				bad++
			}
		}
	}
	if bad > 0 {
		t.Errorf("page %d: %d px on the wrong side of the rectangle %v", page, bad, rect)
	}
}

func TestDecodePNGAndJPEG(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 160, 120))
	for i := range src.Pix {
		src.Pix[i] = 255
	}
	rect := image.Rect(40, 20, 100, 70)
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			src.Set(x, y, color.RGBA{10, 20, 30, 255})
		}
	}
	var pngData, jpgData bytes.Buffer
	if err := png.Encode(&pngData, src); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&jpgData, src, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{{"page.png", pngData.Bytes()}, {"page.jpg", jpgData.Bytes()}} {
		pages, err := DecodePages(tc.name, tc.data)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(pages) != 1 {
			t.Fatalf("%s: %d pages, want 1", tc.name, len(pages))
		}
		// Shrink the rectangle by 2 px for JPEG's ringing at the edges.
		inner := rect.Inset(2)
		g := pages[0]
		for _, p := range []image.Point{inner.Min, inner.Max.Sub(image.Pt(1, 1)), {5, 5}} {
			v := g.GrayAt(p.X, p.Y).Y
			if p.In(inner) && v > 40 || !p.In(inner) && v < 240 {
				t.Errorf("%s: px %v = %d", tc.name, p, v)
			}
		}
	}
}

func TestDecodeTransparentPNG(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 8, 8)) // fully transparent
	src.Set(3, 3, color.NRGBA{0, 0, 0, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, src); err != nil {
		t.Fatal(err)
	}
	pages, err := DecodePages("t.png", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if a, b := pages[0].GrayAt(0, 0).Y, pages[0].GrayAt(3, 3).Y; a != 255 || b != 0 {
		t.Errorf("transparent px = %d (want 255 paper), ink px = %d (want 0)", a, b)
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"notes.txt", []byte("depth 250 ft"), ErrUnsupportedFormat},
		{"big.tif", []byte("II+\x00\x08\x00\x00\x00"), ErrUnsupportedFormat},
	}
	for _, tc := range tests {
		if _, err := DecodePages(tc.name, tc.data); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	// A TIFF whose IFD chain points past the end of the file.
	if _, err := DecodePages("cut.tif", []byte("II*\x00\xff\x00\x00\x00")); err == nil {
		t.Error("truncated TIFF decoded without error")
	}
}
