package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"math"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/vector"
)

// Names of the outputs one stage hands to the later ones.
const (
	OutManifest    = "manifest"    // ingest: manifest.yaml
	OutPages       = "pages"       // ingest: pages.json (PageRef list)
	OutTruth       = "truth"       // ingest: truth.las, when given
	OutStrip       = "strip"       // reassemble: strip.png
	OutStitch      = "stitch"      // reassemble: stitch.json
	OutPrepared    = "prepared"    // preprocess: prepared.png
	OutLayout      = "layout"      // preprocess: layout.json
	OutTransform   = "transform"   // preprocess: transform.json
	OutProbMap     = "probmap"     // segment: probmap.png
	OutTraces      = "traces"      // vectorise: traces.json
	OutCalibration = "calibration" // calibrate: calibration.json
	OutLAS         = "las"         // calibrate: <well>.las
	OutCSV         = "csv"         // calibrate: <well>.csv
	OutQAJSON      = "qa_json"     // qa: qa.json
	OutQAHTML      = "qa_html"     // qa: qa.html
	OutOverlay     = "overlay"     // qa: overlay.png
)

// PageRef is one page image ingest copied to the work bucket.
type PageRef struct {
	// Name is the entry's name in the archive.
	Name string `json:"name"`
	// Key is the copy in the work bucket.
	Key string `json:"key"`
	// Format is tiff, png or jpeg.
	Format string `json:"format"`
}

// Manifest reads and validates the job's manifest (input OutManifest). An
// invalid manifest is a rejection saying what to fix.
func (t *Task) Manifest(ctx context.Context) (*manifest.Manifest, error) {
	key, err := t.Input(OutManifest)
	if err != nil {
		return nil, err
	}
	data, err := t.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	m, err := manifest.Parse(key, data)
	if err != nil {
		return nil, Reject(fmt.Errorf("manifest: %w", err))
	}
	return m, nil
}

// traceWire is vector.Trace as JSON, NaN positions written as null.
type traceWire struct {
	Mnemonic string     `json:"mnemonic"`
	Class    int        `json:"class"`
	Track    int        `json:"track"`
	Top      int        `json:"top"`
	Frac     []*float64 `json:"frac"`
	Wrap     []int8     `json:"wrap"`
	Conf     []float32  `json:"conf"`
}

// EncodeTraces writes traces as JSON; rows without evidence (NaN) become
// null, since JSON has no NaN.
func EncodeTraces(traces []vector.Trace) ([]byte, error) {
	wire := make([]traceWire, len(traces))
	for i, tr := range traces {
		w := traceWire{Mnemonic: tr.Mnemonic, Class: tr.Class, Track: tr.Track, Top: tr.Top,
			Frac: make([]*float64, len(tr.Frac)), Wrap: tr.Wrap, Conf: tr.Conf}
		for j := range tr.Frac {
			if !math.IsNaN(tr.Frac[j]) && !math.IsInf(tr.Frac[j], 0) {
				w.Frac[j] = &tr.Frac[j]
			}
		}
		wire[i] = w
	}
	return json.Marshal(wire)
}

// DecodeTraces reads what EncodeTraces wrote.
func DecodeTraces(data []byte) ([]vector.Trace, error) {
	var wire []traceWire
	if err := json.Unmarshal(data, &wire); err != nil {
		return nil, fmt.Errorf("decode traces: %w", err)
	}
	out := make([]vector.Trace, len(wire))
	for i, w := range wire {
		tr := vector.Trace{Mnemonic: w.Mnemonic, Class: w.Class, Track: w.Track, Top: w.Top,
			Frac: make([]float64, len(w.Frac)), Wrap: w.Wrap, Conf: w.Conf}
		for j, f := range w.Frac {
			tr.Frac[j] = math.NaN()
			if f != nil {
				tr.Frac[j] = *f
			}
		}
		out[i] = tr
	}
	return out, nil
}

// Traces reads the vectorise stage's traces (input OutTraces).
func (t *Task) Traces(ctx context.Context) ([]vector.Trace, error) {
	key, err := t.Input(OutTraces)
	if err != nil {
		return nil, err
	}
	data, err := t.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	traces, err := DecodeTraces(data)
	if err != nil {
		return nil, Reject(err)
	}
	return traces, nil
}
