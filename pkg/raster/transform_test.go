package raster

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestTransformMatchesWarp(t *testing.T) {
	src := blank(400, 900)
	src.Pix[600*400+300] = 0 // one ink px at (300, 600)
	tf := Transform{SkewDeg: 1.7, CX: 200, CY: 450}
	dst := blank(400, 900)
	warp(dst, src, tf, 0)

	x, y := tf.Apply(300.5, 600.5) // the px centre
	cx, cy := int(math.Floor(x)), int(math.Floor(y))
	if v := dst.GrayAt(cx, cy).Y; v > 200 {
		t.Errorf("ink moved by Apply to (%.2f, %.2f) but dst there is %d", x, y, v)
	}
	bx, by := tf.Inverse(x, y)
	if math.Abs(bx-300.5) > 1e-9 || math.Abs(by-600.5) > 1e-9 {
		t.Errorf("Inverse(Apply(p)) = (%v, %v), want (300.5, 600.5)", bx, by)
	}
}

// TestWarpFastPath checks the unchecked interior sampler against the
// checked one on noise, at angles that put the interior anywhere.
func TestWarpFastPath(t *testing.T) {
	const w, h = 300, 500
	src := blank(w, h)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range src.Pix {
		src.Pix[i] = uint8(r.IntN(256))
	}
	for _, deg := range []float64{0, 0.3, -2, 45, 90, 180} {
		tf := Transform{SkewDeg: deg, CX: w / 2, CY: h / 2, DX: 3, DY: -7}
		got := blank(w, h)
		warp(got, src, tf, 0)
		s, c := math.Sincos(deg * math.Pi / 180)
		sx, sy := int64(math.Round(c*65536)), int64(math.Round(s*65536))
		for y := 0; y < h; y++ {
			fx, fy := tf.Inverse(0.5, float64(y)+0.5)
			px := int64(math.Round((fx - 0.5) * 65536))
			py := int64(math.Round((fy - 0.5) * 65536))
			for x := 0; x < w; x++ {
				want := bilinear(src, w, h, px+int64(x)*sx, py+int64(x)*sy)
				if v := got.Pix[y*w+x]; v != want {
					t.Fatalf("%.1f deg: px (%d, %d) = %d, checked sampler gives %d",
						deg, x, y, v, want)
				}
			}
		}
	}
}
