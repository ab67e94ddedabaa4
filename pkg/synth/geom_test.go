package synth

import (
	"math"
	"testing"

	"github.com/welllog/digitiser/pkg/raster"
)

// TestDepthLine undoes a hard-tier page's skew by hand, so that body row
// r of the log frame lands on row CY + (r - CY) * stretch of the prepared
// image, and checks that the exact depth line gives every such row the
// generator's depth of r.
func TestDepthLine(t *testing.T) {
	lg, err := Generate(Config{Tier: TierHard, Seed: 900003, Height: 3000})
	if err != nil {
		t.Fatal(err)
	}
	gm := lg.Geometry
	if gm.SkewDeg == 0 || gm.stretch() == 1 {
		t.Fatalf("seed 900003 drew skew %v deg and stretch %v; the test needs both",
			gm.SkewDeg, gm.stretch())
	}
	d0, rate := lg.DepthLine(raster.Transform{SkewDeg: gm.SkewDeg, CX: gm.CX, CY: gm.CY})
	checked := 0
	for r := lg.Layout.Body.Top; r < len(lg.Depth); r += 97 {
		want := lg.Depth[r]
		if math.IsNaN(want) {
			continue
		}
		row := gm.CY + (float64(r)-gm.CY)*gm.stretch()
		if got := d0 + rate*row; math.Abs(got-want) > 0.01*math.Abs(rate) {
			t.Errorf("log row %d (prepared row %.2f): depth %.4f, want %.4f", r, row, got, want)
		}
		checked++
	}
	if checked < 20 {
		t.Fatalf("only %d body rows checked", checked)
	}
}
