package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
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
// --state-dir/traces) and the logger. service names the process in its
// spans (telemetry.ServiceName: "digitiser-segment"). OTEL_SERVICE_NAME or
// service.name in OTEL_RESOURCE_ATTRIBUTES win over it.
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

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// quietLogger logs only warnings and errors (or less, when --log-level is
// above warn) to stderr, for commands that draw a live progress line.
func quietLogger(cfg *Config) *slog.Logger {
	level, err := parseLevel(cfg.LogLevel)
	if err != nil || level < slog.LevelWarn {
		level = slog.LevelWarn
	}
	return telemetry.NewLogger(os.Stderr, cfg.LogJSON, level)
}

// fileLogger opens (appending) the log file name, creating its directory,
// and returns a logger writing there at --log-level; close the file when
// done.
func fileLogger(cfg *Config, name string) (*slog.Logger, *os.File, error) {
	level, err := parseLevel(cfg.LogLevel)
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return nil, nil, fmt.Errorf("log file: %w", err)
	}
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("log file: %w", err)
	}
	return telemetry.NewLogger(f, cfg.LogJSON, level), f, nil
}

// Shutdown flushes pending spans.
func (o *obs) Shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := o.shutdown(ctx); err != nil {
		o.Log.Warn("spans not flushed", "err", err)
	}
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

// findJobTrace returns the id of the trace whose root span "job" carries
// job_id = jobID in the local trace store dir. It reads every trace file
// until one matches; an error wrapping os.ErrNotExist says none did.
func findJobTrace(dir, jobID string) (string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return "", err
	}
	for _, name := range files {
		if hasJobSpan(name, jobID) {
			return strings.TrimSuffix(filepath.Base(name), ".jsonl"), nil
		}
	}
	return "", fmt.Errorf("no trace of job %s in %s (give the --state-dir the job "+
		"ran with): %w", jobID, dir, os.ErrNotExist)
}

// hasJobSpan reports whether the trace file holds the root span of jobID.
func hasJobSpan(name, jobID string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var rec telemetry.SpanRecord
		if json.Unmarshal(sc.Bytes(), &rec) != nil {
			continue
		}
		if rec.Name == "job" && rec.ParentID == "" && rec.Attributes["job_id"] == jobID {
			return true
		}
	}
	return false
}
