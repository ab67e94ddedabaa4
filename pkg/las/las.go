// Package las reads and writes LAS 2.0 files (CWLS): ~Version, ~Well,
// ~Curve, ~Parameter, ~Other and ~ASCII sections, wrapped or not.
package las

import (
	"errors"
	"math"
	"strings"
)

// File is one LAS file in memory. Data[i] is curve i's column; the first
// curve is the index (depth).
type File struct {
	Version string // "2.0"
	Wrap    bool
	Null    float64 // default -999.25
	Well    []Item  // STRT, STOP, STEP, NULL are derived on write
	Curves  []Item  // Mnemonic, Unit, Description
	Params  []Item
	Other   string
	Data    [][]float64
}

// Item is one header line: MNEM.UNIT VALUE : DESCRIPTION.
type Item struct {
	Mnemonic    string
	Unit        string
	Value       string
	Description string
}

// DefaultNull is the NULL value written when File.Null is zero.
const DefaultNull = -999.25

// ErrFormat is wrapped by every error Read returns for a malformed file.
var ErrFormat = errors.New("malformed LAS file")

// Curve returns the column of the curve with the given mnemonic (case
// insensitive), or nil when the file has no such curve. The slice is the
// file's own storage; missing values are NaN (Read turns NULL into NaN).
func (f *File) Curve(mnemonic string) []float64 {
	i := f.CurveIndex(mnemonic)
	if i < 0 || i >= len(f.Data) {
		return nil
	}
	return f.Data[i]
}

// CurveIndex returns the index of the curve with the given mnemonic (case
// insensitive) in Curves and Data, or -1.
func (f *File) CurveIndex(mnemonic string) int {
	for i, c := range f.Curves {
		if strings.EqualFold(c.Mnemonic, mnemonic) {
			return i
		}
	}
	return -1
}

// WellValue returns the value of the ~W item with the given mnemonic (case
// insensitive), or "" when absent.
func (f *File) WellValue(mnemonic string) string {
	for _, it := range f.Well {
		if strings.EqualFold(it.Mnemonic, mnemonic) {
			return it.Value
		}
	}
	return ""
}

// Rows returns the number of depth rows (the length of the index column).
func (f *File) Rows() int {
	if len(f.Data) == 0 {
		return 0
	}
	return len(f.Data[0])
}

// null returns the file's NULL value, DefaultNull when unset.
func (f *File) null() float64 {
	if f.Null == 0 {
		return DefaultNull
	}
	return f.Null
}

// Step returns the constant step of an index column, or 0 when the
// spacing varies (LAS 2.0 says STEP 0 for irregular sampling) or there are
// fewer than two rows. Spacings equal to within 1e-6 of the step count as
// constant.
func Step(index []float64) float64 {
	if len(index) < 2 {
		return 0
	}
	step := (index[len(index)-1] - index[0]) / float64(len(index)-1)
	tol := 1e-6 * math.Max(1, math.Abs(step))
	for i := 1; i < len(index); i++ {
		if math.Abs(index[i]-index[i-1]-step) > tol {
			return 0
		}
	}
	return step
}
