package synth

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/welllog/digitiser/pkg/raster"
)

// Series is a float series that marshals NaN as JSON null and rounds to
// 1/1000.
type Series []float64

// MarshalJSON writes the series with NaN as null.
func (s Series) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(s)*8+2)
	b = append(b, '[')
	for i, v := range s {
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b = append(b, "null"...)
			continue
		}
		b = strconv.AppendFloat(b, math.Round(v*1000)/1000, 'f', -1, 64)
	}
	return append(b, ']'), nil
}

// UnmarshalJSON reads a series, null as NaN.
func (s *Series) UnmarshalJSON(b []byte) error {
	var raw []*float64
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*s = make(Series, len(raw))
	for i, p := range raw {
		(*s)[i] = math.NaN()
		if p != nil {
			(*s)[i] = *p
		}
	}
	return nil
}

// TruthFile is X.truth.json: per-row truth of every curve. Rows are rows
// of the log frame; page_x and page_y give each point in px of the page
// (the strip for a multi-page archive).
type TruthFile struct {
	GeneratorVersion string        `json:"generator_version"`
	Tier             Tier          `json:"tier"`
	Seed             uint64        `json:"seed"`
	Unit             string        `json:"unit"`
	Look             string        `json:"look"`
	DPI              float64       `json:"dpi"`
	PxPerUnit        float64       `json:"px_per_unit"`
	Geometry         Geometry      `json:"geometry"`
	Layout           raster.Layout `json:"layout"`
	Tracks           []TrackGeom   `json:"tracks"`
	Pages            []Page        `json:"pages,omitempty"`
	Depth            Series        `json:"depth"`
	Curves           []TruthCurve  `json:"curves"`
}

// TruthCurve is one curve in a [TruthFile].
type TruthCurve struct {
	Mnemonic string  `json:"mnemonic"`
	Class    int     `json:"class"`
	Track    int     `json:"track"`
	Style    string  `json:"style"`
	WidthPx  float64 `json:"width_px"`
	X        Series  `json:"x"`
	PageX    Series  `json:"page_x"`
	PageY    Series  `json:"page_y"`
	Value    Series  `json:"value"`
	Frac     Series  `json:"frac"`
	Wrap     []int8  `json:"wrap"`
}

// TruthFile returns the log's truth in its file form; pages, when given,
// are recorded with their shifts.
func (l *Log) TruthFile(pages []Page) *TruthFile {
	tf := &TruthFile{GeneratorVersion: Version, Tier: l.Config.Tier, Seed: l.Config.Seed,
		Unit: l.Unit, Look: l.Look, DPI: l.DPI, PxPerUnit: l.PxPerUnit,
		Geometry: l.Geometry, Layout: l.Layout, Tracks: l.Tracks, Pages: pages,
		Depth: l.Depth}
	for _, ct := range l.Truth {
		tf.Curves = append(tf.Curves, TruthCurve{Mnemonic: ct.Mnemonic, Class: ct.Class,
			Track: ct.Track, Style: ct.Style, WidthPx: ct.Width, X: ct.X,
			PageX: ct.PageX, PageY: ct.PageY, Value: ct.Value, Frac: ct.Frac,
			Wrap: ct.Wrap})
	}
	return tf
}

// WriteTruthJSON writes the truth file as JSON.
func (l *Log) WriteTruthJSON(w io.Writer, pages []Page) error {
	enc := json.NewEncoder(w)
	if err := enc.Encode(l.TruthFile(pages)); err != nil {
		return fmt.Errorf("write truth json: %w", err)
	}
	return nil
}
