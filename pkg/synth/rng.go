package synth

import (
	"math"
	"math/rand/v2"
)

// rng draws every random choice of one log from its seed, in a fixed
// order, so a seed always renders the same log.
type rng struct {
	r *rand.Rand
}

func newRNG(seed, stream uint64) *rng {
	return &rng{r: rand.New(rand.NewPCG(seed, stream^0x9e3779b97f4a7c15))}
}

// f returns a float in [0, 1).
func (g *rng) f() float64 { return g.r.Float64() }

// in draws uniformly from the range.
func (g *rng) in(r Range) float64 { return r.Min + g.r.Float64()*(r.Max-r.Min) }

// count draws an integer uniformly from the range, both ends included.
func (g *rng) count(r Range) int {
	lo, hi := int(math.Round(r.Min)), int(math.Round(r.Max))
	if hi <= lo {
		return lo
	}
	return lo + g.r.IntN(hi-lo+1)
}

// between returns a float in [lo, hi).
func (g *rng) between(lo, hi float64) float64 { return lo + g.r.Float64()*(hi-lo) }

// p reports true with probability prob.
func (g *rng) p(prob float64) bool { return g.r.Float64() < prob }

// n returns an int in [0, n).
func (g *rng) n(n int) int { return g.r.IntN(n) }

// norm returns a standard normal draw.
func (g *rng) norm() float64 { return g.r.NormFloat64() }

// pick returns one of the strings.
func (g *rng) pick(s ...string) string { return s[g.r.IntN(len(s))] }
