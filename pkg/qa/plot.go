package qa

import (
	"math"

	"github.com/welllog/digitiser/pkg/manifest"
)

// maxPlotPoints bounds the samples a plot keeps per curve.
const maxPlotPoints = 2000

// makePlot resamples a curve for drawing. Each kept sample is the one of
// its bin farthest from the bin's first, so that spikes survive.
func makePlot(c manifest.Curve, depths, got, truth []float64) Plot {
	p := Plot{Left: c.Left, Right: c.Right, Unit: c.Unit}
	n := len(depths)
	bin := max(1, (n+maxPlotPoints-1)/maxPlotPoints)
	for i := 0; i < n; i += bin {
		j := min(n, i+bin)
		k := pick(got, i, j)
		p.Depth = append(p.Depth, depths[k])
		p.Digitised = append(p.Digitised, got[k])
		if truth != nil {
			p.Truth = append(p.Truth, truth[k])
		}
	}
	return p
}

// pick returns the index in [i, j) whose value is farthest from v[i]'s,
// i when all are equal or undefined.
func pick(v []float64, i, j int) int {
	best, far := i, -1.0
	for k := i; k < j; k++ {
		if math.IsNaN(v[k]) {
			continue
		}
		ref := v[i]
		if math.IsNaN(ref) {
			ref = v[k]
		}
		if d := math.Abs(v[k] - ref); d > far {
			best, far = k, d
		}
	}
	return best
}
