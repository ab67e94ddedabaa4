package segment

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestExpNeg compares expNeg with math.Exp over [-90, 0].
func TestExpNeg(t *testing.T) {
	worst := 0.0
	for i := 0; i <= 900000; i++ {
		x := -float64(i) / 10000
		got, want := float64(expNeg(float32(x))), math.Exp(float64(float32(x)))
		if x < -87 {
			if got != 0 {
				t.Fatalf("expNeg(%g) = %g, want 0 below -87", x, got)
			}
			continue
		}
		worst = max(worst, math.Abs(got-want)/want)
	}
	t.Logf("largest relative error %.2g", worst)
	if worst > 1e-5 {
		t.Errorf("expNeg relative error %.2g, want <= 1e-5", worst)
	}
}

// softmaxRef is softmax in float64 with math.Exp, rounded to bytes.
func softmaxRef(l0, l1, l2 float32) (uint8, uint8) {
	m := float64(max(l0, l1, l2))
	e0 := math.Exp(float64(l0) - m)
	e1 := math.Exp(float64(l1) - m)
	e2 := math.Exp(float64(l2) - m)
	s := e0 + e1 + e2
	return uint8(math.Round(255 * e1 / s)), uint8(math.Round(255 * e2 / s))
}

// TestSoftmaxRow checks softmaxRow against float64 softmax on random
// logits: never more than one step apart, and rarely apart at all.
func TestSoftmaxRow(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 200000
	l := [3][]float32{}
	for c := range l {
		l[c] = make([]float32, n)
		for i := range l[c] {
			l[c][i] = float32(rng.NormFloat64() * 6)
		}
	}
	p1, p2 := make([]uint8, n), make([]uint8, n)
	softmaxRow(l[0], l[1], l[2], p1, p2)
	differ, spread := 0, [2]int{}
	for i := range p1 {
		w1, w2 := softmaxRef(l[0][i], l[1][i], l[2][i])
		d1, d2 := int(p1[i])-int(w1), int(p2[i])-int(w2)
		if d1 < -1 || d1 > 1 || d2 < -1 || d2 > 1 {
			t.Fatalf("logits %v %v %v: got %d %d, want %d %d", l[0][i], l[1][i], l[2][i],
				p1[i], p2[i], w1, w2)
		}
		if d1 != 0 || d2 != 0 {
			differ++
		}
		if p1[i] > 127 {
			spread[0]++
		}
		if p2[i] > 127 {
			spread[1]++
		}
	}
	t.Logf("%d of %d px one step off float64 softmax", differ, n)
	if differ > n/1000 {
		t.Errorf("%d of %d px differ from float64 softmax, want under 0.1%%", differ, n)
	}
	if spread[0] < n/10 || spread[1] < n/10 {
		t.Fatalf("test logits give too few high probabilities: %v", spread)
	}
}

// BenchmarkSoftmaxRow times softmax and quantisation of a 1024 px row:
// softmaxRow, and ref (float64 math.Exp per px, as before issue 5).
func BenchmarkSoftmaxRow(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 1024
	var l [3][]float32
	for c := range l {
		l[c] = make([]float32, n)
		for i := range l[c] {
			l[c][i] = float32(rng.NormFloat64() * 6)
		}
	}
	p1, p2 := make([]uint8, n), make([]uint8, n)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"fast", func() { softmaxRow(l[0], l[1], l[2], p1, p2) }},
		{"ref", func() {
			for i := range p1 {
				p1[i], p2[i] = softmaxRef(l[0][i], l[1][i], l[2][i])
			}
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(3 * 4 * n)
			for range b.N {
				c.f()
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds()/1e6, "Mpx/s")
		})
	}
}
