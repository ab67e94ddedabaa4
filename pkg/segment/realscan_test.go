package segment

import (
	"context"
	"image"
	"os"
	"testing"

	"golang.org/x/image/tiff"

	"github.com/welllog/digitiser/pkg/realdata"
)

// realScan decodes the shared 1-bit sonic log, skipping when absent.
func realScan(t testing.TB) *image.Gray {
	t.Helper()
	path := realdata.Path(t, "scans", "kgs-15-131-20215-sonic.tif")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("real scan not available (%v); see ../shared/realdata/README.md", err)
	}
	defer f.Close()
	img, err := tiff.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("decode %s: got %T, want *image.Gray", path, img)
	}
	return g
}

// crop returns rows [y0, y1) of img as a new image at the origin.
func crop(img *image.Gray, y0, y1 int) *image.Gray {
	w := img.Rect.Dx()
	out := image.NewGray(image.Rect(0, 0, w, y1-y0))
	for y := y0; y < y1; y++ {
		copy(out.Pix[(y-y0)*out.Stride:], img.Pix[y*img.Stride:y*img.Stride+w])
	}
	return out
}

// TestClassicalRealScan segments 1200 rows of the body of the real sonic
// log. Grid lines are found independently (rows and columns mostly ink);
// almost none of their px may be labelled, while most other ink (the
// curves) must be kept, and both classes must be present (the log has
// solid and dashed curves here).
func TestClassicalRealScan(t *testing.T) {
	img := crop(realScan(t), 3000, 4200)
	w, h := img.Rect.Dx(), img.Rect.Dy()
	pm, err := NewClassical(ClassicalOptions{}).Segment(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}

	ink := func(x, y int) bool { return img.Pix[y*img.Stride+x] < 128 }
	gridCol := make([]bool, w)
	for x := range gridCol {
		n := 0
		for y := 0; y < h; y++ {
			if ink(x, y) {
				n++
			}
		}
		gridCol[x] = 10*n >= 9*h
	}
	gridRow := make([]bool, h)
	for y := range gridRow {
		n := 0
		for x := 0; x < w; x++ {
			if ink(x, y) {
				n++
			}
		}
		gridRow[y] = 2*n >= w
	}

	var grid, gridKept, other, otherKept, solid, dashed int
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if !ink(x, y) {
				continue
			}
			c := classOf(pm, y*w+x)
			switch c {
			case 1:
				solid++
			case 2:
				dashed++
			}
			if gridCol[x] || gridRow[y] {
				grid++
				if c != 0 {
					gridKept++
				}
				continue
			}
			other++
			if c != 0 {
				otherKept++
			}
		}
	}
	gridShare := float64(gridKept) / float64(grid)
	keptShare := float64(otherKept) / float64(other)
	t.Logf("grid px %d, labelled %.3f; other ink %d, kept %.3f; solid %d dashed %d px",
		grid, gridShare, other, keptShare, solid, dashed)
	if grid < 10*h {
		t.Fatalf("found only %d grid px: the crop is not the log body", grid)
	}
	if gridShare > 0.05 {
		t.Errorf("%.3f of grid px labelled as curve, want <= 0.05", gridShare)
	}
	if keptShare < 0.80 {
		t.Errorf("kept %.3f of the ink off the grid, want >= 0.80", keptShare)
	}
	if solid == 0 || dashed == 0 {
		t.Errorf("solid %d, dashed %d px: want both classes", solid, dashed)
	}
}
