package vector

import (
	"math"

	"github.com/welllog/digitiser/pkg/manifest"
)

// dotLen is the longest ink piece, in px along the curve, that counts as
// a dot: a dot is about 1.3 line widths long (4 px at 3 px), the shortest
// printed dash 8 px.
const dotLen = 6.5

// shortShare is the share of the path's ink pieces over rows [a, b) that
// are dots (at most dotLen px along the curve); 0 without pieces. Pieces
// cut by the window's ends count too.
func (p *path) shortShare(a, b int) float64 {
	var n, short float64
	p.pieces(a, b, func(l float64) {
		n++
		if l <= dotLen {
			short++
		}
	})
	if n == 0 {
		return 0
	}
	return short / n
}

// pieces calls fn with the length in px along the curve of every ink piece
// of the path over rows [a, b): a piece is a run of inked rows whose ink
// runs touch from row to row. A dash gap ends a piece whether it leaves
// rows without ink (steep stretches) or falls inside a row (flat ones).
func (p *path) pieces(a, b int, fn func(l float64)) {
	inPiece := false
	var arc, widest float64
	flush := func() {
		if inPiece {
			fn(max(arc+1, widest))
		}
		inPiece, arc, widest = false, 0, 0
	}
	for y := a; y < b; y++ {
		lo, hi := p.run.lo[y], p.run.hi[y]
		if !p.ev[y] || lo < 0 {
			flush()
			continue
		}
		if inPiece && (lo > p.run.hi[y-1]+1 || p.run.lo[y-1] > hi+1) {
			flush()
		}
		if inPiece {
			arc += math.Hypot(1, p.pos[y]-p.pos[y-1])
		}
		inPiece = true
		widest = max(widest, float64(hi-lo+1))
	}
	flush()
}

// styleShort is the share of dots among the ink pieces a line style shows.
func styleShort(style string) float64 {
	switch style {
	case manifest.StyleDotted:
		return 1
	case manifest.StyleDashDot:
		return 0.5
	}
	return 0
}
