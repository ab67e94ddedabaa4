package vector

import (
	"errors"
	"fmt"
	"runtime"
)

// ErrInput is wrapped by every error TraceAll returns for inputs that do
// not fit together (map size, layout, manifest).
var ErrInput = errors.New("vector: bad input")

// Options tune the trace. The zero value means every default; each field
// documents its own. Costs are in units of one row of missed evidence: a
// row whose chosen pixel has probability p costs 1 - p.
type Options struct {
	// Threshold is the probability (0..1) at or above which a pixel counts
	// as ink of its class. Default 0.5.
	Threshold float64
	// JumpPenalty is the cost per px of horizontal travel between rows
	// across pixels with no ink. Larger values keep the path on one curve
	// across gaps; smaller ones follow sharp spikes of broken lines.
	// Default 0.5.
	JumpPenalty float64
	// InkStep is the cost per px of horizontal travel along ink (a steep or
	// near-horizontal part of the curve); along a run of 24 px or more, or
	// three or more dashes or dots spanning as much (a curve sweeping across
	// the track within a row or two), a tenth of it.
	// Default 0.01.
	InkStep float64
	// DashGap is the longest gap in px between two ink runs of one row
	// that travel crosses at the InkStep rate when one of the runs joined
	// by such gaps is at least 5 px long, or three runs or more are: the
	// gaps between dashes or dots on a steep stretch. It applies to solid
	// curves (broken where the ink faded); default 12 px.
	DashGap int
	// BrokenGap is, on dashed, dotted and dash-dot curves, the longest gap
	// in px between two dashes of one row that travel crosses at the
	// InkStep rate: across a steep stretch of a dashed line the gap
	// between two dashes in a row is wider than the gap along the line. A
	// dash is ink 8 px long or more in the row, in bits up to DashGap
	// apart; a gap beside a shorter piece (a dot, a speck, a bold
	// near-vertical line) keeps DashGap, so that a speck between two
	// curves does not join them. A value at or under DashGap turns it off.
	// Default 24 px (48 hard logs, v4 model: dashed median R^2 0.903
	// without it, 0.930 with it).
	BrokenGap int
	// MaxGap is the longest run of rows without evidence, in px, that is
	// bridged by linear interpolation (dash gaps, crossings). Longer gaps
	// and the rows before the first and after the last evidence stay NaN.
	// Default 60 px.
	MaxGap int
	// Snap is how far, in px, a traced position may be from ink and still
	// take that ink as its evidence. Default 2 px.
	Snap int
	// WrapPenalty is the extra cost of crossing from one track border to
	// the other on a curve with a backup scale. Default 4.
	WrapPenalty float64
	// BackupCost is the cost per row of a curve on its backup scale, so
	// that where ink allows either reading the main scale wins. Default
	// 0.05.
	BackupCost float64
	// ExcludeMargin widens, in px on each side, the ink run a traced curve
	// claims in each row; later curves of the same class in the track do
	// not see that ink. Default 2 px.
	ExcludeMargin int
	// CrossClass scales the probability of a pixel where the other curve
	// class is more probable, so that a dashed trace is not drawn along a
	// solid curve. It prices where a path may sit: a dashed, dotted or
	// dash-dot path still travels along the other class's ink between two
	// places of its own (a segmenter labels stretches of a dashed sweep
	// solid). Default 0.25; 1 disables it.
	CrossClass float64
	// BridgeConf is the confidence factor of bridged rows: their confidence
	// is BridgeConf times the lower confidence of the two gap ends.
	// Default 0.5.
	BridgeConf float64
	// ContactDist is the distance in px under which two curves of the same
	// class in one track are in contact (a crossing or touch); about twice
	// the line width. Default 6 px.
	ContactDist float64
	// SlopeWindow is how many rows before and after a contact are used to
	// compare slopes when deciding which branch continues which curve.
	// Default 40 rows.
	SlopeWindow int
	// Workers bounds how many (track, class) groups are traced at once.
	// Each worker holds 2 bytes per px of its track's band. Default
	// GOMAXPROCS.
	Workers int
}

// withDefaults returns a copy with every zero field set to its default.
func (o Options) withDefaults() Options {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	defInt := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.Threshold, 0.5)
	def(&o.JumpPenalty, 0.5)
	def(&o.InkStep, 0.01)
	defInt(&o.DashGap, 12)
	defInt(&o.BrokenGap, 24)
	defInt(&o.MaxGap, 60)
	defInt(&o.Snap, 2)
	def(&o.WrapPenalty, 4)
	def(&o.BackupCost, 0.05)
	defInt(&o.ExcludeMargin, 2)
	def(&o.CrossClass, 0.25)
	def(&o.BridgeConf, 0.5)
	def(&o.ContactDist, 6)
	defInt(&o.SlopeWindow, 40)
	defInt(&o.Workers, runtime.GOMAXPROCS(0))
	return o
}

// Validate reports the first option out of range, wrapped in ErrInput.
// Zero fields are valid: they mean the default.
func (o Options) Validate() error {
	o = o.withDefaults()
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: options: %s", ErrInput, fmt.Sprintf(format, a...))
	}
	switch {
	case o.Threshold <= 0 || o.Threshold > 1:
		return bad("threshold %v: use a probability in (0, 1]", o.Threshold)
	case o.JumpPenalty < 0 || o.InkStep < 0 || o.WrapPenalty < 0 || o.BackupCost < 0:
		return bad("jump, ink step, wrap and backup costs must not be negative")
	case o.MaxGap < 0 || o.DashGap < 0 || o.BrokenGap < 0 || o.Snap < 0 ||
		o.ExcludeMargin < 0:
		return bad("max gap, dash gaps, snap and exclude margin must not be negative")
	case o.CrossClass < 0 || o.CrossClass > 1:
		return bad("cross class %v: use a factor in [0, 1]", o.CrossClass)
	case o.BridgeConf < 0 || o.BridgeConf > 1:
		return bad("bridge confidence %v: use a factor in [0, 1]", o.BridgeConf)
	case o.Workers < 0:
		return bad("workers %d: must not be negative", o.Workers)
	}
	return nil
}
