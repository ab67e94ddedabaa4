// Package preprocess is the preprocessing stage: it deskews the strip,
// normalises its contrast and finds the layout (raster.Preprocess), written
// as prepared.png, layout.json and transform.json.
package preprocess

import (
	"context"

	"go.opentelemetry.io/otel/attribute"

	"github.com/welllog/digitiser/pkg/pipeline"
	"github.com/welllog/digitiser/pkg/raster"
)

// Config of the preprocess stage.
type Config struct {
	// Options tune raster.Preprocess; the zero value is its defaults.
	Options raster.PreprocessOptions
}

// New returns the preprocess handler.
func New(cfg Config) pipeline.Handler {
	return func(ctx context.Context, t *pipeline.Task) (map[string]string, error) {
		m, err := t.Manifest(ctx)
		if err != nil {
			return nil, err
		}
		strip, err := t.GetGray(ctx, pipeline.OutStrip)
		if err != nil {
			return nil, err
		}

		_, span := t.Span(ctx, "compute.preprocess",
			attribute.Int("rows", strip.Rect.Dy()), attribute.Int("width", strip.Rect.Dx()))
		prep, err := raster.Preprocess(strip, m, cfg.Options)
		span.End()
		if err != nil {
			// Preprocessing is a pure function of its inputs: a retry
			// fails the same way.
			return nil, pipeline.RejectInput(err)
		}

		out := map[string]string{}
		if out[pipeline.OutPrepared], err = t.PutPNG(ctx, "prepared.png", prep.Image); err != nil {
			return nil, err
		}
		if out[pipeline.OutLayout], err = t.PutJSON(ctx, "layout.json", prep.Layout); err != nil {
			return nil, err
		}
		if out[pipeline.OutTransform], err = t.PutJSON(ctx, "transform.json",
			prep.Transform); err != nil {
			return nil, err
		}
		t.Log.Debug("strip prepared", "skew_deg", prep.Layout.SkewDeg,
			"tracks", len(prep.Layout.Tracks))
		return out, nil
	}
}
