package raster

import (
	"image"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/realdata"
)

// realScanName is the real CCITT G4 scan under ../shared/realdata.
const realScanName = "kgs-15-131-20215-sonic"

var realScan struct {
	once sync.Once
	data []byte
	img  *image.Gray
	err  error
}

// loadRealScan returns the real scan's bytes and decoded page, decoded once
// per test binary; it skips the test when ../shared/realdata is absent.
func loadRealScan(tb testing.TB) ([]byte, *image.Gray) {
	tb.Helper()
	path := realdata.Skip(tb, "scans", realScanName+".tif")
	realScan.once.Do(func() {
		realScan.data, realScan.err = os.ReadFile(path)
		if realScan.err != nil {
			return
		}
		var pages []*image.Gray
		pages, realScan.err = DecodePages(filepath.Base(path), realScan.data)
		if realScan.err == nil {
			realScan.img = pages[0]
		}
	})
	if realScan.err != nil {
		tb.Fatal(realScan.err)
	}
	return realScan.data, realScan.img
}

// loadRealManifest parses testdata/real's manifest of the real scan.
func loadRealManifest(tb testing.TB) *manifest.Manifest {
	tb.Helper()
	path := filepath.Join(realdata.Root(tb), "testdata", "real", realScanName+".yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := manifest.Parse(path, data)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// inkFraction is the fraction of px darker than grey 128.
func inkFraction(img *image.Gray) float64 {
	n := 0
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := 0; y < h; y++ {
		for _, v := range img.Pix[y*img.Stride : y*img.Stride+w] {
			if v < 128 {
				n++
			}
		}
	}
	return float64(n) / float64(w*h)
}

// cutPage returns the w x h px window of src whose top-left corner is at
// (x0, y0), white where the window leaves src: a page fed into the
// scanner shifted by -x0.
func cutPage(src *image.Gray, x0, y0, w, h int) *image.Gray {
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sx, sy := x0+x, y0+y
			v := uint8(255)
			if sx >= 0 && sy >= 0 && sx < src.Rect.Dx() && sy < src.Rect.Dy() {
				v = src.Pix[sy*src.Stride+sx]
			}
			out.Pix[y*out.Stride+x] = v
		}
	}
	return out
}

// pad returns img centred on a white canvas m px larger on every side.
func pad(img *image.Gray, m int) *image.Gray {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	return cutPage(img, -m, -m, w+2*m, h+2*m)
}

func absf(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
