// Package raster decodes scanned log pages, reassembles multi-page strips,
// removes skew and finds the log's layout: header, body, repeat section,
// depth track and curve tracks. It is pure image work: no I/O beyond
// readers and writers.
package raster

// Span is a range of rows [Top, Bottom) in px.
type Span struct {
	Top    int `json:"top"`
	Bottom int `json:"bottom"`
}

// Len returns the number of rows in the span.
func (s Span) Len() int { return s.Bottom - s.Top }

// Band is a range of columns [Left, Right) in px.
type Band struct {
	Left  int `json:"left"`
	Right int `json:"right"`
}

// Width returns the number of columns in the band.
func (b Band) Width() int { return b.Right - b.Left }

// Layout is what preprocessing found on a deskewed strip. All coordinates
// are px of the deskewed strip that preprocessing outputs.
type Layout struct {
	Width  int `json:"width"`
	Height int `json:"height"`
	// SkewDeg is the skew removed, in degrees (positive: the page was
	// rotated clockwise).
	SkewDeg float64 `json:"skew_deg"`
	// Header is the header block above the log body; empty when absent.
	Header Span `json:"header"`
	// Body is the main pass.
	Body Span `json:"body"`
	// Repeat is a repeat section after the main pass; nil when absent.
	Repeat *Span `json:"repeat,omitempty"`
	// DepthTrack is the column band of the depth track.
	DepthTrack Band `json:"depth_track"`
	// Tracks are the curve tracks left to right, borders excluded. When a
	// manifest was given there is exactly one per manifest track, in its
	// order.
	Tracks []Band `json:"tracks"`
	// GridLines are the vertical lines ruled through the body and repeat
	// section (track borders and grid), left to right; the vectoriser can
	// mask them.
	GridLines []Band `json:"grid_lines,omitempty"`
}

// Transform maps px of the reassembled strip (before deskew) to px of the
// deskewed strip: a rotation by -SkewDeg about (CX, CY) followed by a
// translation (DX, DY) for any crop.
type Transform struct {
	SkewDeg float64 `json:"skew_deg"`
	CX      float64 `json:"cx"`
	CY      float64 `json:"cy"`
	DX      float64 `json:"dx"`
	DY      float64 `json:"dy"`
}
