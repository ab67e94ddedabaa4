package segment

import (
	"bytes"
	"compress/zlib"
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

// filteredPNG writes img's R, G and B as an 8-bit RGB PNG whose row y
// uses filter type y%5 (none, sub, up, average, Paeth), so that every
// filter is decoded.
func filteredPNG(t *testing.T, img *image.RGBA) []byte {
	t.Helper()
	w, h := img.Rect.Dx(), img.Rect.Dy()
	var raw bytes.Buffer
	zw := zlib.NewWriter(&raw)
	prev := make([]byte, 3*w)
	for y := 0; y < h; y++ {
		cur := make([]byte, 3*w)
		for x := 0; x < w; x++ {
			copy(cur[3*x:3*x+3], img.Pix[y*img.Stride+4*x:])
		}
		out := []byte{byte(y % 5)}
		for i, v := range cur {
			var a, b, c int
			if i >= 3 {
				a, c = int(cur[i-3]), int(prev[i-3])
			}
			b = int(prev[i])
			pred := 0
			switch y % 5 {
			case 1:
				pred = a
			case 2:
				pred = b
			case 3:
				pred = (a + b) / 2
			case 4: // the spec's Paeth, nearest of a, b, c to a+b-c
				pa, pb, pc := b-c, a-c, a+b-2*c
				pa, pb, pc = max(pa, -pa), max(pb, -pb), max(pc, -pc)
				pred = c
				if pa <= pb && pa <= pc {
					pred = a
				} else if pb <= pc {
					pred = b
				}
			}
			out = append(out, v-byte(pred))
		}
		zw.Write(out)
		prev = cur
	}
	zw.Close()
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	hdr := []byte{0, 0, byte(w >> 8), byte(w), 0, 0, byte(h >> 8), byte(h), 8, 2, 0, 0, 0}
	for _, c := range []struct {
		typ  string
		data []byte
	}{{"IHDR", hdr}, {"tEXt", []byte("Comment\x00filters")}, {"IDAT", raw.Bytes()[:40]},
		{"IDAT", raw.Bytes()[40:]}, {"IEND", nil}} {
		if err := writeChunk(&buf, c.typ, c.data); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// TestDecodeProbMapFilters decodes a PNG using every row filter, split
// over two IDAT chunks after an ancillary chunk, checks every px against
// image/png, and checks that cut and corrupted copies fail.
func TestDecodeProbMapFilters(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 257, 190))
	d := drawLog(257, 190, 8)
	for i := 0; i < 257*190; i++ {
		img.Pix[4*i] = d.img.Pix[i]
		img.Pix[4*i+1] = uint8(i*i/97 + i%5)
		img.Pix[4*i+2] = uint8(i / 3)
		img.Pix[4*i+3] = 255
	}
	data := filteredPNG(t, img)
	ref, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("image/png cannot read the test PNG: %v", err)
	}
	pm, err := DecodeProbMap(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for y := 0; y < 190; y++ {
		for x := 0; x < 257; x++ {
			r, g, _, _ := ref.At(x, y).RGBA()
			if pm.At(1, x, y) != uint8(r>>8) || pm.At(2, x, y) != uint8(g>>8) ||
				pm.At(1, x, y) != img.Pix[4*(y*257+x)] {
				t.Fatalf("px (%d, %d) row filter %d: R %d G %d, image/png %d %d", x, y,
					y%5, pm.At(1, x, y), pm.At(2, x, y), r>>8, g>>8)
			}
		}
	}

	if _, err := DecodeProbMap(bytes.NewReader(data[:len(data)/2])); err == nil {
		t.Error("a PNG cut in half decoded")
	}
	bad := bytes.Clone(data)
	bad[len(bad)/2] ^= 0x40
	if _, err := DecodeProbMap(bytes.NewReader(bad)); err == nil {
		t.Error("a PNG with a flipped bit in its image data decoded")
	}
}

// BenchmarkDecodeProbMapPNG reads a map written by image/png (filtered
// rows) of 2000 x 6000 px.
func BenchmarkDecodeProbMapPNG(b *testing.B) {
	img := benchStrip(6000)
	pm, err := NewClassical(ClassicalOptions{}).Segment(context.Background(), img)
	if err != nil {
		b.Fatal(err)
	}
	rgba := image.NewRGBA(image.Rect(0, 0, pm.Width, pm.Height))
	for i := range pm.P[0] {
		rgba.Pix[4*i], rgba.Pix[4*i+1], rgba.Pix[4*i+3] = pm.P[0][i], pm.P[1][i], 255
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, rgba); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(2 * len(pm.P[0])))
	b.ResetTimer()
	for range b.N {
		if _, err := DecodeProbMap(bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}
