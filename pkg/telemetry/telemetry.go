// Package telemetry wires tracing, logging and metrics the same way in every
// stage: OpenTelemetry traces to an OTLP collector when one is configured,
// else to a local span store a CLI can print as a tree; trace context
// carried in NATS headers; slog loggers that stamp the trace id; Prometheus
// stage metrics and the /healthz, /readyz, /metrics endpoints.
package telemetry

import (
	"context"
	"fmt"
	"os"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// DefaultTraceDir is the local span store used when Config.TraceDir is empty,
// relative to the working directory (the repo root for the demo; .stack/ is
// gitignored).
const DefaultTraceDir = ".stack/traces"

// Config sets up tracing for one process.
type Config struct {
	// ServiceName names the process in every span: [ServiceName] of its
	// stage or role ("digitiser-segment"). Default "digitiser". The user's
	// OTEL_SERVICE_NAME, or service.name in OTEL_RESOURCE_ATTRIBUTES,
	// wins when set.
	ServiceName string
	// TraceDir is the local span store, used when no OTLP endpoint is set.
	// Default DefaultTraceDir. Processes sharing a job must share it.
	TraceDir string
	// BatchTimeout is the longest a finished span waits before it is
	// written or sent. Default 1 s.
	BatchTimeout time.Duration
}

// OTLPConfigured reports whether the environment names an OTLP collector
// (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).
func OTLPConfigured() bool {
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" ||
		os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// ServicePrefix starts every service name the digitiser gives itself.
const ServicePrefix = "digitiser-"

// ServiceName returns the service name of a process running one stage or
// role: "digitiser-" + role ("digitiser-segment", "digitiser-submit").
func ServiceName(role string) string { return ServicePrefix + role }

// Resource describes the process in its spans: the SDK's defaults, then
// service.name = service, then what the user sets in OTEL_RESOURCE_ATTRIBUTES
// and OTEL_SERVICE_NAME (the latter winning), read now.
func Resource(service string) (*resource.Resource, error) {
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		attribute.String("service.name", service)))
	if err == nil {
		res, err = resource.Merge(res, resource.Environment())
	}
	if err != nil {
		return nil, fmt.Errorf("telemetry: resource: %w", err)
	}
	return res, nil
}

// Setup installs the global tracer provider and the W3C trace-context and
// baggage propagators. Spans go over OTLP/HTTP when OTLPConfigured (the
// exporter reads the standard OTEL_EXPORTER_OTLP_* variables), otherwise to
// JSON lines under cfg.TraceDir, one file per trace, that ReadTrace reads.
// The returned shutdown flushes pending spans; call it before exit.
func Setup(ctx context.Context, cfg Config) (shutdown func(context.Context) error, err error) {
	if cfg.ServiceName == "" {
		cfg.ServiceName = "digitiser"
	}
	if cfg.TraceDir == "" {
		cfg.TraceDir = DefaultTraceDir
	}
	if cfg.BatchTimeout <= 0 {
		cfg.BatchTimeout = time.Second
	}

	var exp sdktrace.SpanExporter
	if OTLPConfigured() {
		exp, err = otlptracehttp.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("telemetry: OTLP exporter: %w", err)
		}
	} else {
		exp, err = NewFileExporter(cfg.TraceDir)
		if err != nil {
			return nil, err
		}
	}

	res, err := Resource(cfg.ServiceName)
	if err != nil {
		return nil, err
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(cfg.BatchTimeout)),
		sdktrace.WithResource(res),
	)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(
		propagation.TraceContext{}, propagation.Baggage{}))

	return func(ctx context.Context) error {
		if err := tp.Shutdown(ctx); err != nil {
			return fmt.Errorf("telemetry: flush spans: %w", err)
		}
		return nil
	}, nil
}
