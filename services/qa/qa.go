// Package qa is the QA stage: it scores the LAS (against the truth LAS when
// the archive has one) with qa.Evaluate and draws the traces over the
// prepared strip, written as qa.json, qa.html and overlay.png.
package qa

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/welllog/digitiser/pkg/depth"
	"github.com/welllog/digitiser/pkg/las"
	"github.com/welllog/digitiser/pkg/pipeline"
	qalib "github.com/welllog/digitiser/pkg/qa"
	"github.com/welllog/digitiser/pkg/raster"
)

// Config of the QA stage.
type Config struct {
	// Thresholds are the pass marks; the zero value is pkg/qa's defaults.
	Thresholds qalib.Thresholds
}

// New returns the QA handler.
func New(cfg Config) pipeline.Handler {
	return func(ctx context.Context, t *pipeline.Task) (map[string]string, error) {
		m, err := t.Manifest(ctx)
		if err != nil {
			return nil, err
		}
		out, err := readLAS(ctx, t, pipeline.OutLAS)
		if err != nil {
			return nil, err
		}
		var truth *las.File
		if _, ok := t.Cmd.Inputs[pipeline.OutTruth]; ok {
			if truth, err = readLAS(ctx, t, pipeline.OutTruth); err != nil {
				return nil, err
			}
		}
		traces, err := t.Traces(ctx)
		if err != nil {
			return nil, err
		}
		var layout raster.Layout
		if err := t.GetJSON(ctx, pipeline.OutLayout, &layout); err != nil {
			return nil, err
		}
		var cal depth.Calibration
		if err := t.GetJSON(ctx, pipeline.OutCalibration, &cal); err != nil {
			return nil, err
		}
		img, err := t.GetGray(ctx, pipeline.OutPrepared)
		if err != nil {
			return nil, err
		}

		_, span := t.Span(ctx, "compute.qa")
		rep, err := qalib.Evaluate(qalib.Input{Output: out, Truth: truth, Traces: traces,
			Manifest: m, Thresholds: cfg.Thresholds, RowDepth: cal.Depth,
			Reasons: cal.Review()})
		span.End()
		if err != nil {
			return nil, pipeline.Reject(fmt.Errorf("qa: %w", err))
		}
		_, span = t.Span(ctx, "compute.overlay")
		overlay := qalib.Overlay(img, layout, traces, m)
		span.End()

		res := map[string]string{}
		repJSON, err := json.MarshalIndent(rep, "", " ")
		if err != nil {
			return nil, fmt.Errorf("encode QA report: %w", err)
		}
		if res[pipeline.OutQAJSON], err = t.Put(ctx, "qa.json", repJSON,
			"application/json"); err != nil {
			return nil, err
		}
		var html bytes.Buffer
		if err := qalib.WriteHTML(&html, rep); err != nil {
			return nil, fmt.Errorf("write QA report: %w", err)
		}
		if res[pipeline.OutQAHTML], err = t.Put(ctx, "qa.html", html.Bytes(),
			"text/html"); err != nil {
			return nil, err
		}
		if res[pipeline.OutOverlay], err = t.PutPNG(ctx, "overlay.png", overlay); err != nil {
			return nil, err
		}
		return res, nil
	}
}

func readLAS(ctx context.Context, t *pipeline.Task, input string) (*las.File, error) {
	key, err := t.Input(input)
	if err != nil {
		return nil, err
	}
	data, err := t.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	f, err := las.Read(bytes.NewReader(data))
	if err != nil {
		return nil, pipeline.Reject(fmt.Errorf("read %s: %w", key, err))
	}
	return f, nil
}
