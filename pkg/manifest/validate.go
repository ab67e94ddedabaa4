package manifest

import (
	"errors"
	"fmt"
	"github.com/welllog/digitiser/pkg/internal/stats"
	"math"
	"slices"
)

// Limits on depth values. Anything outside them is a typo or an attack:
// no log is deeper than MaxAbsDepth, printed at a scale that gives a depth
// rate outside MinRatePerPx..MaxRatePerPx, or sampled coarser than MaxStep
// or finer than MinStep.
const (
	// DefaultMaxRows is the output row cap when Depth.MaxRows is zero:
	// two million rows make a LAS file of about 100 MB.
	DefaultMaxRows = 2_000_000
	// LimitMaxRows is the largest Depth.MaxRows Validate accepts.
	LimitMaxRows = 20_000_000
	// MinStep and MaxStep bound Depth.Step, in the depth unit (ft or m).
	MinStep = 0.001
	MaxStep = 100.0
	// MaxAbsDepth bounds |depth| of start, stop and tie points, in the
	// depth unit.
	MaxAbsDepth = 1e6
	// MaxRow bounds tie point rows, in px of the reassembled strip.
	MaxRow = 1e7
	// MinRatePerPx and MaxRatePerPx bound the depth per px (in the depth
	// unit) the tie points imply: 1:20 at 1200 dpi is about 0.0014 ft/px,
	// 1:5000 at 50 dpi about 8.3 ft/px, and the limits leave ten times
	// that room either side.
	MinRatePerPx = 1e-4
	MaxRatePerPx = 100.0
	// MaxDecades bounds Track.Decades of a log grid.
	MaxDecades = 10
)

// Validate reports the first problem a user must fix, wrapped in ErrInvalid:
// unknown unit, grid, style or scale; non-finite numbers anywhere; a step,
// depth, tie point or depth rate outside the limits above; an output
// interval over the row cap or under two rows; mnemonics, units,
// descriptions and well fields that a LAS file cannot hold (see
// CheckMnemonic, CheckUnit, CheckText); equal scale values and a backup
// scale equal to the main one.
func (m *Manifest) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
	}
	if err := validateWell(m.Well); err != nil {
		return bad("%v", err)
	}
	if err := validateDepth(m.Depth); err != nil {
		return bad("%v", err)
	}
	if err := validateTiePoints(m.Depth.TiePoints); err != nil {
		return bad("%v", err)
	}
	if len(m.Tracks) == 0 {
		return bad("no tracks: list at least one track with its curves")
	}
	seen := map[string]bool{}
	for ti, t := range m.Tracks {
		if err := validateTrack(t); err != nil {
			return bad("track %d: %v", ti+1, err)
		}
		for _, c := range t.Curves {
			if err := validateCurve(c, seen); err != nil {
				return bad("track %d: %v", ti+1, err)
			}
		}
	}
	return nil
}

func validateDepth(d Depth) error {
	if d.Unit != "ft" && d.Unit != "m" {
		return fmt.Errorf("depth.unit %q: use ft or m", d.Unit)
	}
	for _, v := range []struct {
		name string
		v    float64
	}{{"step", d.Step}, {"start", d.Start}, {"stop", d.Stop}, {"scale", d.Scale},
		{"major_every", d.MajorEvery}} {
		if math.IsNaN(v.v) || math.IsInf(v.v, 0) {
			return fmt.Errorf("depth.%s %v: give a finite number", v.name, v.v)
		}
	}
	if d.Step < MinStep || d.Step > MaxStep {
		return fmt.Errorf("depth.step %v %s: use a step from %v to %v (typically 0.5 ft "+
			"or 0.1 m)", d.Step, d.Unit, MinStep, MaxStep)
	}
	for _, v := range []struct {
		name string
		v    float64
	}{{"start", d.Start}, {"stop", d.Stop}} {
		if math.Abs(v.v) > MaxAbsDepth {
			return fmt.Errorf("depth.%s %v %s: depths are within ±%g", v.name, v.v,
				d.Unit, MaxAbsDepth)
		}
	}
	if d.Scale < 0 || d.MajorEvery < 0 {
		return fmt.Errorf("depth.scale %v and depth.major_every %v must not be negative",
			d.Scale, d.MajorEvery)
	}
	if d.MaxRows < 0 || d.MaxRows > LimitMaxRows {
		return fmt.Errorf("depth.max_rows %d: use 0 (default %d) up to %d",
			d.MaxRows, DefaultMaxRows, LimitMaxRows)
	}
	if d.Stop == 0 {
		return nil
	}
	if d.Stop <= d.Start {
		return fmt.Errorf("depth.stop %v must be below (deeper than) depth.start %v",
			d.Stop, d.Start)
	}
	return checkRows(d)
}

// checkRows refuses a start..stop interval that gives fewer than two rows
// or more than the row cap.
func checkRows(d Depth) error {
	rows := Rows(d.Start, d.Stop, d.Step)
	if rows < 2 {
		return fmt.Errorf("depth.start..stop %v..%v %s at step %v gives one row: use a "+
			"step under %v", d.Start, d.Stop, d.Unit, d.Step, d.Stop-d.Start)
	}
	if rows > float64(d.RowCap()) {
		return fmt.Errorf("depth.start..stop %v..%v %s at step %v gives %.0f rows, over "+
			"the cap of %d (depth.max_rows): use a coarser depth.step, a narrower "+
			"interval or raise depth.max_rows (at most %d)", d.Start, d.Stop, d.Unit,
			d.Step, rows, d.RowCap(), LimitMaxRows)
	}
	return nil
}

// validateTiePoints checks that tie points are finite, at distinct rows
// inside the limits, and imply a plausible depth rate increasing down the
// strip.
func validateTiePoints(tps []TiePoint) error {
	if len(tps) == 1 {
		return errors.New("depth.tie_points: give at least two tie points, or none")
	}
	for i, tp := range tps {
		if err := checkTiePoint(tp); err != nil {
			return fmt.Errorf("depth.tie_points[%d]: %w", i+1, err)
		}
	}
	if len(tps) == 0 {
		return nil
	}
	sorted := slices.Clone(tps)
	slices.SortFunc(sorted, func(a, b TiePoint) int { return stats.Compare(a.Row, b.Row) })
	for i := 1; i < len(sorted); i++ {
		a, b := sorted[i-1], sorted[i]
		if a.Row == b.Row {
			return fmt.Errorf("depth.tie_points: two tie points at row %v", a.Row)
		}
		if r := (b.Depth - a.Depth) / (b.Row - a.Row); math.Abs(r) > MaxRatePerPx {
			return fmt.Errorf("depth.tie_points: rows %v and %v at depths %v and %v imply "+
				"%.3g per px, over %v: check both", a.Row, b.Row, a.Depth, b.Depth, r,
				MaxRatePerPx)
		}
	}
	first, last := sorted[0], sorted[len(sorted)-1]
	r := (last.Depth - first.Depth) / (last.Row - first.Row)
	if r <= 0 {
		return fmt.Errorf("depth.tie_points: depth must increase down the strip, but row "+
			"%v is at depth %v and row %v at depth %v", first.Row, first.Depth, last.Row,
			last.Depth)
	}
	if r < MinRatePerPx {
		return fmt.Errorf("depth.tie_points: rows %v..%v at depths %v..%v imply %.3g per "+
			"px, under %v: check the rows (px of the strip) and depths", first.Row,
			last.Row, first.Depth, last.Depth, r, MinRatePerPx)
	}
	return nil
}

func checkTiePoint(tp TiePoint) error {
	switch {
	case math.IsNaN(tp.Row) || math.IsInf(tp.Row, 0):
		return fmt.Errorf("row %v: give a finite row in px", tp.Row)
	case math.IsNaN(tp.Depth) || math.IsInf(tp.Depth, 0):
		return fmt.Errorf("depth %v: give a finite depth", tp.Depth)
	case tp.Row < 0 || tp.Row > MaxRow:
		return fmt.Errorf("row %v: rows are px from the strip's top, 0 to %g", tp.Row, MaxRow)
	case math.Abs(tp.Depth) > MaxAbsDepth:
		return fmt.Errorf("depth %v: depths are within ±%g", tp.Depth, MaxAbsDepth)
	}
	return nil
}

func validateTrack(t Track) error {
	if t.Grid != ScaleLinear && t.Grid != ScaleLog {
		return fmt.Errorf("grid %q: use linear or log", t.Grid)
	}
	if t.Decades < 0 || t.Decades > MaxDecades {
		return fmt.Errorf("decades %d: use 0 (detect) up to %d", t.Decades, MaxDecades)
	}
	if t.Left < 0 || t.Right < 0 {
		return fmt.Errorf("borders %d..%d px: px count from the strip's left, from 0",
			t.Left, t.Right)
	}
	if t.Right != 0 && t.Right <= t.Left {
		return fmt.Errorf("right border %d px must exceed left %d px", t.Right, t.Left)
	}
	if err := CheckText("name", t.Name); err != nil {
		return err
	}
	if len(t.Curves) == 0 {
		return errors.New("no curves: list the track's curves")
	}
	return nil
}

func validateCurve(c Curve, seen map[string]bool) error {
	if err := CheckMnemonic(c.Mnemonic); err != nil {
		return err
	}
	if seen[c.Mnemonic] {
		return fmt.Errorf("curve %s is listed twice", c.Mnemonic)
	}
	seen[c.Mnemonic] = true
	if err := CheckUnit(c.Unit); err != nil {
		return fmt.Errorf("curve %s: %w", c.Mnemonic, err)
	}
	if err := CheckDescription(c.Description); err != nil {
		return fmt.Errorf("curve %s: %w", c.Mnemonic, err)
	}
	switch c.Style {
	case StyleSolid, StyleDashed, StyleDotted, StyleDashDot:
	default:
		return fmt.Errorf("curve %s: style %q: use solid, dashed, dotted or dash-dot",
			c.Mnemonic, c.Style)
	}
	if c.Scale != ScaleLinear && c.Scale != ScaleLog {
		return fmt.Errorf("curve %s: scale %q: use linear or log", c.Mnemonic, c.Scale)
	}
	if err := checkScale("", c.Left, c.Right, c.Scale); err != nil {
		return fmt.Errorf("curve %s: %w", c.Mnemonic, err)
	}
	if b := c.Backup; b != nil {
		if err := checkScale("backup ", b.Left, b.Right, c.Scale); err != nil {
			return fmt.Errorf("curve %s: %w", c.Mnemonic, err)
		}
		if b.Left == c.Left && b.Right == c.Right {
			return fmt.Errorf("curve %s: backup scale %v..%v equals the main scale: give "+
				"the values at the borders once the curve wraps, or remove backup",
				c.Mnemonic, b.Left, b.Right)
		}
	}
	return nil
}

// checkScale checks one pair of left/right scale values.
func checkScale(which string, left, right float64, scale string) error {
	for _, v := range []float64{left, right} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%sscale value %v: give finite left and right values", which, v)
		}
	}
	if left == right {
		return fmt.Errorf("%sleft and right scale values are both %v", which, left)
	}
	if scale == ScaleLog && (left <= 0 || right <= 0) {
		return fmt.Errorf("a log %sscale needs positive left and right values", which)
	}
	return nil
}

func validateWell(w Well) error {
	for _, f := range []struct{ name, v string }{
		{"name", w.Name}, {"uwi", w.UWI}, {"api", w.API}, {"company", w.Company},
		{"field", w.Field}, {"location", w.Location}, {"county", w.County},
		{"state", w.State}, {"country", w.Country}, {"service_company", w.Service},
		{"date", w.Date},
	} {
		if err := CheckText("well."+f.name, f.v); err != nil {
			return err
		}
	}
	return nil
}
