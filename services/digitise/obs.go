package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/welllog/digitiser/pkg/pipeline"
	"github.com/welllog/digitiser/pkg/telemetry"
)

// obs is a process's tracing, logging and metrics.
type obs struct {
	Log      *slog.Logger
	Metrics  pipeline.Metrics
	shutdown func(context.Context) error
}

// setupObservability installs the tracer (OTLP when
// OTEL_EXPORTER_OTLP_ENDPOINT is set, else the local store under
// --state-dir/traces) and the logger.
func setupObservability(ctx context.Context, cfg *Config, service string) (*obs, error) {
	level, err := parseLevel(cfg.LogLevel)
	if err != nil {
		return nil, err
	}
	shutdown, err := telemetry.Setup(ctx, telemetry.Config{ServiceName: service,
		TraceDir: cfg.TraceDir(), BatchTimeout: 500 * time.Millisecond})
	if err != nil {
		return nil, err
	}
	return &obs{Log: telemetry.NewLogger(os.Stderr, cfg.LogJSON, level),
		Metrics: telemetry.DefaultMetrics(), shutdown: shutdown}, nil
}

// Shutdown flushes pending spans.
func (o *obs) Shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := o.shutdown(ctx); err != nil {
		o.Log.Warn("spans not flushed", "err", err)
	}
}

// ServeOps serves /healthz, /readyz and /metrics until ctx ends.
func (o *obs) ServeOps(ctx context.Context, addr string, ready func() error) error {
	return telemetry.ServeOps(ctx, addr, ready)
}

// printTrace prints a trace's span tree from the local store.
func printTrace(w io.Writer, dir, traceID string) error {
	if telemetry.OTLPConfigured() {
		fmt.Fprintln(os.Stderr, "note: OTEL_EXPORTER_OTLP_ENDPOINT is set, so spans went "+
			"to the collector; the local store may be empty")
	}
	spans, err := telemetry.ReadTrace(dir, traceID)
	if err != nil {
		return err
	}
	return telemetry.FormatTree(w, spans)
}
