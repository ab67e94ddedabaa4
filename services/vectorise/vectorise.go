// Package vectorise is the curve vectorisation stage: it follows every
// manifest curve down its track in the probability map (vector.TraceAll),
// written as traces.json (one position per depth row, null where no
// evidence).
package vectorise

import (
	"bytes"
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"

	"github.com/welllog/digitiser/pkg/pipeline"
	"github.com/welllog/digitiser/pkg/raster"
	seg "github.com/welllog/digitiser/pkg/segment"
	"github.com/welllog/digitiser/pkg/vector"
)

// Config of the vectorise stage.
type Config struct {
	// Options tune vector.TraceAll; the zero value is its defaults.
	Options vector.Options
}

// New returns the vectorise handler.
func New(cfg Config) pipeline.Handler {
	return func(ctx context.Context, t *pipeline.Task) (map[string]string, error) {
		m, err := t.Manifest(ctx)
		if err != nil {
			return nil, err
		}
		var layout raster.Layout
		if err := t.GetJSON(ctx, pipeline.OutLayout, &layout); err != nil {
			return nil, err
		}
		key, err := t.Input(pipeline.OutProbMap)
		if err != nil {
			return nil, err
		}
		data, err := t.Get(ctx, key)
		if err != nil {
			return nil, err
		}
		pm, err := seg.DecodeProbMap(bytes.NewReader(data))
		if err != nil {
			return nil, pipeline.Reject(fmt.Errorf("probability map %s: %w", key, err))
		}

		_, span := t.Span(ctx, "compute.vectorise", attribute.Int("curves",
			len(m.Curves())), attribute.Int("rows", pm.Height))
		traces, err := vector.TraceAll(pm, layout, m, cfg.Options)
		span.End()
		if err != nil {
			return nil, pipeline.Reject(fmt.Errorf("vectorise: %w", err))
		}

		enc, err := pipeline.EncodeTraces(traces)
		if err != nil {
			return nil, err
		}
		out, err := t.Put(ctx, "traces.json", enc, "application/json")
		if err != nil {
			return nil, err
		}
		t.Log.Debug("curves traced", "curves", len(traces))
		return map[string]string{pipeline.OutTraces: out}, nil
	}
}
