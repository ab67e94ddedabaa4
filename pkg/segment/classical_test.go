package segment

import (
	"context"
	"testing"

	"github.com/welllog/digitiser/pkg/raster"
)

// classOf returns the predicted class of px i: the class whose
// probability is highest, if at least 128, else 0.
func classOf(pm *raster.ProbMap, i int) uint8 {
	p1, p2 := pm.P[0][i], pm.P[1][i]
	switch {
	case p1 >= 128 && p1 >= p2:
		return 1
	case p2 >= 128:
		return 2
	}
	return 0
}

// iou returns the intersection over union of class cls between the map's
// prediction and truth.
func iou(pm *raster.ProbMap, truth []uint8, cls uint8) float64 {
	var inter, union int
	for i, tc := range truth {
		pc := classOf(pm, i)
		if pc == cls && tc == cls {
			inter++
		}
		if pc == cls || tc == cls {
			union++
		}
	}
	if union == 0 {
		return 1
	}
	return float64(inter) / float64(union)
}

// TestClassicalSynthetic segments drawn logs with grid, text, a solid and
// a dashed curve, and checks IoU per class against the drawn truth.
func TestClassicalSynthetic(t *testing.T) {
	for _, tc := range []struct {
		name string
		w, h int
		seed uint64
		band int
	}{
		{"one band", 600, 900, 1, 0},
		{"many bands", 500, 2500, 2, 300},
		{"narrow", 240, 1200, 3, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := drawLog(tc.w, tc.h, tc.seed)
			seg := NewClassical(ClassicalOptions{Band: tc.band})
			pm, err := seg.Segment(context.Background(), d.img)
			if err != nil {
				t.Fatal(err)
			}
			solid, dashed := iou(pm, d.truth, 1), iou(pm, d.truth, 2)
			t.Logf("IoU solid %.3f dashed %.3f", solid, dashed)
			if solid < 0.85 {
				t.Errorf("solid IoU %.3f, want >= 0.85", solid)
			}
			if dashed < 0.70 {
				t.Errorf("dashed IoU %.3f, want >= 0.70", dashed)
			}
			var text, kept int
			for i, on := range d.text {
				if on && d.truth[i] == 0 {
					text++
					if classOf(pm, i) != 0 {
						kept++
					}
				}
			}
			t.Logf("text px kept %d of %d", kept, text)
			if text == 0 || 10*kept > text {
				t.Errorf("%d of %d text px labelled as curve, want under 10%%", kept, text)
			}
		})
	}
}
