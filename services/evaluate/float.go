package main

import (
	"math"
	"strconv"
)

// Float is a float64 that marshals NaN and infinities as JSON null (and
// null back to NaN): scores that are unknown stay unknown in the report.
type Float float64

// MarshalJSON writes null for NaN or infinite values, else the number.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', 6, 64), nil
}

// UnmarshalJSON reads a number, or null as NaN.
func (f *Float) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = Float(math.NaN())
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	*f = Float(v)
	return err
}
