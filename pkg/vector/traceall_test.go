package vector

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
)

func sine(centre, amp, period float64) func(float64) float64 {
	return func(y float64) float64 { return centre + amp*math.Sin(2*math.Pi*y/period) }
}

func TestTraceSingleStyles(t *testing.T) {
	const w, h = 300, 1500
	band := raster.Band{Left: 40, Right: 260}
	cases := []struct {
		name    string
		style   string
		on, off float64
		width   float64
	}{
		{"solid", manifest.StyleSolid, 0, 0, 3},
		{"dashed", manifest.StyleDashed, 14, 9, 3},
		{"dotted", manifest.StyleDotted, 2.5, 5, 2.5},
		{"dash-dot", manifest.StyleDashDot, 14, 5, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := curve("C", tc.style)
			x := sine(150, 70, 400)
			pm := raster.NewProbMap(w, h)
			draw(pm, stroke{x: x, cls: c.Class(), width: tc.width, on: tc.on, off: tc.off,
				y0: 0, y1: h})
			trs, err := TraceAll(pm, oneTrack(w, h, band), manifestOf(c), Options{})
			if err != nil {
				t.Fatal(err)
			}
			mean, worst, missing := errStats(t, trs[0], band, x, 10, h-10)
			t.Logf("mean %.3f px, worst %.3f px, missing %d rows", mean, worst, missing)
			if mean > 0.35 || worst > 2 || missing > 0 {
				t.Errorf("mean %.3f px (want <= 0.35), worst %.3f px (want <= 2), "+
					"missing %d rows (want 0)", mean, worst, missing)
			}
		})
	}
}

func TestTraceSharpSpike(t *testing.T) {
	const w, h = 300, 600
	// A 150 px spike over 12 rows: the trace must climb it, not cut it.
	x := spikeAt300(150, 6)
	for _, style := range []string{manifest.StyleSolid, manifest.StyleDashed,
		manifest.StyleDotted} {
		peak := spikePeak(t, w, h, x, style, 3)
		t.Logf("%s: spike to x=210 traced to x=%.1f", style, peak)
		if peak < 190 {
			t.Errorf("%s: spike to x=210 traced only to x=%.1f", style, peak)
		}
	}
}

// spikeAt300 is a vertical line at x=60 that spikes right by depth px
// and back, over half rows either side of row 300.
func spikeAt300(depth, half float64) func(float64) float64 {
	return func(y float64) float64 {
		return 60 + depth*math.Max(0, 1-math.Abs(y-300)/half)
	}
}

// spikePeak draws curve x in a line style (dashes 14 on 9 off, dots 1 on
// 6 off) on a w x h map whose one track is the whole width, traces it and
// returns the rightmost traced position, in px, over rows 290-310.
func spikePeak(t *testing.T, w, h int, x func(float64) float64, style string,
	width float64) float64 {
	t.Helper()
	c := curve("C", style)
	on, off := 0.0, 0.0
	switch style {
	case manifest.StyleDashed:
		on, off = 14, 9
	case manifest.StyleDotted:
		on, off = 1, 6
	}
	pm := raster.NewProbMap(w, h)
	draw(pm, stroke{x: x, cls: c.Class(), width: width, on: on, off: off, y1: h})
	band := raster.Band{Left: 0, Right: w}
	trs, err := TraceAll(pm, oneTrack(w, h, band), manifestOf(c), Options{})
	if err != nil {
		t.Fatal(err)
	}
	peak := 0.0
	for y := 290; y < 310; y++ {
		peak = max(peak, trs[0].Frac[y]*float64(w))
	}
	return peak
}

// TestTraceFlatSweep draws a broken line that sweeps 450 px out and back
// within 8 rows (a spike of a real log printed nearly flat): each row
// holds a 110 px stretch of dashes or dots and no run long enough to be a
// sweep by itself. The trace must run out along it; before such clusters
// cost the sweep rate it stayed at the base line (x=60-76).
func TestTraceFlatSweep(t *testing.T) {
	const w, h = 600, 600
	x := spikeAt300(450, 4)
	for _, style := range []string{manifest.StyleDashed, manifest.StyleDotted} {
		peak := spikePeak(t, w, h, x, style, 2)
		t.Logf("%s: sweep to x=510 traced to x=%.0f", style, peak)
		if peak < 380 {
			t.Errorf("%s: sweep to x=510 traced only to x=%.0f", style, peak)
		}
	}
}

func TestTraceGapsStayNull(t *testing.T) {
	const w, h = 200, 1000
	band := raster.Band{Left: 0, Right: 200}
	x := sine(100, 40, 300)
	pm := raster.NewProbMap(w, h)
	// Ink from row 100 to 900, with a 20-row and a 200-row hole.
	skip := func(y int) bool { return (y >= 300 && y < 320) || (y >= 500 && y < 700) }
	draw(pm, stroke{x: x, cls: 1, width: 3, y0: 100, y1: 900, skip: skip})
	trs, err := TraceAll(pm, oneTrack(w, h, band), manifestOf(curve("GR", "solid")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr := trs[0]
	for _, span := range [][2]int{{0, 100}, {500, 700}, {900, 1000}} {
		for y := span[0]; y < span[1]; y++ {
			if !math.IsNaN(tr.Frac[y]) {
				t.Fatalf("row %d has no ink but got frac %.3f", y, tr.Frac[y])
			}
		}
	}
	mean, worst, missing := errStats(t, tr, band, x, 300, 320)
	if missing > 0 || worst > 1.5 {
		t.Errorf("20-row gap: %d rows missing, worst %.2f px (mean %.2f)", missing, worst, mean)
	}
	if c := tr.Conf[310]; c <= 0 || c >= tr.Conf[250] {
		t.Errorf("bridged row confidence %.2f should be above 0 and below inked %.2f",
			c, tr.Conf[250])
	}
}

// TestTraceSidewaysGaps checks which gaps bridge fills. A curve at x = 60
// runs 200 px sideways within two rows and comes back; the rows out there
// lose their ink (a spike the segmenter dropped, or one that left the
// track). Those rows have no evidence and stay NaN, whether the curve
// goes out or comes back sideways or both: a line from a sideways run's
// centre would put them in the middle of the track. A gap of the same
// length on the straight stretch, and the gaps between the dashes of a
// steep dashed line, are still bridged.
func TestTraceSidewaysGaps(t *testing.T) {
	const w, h = 300, 600
	band := raster.Band{Left: 0, Right: w}
	out := func(back float64) func(float64) float64 {
		return func(y float64) float64 {
			switch {
			case y < 300:
				return 60
			case y < 302:
				return 60 + 100*(y-300)
			case y < 328:
				return 260
			}
			return max(60, 260-back*(y-328))
		}
	}
	gradual := func(y float64) float64 { // out at 8 px a row, back sideways
		switch {
		case y < 300:
			return 60
		case y < 328:
			return min(260, 60+8*(y-300))
		case y < 330:
			return 260 - 100*(y-328)
		}
		return 60
	}
	steep := func(y float64) float64 { return 60 + 0.3*y }
	cases := []struct {
		name     string
		x        func(float64) float64
		style    string
		on, off  float64
		skip     [2]int // rows without ink
		null     [2]int // rows that must stay NaN; empty: none
		straight [][2]int
	}{
		{name: "out and back sideways", x: out(100), style: manifest.StyleSolid,
			skip: [2]int{302, 328}, null: [2]int{302, 328},
			straight: [][2]int{{10, 298}, {333, h - 10}}},
		{name: "out sideways, back at 8 px a row", x: out(8), style: manifest.StyleSolid,
			skip: [2]int{302, 340}, null: [2]int{302, 340},
			straight: [][2]int{{10, 298}, {360, h - 10}}},
		{name: "out at 8 px a row, back sideways", x: gradual, style: manifest.StyleSolid,
			skip: [2]int{312, 328}, null: [2]int{312, 328},
			straight: [][2]int{{10, 298}, {333, h - 10}}},
		{name: "gap on a straight stretch", x: out(100), style: manifest.StyleSolid,
			skip: [2]int{200, 226}, straight: [][2]int{{10, 298}}},
		{name: "dash gaps on a steep dashed line", x: steep, style: manifest.StyleDashed,
			on: 14, off: 9, straight: [][2]int{{10, h - 10}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := curve("C", tc.style)
			pm := raster.NewProbMap(w, h)
			draw(pm, stroke{x: tc.x, cls: c.Class(), width: 3, on: tc.on, off: tc.off, y1: h,
				skip: func(y int) bool { return y >= tc.skip[0] && y < tc.skip[1] }})
			trs, err := TraceAll(pm, oneTrack(w, h, band), manifestOf(c), Options{})
			if err != nil {
				t.Fatal(err)
			}
			tr := trs[0]
			valued := 0
			for y := tc.null[0]; y < tc.null[1]; y++ {
				if !math.IsNaN(tr.Frac[y]) {
					valued++
				}
			}
			if valued > 0 {
				t.Errorf("%d of the %d rows without ink out on the spike got a value",
					valued, tc.null[1]-tc.null[0])
			}
			for _, span := range tc.straight {
				_, worst, missing := errStats(t, tr, band, tc.x, span[0], span[1])
				if missing > 0 || worst > 1.5 {
					t.Errorf("rows %d-%d: %d missing, worst %.2f px", span[0], span[1],
						missing, worst)
				}
			}
		})
	}
}

func TestTraceTwoDashedCrossing(t *testing.T) {
	const w, h = 260, 1200
	band := raster.Band{Left: 0, Right: 260}
	// A climbs from 40 to 200 and crosses B (flat at 120, then slowly
	// drifting) in the middle; A's mean is left of B's.
	a := func(y float64) float64 { return 40 + 160*min(1, max(0, (y-300)/600)) }
	b := func(y float64) float64 { return 130 + 10*math.Sin(y/150) }
	pm := raster.NewProbMap(w, h)
	draw(pm, stroke{x: a, cls: 2, width: 3, on: 14, off: 9, y1: h})
	draw(pm, stroke{x: b, cls: 2, width: 3, on: 6, off: 6, y1: h})
	m := manifestOf(curve("A", "dashed"), curve("B", "dotted"))
	trs, err := TraceAll(pm, oneTrack(w, h, band), m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, fn := range []func(float64) float64{a, b} {
		mean, worst, missing := errStats(t, trs[i], band, fn, 10, h-10)
		t.Logf("%s: mean %.3f px, worst %.3f px, missing %d", trs[i].Mnemonic, mean, worst,
			missing)
		if mean > 0.5 || worst > 4 || missing > 0 {
			t.Errorf("%s: mean %.3f px, worst %.3f px, missing %d: branch lost at crossing",
				trs[i].Mnemonic, mean, worst, missing)
		}
	}
}

func TestTraceSolidCrossesDashed(t *testing.T) {
	const w, h = 260, 1200
	band := raster.Band{Left: 0, Right: 260}
	a := sine(130, 100, 500)
	b := sine(130, -90, 700)
	pm := raster.NewProbMap(w, h)
	draw(pm, stroke{x: b, cls: 2, width: 3, on: 14, off: 9, y1: h})
	draw(pm, stroke{x: a, cls: 1, width: 3, y1: h})
	// Where the solid line is drawn over the dashed one the mask says
	// solid: wipe class 2 there as a segmenter would.
	for i, p := range pm.P[0] {
		if p > 0 {
			pm.P[1][i] = 0
		}
	}
	m := manifestOf(curve("GR", "solid"), curve("CAL", "dashed"))
	trs, err := TraceAll(pm, oneTrack(w, h, band), m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, fn := range []func(float64) float64{a, b} {
		mean, worst, missing := errStats(t, trs[i], band, fn, 10, h-10)
		if mean > 0.4 || worst > 2.5 || missing > 0 {
			t.Errorf("%s: mean %.3f px, worst %.3f px, missing %d", trs[i].Mnemonic, mean,
				worst, missing)
		}
	}
}

func TestTraceWrapUnwrapped(t *testing.T) {
	const w, h = 240, 1200
	band := raster.Band{Left: 20, Right: 220}
	// Unwrapped position runs from 0.5 to 1.4 of the band and back.
	x := func(y float64) float64 { return 20 + 200*(0.95+0.45*math.Sin(2*math.Pi*y/1200)) }
	pm := raster.NewProbMap(w, h)
	draw(pm, stroke{x: x, cls: 1, width: 3, y1: h, wrap: &band})
	c := curve("GR", "solid")
	c.Right = 150
	c.Backup = &manifest.Backup{Left: 150, Right: 300}
	trs, err := TraceAll(pm, oneTrack(w, h, band), manifestOf(c), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr := trs[0]
	wrapped, wrong := 0, 0
	for y := 5; y < h-5; y++ {
		want := (x(float64(y)+0.5) - 20) / 200
		got := tr.Frac[y]
		if math.Abs(got-want)*200 > 2 {
			wrong++
		}
		if want > 1.02 {
			wrapped++
			if tr.Wrap[y] != 1 {
				t.Fatalf("row %d at %.3f of the track: wrap %d, want 1", y, want, tr.Wrap[y])
			}
		}
		if want < 0.98 && tr.Wrap[y] != 0 {
			t.Fatalf("row %d at %.3f of the track: wrap %d, want 0", y, want, tr.Wrap[y])
		}
	}
	if wrapped < 200 || wrong > 4 {
		t.Errorf("%d wrapped rows (want >= 200), %d rows off by > 2 px (want <= 4)",
			wrapped, wrong)
	}
	if v := tr.Value(c, 300); math.Abs(v-c.BackupValue(tr.Raw(300))) > 1e-9 || v < 150 {
		t.Errorf("row 300 value %.1f: want a backup-scale value above 150", v)
	}
}

func TestTraceIgnoresSpeckles(t *testing.T) {
	const w, h = 300, 1500
	band := raster.Band{Left: 0, Right: 300}
	x := sine(150, 80, 500)
	pm := raster.NewProbMap(w, h)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 { // noise blobs of 2 x 2 px, some confident
		px, py := rng.IntN(w-1), rng.IntN(h-1)
		p := uint8(100 + rng.IntN(156))
		for dy := range 2 {
			for dx := range 2 {
				pm.Set(2, px+dx, py+dy, p)
			}
		}
	}
	draw(pm, stroke{x: x, cls: 2, width: 3, on: 14, off: 9, y1: h, prob: 230})
	trs, err := TraceAll(pm, oneTrack(w, h, band), manifestOf(curve("C", "dashed")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	mean, worst, missing := errStats(t, trs[0], band, x, 10, h-10)
	t.Logf("mean %.3f px, worst %.3f px, missing %d", mean, worst, missing)
	if mean > 0.6 || missing > 0 {
		t.Errorf("mean %.3f px (want <= 0.6), missing %d", mean, missing)
	}
}

func TestTraceAllErrors(t *testing.T) {
	pm := raster.NewProbMap(100, 100)
	m := manifestOf(curve("C", "solid"))
	ok := oneTrack(100, 100, raster.Band{Left: 0, Right: 100})
	cases := map[string]struct {
		pm  *raster.ProbMap
		l   raster.Layout
		m   *manifest.Manifest
		opt Options
	}{
		"nil map":       {nil, ok, m, Options{}},
		"body too tall": {pm, oneTrack(100, 200, raster.Band{Left: 0, Right: 100}), m, Options{}},
		"band outside":  {pm, oneTrack(100, 100, raster.Band{Left: 50, Right: 150}), m, Options{}},
		"no tracks":     {pm, raster.Layout{Body: raster.Span{Bottom: 100}}, m, Options{}},
		"bad threshold": {pm, ok, m, Options{Threshold: 2}},
	}
	for name, tc := range cases {
		if _, err := TraceAll(tc.pm, tc.l, tc.m, tc.opt); !errors.Is(err, ErrInput) {
			t.Errorf("%s: error %v, want ErrInput", name, err)
		}
	}
}

// TestTraceDashedPairWithSpecks traces two bold dashed curves 40 px apart
// (4-5 px wide, as a blurred map or a bold print gives) with specks
// between them. A speck beside two dashes, one of each curve, must not
// join them: bridging any cluster with two dashes in it at BrokenGap
// swapped the two traces on a third of the rows.
func TestTraceDashedPairWithSpecks(t *testing.T) {
	const w, h = 300, 1500
	band := raster.Band{Left: 0, Right: w}
	a := sine(110, 40, 600)
	b := func(y float64) float64 { return a(y+11) + 40 }
	for _, width := range []float64{3, 4, 5} {
		pm := raster.NewProbMap(w, h)
		rng := rand.New(rand.NewPCG(1, 2))
		for range 300 { // 2 x 2 px specks, some confident
			px, py := rng.IntN(w-1), rng.IntN(h-1)
			p := uint8(100 + rng.IntN(156))
			for dy := range 2 {
				for dx := range 2 {
					pm.Set(2, px+dx, py+dy, p)
				}
			}
		}
		for _, x := range []func(float64) float64{a, b} {
			draw(pm, stroke{x: x, cls: 2, width: width, on: 14, off: 9, y1: h, prob: 230})
		}
		m := manifestOf(curve("A", manifest.StyleDashed), curve("B", manifest.StyleDashed))
		trs, err := TraceAll(pm, oneTrack(w, h, band), m, Options{})
		if err != nil {
			t.Fatal(err)
		}
		offA := offRows(trs[0], band, a, 10, h-10, 6)
		offB := offRows(trs[1], band, b, 10, h-10, 6)
		t.Logf("width %.0f: rows off by > 6 px: A %d, B %d", width, offA, offB)
		if offA > h/100 || offB > h/100 {
			t.Errorf("width %.0f: A %d and B %d rows off by > 6 px, want <= %d each: "+
				"the traces swapped curves", width, offA, offB, h/100)
		}
	}
}

// TestStepCostsBrokenGap checks which gaps of one row cost the ink rate:
// on a dashed curve the gap between two dashes (8 px or more, in bits or
// whole) up to BrokenGap px apart; not one beside a speck, nor between
// two bold near-vertical lines (5 px runs), nor on a solid curve.
func TestStepCostsBrokenGap(t *testing.T) {
	opt := Options{}.withDefaults()
	row := func(w int, runs ...[2]int) []uint8 {
		r := make([]uint8, w)
		for _, ru := range runs {
			for x := ru[0]; x < ru[1]; x++ {
				r[x] = 255
			}
		}
		return r
	}
	for _, tc := range []struct {
		name string
		cls  int
		row  []uint8
		mid  int // a column inside the gap
		want float64
	}{
		{"dashed, dashes 19 px apart", 2, row(60, [2]int{10, 20}, [2]int{39, 49}), 30, opt.InkStep},
		{"dashed, dashes 24 px apart", 2, row(70, [2]int{10, 20}, [2]int{44, 54}), 32, opt.InkStep},
		{"dashed, dashes 25 px apart", 2, row(70, [2]int{10, 20}, [2]int{45, 55}), 32, opt.JumpPenalty},
		{"dashed, dash in bits", 2, row(70, [2]int{10, 20}, [2]int{40, 43}, [2]int{45, 49}), 30, opt.InkStep},
		{"dashed, dash and speck", 2, row(60, [2]int{10, 20}, [2]int{39, 41}), 30, opt.JumpPenalty},
		{"dashed, bold near-vertical lines", 2, row(60, [2]int{10, 15}, [2]int{34, 39}), 25, opt.JumpPenalty},
		{"solid, dashes 19 px apart", 1, row(60, [2]int{10, 20}, [2]int{39, 49}), 30, opt.JumpPenalty},
	} {
		v := &bandView{cls: tc.cls, thr: 128}
		s := make([]float32, len(tc.row))
		v.stepCosts(s, make([]uint8, len(tc.row)), tc.row, opt)
		if math.Abs(float64(s[tc.mid])-tc.want) > 1e-6 {
			t.Errorf("%s: gap costs %.3f a px, want %.3f", tc.name, s[tc.mid], tc.want)
		}
	}
}

// TestTraceSweepLabelledSolid draws a dashed curve that sweeps 450 px out
// and back within 16 rows, with the middle of the sweep (x = 150-400)
// labelled solid, as a segmenter labels a long dash. The dashed trace must
// travel along that ink to the sweep's end; priced as paper, that ink made
// it cut the sweep at x = 122.
func TestTraceSweepLabelledSolid(t *testing.T) {
	const w, h = 600, 600
	x := spikeAt300(450, 8)
	pm := raster.NewProbMap(w, h)
	draw(pm, stroke{x: x, cls: 2, width: 2, on: 14, off: 9, y1: h})
	for y := range h {
		for c := 150; c < 400; c++ {
			i := y*w + c
			pm.P[0][i], pm.P[1][i] = pm.P[1][i], 0
		}
	}
	band := raster.Band{Left: 0, Right: w}
	trs, err := TraceAll(pm, oneTrack(w, h, band), manifestOf(curve("C", "dashed")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	peak := 0.0
	for y := 290; y < 310; y++ {
		peak = max(peak, trs[0].Frac[y]*float64(w))
	}
	t.Logf("sweep to x=510 traced to x=%.0f", peak)
	if peak < 450 {
		t.Errorf("sweep to x=510 traced only to x=%.0f", peak)
	}
}
