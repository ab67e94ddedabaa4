package synth

import (
	"image"
	"math"
	"testing"
)

// TestMaskLabelsVisibleInkOnly renders bilevel logs whose curves all fade:
// every curve pixel the mask labels must have ink within one px in the
// scanned image, and where fading left a stretch of a curve white the mask
// must leave it out while the truth keeps the curve's position there.
func TestMaskLabelsVisibleInkOnly(t *testing.T) {
	k := HardKnobs()
	k.FadeProb, k.BilevelProb, k.ColorProb = 1, 1, 0
	k.Dropout = Range{0, 0}
	hidden := 0
	for seed := uint64(1); seed <= 4; seed++ {
		lg, err := Generate(Config{Tier: TierHard, Seed: seed, Width: 1000, Height: 3000, Knobs: &k})
		if err != nil {
			t.Fatal(err)
		}
		img, m := lg.Gray(), lg.Mask
		for y := 0; y < m.Rect.Dy(); y++ {
			for x := 0; x < m.Rect.Dx(); x++ {
				if m.Pix[y*m.Stride+x] != 0 && !darkNear(img, x, y, 0) {
					t.Fatalf("seed %d: mask labels (%d, %d) with no ink within 1 px", seed, x, y)
				}
			}
		}
		for _, ct := range lg.Truth {
			hidden += hiddenRows(ct, m)
		}
	}
	if hidden == 0 {
		t.Error("no faded stretch was dropped from the mask in 4 logs whose curves all fade: " +
			"fading no longer reaches the bilevel threshold, or the mask ignores visibility")
	}
}

// hiddenRows counts rows where the truth puts the curve on the page but the
// mask labels nothing of its class within 4 px of that point.
func hiddenRows(ct CurveTruth, m *image.Gray) int {
	n := 0
	for r := range ct.PageX {
		px, py := ct.PageX[r], ct.PageY[r]
		if math.IsNaN(px) || math.IsNaN(py) {
			continue
		}
		x, y := int(math.Round(px)), int(math.Round(py))
		if x < 4 || y < 0 || x >= m.Rect.Dx()-4 || y >= m.Rect.Dy() {
			continue
		}
		found := false
		for dx := -4; dx <= 4 && !found; dx++ {
			found = m.Pix[y*m.Stride+x+dx] == uint8(ct.Class)
		}
		if !found {
			n++
		}
	}
	return n
}
