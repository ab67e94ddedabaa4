// Package vector turns curve probability maps into one position per depth
// row for every curve: a Viterbi trace per track and curve class that
// bridges dashes and gaps, resolves crossings by continuity and unwraps
// backup-scale wraps.
package vector

import (
	"math"

	"github.com/welllog/digitiser/pkg/manifest"
)

// Trace is one curve followed down its track. Index i of every slice is
// row Top+i of the deskewed strip.
type Trace struct {
	Mnemonic string `json:"mnemonic"`
	Class    int    `json:"class"`
	Track    int    `json:"track"`
	Top      int    `json:"top"`
	// Frac is the position across the track, 0 at the left border and 1 at
	// the right, after unwrapping: values below 0 or above 1 are on the
	// backup scale (Wrap says which). NaN means no evidence in the row.
	Frac []float64 `json:"frac"`
	// Wrap is 0 on the main scale, +1 where the curve left the right border
	// and re-entered from the left (backup scale), -1 for the reverse.
	Wrap []int8 `json:"wrap"`
	// Conf is the row's confidence, 0..1.
	Conf []float32 `json:"conf"`
}

// Len returns the number of rows the trace covers.
func (t *Trace) Len() int { return len(t.Frac) }

// Raw returns row i's position on the printed track, 0..1, whichever scale
// it is on: Frac minus the wrap count. NaN where the row has no value.
func (t *Trace) Raw(i int) float64 { return t.Frac[i] - float64(t.Wrap[i]) }

// Value converts row i to a curve value: through the main scale when Wrap
// is 0, through the backup scale otherwise (NaN when the curve has none).
// It returns NaN where the row has no value.
func (t *Trace) Value(c manifest.Curve, i int) float64 {
	f := t.Frac[i]
	if math.IsNaN(f) {
		return math.NaN()
	}
	if t.Wrap[i] == 0 {
		return c.Value(f)
	}
	return c.BackupValue(t.Raw(i))
}
