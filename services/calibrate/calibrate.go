// Package calibrate is the depth calibration stage: it maps rows to depth
// (depth.Calibrate: tie points, or the grid and its labels), turns the
// traces into curve values resampled to the manifest's step
// (depth.BuildLog) and writes calibration.json, <well>.las and <well>.csv.
package calibrate

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"

	"go.opentelemetry.io/otel/attribute"

	"github.com/welllog/digitiser/pkg/depth"
	"github.com/welllog/digitiser/pkg/las"
	"github.com/welllog/digitiser/pkg/pipeline"
	"github.com/welllog/digitiser/pkg/raster"
)

// New returns the calibrate handler.
func New() pipeline.Handler {
	return func(ctx context.Context, t *pipeline.Task) (map[string]string, error) {
		m, err := t.Manifest(ctx)
		if err != nil {
			return nil, err
		}
		var layout raster.Layout
		var tf raster.Transform
		if err := t.GetJSON(ctx, pipeline.OutLayout, &layout); err != nil {
			return nil, err
		}
		if err := t.GetJSON(ctx, pipeline.OutTransform, &tf); err != nil {
			return nil, err
		}
		img, err := t.GetGray(ctx, pipeline.OutPrepared)
		if err != nil {
			return nil, err
		}
		traces, err := t.Traces(ctx)
		if err != nil {
			return nil, err
		}

		_, span := t.Span(ctx, "compute.calibrate")
		cal, err := depth.Calibrate(img, layout, tf, m)
		span.End()
		if err != nil {
			return nil, pipeline.RejectInput(err) // depth.Calibrate says "calibrate depth"
		}
		_, span = t.Span(ctx, "compute.build_log", attribute.Int("curves", len(traces)))
		lf, err := depth.BuildLog(traces, cal, m)
		span.End()
		if err != nil {
			return nil, pipeline.RejectInput(fmt.Errorf("build LAS: %w", err))
		}

		var lasBuf, csvBuf bytes.Buffer
		// Writing to memory fails only on what the manifest put in the
		// header or curves: no run can fix that, so reject it.
		if err := las.Write(&lasBuf, lf); err != nil {
			return nil, pipeline.RejectInput(fmt.Errorf("write LAS: %w", err))
		}
		if err := las.WriteCSV(&csvBuf, lf); err != nil {
			return nil, pipeline.RejectInput(fmt.Errorf("write CSV: %w", err))
		}
		base := FileBase(m.Well.Name)
		out := map[string]string{}
		if out[pipeline.OutCalibration], err = t.PutJSON(ctx, "calibration.json",
			cal); err != nil {
			return nil, err
		}
		if out[pipeline.OutLAS], err = t.Put(ctx, base+".las", lasBuf.Bytes(),
			"text/plain"); err != nil {
			return nil, err
		}
		if out[pipeline.OutCSV], err = t.Put(ctx, base+".csv", csvBuf.Bytes(),
			"text/csv"); err != nil {
			return nil, err
		}
		t.Log.Debug("log built", "method", cal.Method, "rows", lf.Rows(),
			"curves", len(lf.Curves)-1)
		return out, nil
	}
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// FileBase turns a well name into a file name base: "D&K Heinen No. 1-4"
// -> "D-K-Heinen-No.-1-4"; "well" when nothing is left.
func FileBase(well string) string {
	b := strings.Trim(unsafeChars.ReplaceAllString(well, "-"), "-.")
	if b == "" {
		return "well"
	}
	return b
}
