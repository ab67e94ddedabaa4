package vector

import (
	"math"
	"testing"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
)

// TestTraceBriefWraps draws a curve with a backup scale that pokes past
// the right border for a few rows now and then, with the ink next to both
// borders missing (a segmenter drops the border lines and with them the
// px where the curve leaves the track): every excursion must be read on
// the backup scale, the rest on the main one, and no row may wrap twice.
func TestTraceBriefWraps(t *testing.T) {
	const w, h = 260, 1500
	band := raster.Band{Left: 30, Right: 230}
	// Every 250 rows a swing from 0.7 out to 1.12 of the track, held
	// for 8 rows.
	x := func(y float64) float64 {
		d := math.Abs(math.Mod(y, 250) - 125)
		return 30 + 200*(0.7+0.42*min(1, max(0, (10-d)/6)))
	}
	pm := raster.NewProbMap(w, h)
	draw(pm, stroke{x: x, cls: 1, width: 3, y1: h, wrap: &band})
	for y := range h {
		for _, c := range []int{30, 31, 228, 229} {
			pm.Set(1, c, y, 0)
		}
	}
	c := curve("GR", "solid")
	c.Backup = &manifest.Backup{Left: 100, Right: 200}
	trs, err := TraceAll(pm, oneTrack(w, h, band), manifestOf(c), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr := trs[0]
	wrong, wrapped := 0, 0
	for y := 5; y < h-5; y++ {
		want := (x(float64(y)+0.5) - 30) / 200
		if tr.Wrap[y] < 0 || tr.Wrap[y] > 1 {
			t.Fatalf("row %d: wrap %d, want 0 or 1", y, tr.Wrap[y])
		}
		if want > 1.05 {
			wrapped++
			if tr.Wrap[y] != 1 {
				wrong++
			}
		}
		if want < 0.95 && tr.Wrap[y] != 0 {
			wrong++
		}
	}
	if wrapped < 40 || wrong > wrapped/10 {
		t.Errorf("%d rows on the wrong scale, of %d wrapped rows (want <= 10%%)", wrong,
			wrapped)
	}
}
