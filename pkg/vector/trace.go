// Package vector turns curve probability maps into one position per depth
// row for every curve: a Viterbi trace per track and curve class that
// bridges dashes and gaps, resolves crossings by continuity and unwraps
// backup-scale wraps.
package vector

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
