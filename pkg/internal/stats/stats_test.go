package stats

import (
	"math"
	"slices"
	"testing"
)

func TestCompare(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		a, b float64
		want int
	}{
		{1, 2, -1}, {2, 1, 1}, {3, 3, 0}, {math.Inf(-1), -1e300, -1},
		{nan, 1, 0}, {1, nan, 0}, {nan, nan, 0},
	}
	for _, tt := range tests {
		if got := Compare(tt.a, tt.b); got != tt.want {
			t.Errorf("Compare(%v, %v) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestUpperMedian(t *testing.T) {
	odd := []float64{5, 1, 4, 2, 3}
	if got := UpperMedian(odd); got != 3 {
		t.Errorf("UpperMedian odd = %v, want 3", got)
	}
	if !slices.IsSorted(odd) {
		t.Errorf("UpperMedian left %v unsorted", odd)
	}
	if got := UpperMedian([]int{40, 10, 30, 20}); got != 30 {
		t.Errorf("UpperMedian even = %d, want the upper middle 30", got)
	}
	if got := UpperMedian([]float32{7}); got != 7 {
		t.Errorf("UpperMedian one = %v, want 7", got)
	}
}

func BenchmarkUpperMedian(b *testing.B) {
	src := make([]float64, 4096)
	for i := range src {
		src[i] = float64((i * 2654435761) % 4099)
	}
	v := make([]float64, len(src))
	for b.Loop() {
		copy(v, src)
		UpperMedian(v)
	}
}
