// Package manifest describes a scanned log as the user knows it: the well
// header, the depth unit and step, optional depth tie points and the tracks
// with their curves and scales. The pipeline reads it from the archive
// (manifest.yaml, manifest.yml or manifest.json) or from `submit --manifest`.
package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path"
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
// it.
func Parse(name string, data []byte) (*Manifest, error) {
	var m Manifest
	var err error
	if strings.EqualFold(path.Ext(name), ".json") {
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		err = dec.Decode(&m)
	} else {
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		err = dec.Decode(&m)
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

// Validate reports the first problem a user must fix, wrapped in ErrInvalid.
func (m *Manifest) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
	}
	if m.Depth.Unit != "ft" && m.Depth.Unit != "m" {
		return bad("depth.unit %q: use ft or m", m.Depth.Unit)
	}
	if !(m.Depth.Step > 0) {
		return bad("depth.step %v: must be > 0", m.Depth.Step)
	}
	if m.Depth.Stop != 0 && m.Depth.Stop <= m.Depth.Start {
		return bad("depth.stop %v must be below depth.start %v", m.Depth.Stop, m.Depth.Start)
	}
	if err := validateTiePoints(m.Depth.TiePoints); err != nil {
		return bad("%v", err)
	}
	if len(m.Tracks) == 0 {
		return bad("no tracks: list at least one track with its curves")
	}
	seen := map[string]bool{}
	for ti, t := range m.Tracks {
		if t.Grid != ScaleLinear && t.Grid != ScaleLog {
			return bad("track %d: grid %q: use linear or log", ti+1, t.Grid)
		}
		if t.Right != 0 && t.Right <= t.Left {
			return bad("track %d: right border %d px must exceed left %d px", ti+1, t.Right, t.Left)
		}
		if len(t.Curves) == 0 {
			return bad("track %d has no curves", ti+1)
		}
		for _, c := range t.Curves {
			if err := validateCurve(c, seen); err != nil {
				return bad("track %d: %v", ti+1, err)
			}
		}
	}
	return nil
}

func validateTiePoints(tps []TiePoint) error {
	if len(tps) == 1 {
		return errors.New("depth.tie_points: give at least two tie points, or none")
	}
	for i := 1; i < len(tps); i++ {
		if tps[i].Row == tps[i-1].Row {
			return fmt.Errorf("depth.tie_points: two tie points at row %v", tps[i].Row)
		}
	}
	return nil
}

func validateCurve(c Curve, seen map[string]bool) error {
	if c.Mnemonic == "" {
		return errors.New("a curve has no mnemonic")
	}
	if seen[c.Mnemonic] {
		return fmt.Errorf("curve %s is listed twice", c.Mnemonic)
	}
	seen[c.Mnemonic] = true
	switch c.Style {
	case StyleSolid, StyleDashed, StyleDotted, StyleDashDot:
	default:
		return fmt.Errorf("curve %s: style %q: use solid, dashed, dotted or dash-dot",
			c.Mnemonic, c.Style)
	}
	if c.Left == c.Right {
		return fmt.Errorf("curve %s: left and right scale values are both %v", c.Mnemonic, c.Left)
	}
	if c.Scale != ScaleLinear && c.Scale != ScaleLog {
		return fmt.Errorf("curve %s: scale %q: use linear or log", c.Mnemonic, c.Scale)
	}
	if c.Scale == ScaleLog && (c.Left <= 0 || c.Right <= 0) {
		return fmt.Errorf("curve %s: a log scale needs positive left and right values", c.Mnemonic)
	}
	if b := c.Backup; b != nil {
		if b.Left == b.Right {
			return fmt.Errorf("curve %s: backup scale left and right are equal", c.Mnemonic)
		}
		if c.Scale == ScaleLog && (b.Left <= 0 || b.Right <= 0) {
			return fmt.Errorf("curve %s: a log backup scale needs positive values", c.Mnemonic)
		}
	}
	return nil
}
