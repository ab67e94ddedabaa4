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

// TestTiePointsOnThePage: under skew the last labelled depths of a strip
// can map past its bottom row; the manifest's tie points must all lie on
// the page (a hard log 600 px tall once put one at row 623.67), and come
// as two or more or not at all.
func TestTiePointsOnThePage(t *testing.T) {
	k := HardKnobs()
	k.TiePointsProb = 1
	for _, h := range []int{600, 700, 1000, 3000} {
		for seed := uint64(900001); seed <= 900008; seed++ {
			lg, err := Generate(Config{Tier: TierHard, Seed: seed, Width: 1700, Height: h,
				Knobs: &k})
			if err != nil {
				t.Fatal(err)
			}
			tps := lg.Manifest.Depth.TiePoints
			if len(tps) == 1 {
				t.Errorf("height %d seed %d: a single tie point", h, seed)
			}
			for _, tp := range tps {
				if tp.Row < 0 || tp.Row > float64(h-1) {
					t.Errorf("height %d seed %d: tie point row %g is off the %d px page",
						h, seed, tp.Row, h)
				}
			}
		}
	}
}
