package vector

import (
	"math"
	"testing"

	"github.com/welllog/digitiser/pkg/raster"
)

// TestTraceExchange draws two solid curves, the left one missing over the
// top rows and the right one over the bottom rows, so that the cheapest
// single path runs down the right curve and leaps across to the left one
// where the right one ends: each curve must still get its own line.
func TestTraceExchange(t *testing.T) {
	const w, h = 300, 1200
	band := raster.Band{Left: 0, Right: 300}
	a := sine(70, 15, 260)
	b := sine(220, 12, 340)
	pm := raster.NewProbMap(w, h)
	draw(pm, stroke{x: a, cls: 1, width: 3, y0: 400, y1: h})
	draw(pm, stroke{x: b, cls: 1, width: 3, y0: 0, y1: 700})
	m := manifestOf(curve("A", "solid"), curve("B", "solid"))
	trs, err := TraceAll(pm, oneTrack(w, h, band), m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, lo := range []float64{0, 150} {
		off, n := 0, 0
		for y, f := range trs[i].Frac {
			if math.IsNaN(f) {
				continue
			}
			n++
			if x := f * w; x < lo || x > lo+150 {
				off++
				if off == 1 {
					t.Logf("%s: row %d at x=%.1f", trs[i].Mnemonic, y, x)
				}
			}
		}
		if off > 0 || n < 400 {
			t.Errorf("%s: %d of %d rows on the other curve (want 0 of >= 400)",
				trs[i].Mnemonic, off, n)
		}
	}
}

// TestInterpolateKeepsEmptyRows bridges a contact span whose rows hold a
// value (taken from the other curve's ink: replaced by the line) and
// rows bridge left empty next to a sideways run (they stay empty).
func TestInterpolateKeepsEmptyRows(t *testing.T) {
	nan := math.NaN()
	p := &path{
		pos:  []float64{10, 50, nan, nan, 50, 20},
		conf: []float32{1, 1, 0, 0, 1, 1},
		ev:   []bool{true, true, false, false, true, true},
	}
	interpolate(p, 0, 5, 0.5)
	want := []float64{10, 12, nan, nan, 18, 20}
	for i, w := range want {
		got := p.pos[i]
		if math.IsNaN(w) != math.IsNaN(got) || (!math.IsNaN(w) && math.Abs(got-w) > 1e-9) {
			t.Errorf("row %d: %v, want %v", i, got, w)
		}
	}
	if p.conf[1] != 0.5 || p.conf[2] != 0 {
		t.Errorf("confidences %v: want 0.5 on the replaced rows, 0 on the empty ones", p.conf)
	}
}
