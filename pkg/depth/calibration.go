// Package depth maps pixel rows to depth: from the manifest's tie points
// when given, otherwise from the grid's period, its major lines and the
// depth labels read from the depth track, fitted robustly and piecewise
// across stitched pages.
package depth

// Calibration is the fitted row-to-depth mapping. Rows are px of the
// deskewed strip.
type Calibration struct {
	Unit string `json:"unit"`
	// Method is "tie_points" or "grid_labels".
	Method   string    `json:"method"`
	Segments []Segment `json:"segments"`
	// Residuals are the fitted mapping's misfits at each observation.
	Residuals []Residual `json:"residuals"`
}

// Segment maps rows [RowFrom, RowTo) linearly: depth = Depth0 + Rate*(row-RowFrom).
type Segment struct {
	RowFrom float64 `json:"row_from"`
	RowTo   float64 `json:"row_to"`
	Depth0  float64 `json:"depth0"`
	Rate    float64 `json:"rate"` // depth units per px
}

// Residual is one observation (tie point or read label) and its misfit.
type Residual struct {
	Row      float64 `json:"row"`
	Depth    float64 `json:"depth"`
	Fitted   float64 `json:"fitted"`
	Inlier   bool    `json:"inlier"`
	Label    string  `json:"label,omitempty"`
	Residual float64 `json:"residual"`
}
