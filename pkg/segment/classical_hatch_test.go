package segment

import (
	"context"
	"image"
	"math"
	"testing"
)

// hatchedLog draws a w x h px track: borders, a minor grid every 20 px
// (rows and columns), a solid curve at x = 150 + 60 sin, the area between
// the left border and the curve hatched over rows [hatchTop, hatchBottom)
// with 1 px diagonal strokes every gap px, and a dashed curve (9 px dashes,
// 6 px gaps) at x = 320. mask marks each px's truth: 1 solid, 2 dashed,
// 3 hatching.
func hatchedLog(w, h, hatchTop, hatchBottom, gap int) (*image.Gray, []uint8) {
	img := image.NewGray(image.Rect(0, 0, w, h))
	mask := make([]uint8, w*h)
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	set := func(x, y int, m uint8) {
		if x >= 0 && x < w && y >= 0 && y < h {
			img.Pix[y*w+x] = 0
			if m != 0 {
				mask[y*w+x] = m
			}
		}
	}
	for y := 0; y < h; y += 20 {
		for x := range w {
			set(x, y, 0)
		}
	}
	for x := 0; x < w; x += 20 {
		for y := range h {
			set(x, y, 0)
		}
	}
	curveX := func(y int) int { return 150 + int(60*math.Sin(float64(y)/90)) }
	for y := hatchTop; y < hatchBottom; y++ {
		for x := 1 + (y % gap); x < curveX(y)-2; x += gap {
			set(x, y, 3)
		}
	}
	for y := range h {
		x0, x1 := curveX(y), curveX(y+1)
		for x := min(x0, x1) - 1; x <= max(x0, x1)+1; x++ {
			set(x, y, 1)
		}
		if y%15 < 9 {
			set(319, y, 2)
			set(320, y, 2)
			set(321, y, 2)
		}
	}
	return img, mask
}

// TestClassicalHatch checks that hatching (parallel 1 px diagonal strokes,
// spaced closer than a dash gap so that they would chain into a dashed
// curve) is labelled background, while the solid curve beside it and a
// dashed curve keep their classes.
func TestClassicalHatch(t *testing.T) {
	for _, gap := range []int{8, 12, 16} {
		img, mask := hatchedLog(400, 1200, 200, 900, gap)
		pm, err := NewClassical(ClassicalOptions{}).Segment(context.Background(), img)
		if err != nil {
			t.Fatal(err)
		}
		var n, ok [4]int
		for i, m := range mask {
			if m == 0 {
				continue
			}
			n[m]++
			c := classOf(pm, i)
			if (m == 3 && c == 0) || (m != 3 && c == m) {
				ok[m]++
			}
		}
		hatch := float64(ok[3]) / float64(n[3])
		solid := float64(ok[1]) / float64(n[1])
		dashed := float64(ok[2]) / float64(n[2])
		t.Logf("gap %d px: hatching dropped %.3f, solid kept %.3f, dashed kept %.3f", gap,
			hatch, solid, dashed)
		if hatch < 0.95 || solid < 0.9 || dashed < 0.9 {
			t.Errorf("gap %d px: hatching dropped %.3f (want >= 0.95), solid kept %.3f "+
				"(want >= 0.9), dashed kept %.3f (want >= 0.9)", gap, hatch, solid, dashed)
		}
	}
}

// TestClassicalFlatAndBrief checks two strokes the line and size rules
// used to lose: a curve running flat for 200 px off the grid rows (a long
// horizontal run, but its row is not a grid line) and a curve's brief
// excursion past the left border, cut off by it: 30 px wide, heavy.
func TestClassicalFlatAndBrief(t *testing.T) {
	const w, h = 600, 400
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	ink := func(x, y int) { img.Pix[y*w+x] = 0 }
	for y := 0; y < h; y += 20 {
		for x := range w {
			ink(x, y)
		}
	}
	for y := range h {
		ink(0, y)
		ink(1, y)
		ink(w-1, y)
	}
	for x := 100; x < 300; x++ { // flat stretch, 3 px thick, rows 105-107
		for y := 105; y < 108; y++ {
			ink(x, y)
		}
	}
	// Excursion off the left border, rows 250-269: out to x = 37 and
	// back, 2 px thick: wider than a glyph, narrower than SolidMin.
	cx := func(y int) int { return 2 + int(35*(1-math.Abs(float64(y)-259.5)/9.5)) }
	for y := 250; y < 270; y++ {
		for x := min(cx(y), cx(y-1)); x <= max(cx(y), cx(y-1))+1; x++ {
			ink(x, y)
		}
	}
	pm, err := NewClassical(ClassicalOptions{}).Segment(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	// count counts the ink px of a box off the grid rows, and those solid.
	count := func(x0, x1, y0, y1 int) (solid, all int) {
		for y := y0; y < y1; y++ {
			if y%20 == 0 && y1-y0 > 1 {
				continue
			}
			for x := x0; x < x1; x++ {
				if img.Pix[y*w+x] == 0 {
					all++
					if classOf(pm, y*w+x) == 1 {
						solid++
					}
				}
			}
		}
		return solid, all
	}
	if s, a := count(100, 300, 105, 108); 10*s < 9*a {
		t.Errorf("flat stretch: %d of %d px solid, want 90%%", s, a)
	}
	if s, a := count(2, 40, 250, 270); 10*s < 9*a {
		t.Errorf("excursion past the border: %d of %d px solid, want 90%%", s, a)
	}
	if s, a := count(0, w, 40, 41); s > 0 {
		t.Errorf("grid row 40: %d of %d px labelled solid, want 0", s, a)
	}
}

// BenchmarkRemoveHatch runs the hatching filter on a 2000 x 1200 px band
// hatched over half its rows.
func BenchmarkRemoveHatch(b *testing.B) {
	img, _ := hatchedLog(2000, 1200, 200, 800, 12)
	var bd band
	o := ClassicalOptions{}.withDefaults()
	bd.load(img, 0, 1200, o.Threshold)
	bd.findVertical(o.VLineMin)
	bd.findHorizontal(o.HLineMin)
	bd.removeLines()
	clean := append([]bool(nil), bd.clean...)
	b.SetBytes(int64(len(clean)))
	b.ResetTimer()
	for b.Loop() {
		copy(bd.clean, clean)
		bd.removeHatch()
	}
}
