package depth

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/welllog/digitiser/pkg/las"
	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/vector"
)

// MaxGapRows is the widest run of rows without a value, in px, that
// BuildLog interpolates across; wider gaps give NULL.
const MaxGapRows = 2

// ErrNoData is wrapped when BuildLog has no main-pass rows to resample.
var ErrNoData = errors.New("no depth rows to log")

// BuildLog turns traces into a LAS file: every manifest curve (in manifest
// order, matched to its trace by mnemonic) is converted row by row from
// track position to value (main scale; for wrapped rows the backup scale
// at the position on the printed track, or the main scale extended when
// the curve has no backup), then resampled at m.Depth.Step from STRT to
// STOP by linear interpolation between the two main-pass rows around each
// depth. A depth gets NULL when its rows are outside the trace or more
// than MaxGapRows apart around missing values. STRT..STOP is
// m.Depth.Start..Stop when set, else the main-pass depths the traces
// cover, rounded inwards to the step. DEPT (unit m.Depth.Unit) is the
// first curve. Errors wrap ErrNoData when no trace row is in the main
// pass.
func BuildLog(traces []vector.Trace, cal *Calibration,
	m *manifest.Manifest) (*las.File, error) {
	if cal == nil || len(cal.Segments) == 0 {
		return nil, fmt.Errorf("build log: %w: no calibration segments", ErrNoData)
	}
	strt, stop, err := interval(traces, cal, m)
	if err != nil {
		return nil, fmt.Errorf("build log: %w", err)
	}
	step := m.Depth.Step
	n := int(math.Floor((stop-strt)/step+1e-6)) + 1

	depth := make([]float64, n)
	rows := make([]float64, n)
	for i := range depth {
		depth[i] = strt + float64(i)*step
		rows[i] = cal.Row(depth[i])
	}
	f := &las.File{Version: "2.0", Null: las.DefaultNull, Well: wellItems(m)}
	f.Curves = append(f.Curves, las.Item{Mnemonic: "DEPT",
		Unit: strings.ToUpper(m.Depth.Unit), Description: "DEPTH"})
	f.Data = append(f.Data, depth)
	for ci, tc := range m.Curves() {
		col := make([]float64, n)
		t := findTrace(traces, tc.Mnemonic, ci)
		for i, r := range rows {
			col[i] = sample(t, tc.Curve, r)
		}
		desc := tc.Description
		if desc == "" {
			desc = tc.Mnemonic
		}
		f.Curves = append(f.Curves, las.Item{Mnemonic: tc.Mnemonic, Unit: tc.Unit,
			Description: desc})
		f.Data = append(f.Data, col)
	}
	f.Params = []las.Item{
		// Not DCAL: that mnemonic names a caliper curve in LAS software.
		{Mnemonic: "DMTH", Value: cal.Method, Description: "DEPTH CALIBRATION METHOD"},
		{Mnemonic: "DRMS", Unit: strings.ToUpper(m.Depth.Unit),
			Value: fmt.Sprintf("%.3f", cal.RMS), Description: "DEPTH CALIBRATION RMS MISFIT"},
	}
	f.Other = "Digitised from a raster log; depth calibration: " + cal.Method
	return f, nil
}

// interval returns STRT and STOP: the manifest's when given, else the
// main-pass depths of the rows the traces cover, rounded inwards to the
// step.
func interval(traces []vector.Trace, cal *Calibration,
	m *manifest.Manifest) (float64, float64, error) {
	step := m.Depth.Step
	if !(step > 0) {
		return 0, 0, fmt.Errorf("depth.step %v: must be > 0", step)
	}
	if m.Depth.Stop > m.Depth.Start {
		return m.Depth.Start, m.Depth.Stop, nil
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, t := range traces {
		for _, row := range []int{t.Top, t.Top + t.Len() - 1} {
			if t.Len() == 0 {
				continue
			}
			s, ok := cal.segmentAt(float64(row), "")
			if !ok || !s.main() {
				s, ok = cal.segmentAt(float64(row), PassMain)
				if !ok {
					continue
				}
				row = int(math.Max(s.RowFrom, math.Min(float64(row), s.RowTo-1)))
			}
			d := s.Depth0 + s.Rate*(float64(row)-s.RowFrom)
			lo, hi = math.Min(lo, d), math.Max(hi, d)
		}
	}
	if m.Depth.Start != 0 {
		lo = m.Depth.Start
	}
	lo = math.Ceil(lo/step-1e-6) * step
	hi = math.Floor(hi/step+1e-6) * step
	if math.IsInf(lo, 0) || math.IsInf(hi, 0) || hi < lo {
		return 0, 0, fmt.Errorf("%w: the traces cover no main-pass rows", ErrNoData)
	}
	return lo, hi, nil
}

// findTrace returns the trace of a mnemonic, else the one at the curve's
// manifest index when it has no mnemonic, else nil.
func findTrace(traces []vector.Trace, mnemonic string, index int) *vector.Trace {
	for i := range traces {
		if strings.EqualFold(traces[i].Mnemonic, mnemonic) {
			return &traces[i]
		}
	}
	if index < len(traces) && traces[index].Mnemonic == "" {
		return &traces[index]
	}
	return nil
}

// rowValue converts trace row i to a curve value (NaN without evidence).
func rowValue(t *vector.Trace, c manifest.Curve, i int) float64 {
	f := t.Frac[i]
	if math.IsNaN(f) {
		return math.NaN()
	}
	var wrap int8
	if i < len(t.Wrap) {
		wrap = t.Wrap[i]
	}
	if wrap == 0 || c.Backup == nil {
		return c.Value(f)
	}
	return c.BackupValue(f - float64(wrap))
}

// sample interpolates the trace's values at a fractional row: linearly
// between the nearest rows with values on either side when they are at
// most MaxGapRows apart, NaN otherwise.
func sample(t *vector.Trace, c manifest.Curve, row float64) float64 {
	if t == nil || math.IsNaN(row) {
		return math.NaN()
	}
	x := row - float64(t.Top)
	if x < 0 || x > float64(t.Len()-1) {
		return math.NaN()
	}
	i0 := int(math.Floor(x))
	lo, hi := -1, -1
	for k := i0; k >= max(0, i0-MaxGapRows); k-- {
		if !math.IsNaN(t.Frac[k]) {
			lo = k
			break
		}
	}
	for k := i0 + 1; k <= min(t.Len()-1, i0+1+MaxGapRows); k++ {
		if !math.IsNaN(t.Frac[k]) {
			hi = k
			break
		}
	}
	switch {
	case lo >= 0 && float64(lo) == x:
		return rowValue(t, c, lo)
	case lo < 0 || hi < 0 || hi-lo > MaxGapRows:
		return math.NaN()
	}
	v0, v1 := rowValue(t, c, lo), rowValue(t, c, hi)
	w := (x - float64(lo)) / float64(hi-lo)
	return v0 + w*(v1-v0)
}

// wellItems copies the manifest's well header to LAS ~W items.
func wellItems(m *manifest.Manifest) []las.Item {
	w := m.Well
	return []las.Item{
		{Mnemonic: "COMP", Value: w.Company, Description: "COMPANY"},
		{Mnemonic: "WELL", Value: w.Name, Description: "WELL"},
		{Mnemonic: "FLD", Value: w.Field, Description: "FIELD"},
		{Mnemonic: "LOC", Value: w.Location, Description: "LOCATION"},
		{Mnemonic: "CNTY", Value: w.County, Description: "COUNTY"},
		{Mnemonic: "STAT", Value: w.State, Description: "STATE"},
		{Mnemonic: "CTRY", Value: w.Country, Description: "COUNTRY"},
		{Mnemonic: "SRVC", Value: w.Service, Description: "SERVICE COMPANY"},
		{Mnemonic: "DATE", Value: w.Date, Description: "LOG DATE"},
		{Mnemonic: "UWI", Value: w.UWI, Description: "UNIQUE WELL ID"},
		{Mnemonic: "API", Value: w.API, Description: "API NUMBER"},
	}
}
