package vector

import (
	"math"
	"testing"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
)

// TestTraceStylesDottedSpikes draws a dotted curve down the right of a
// track that sweeps flat across it every 150 rows (a spike), with a
// dashed and a dash-dot curve crossing each other in the middle. Each
// sweep leaves a row of dots, so dashes are well under a fifth of the
// band's ink pieces (logged); the three must still be traced by style:
// listed in no left-to-right order, the dashed and the dash-dot curve are
// told apart by their dash pattern only.
func TestTraceStylesDottedSpikes(t *testing.T) {
	const w, h = 320, 2400
	band := raster.Band{Left: 0, Right: 320}
	xs := []func(float64) float64{sine(150, 70, 700), sine(150, -60, 900), spikes(290, 240, 150)}
	pats := []struct{ on, off float64 }{{14, 9}, {16, 7}, {1, 6}}
	styles := []string{manifest.StyleDashed, manifest.StyleDashDot, manifest.StyleDotted}
	pm := raster.NewProbMap(w, h)
	for i, x := range xs {
		s := stroke{x: x, cls: 2, width: 2, on: pats[i].on, off: pats[i].off, y1: h}
		if styles[i] == manifest.StyleDashDot {
			s.skip = dashDotSkip(x)
		}
		draw(pm, s)
	}
	m := manifestOf(curve("C", styles[2]), curve("B", styles[1]), curve("A", styles[0]))
	layout := oneTrack(w, h, band)
	v := &bandView{pm: pm, cls: 2, top: 0, h: h, w: w, thr: 128}
	var buf dpBuffers
	buf.ensure(w, h)
	pc := buildPieces(v, buf.rowA)
	t.Logf("ink pieces: %d dots, %d dashes", pc.dots, pc.dashes)

	trs, err := TraceAll(pm, layout, m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The dotted curve's 240 px sweeps within 8 rows are followed only in
	// part, so it gets a looser bound; mixed up with another curve it is
	// tens of px off on most rows. Bridging the gaps between dashes a row
	// apart (Options.BrokenGap) lets the dash-dot curve B cut across the
	// dashed A's dashes for a few rows at the dotted sweeps: B went from
	// 0.69 px mean, 30 rows off, to 1.25 px, 65 rows, for +0.03 median R^2
	// on the dashed curves of 48 hard logs.
	bounds := []struct {
		mean float64
		off  int
	}{{4, h / 10}, {1.5, h / 30}, {1, h / 50}}
	for i, want := range []func(float64) float64{xs[2], xs[1], xs[0]} {
		mean, _, _ := errStats(t, trs[i], band, want, 20, h-20)
		off := offRows(trs[i], band, want, 20, h-20, 6)
		t.Logf("%s: mean %.3f px, %d rows off by > 6 px", trs[i].Mnemonic, mean, off)
		if b := bounds[i]; mean > b.mean || off > b.off {
			t.Errorf("%s: mean %.3f px (want <= %v), %d rows off by > 6 px (want <= %d): "+
				"curves of distinct styles mixed up", trs[i].Mnemonic, mean, b.mean, off, b.off)
		}
	}
}

// spikes is a vertical line at x that sweeps left by depth px and back
// over 8 rows every period rows.
func spikes(x, depth, period float64) func(float64) float64 {
	return func(y float64) float64 {
		d := math.Mod(y, period) - period/2
		return x - depth*math.Max(0, 1-math.Abs(d)/4)
	}
}
