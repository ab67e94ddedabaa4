// Package stats holds the small order statistics the image algorithms
// share. It imports only the standard library, so any algorithm package
// may use it without taking on a heavier dependency.
package stats

import (
	"cmp"
	"slices"
)

// Compare orders a before b: -1 when a < b, 1 when a > b, else 0. Unlike
// [cmp.Compare], a NaN compares equal to everything, so a sort keyed on it
// keeps NaN where it found it relative to the values around it.
func Compare(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// UpperMedian sorts v in place (as [slices.Sort]) and returns its middle
// element, the upper of the two middle ones when len(v) is even. It panics
// when v is empty; clone v first to keep its order.
func UpperMedian[T cmp.Ordered](v []T) T {
	slices.Sort(v)
	return v[len(v)/2]
}
