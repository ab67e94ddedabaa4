package depth

import (
	"fmt"
	"math"
	"slices"

	"github.com/welllog/digitiser/pkg/internal/stats"
	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
)

// tiePointTolPx is the misfit, in px, beyond which a tie point is an
// outlier of the line its neighbours agree on.
const tiePointTolPx = 3.0

// fromTiePoints fits the manifest's tie points. Their rows are px of the
// reassembled strip and are mapped through tf at the centre of band, the
// depth track (see tieColumn). Three or more tie points
// are fitted by RANSAC, so one wrong point is reported as an outlier; tie
// points that disagree in groups make one segment per group (pages).
//
// height is the deskewed strip's height in px (0: unknown). A tie point
// that is not finite, or whose row maps outside rows 0..height-1 (give or
// take tiePointEdgePx), is an error naming the strip's row range.
func fromTiePoints(band raster.Band, layout raster.Layout, tf raster.Transform,
	height int, m *manifest.Manifest) (*Calibration, error) {
	x := tieColumn(band, layout, tf)

	o := make([]obs, 0, len(m.Depth.TiePoints))
	for i, tp := range m.Depth.TiePoints {
		if !finite(tp.Row) || !finite(tp.Depth) {
			return nil, fmt.Errorf("%w: depth.tie_points[%d] (row %v, depth %v) is not a "+
				"finite number: give both", ErrNoCalibration, i+1, tp.Row, tp.Depth)
		}
		xPre, _ := tf.Inverse(x, tp.Row)
		_, row := tf.Apply(xPre, tp.Row)
		if err := insideStrip(i, tp.Row, height); err != nil {
			return nil, err
		}
		o = append(o, obs{row: row, depth: tp.Depth,
			label: fmt.Sprintf("tie point row %g", tp.Row)})
	}
	slices.SortFunc(o, func(a, b obs) int { return stats.Compare(a.row, b.row) })

	tol := tiePointTol(o)
	pieces, inlier := fitPiecewise(o, fitOptions{tol: tol, minIn: 2, repeat: layout.Repeat})
	if len(pieces) == 0 {
		return nil, fmt.Errorf("%w: the tie points do not increase in depth down the "+
			"strip: check depth.tie_points rows and depths", ErrNoCalibration)
	}
	hi := math.Max(float64(max(layout.Height, height)), o[len(o)-1].row+1)
	cal := &Calibration{Unit: m.Depth.Unit, Method: MethodTiePoints,
		Segments: segments(pieces, 0, hi, layout.Repeat, nil)}
	cal.Residuals = residuals(cal, o, inlier)
	cal.summarise()
	return cal, nil
}

// tiePointEdgePx is how far, in px, a tie point may lie beyond the strip's
// first or last row (rounding) and still count as inside.
const tiePointEdgePx = 2.0

// insideStrip reports tie point i outside the strip's rows. pre is the
// row the user gave (px of the strip before deskew): it is the one checked,
// since deskew may take a point near the top or bottom of a skewed strip a
// little beyond the deskewed image and it is still a valid point of the
// fit.
func insideStrip(i int, pre float64, height int) error {
	if height <= 0 {
		return nil
	}
	last := float64(height - 1)
	if pre >= -tiePointEdgePx && pre <= last+tiePointEdgePx {
		return nil
	}
	return fmt.Errorf("%w: depth.tie_points[%d] row %g is outside the strip, whose rows "+
		"run 0..%.0f px from its top: check the row", ErrNoCalibration, i+1, pre, last)
}

// tiePointTol converts tiePointTolPx to depth units with the median rate
// between neighbouring tie points.
func tiePointTol(o []obs) float64 {
	var rates []float64
	for i := 1; i < len(o); i++ {
		if dr := o[i].row - o[i-1].row; dr > 0 {
			if r := (o[i].depth - o[i-1].depth) / dr; r > 0 {
				rates = append(rates, r)
			}
		}
	}
	if len(rates) == 0 {
		return math.Inf(1)
	}
	return tiePointTolPx * stats.UpperMedian(rates)
}

// tieColumn is the column of the deskewed strip at which tie-point rows
// are read: the centre of the depth track band, since the rows a user
// gives are where the depth labels sit, else the strip's centre. Under
// skew the choice matters: at 3 degrees a column 700 px off shifts a row
// by 37 px.
func tieColumn(band raster.Band, layout raster.Layout, tf raster.Transform) float64 {
	switch {
	case band.Width() > 0:
		return float64(band.Left) + float64(band.Width())/2
	case layout.Width > 0:
		return float64(layout.Width) / 2
	}
	return tf.CX + tf.DX
}
