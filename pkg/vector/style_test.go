package vector

import (
	"math"
	"testing"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
)

// TestTraceStylesApart draws a dashed, a dotted and a dash-dot curve in
// one track, crossing each other again and again over one range, and
// lists them in an order that matches no left-to-right order: only the
// dash pattern tells them apart.
func TestTraceStylesApart(t *testing.T) {
	const w, h = 320, 2400
	band := raster.Band{Left: 0, Right: 320}
	xs := []func(float64) float64{sine(160, 110, 700), sine(160, -100, 900), sine(150, 90, 500)}
	pats := []struct{ on, off float64 }{{14, 9}, {1, 6}, {16, 7}}
	styles := []string{manifest.StyleDashed, manifest.StyleDotted, manifest.StyleDashDot}
	pm := raster.NewProbMap(w, h)
	for i, x := range xs {
		s := stroke{x: x, cls: 2, width: 2, on: pats[i].on, off: pats[i].off, y1: h}
		if styles[i] == manifest.StyleDashDot {
			s.skip = dashDotSkip(x)
		}
		draw(pm, s)
	}
	m := manifestOf(curve("C", styles[2]), curve("A", styles[0]), curve("B", styles[1]))
	trs, err := TraceAll(pm, oneTrack(w, h, band), m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []func(float64) float64{xs[2], xs[0], xs[1]} {
		mean, _, missing := errStats(t, trs[i], band, want, 20, h-20)
		off := offRows(trs[i], band, want, 20, h-20, 6)
		t.Logf("%s: mean %.3f px, %d rows off by > 6 px, missing %d", trs[i].Mnemonic, mean,
			off, missing)
		if mean > 1 || off > h/50 || missing > 0 {
			t.Errorf("%s: mean %.3f px (want <= 1), %d rows off by > 6 px (want <= %d), "+
				"missing %d: curves of distinct styles mixed up", trs[i].Mnemonic, mean, off,
				h/50, missing)
		}
	}
}

// dashDotSkip blanks every other dash of a 16/7 px dash pattern down to a
// dot, making a dash-dot line from a dashed stroke.
func dashDotSkip(x func(float64) float64) func(int) bool {
	return func(y int) bool {
		arc := 0.0
		for r := 0; r < y; r++ {
			arc += math.Hypot(x(float64(r+1))-x(float64(r)), 1)
		}
		m := math.Mod(arc, 46)
		return m > 25.5 && m < 39 // second dash cut to a dot
	}
}

// offRows counts rows whose trace is more than tol px from x.
func offRows(tr Trace, band raster.Band, x func(float64) float64, a, b int, tol float64) int {
	n := 0
	for y := a; y < b; y++ {
		f := tr.Frac[y-tr.Top]
		if !math.IsNaN(f) && math.Abs(float64(band.Left)+f*float64(band.Width())-
			x(float64(y)+0.5)) > tol {
			n++
		}
	}
	return n
}

// TestTraceAlongBorder pins a curve on the right border line for a stretch,
// drawn over the border as printed: the trace must stay on the border.
func TestTraceAlongBorder(t *testing.T) {
	const w, h = 300, 1200
	layout := oneTrack(w, h, raster.Band{Left: 23, Right: 277})
	layout.GridLines = []raster.Band{{Left: 20, Right: 23}, {Left: 277, Right: 280}}
	x0, x1 := TrackEdges(layout, 0) // 21.5 and 278.5
	x := func(y float64) float64 { return min(x1, 150+200*math.Sin(2*math.Pi*y/1200)) }
	pm := raster.NewProbMap(w, h)
	draw(pm, stroke{x: x, cls: 1, width: 3, y1: h})
	trs, err := TraceAll(pm, layout, manifestOf(curve("GR", "solid")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr := trs[0]
	pinned, worst := 0, 0.0
	for y := 10; y < h-10; y++ {
		want := x(float64(y) + 0.5)
		if want < x1 {
			continue
		}
		pinned++
		f := tr.Frac[y]
		if math.IsNaN(f) {
			t.Fatalf("row %d: no value on the border", y)
		}
		worst = max(worst, math.Abs(FracX(f, x0, x1)-want))
	}
	if pinned < 100 || worst > 1 {
		t.Errorf("%d rows pinned (want >= 100), worst error %.2f px (want <= 1)", pinned, worst)
	}
}

// TestTraceSweepThroughSeam draws a wrapped curve that swings through the
// whole track and back within a few rows, again and again: every wrap must
// be kept.
func TestTraceSweepThroughSeam(t *testing.T) {
	const w, h = 260, 1200
	band := raster.Band{Left: 30, Right: 230}
	// From 0.6 of the track a spike reaches 1.6 (0.6 on the backup scale)
	// over 6 rows every 150 rows.
	x := func(y float64) float64 {
		d := math.Abs(math.Mod(y, 150) - 75)
		return 30 + 200*(0.6+max(0, 1-d/3))
	}
	pm := raster.NewProbMap(w, h)
	draw(pm, stroke{x: x, cls: 1, width: 2, y1: h, wrap: &band})
	c := curve("GR", "solid")
	c.Backup = &manifest.Backup{Left: 100, Right: 200}
	trs, err := TraceAll(pm, oneTrack(w, h, band), manifestOf(c), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr := trs[0]
	wrongWrap, wrapped := 0, 0
	for y := 5; y < h-5; y++ {
		want := (x(float64(y)+0.5) - 30) / 200
		if want > 1.05 {
			wrapped++
			if tr.Wrap[y] != 1 || math.Abs(tr.Frac[y]-want) > 0.1 {
				wrongWrap++
			}
		}
		calm := math.Abs(math.Mod(float64(y), 150)-75) > 4
		if calm && (tr.Wrap[y] != 0 || math.Abs(tr.Frac[y]-want) > 0.02) {
			t.Fatalf("row %d at %.3f: traced %.3f wrap %d", y, want, tr.Frac[y], tr.Wrap[y])
		}
	}
	if wrapped < 16 || wrongWrap > wrapped/4 {
		t.Errorf("%d of %d swept rows lost their wrap or lie off by > 0.1", wrongWrap, wrapped)
	}
}
