package depth

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/welllog/digitiser/pkg/las"
	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/vector"
)

// scaleManifest has one track with a linear curve with a backup scale, a
// log curve and a reversed curve.
func scaleManifest() *manifest.Manifest {
	m := &manifest.Manifest{
		Well:  manifest.Well{Name: "TEST 1", API: "15-000-00000"},
		Depth: manifest.Depth{Unit: "ft", Step: 0.5},
		Tracks: []manifest.Track{{Curves: []manifest.Curve{
			{Mnemonic: "GR", Unit: "GAPI", Left: 0, Right: 150,
				Backup: &manifest.Backup{Left: 150, Right: 300}},
			{Mnemonic: "RES", Unit: "OHMM", Left: 0.2, Right: 2000, Scale: "log"},
			{Mnemonic: "DT", Unit: "US/F", Left: 140, Right: 40},
		}}},
	}
	m.Defaults()
	return m
}

// linearCal maps row r to depth 100 + r/10 over rows 0..2000.
func linearCal() *Calibration {
	return &Calibration{Unit: "ft", Method: MethodTiePoints, Segments: []Segment{
		{RowFrom: 0, RowTo: 2000, Depth0: 100, Rate: 0.1, Pass: PassMain}}}
}

// traceOf builds a trace from row top whose position at each row is
// frac(depth) with the given wrap.
func traceOf(mnem string, top, n int, cal *Calibration,
	frac func(d float64) (float64, int8)) vector.Trace {
	t := vector.Trace{Mnemonic: mnem, Top: top, Frac: make([]float64, n),
		Wrap: make([]int8, n), Conf: make([]float32, n)}
	for i := range n {
		t.Frac[i], t.Wrap[i] = frac(cal.Depth(float64(top + i)))
	}
	return t
}

func TestBuildLogScales(t *testing.T) {
	m, cal := scaleManifest(), linearCal()
	// GR runs 0..300 GAPI: over 150 it wraps onto the backup scale.
	grValue := func(d float64) float64 { return 2 * (d - 110) }
	resValue := func(d float64) float64 { return math.Pow(10, (d-110)/40) }
	dtValue := func(d float64) float64 { return 130 - (d - 110) }
	traces := []vector.Trace{
		traceOf("GR", 100, 1500, cal, func(d float64) (float64, int8) {
			v := grValue(d)
			if v > 150 {
				return 1 + (v-150)/150, 1
			}
			return v / 150, 0
		}),
		traceOf("RES", 100, 1500, cal, func(d float64) (float64, int8) {
			return m.Tracks[0].Curves[1].Frac(resValue(d)), 0
		}),
		traceOf("DT", 100, 1500, cal, func(d float64) (float64, int8) {
			return m.Tracks[0].Curves[2].Frac(dtValue(d)), 0
		}),
	}
	f, err := BuildLog(traces, cal, m)
	if err != nil {
		t.Fatal(err)
	}
	dept := f.Curve("DEPT")
	if dept[0] != 110 || dept[len(dept)-1] != 259.5 || las.Step(dept) != 0.5 {
		t.Fatalf("DEPT %v..%v step %v, want 110..259.5 step 0.5",
			dept[0], dept[len(dept)-1], las.Step(dept))
	}
	wrapped := 0
	for i, d := range dept {
		checks := []struct {
			mnem string
			want float64
		}{{"GR", grValue(d)}, {"RES", resValue(d)}, {"DT", dtValue(d)}}
		for _, c := range checks {
			if got := f.Curve(c.mnem)[i]; math.Abs(got-c.want) > 1e-6*math.Max(1, c.want) {
				t.Fatalf("%s at %v ft = %v, want %v", c.mnem, d, got, c.want)
			}
		}
		if grValue(d) > 150 {
			wrapped++
		}
	}
	if wrapped < 10 {
		t.Fatalf("only %d wrapped rows: the backup scale is not exercised", wrapped)
	}
}

func TestBuildLogGapsAndReadBack(t *testing.T) {
	m, cal := scaleManifest(), linearCal()
	tr := traceOf("GR", 0, 1000, cal, func(d float64) (float64, int8) {
		return (d - 100) / 100, 0
	})
	for i := 300; i < 302; i++ { // a 2-row gap: bridged
		tr.Frac[i] = math.NaN()
	}
	for i := 600; i < 640; i++ { // a 40-row gap: NULL
		tr.Frac[i] = math.NaN()
	}
	m.Depth.Start, m.Depth.Stop = 105, 195
	f, err := BuildLog([]vector.Trace{tr}, cal, m)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := las.Write(&buf, f); err != nil {
		t.Fatal(err)
	}
	g, err := las.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if g.WellValue("WELL") != "TEST 1" || g.WellValue("API") != "15-000-00000" {
		t.Errorf("well header lost: WELL %q API %q", g.WellValue("WELL"), g.WellValue("API"))
	}
	dept, gr, res := g.Curve("DEPT"), g.Curve("GR"), g.Curve("RES")
	if dept[0] != 105 || dept[len(dept)-1] != 195 {
		t.Fatalf("DEPT %v..%v, want 105..195", dept[0], dept[len(dept)-1])
	}
	for i, d := range dept {
		row := (d - 100) * 10
		inGap := row >= 600 && row < 640
		want := (d - 100) / 100 * 150
		switch {
		case inGap && !math.IsNaN(gr[i]):
			t.Errorf("GR at %v ft (row %v, in a 40-row gap) = %v, want NULL", d, row, gr[i])
		case !inGap && math.Abs(gr[i]-want) > 1e-3:
			t.Errorf("GR at %v ft = %v, want %v", d, gr[i], want)
		}
		if !math.IsNaN(res[i]) {
			t.Fatalf("RES has no trace but reads %v at %v ft", res[i], d)
		}
	}
}

func TestBuildLogSkipsRepeat(t *testing.T) {
	m := scaleManifest()
	cal := &Calibration{Unit: "ft", Segments: []Segment{
		{RowFrom: 0, RowTo: 1000, Depth0: 100, Rate: 0.1, Pass: PassMain},
		{RowFrom: 1000, RowTo: 2000, Depth0: 150, Rate: 0.1, Pass: PassRepeat},
	}}
	tr := traceOf("GR", 0, 2000, cal, func(d float64) (float64, int8) { return 0.5, 0 })
	for i := 1000; i < 2000; i++ {
		tr.Frac[i] = 0.9 // the repeat pass reads differently
	}
	f, err := BuildLog([]vector.Trace{tr}, cal, m)
	if err != nil {
		t.Fatal(err)
	}
	dept, gr := f.Curve("DEPT"), f.Curve("GR")
	if dept[len(dept)-1] > 200 {
		t.Errorf("STOP %v ft: the log runs past the main pass", dept[len(dept)-1])
	}
	for i := range gr {
		if gr[i] != 75 {
			t.Fatalf("GR at %v ft = %v: repeat-pass rows used", dept[i], gr[i])
		}
	}
}

// TestBuildLogIntervalOutsideCalibration: a manifest interval with no depth
// in common with the calibrated main pass (100..300 ft here) is refused
// with the range the scan has; one that overlaps it is kept as given.
func TestBuildLogIntervalOutsideCalibration(t *testing.T) {
	m, cal := scaleManifest(), linearCal()
	tr := traceOf("GR", 0, 1000, cal, func(d float64) (float64, int8) { return 0.5, 0 })
	for _, iv := range [][2]float64{{10, 90}, {310, 400}} {
		m.Depth.Start, m.Depth.Stop = iv[0], iv[1]
		_, err := BuildLog([]vector.Trace{tr}, cal, m)
		if !errors.Is(err, ErrNoData) || !strings.Contains(err.Error(), "100..300 ft") {
			t.Errorf("interval %v: err %v, want ErrNoData naming 100..300 ft", iv, err)
		}
	}
	m.Depth.Start, m.Depth.Stop = 250, 350
	f, err := BuildLog([]vector.Trace{tr}, cal, m)
	if err != nil {
		t.Fatalf("an overlapping interval: %v", err)
	}
	if d := f.Curve("DEPT"); d[0] != 250 || d[len(d)-1] != 350 {
		t.Errorf("DEPT %v..%v, want 250..350 as given", d[0], d[len(d)-1])
	}
}
