package raster

// NumCurveClasses is the number of curve classes a ProbMap holds: class 1
// (solid) and class 2 (dashed or dotted). Background is implied.
const NumCurveClasses = 2

// ProbMap holds per-pixel curve probabilities, quantised to 0..255, for
// each curve class, row-major, the same size as the image they came from.
// P[0] is class 1, P[1] class 2. One byte a pixel a class keeps a
// 2000 x 60000 px strip at 240 MB.
type ProbMap struct {
	Width  int
	Height int
	P      [NumCurveClasses][]uint8
}

// NewProbMap allocates a zeroed map of w x h px.
func NewProbMap(w, h int) *ProbMap {
	pm := &ProbMap{Width: w, Height: h}
	for c := range pm.P {
		pm.P[c] = make([]uint8, w*h)
	}
	return pm
}

// At returns the probability (0..255) of curve class cls (1 or 2) at x, y.
func (pm *ProbMap) At(cls, x, y int) uint8 {
	return pm.P[cls-1][y*pm.Width+x]
}

// Set stores the probability of curve class cls (1 or 2) at x, y.
func (pm *ProbMap) Set(cls, x, y int, p uint8) {
	pm.P[cls-1][y*pm.Width+x] = p
}
