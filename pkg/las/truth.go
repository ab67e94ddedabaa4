package las

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// ErrTruth is wrapped by every error CheckTruth returns: the truth LAS
// cannot score the output.
var ErrTruth = errors.New("unusable truth LAS")

// depthMnemonics name a depth index curve (any case); so does a length
// unit DepthUnit knows.
var depthMnemonics = []string{"DEPT", "DEPTH", "MD", "TDEP", "INDEX"}

// CheckTruth tells whether f can serve as truth for a manifest whose curves
// have the given mnemonics: its first curve must be a depth index (DEPT,
// DEPTH, MD, TDEP or INDEX, or any mnemonic in F, FT, M or METER units)
// with at least two rows, finite, and increasing or decreasing (repeated
// rows allowed, as real files have them).
// shared lists the mnemonics, in the order given and spelled as given, of
// the curves f also holds (any case) with at least one value; the index
// itself never counts. It is an error, wrapping ErrTruth and saying what
// to fix, when the index is missing or broken or shared is empty.
func CheckTruth(f *File, mnemonics []string) (shared []string, err error) {
	if f == nil || len(f.Curves) == 0 || len(f.Data) != len(f.Curves) {
		return nil, fmt.Errorf("%w: no curves", ErrTruth)
	}
	idx := f.Curves[0]
	if !isDepthIndex(idx) {
		return nil, fmt.Errorf("%w: first curve %s (unit %q) is not a depth index: put "+
			"DEPT in ft or m first in ~Curve", ErrTruth, idx.Mnemonic, idx.Unit)
	}
	if err := checkIndex(idx.Mnemonic, f.Data[0]); err != nil {
		return nil, err
	}
	for _, m := range mnemonics {
		i := f.CurveIndex(m)
		if i <= 0 || slices.Contains(shared, m) || !hasValue(f.Data[i]) {
			continue
		}
		shared = append(shared, m)
	}
	if len(shared) == 0 {
		var named []string
		for _, m := range mnemonics {
			if f.CurveIndex(m) > 0 && !slices.Contains(named, m) {
				named = append(named, m)
			}
		}
		if len(named) > 0 {
			return nil, fmt.Errorf("%w: the curves it shares with the manifest (%s) hold no "+
				"values, only NULL: give their values", ErrTruth, strings.Join(named, ", "))
		}
		var have []string
		for _, c := range f.Curves[1:] {
			have = append(have, c.Mnemonic)
		}
		return nil, fmt.Errorf("%w: it shares no curve with values with the manifest "+
			"(truth has %s; manifest has %s): rename the curves so that they match",
			ErrTruth, listOrNone(have), listOrNone(mnemonics))
	}
	return shared, nil
}

// DepthUnit names the length unit a depth unit string means, "ft" or
// "m" (F, FT, FEET, M, METER, METRES... in any case), or "" for any other
// string.
func DepthUnit(unit string) string {
	switch strings.ToUpper(strings.TrimSpace(unit)) {
	case "F", "FT", "FEET", "FOOT":
		return "ft"
	case "M", "METER", "METERS", "METRE", "METRES":
		return "m"
	}
	return ""
}

func isDepthIndex(c Item) bool {
	return slices.ContainsFunc(depthMnemonics, func(s string) bool {
		return strings.EqualFold(s, c.Mnemonic)
	}) || DepthUnit(c.Unit) != ""
}

// checkIndex requires two or more finite rows, strictly monotonic.
func checkIndex(name string, idx []float64) error {
	if len(idx) < 2 {
		return fmt.Errorf("%w: %d data rows: give at least two", ErrTruth, len(idx))
	}
	if idx[0] == idx[len(idx)-1] {
		return fmt.Errorf("%w: index %s starts and ends at %v: give rows over a depth "+
			"interval", ErrTruth, name, idx[0])
	}
	sign := math.Copysign(1, idx[len(idx)-1]-idx[0])
	for i, d := range idx {
		if math.IsNaN(d) || math.IsInf(d, 0) {
			return fmt.Errorf("%w: index %s is NULL at data row %d: every row needs a "+
				"depth", ErrTruth, name, i+1)
		}
		if i > 0 && (d-idx[i-1])*sign < 0 {
			return fmt.Errorf("%w: index %s turns back at data row %d (%v after %v): "+
				"sort the rows by depth", ErrTruth, name, i+1, d, idx[i-1])
		}
	}
	return nil
}

func hasValue(col []float64) bool {
	return slices.ContainsFunc(col, func(v float64) bool { return !math.IsNaN(v) })
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
