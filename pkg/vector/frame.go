package vector

import (
	"github.com/welllog/digitiser/pkg/raster"
)

// borderReach is how far in px a grid line may sit from a band edge and
// still count as that track's border.
const borderReach = 2

// TrackEdges returns the positions, in px of the strip (pixel x spans
// [x, x+1)), of track fraction 0 and 1 for layout.Tracks[track]: the
// centres of the border lines in layout.GridLines that touch the band,
// else the band's own edges. Frac in a Trace is measured between them.
// It panics if track is out of range.
func TrackEdges(layout raster.Layout, track int) (x0, x1 float64) {
	band := layout.Tracks[track]
	x0, x1 = float64(band.Left), float64(band.Right)
	for _, g := range layout.GridLines {
		if abs(g.Right-band.Left) <= borderReach {
			x0 = float64(g.Left+g.Right) / 2
		}
		if abs(g.Left-band.Right) <= borderReach {
			x1 = float64(g.Left+g.Right) / 2
		}
	}
	return x0, x1
}

// FracX converts a track fraction to a column position in px between the
// track's edges x0 and x1 (see TrackEdges).
func FracX(frac, x0, x1 float64) float64 { return x0 + frac*(x1-x0) }

// borderOuter returns the columns [l, r) of layout.Tracks[track] widened
// by the border lines in layout.GridLines that touch it (see TrackEdges).
func borderOuter(layout raster.Layout, track int) (l, r int) {
	band := layout.Tracks[track]
	l, r = band.Left, band.Right
	for _, g := range layout.GridLines {
		if abs(g.Right-band.Left) <= borderReach {
			l = min(l, g.Left)
		}
		if abs(g.Left-band.Right) <= borderReach {
			r = max(r, g.Right)
		}
	}
	return l, r
}
