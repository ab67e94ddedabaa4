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

// ErrRowCap is wrapped when the output interval holds more rows than
// m.Depth.RowCap() (manifest.DefaultMaxRows, two million, unless
// depth.max_rows says otherwise) or fewer than two.
var ErrRowCap = errors.New("output rows out of range")

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
// pass or the calibration is not finite, and ErrRowCap when STRT..STOP
// holds more than m.Depth.RowCap() rows or fewer than two; the message
// says which manifest field to change. Nothing is allocated before these
// checks, so absurd depths give an error, never a panic.
func BuildLog(traces []vector.Trace, cal *Calibration,
	m *manifest.Manifest) (*las.File, error) {
	if cal == nil || len(cal.Segments) == 0 {
		return nil, fmt.Errorf("build log: %w: no calibration segments", ErrNoData)
	}
	if err := checkSegments(cal.Segments); err != nil {
		return nil, fmt.Errorf("build log: %w", err)
	}
	strt, stop, err := interval(traces, cal, m)
	if err != nil {
		return nil, fmt.Errorf("build log: %w", err)
	}
	step := m.Depth.Step
	n, err := rowCount(strt, stop, m.Depth)
	if err != nil {
		return nil, fmt.Errorf("build log: %w", err)
	}

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

// mainDepths is the depth range of the calibration's main-pass segments;
// lo > hi when there are none.
func (c *Calibration) mainDepths() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for i := range c.Segments {
		s := &c.Segments[i]
		if !s.main() {
			continue
		}
		for _, row := range []float64{s.RowFrom, s.RowTo} {
			d := s.Depth0 + s.Rate*(row-s.RowFrom)
			lo, hi = math.Min(lo, d), math.Max(hi, d)
		}
	}
	return lo, hi
}

// interval returns STRT and STOP: the manifest's when given, else the
// main-pass depths of the rows the traces cover, rounded inwards to the
// step.
func interval(traces []vector.Trace, cal *Calibration,
	m *manifest.Manifest) (float64, float64, error) {
	d := m.Depth
	step := d.Step
	if !(step > 0) || math.IsInf(step, 0) {
		return 0, 0, fmt.Errorf("depth.step %v: must be a finite number > 0", step)
	}
	if !finite(d.Start) || !finite(d.Stop) {
		return 0, 0, fmt.Errorf("depth.start %v and depth.stop %v: give finite depths",
			d.Start, d.Stop)
	}
	if d.Stop != 0 && d.Stop > d.Start {
		clo, chi := cal.mainDepths()
		if clo <= chi && (d.Stop < clo || d.Start > chi) {
			return 0, 0, fmt.Errorf("%w: depth.start..stop %g..%g %s lies outside the depths "+
				"the scan's main pass was calibrated to (%.6g..%.6g %s): correct depth.start "+
				"and depth.stop, or the tie points", ErrNoData, d.Start, d.Stop, d.Unit, clo, chi,
				d.Unit)
		}
		return d.Start, d.Stop, nil
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
	if !finite(lo) || !finite(hi) || hi < lo {
		return 0, 0, fmt.Errorf("%w: the traces cover no main-pass rows", ErrNoData)
	}
	rlo := math.Ceil(lo/step-1e-6) * step
	rhi := math.Floor(hi/step+1e-6) * step
	if !finite(rlo) || !finite(rhi) || !(manifest.Rows(rlo, rhi, step) >= 2) {
		return 0, 0, fmt.Errorf("%w: depth.step %v %s is coarser than the logged "+
			"interval %.6g..%.6g: set a finer depth.step", ErrRowCap, step, d.Unit, lo, hi)
	}
	lo, hi = rlo, rhi
	return lo, hi, nil
}

// rowCount returns the rows from strt to stop at d.Step, or an error
// wrapping ErrRowCap when they are fewer than two or over d.RowCap().
func rowCount(strt, stop float64, d manifest.Depth) (int, error) {
	rows := manifest.Rows(strt, stop, d.Step)
	switch {
	case math.IsNaN(rows):
		return 0, fmt.Errorf("%w: depth %v..%v at step %v", ErrRowCap, strt, stop, d.Step)
	case rows > float64(d.RowCap()):
		return 0, fmt.Errorf("%w: depth %v..%v %s at step %v gives %.3g rows, over the "+
			"cap of %d: set a coarser depth.step, a narrower depth.start..stop, or "+
			"raise depth.max_rows (at most %d)", ErrRowCap, strt, stop, d.Unit, d.Step,
			rows, d.RowCap(), manifest.LimitMaxRows)
	case rows < 2 && stop > strt:
		return 0, fmt.Errorf("%w: depth %v..%v %s at step %v gives one row: set a "+
			"depth.step under %v", ErrRowCap, strt, stop, d.Unit, d.Step, stop-strt)
	case rows < 2:
		return 0, fmt.Errorf("%w: the log would hold the single depth %v %s: check "+
			"depth.start, depth.stop and the depth calibration", ErrRowCap, strt, d.Unit)
	}
	return int(rows), nil
}

// checkSegments refuses a calibration with a non-finite segment.
func checkSegments(segs []Segment) error {
	for i, s := range segs {
		if !finite(s.RowFrom) || !finite(s.RowTo) || !finite(s.Depth0) || !finite(s.Rate) {
			return fmt.Errorf("%w: calibration segment %d is not finite (%+v): check "+
				"depth.tie_points", ErrNoData, i+1, s)
		}
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

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
