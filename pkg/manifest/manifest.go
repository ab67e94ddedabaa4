// Package manifest describes a scanned log as the user knows it: the well
// header, the depth unit and step, optional depth tie points and the tracks
// with their curves and scales. The pipeline reads it from the archive
// (manifest.yaml, manifest.yml or manifest.json) or from `submit --manifest`.
package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// Line styles. Solid curves are segmentation class 1, the others class 2.
const (
	StyleSolid   = "solid"
	StyleDashed  = "dashed"
	StyleDotted  = "dotted"
	StyleDashDot = "dash-dot"
)

// Value scales of a curve across its track.
const (
	ScaleLinear = "linear"
	ScaleLog    = "log"
)

// Segmentation classes.
const (
	ClassBackground = 0
	ClassSolid      = 1 // curve 1: solid line
	ClassDashed     = 2 // curve 2: dashed, dotted or dash-dot line
)

// ErrInvalid is wrapped by every validation error.
var ErrInvalid = errors.New("invalid manifest")

// Manifest is the user's description of one log.
type Manifest struct {
	Well   Well    `json:"well" yaml:"well"`
	Depth  Depth   `json:"depth" yaml:"depth"`
	Tracks []Track `json:"tracks" yaml:"tracks"`
	// Truth names a LAS file in the archive to score the output against.
	Truth string `json:"truth,omitempty" yaml:"truth,omitempty"`
	// Pages lists page image names in log order; empty means order by name
	// and content.
	Pages []string `json:"pages,omitempty" yaml:"pages,omitempty"`
}

// Well holds the header fields copied to the LAS ~W section.
type Well struct {
	Name     string `json:"name" yaml:"name"`
	UWI      string `json:"uwi,omitempty" yaml:"uwi,omitempty"`
	API      string `json:"api,omitempty" yaml:"api,omitempty"`
	Company  string `json:"company,omitempty" yaml:"company,omitempty"`
	Field    string `json:"field,omitempty" yaml:"field,omitempty"`
	Location string `json:"location,omitempty" yaml:"location,omitempty"`
	County   string `json:"county,omitempty" yaml:"county,omitempty"`
	State    string `json:"state,omitempty" yaml:"state,omitempty"`
	Country  string `json:"country,omitempty" yaml:"country,omitempty"`
	Service  string `json:"service_company,omitempty" yaml:"service_company,omitempty"`
	Date     string `json:"date,omitempty" yaml:"date,omitempty"`
}

// Depth says how pixel rows map to depth.
type Depth struct {
	// Unit is "ft" or "m". Default "ft".
	Unit string `json:"unit" yaml:"unit"`
	// Step is the LAS output step in Unit. Default 0.5 ft or 0.1 m.
	Step float64 `json:"step" yaml:"step"`
	// Start and Stop bound the output interval in Unit; zero means the
	// whole calibrated body.
	Start float64 `json:"start,omitempty" yaml:"start,omitempty"`
	Stop  float64 `json:"stop,omitempty" yaml:"stop,omitempty"`
	// TiePoints map rows of the reassembled strip (px from its top, before
	// deskew) to depth. Two or more make calibration use them instead of
	// reading the grid and labels.
	TiePoints []TiePoint `json:"tie_points,omitempty" yaml:"tie_points,omitempty"`
	// Scale is the vertical print scale (e.g. 240 for 1:240), a hint for
	// calibration from the grid; zero means unknown.
	Scale float64 `json:"scale,omitempty" yaml:"scale,omitempty"`
	// MajorEvery is the depth between labelled major grid lines in Unit, a
	// hint for calibration (e.g. 50 ft); zero means detect.
	MajorEvery float64 `json:"major_every,omitempty" yaml:"major_every,omitempty"`
	// MaxRows caps the rows of the output LAS (one per step from STRT to
	// STOP); zero means DefaultMaxRows. Validate refuses more than
	// LimitMaxRows, and an interval over the cap is refused, not cut.
	MaxRows int `json:"max_rows,omitempty" yaml:"max_rows,omitempty"`
}

// RowCap returns the output row cap: MaxRows, or DefaultMaxRows when unset.
func (d Depth) RowCap() int {
	if d.MaxRows > 0 {
		return d.MaxRows
	}
	return DefaultMaxRows
}

// Rows returns the number of output rows from start to stop at the step,
// both ends included: floor((stop-start)/step)+1, as a float so that
// absurd intervals do not overflow. It returns NaN for a non-finite or
// non-positive step.
func Rows(start, stop, step float64) float64 {
	if !(step > 0) || math.IsInf(step, 0) {
		return math.NaN()
	}
	return math.Floor((stop-start)/step+1e-6) + 1
}

// TiePoint pins one pixel row to a depth.
type TiePoint struct {
	Row   float64 `json:"row" yaml:"row"`
	Depth float64 `json:"depth" yaml:"depth"`
}

// Track is one curve track, counted left to right among curve tracks (the
// depth track is not counted).
type Track struct {
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// Left and Right optionally pin the track borders in px of the
	// reassembled strip; zero means detect.
	Left  int `json:"left,omitempty" yaml:"left,omitempty"`
	Right int `json:"right,omitempty" yaml:"right,omitempty"`
	// Grid is "linear" (default) or "log"; Decades counts log cycles.
	Grid    string  `json:"grid,omitempty" yaml:"grid,omitempty"`
	Decades int     `json:"decades,omitempty" yaml:"decades,omitempty"`
	Curves  []Curve `json:"curves" yaml:"curves"`
}

// Curve is one curve drawn in a track.
type Curve struct {
	Mnemonic    string `json:"mnemonic" yaml:"mnemonic"`
	Unit        string `json:"unit,omitempty" yaml:"unit,omitempty"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// Style is solid, dashed, dotted or dash-dot. Default solid.
	Style string `json:"style,omitempty" yaml:"style,omitempty"`
	// Left and Right are the values at the track's left and right borders;
	// Left > Right is a reversed scale.
	Left  float64 `json:"left" yaml:"left"`
	Right float64 `json:"right" yaml:"right"`
	// Scale is linear (default) or log.
	Scale string `json:"scale,omitempty" yaml:"scale,omitempty"`
	// Backup is the wrap scale used where the curve leaves one border and
	// re-enters from the other; nil means the curve does not wrap.
	Backup *Backup `json:"backup,omitempty" yaml:"backup,omitempty"`
}

// Backup is a curve's backup (wrap) scale.
type Backup struct {
	Left  float64 `json:"left" yaml:"left"`
	Right float64 `json:"right" yaml:"right"`
}

// Class returns the segmentation class the curve's line style belongs to.
func (c Curve) Class() int {
	if c.Style == "" || c.Style == StyleSolid {
		return ClassSolid
	}
	return ClassDashed
}

// Value converts a fractional position across the track (0 at the left
// border, 1 at the right) to a curve value on the main scale.
func (c Curve) Value(frac float64) float64 {
	return scaleValue(c.Left, c.Right, c.Scale, frac)
}

// BackupValue converts a fractional position to a value on the backup
// scale; it returns NaN when the curve has no backup scale.
func (c Curve) BackupValue(frac float64) float64 {
	if c.Backup == nil {
		return math.NaN()
	}
	return scaleValue(c.Backup.Left, c.Backup.Right, c.Scale, frac)
}

// Frac converts a value on the main scale to a fractional track position;
// the inverse of Value.
func (c Curve) Frac(v float64) float64 {
	if c.Scale == ScaleLog {
		return (math.Log10(v) - math.Log10(c.Left)) /
			(math.Log10(c.Right) - math.Log10(c.Left))
	}
	return (v - c.Left) / (c.Right - c.Left)
}

func scaleValue(left, right float64, scale string, frac float64) float64 {
	if scale == ScaleLog {
		l, r := math.Log10(left), math.Log10(right)
		return math.Pow(10, l+frac*(r-l))
	}
	return left + frac*(right-left)
}

// Curves returns every curve with the index of its track, left to right.
func (m *Manifest) Curves() []TrackCurve {
	var out []TrackCurve
	for ti, t := range m.Tracks {
		for _, c := range t.Curves {
			out = append(out, TrackCurve{Track: ti, Curve: c})
		}
	}
	return out
}

// TrackCurve is a curve with the index of the track that holds it.
type TrackCurve struct {
	Track int
	Curve
}

// Parse reads a manifest in YAML or JSON (by the name's extension; any other
// name is tried as YAML, a superset of JSON), applies defaults and validates
// it. It refuses an empty manifest, unknown fields, a second YAML document
// and text after the JSON object. Errors wrap ErrInvalid.
func Parse(name string, data []byte) (*Manifest, error) {
	var m Manifest
	var err error
	if strings.EqualFold(path.Ext(name), ".json") {
		err = decodeJSON(data, &m)
	} else {
		err = decodeYAML(data, &m)
	}
	if errors.Is(err, io.EOF) || (err == nil && isEmpty(&m)) {
		return nil, fmt.Errorf("%w: %s: manifest is empty: give at least the tracks "+
			"and their curves (see docs)", ErrInvalid, name)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, name, err)
	}
	m.Defaults()
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// decodeJSON decodes exactly one JSON object with known fields only.
func decodeJSON(data []byte, m *Manifest) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(m); err != nil {
		return err
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return errors.New("text after the manifest's JSON object: " +
			"keep one object and remove what follows it")
	}
	return nil
}

// decodeYAML decodes exactly one YAML document with known fields only.
func decodeYAML(data []byte, m *Manifest) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(m); err != nil {
		return err
	}
	var extra yaml.Node
	err := dec.Decode(&extra)
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err == nil && extra.Kind == yaml.DocumentNode && len(extra.Content) == 1 &&
		extra.Content[0].Tag == "!!null" {
		return nil // a trailing "---" with nothing after it
	}
	return errors.New("more than one YAML document (a second \"---\"): " +
		"keep one manifest per file")
}

// isEmpty reports whether a decoded manifest holds nothing ("{}", "~").
func isEmpty(m *Manifest) bool {
	return reflect.DeepEqual(*m, Manifest{})
}

// IsManifestName reports whether an archive entry name is a manifest.
func IsManifestName(name string) bool {
	switch strings.ToLower(path.Base(name)) {
	case "manifest.yaml", "manifest.yml", "manifest.json":
		return true
	}
	return false
}

// Marshal writes the manifest as YAML.
func (m *Manifest) Marshal() ([]byte, error) {
	return yaml.Marshal(m)
}

// Defaults fills unset fields: unit ft, step 0.5 ft (0.1 m), solid linear
// curves, linear grids.
func (m *Manifest) Defaults() {
	if m.Depth.Unit == "" {
		m.Depth.Unit = "ft"
	}
	if m.Depth.Step == 0 {
		m.Depth.Step = 0.5
		if m.Depth.Unit == "m" {
			m.Depth.Step = 0.1
		}
	}
	for ti := range m.Tracks {
		t := &m.Tracks[ti]
		if t.Grid == "" {
			t.Grid = ScaleLinear
		}
		for ci := range t.Curves {
			c := &t.Curves[ci]
			if c.Style == "" {
				c.Style = StyleSolid
			}
			if c.Scale == "" {
				c.Scale = ScaleLinear
			}
			c.Mnemonic = strings.ToUpper(strings.TrimSpace(c.Mnemonic))
		}
	}
}
