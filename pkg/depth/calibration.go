// Package depth maps pixel rows to depth: from the manifest's tie points
// when given, otherwise from the grid's period, its major lines and the
// depth labels read from the depth track, fitted robustly and piecewise
// across stitched pages.
package depth

import (
	"errors"
	"fmt"
	"image"
	"math"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
)

// Calibration is the fitted row-to-depth mapping. Rows are px of the
// deskewed strip.
type Calibration struct {
	Unit string `json:"unit"`
	// Method is "tie_points" or "grid_labels".
	Method   string    `json:"method"`
	Segments []Segment `json:"segments"`
	// Residuals are the fitted mapping's misfits at each observation.
	Residuals []Residual `json:"residuals"`
	// GridPeriod is the spacing of the finest horizontal grid lines in px;
	// zero when no grid was measured.
	GridPeriod float64 `json:"grid_period_px,omitempty"`
	// RMS and MaxAbs summarise the inlier residuals in depth units.
	RMS    float64 `json:"rms"`
	MaxAbs float64 `json:"max_abs"`
	// LabelCheck compares a tie-point calibration with the depth labels
	// printed on the strip, where four or more read and fit; nil when they
	// do not (or the calibration is from the labels).
	LabelCheck *LabelCheck `json:"label_check,omitempty"`
}

// LabelCheck is a tie-point calibration set beside the calibration the
// depth labels on the strip give by themselves.
type LabelCheck struct {
	// Labels is how many labels the label fit kept.
	Labels int `json:"labels"`
	// MaxDiff is the largest |tie-point depth - label depth| over the
	// body's rows, in depth units; MaxDiffPx the same in px.
	MaxDiff   float64 `json:"max_diff"`
	MaxDiffPx float64 `json:"max_diff_px"`
	// Agrees is MaxDiffPx <= LabelCheckTolPx.
	Agrees bool `json:"agrees"`
}

// LabelCheckTolPx is how far, in px, the tie points' depth may be from the
// labels' anywhere on the body and still agree: both are good to a px or
// two, and a mistyped tie point is off by a label step (tens of px).
const LabelCheckTolPx = 5.0

// Segment maps rows [RowFrom, RowTo) linearly: depth = Depth0 + Rate*(row-RowFrom).
type Segment struct {
	RowFrom float64 `json:"row_from"`
	RowTo   float64 `json:"row_to"`
	Depth0  float64 `json:"depth0"`
	Rate    float64 `json:"rate"` // depth units per px
	// Pass is PassMain for the main pass (every page of it) or PassRepeat
	// for a repeat section, which BuildLog leaves out.
	Pass string `json:"pass,omitempty"`
}

// Passes a segment can belong to.
const (
	PassMain   = "main"
	PassRepeat = "repeat"
)

// Calibration methods.
const (
	MethodTiePoints  = "tie_points"
	MethodGridLabels = "grid_labels"
)

// Residual is one observation (tie point or read label) and its misfit.
type Residual struct {
	Row      float64 `json:"row"`
	Depth    float64 `json:"depth"`
	Fitted   float64 `json:"fitted"`
	Inlier   bool    `json:"inlier"`
	Label    string  `json:"label,omitempty"`
	Residual float64 `json:"residual"`
}

// ErrNoCalibration is wrapped when neither tie points nor enough readable
// depth labels are available; the user should add depth.tie_points to the
// manifest.
var ErrNoCalibration = errors.New("no depth calibration")

// Calibrate fits the row-to-depth mapping of a deskewed strip. With two or
// more manifest tie points it fits those (their rows are px of the
// reassembled strip before deskew and go through tf first); otherwise it
// measures the grid and reads the depth labels in layout.DepthTrack
// (searched for when the band is empty) inside layout.Body and
// layout.Repeat (the whole image when Body is empty). Either way the fit
// is robust (RANSAC) and piecewise: one linear segment per stitched page
// or pass. Tie points must be finite and fall inside the strip: rows
// 0..H-1 of img (of layout.Height when img is nil; unchecked when both are
// unknown) after tf. Errors wrap ErrNoCalibration and say what to add or
// fix.
func Calibrate(img *image.Gray, layout raster.Layout, tf raster.Transform,
	m *manifest.Manifest) (*Calibration, error) {
	if m == nil {
		return nil, fmt.Errorf("calibrate depth: %w: no manifest", ErrNoCalibration)
	}
	if len(m.Depth.TiePoints) >= 2 {
		height := layout.Height
		if img != nil {
			height = img.Bounds().Dy()
		}
		// The depth track, searched for on the image when the layout has
		// none, places the tie points; its labels, where they read, check
		// them.
		band, labels := layout.DepthTrack, (*Calibration)(nil)
		if img != nil {
			band, labels, _ = labelTrack(img, layout, m)
		}
		cal, err := fromTiePoints(band, layout, tf, height, m)
		if err != nil {
			return nil, fmt.Errorf("calibrate depth: %w", err)
		}
		cal.LabelCheck = checkLabels(cal, labels, layout, height)
		return cal, nil
	}
	cal, err := fromGridLabels(img, layout, m)
	if err != nil {
		return nil, fmt.Errorf("calibrate depth: %w", err)
	}
	return cal, nil
}

// Depth returns the depth of a row (px of the deskewed strip): the segment
// holding the row, or the nearest segment extended beyond its ends. It
// returns NaN when the calibration has no segments.
func (c *Calibration) Depth(row float64) float64 {
	s, ok := c.segmentAt(row, "")
	if !ok {
		return math.NaN()
	}
	return s.Depth0 + s.Rate*(row-s.RowFrom)
}

// Row returns the main-pass row (px of the deskewed strip) at a depth, the
// inverse of Depth; depths beyond the main pass extend its first or last
// segment. It returns NaN when there is no main-pass segment.
func (c *Calibration) Row(depth float64) float64 {
	var best *Segment
	bestDist := math.Inf(1)
	for i := range c.Segments {
		s := &c.Segments[i]
		if !s.main() || s.Rate == 0 {
			continue
		}
		d0, d1 := s.Depth0, s.Depth0+s.Rate*(s.RowTo-s.RowFrom)
		lo, hi := math.Min(d0, d1), math.Max(d0, d1)
		dist := math.Max(0, math.Max(lo-depth, depth-hi))
		if dist < bestDist {
			best, bestDist = s, dist
		}
	}
	if best == nil {
		return math.NaN()
	}
	return best.RowFrom + (depth-best.Depth0)/best.Rate
}

func (s *Segment) main() bool { return s.Pass == "" || s.Pass == PassMain }

// segmentAt returns the segment holding row, or the nearest one; pass ""
// means any pass.
func (c *Calibration) segmentAt(row float64, pass string) (Segment, bool) {
	var best Segment
	bestDist := math.Inf(1)
	for _, s := range c.Segments {
		if pass != "" && s.Pass != pass {
			continue
		}
		dist := math.Max(0, math.Max(s.RowFrom-row, row-s.RowTo))
		if dist < bestDist || (dist == 0 && bestDist == 0 && row >= s.RowFrom) {
			best, bestDist = s, dist
		}
	}
	return best, !math.IsInf(bestDist, 1)
}

// summarise fills RMS and MaxAbs from the inlier residuals.
func (c *Calibration) summarise() {
	var ss float64
	var n int
	c.RMS, c.MaxAbs = 0, 0
	for _, r := range c.Residuals {
		if !r.Inlier {
			continue
		}
		ss += r.Residual * r.Residual
		n++
		c.MaxAbs = math.Max(c.MaxAbs, math.Abs(r.Residual))
	}
	if n > 0 {
		c.RMS = math.Sqrt(ss / float64(n))
	}
}

// minCheckLabels is how many labels a label fit needs to hold against the
// manifest's tie points: three misread labels can still fit a line (one
// of 48 hard-tier logs did, 150 000 px from the truth).
const minCheckLabels = 4

// checkLabels compares the tie-point calibration cal with labels, the
// calibration from the strip's depth labels alone, over the body's rows
// (rows 0..height-1 when the body is unknown); nil without labels or when
// fewer than minCheckLabels fit.
func checkLabels(cal, labels *Calibration, layout raster.Layout, height int) *LabelCheck {
	if labels == nil {
		return nil
	}
	out := &LabelCheck{}
	for _, r := range labels.Residuals {
		if r.Inlier {
			out.Labels++
		}
	}
	if out.Labels < minCheckLabels {
		return nil
	}
	top, bottom := layout.Body.Top, layout.Body.Bottom
	if bottom <= top {
		top, bottom = 0, height
	}
	for y := top; y < bottom; y += 4 {
		row := float64(y)
		seg, ok := cal.segmentAt(row, "")
		if !ok || seg.Rate == 0 {
			continue
		}
		d := math.Abs(cal.Depth(row) - labels.Depth(row))
		if d > out.MaxDiff {
			out.MaxDiff, out.MaxDiffPx = d, d/math.Abs(seg.Rate)
		}
	}
	out.Agrees = out.MaxDiffPx <= LabelCheckTolPx
	return out
}

// Review lists what about the calibration a person should look at, one
// line each: tie points that the depth labels printed on the strip
// contradict.
func (c *Calibration) Review() []string {
	lc := c.LabelCheck
	if lc == nil || lc.Agrees {
		return nil
	}
	return []string{fmt.Sprintf("depth: the manifest's tie points and the %d depth labels "+
		"read on the scan differ by up to %.2f %s (%.0f px): check depth.tie_points",
		lc.Labels, lc.MaxDiff, c.Unit, lc.MaxDiffPx)}
}
