package telemetry

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeOps(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	var notReady atomic.Bool
	notReady.Store(true)
	ready := func() error {
		if notReady.Load() {
			return errors.New("nats not connected")
		}
		return nil
	}
	m := DefaultMetrics()
	done := m.Begin("segment")
	done(nil)
	m.Begin("segment")(errors.New("bad pixels"))
	m.Retry("segment")

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- ServeOpsListener(ctx, ln, ready) }()

	if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz = %d %q", code, body)
	}
	if code, body := get(t, base+"/readyz"); code != 503 || !strings.Contains(body, "nats not") {
		t.Fatalf("/readyz before ready = %d %q, want 503 with the reason", code, body)
	}
	notReady.Store(false)
	if code, _ := get(t, base+"/readyz"); code != 200 {
		t.Fatalf("/readyz when ready = %d, want 200", code)
	}
	code, body := get(t, base+"/metrics")
	for _, want := range []string{
		`digitiser_stage_processed_total{stage="segment"} 1`,
		`digitiser_stage_failed_total{stage="segment"} 1`,
		`digitiser_stage_retried_total{stage="segment"} 1`,
		`digitiser_stage_in_flight{stage="segment"} 0`,
		`digitiser_stage_duration_seconds_count{stage="segment"} 2`,
	} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics (%d) lacks %q", code, want)
		}
	}

	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("ServeOps after cancel: %v", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("ops server still answering after cancel")
	}
}

func TestNewMetricsDuplicate(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := NewMetrics(reg); err != nil {
		t.Fatal(err)
	}
	if _, err := NewMetrics(reg); err == nil {
		t.Fatal("second registration on one registry succeeded")
	}
}

func TestLoggerTraceIDs(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, true, slog.LevelInfo)
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	ctx, span := tp.Tracer("t").Start(context.Background(), "x")
	defer span.End()

	log.With("stage", "qa").InfoContext(ctx, "job done", "job_id", "j1")
	log.Debug("hidden")
	out := buf.String()
	tid := span.SpanContext().TraceID().String()
	if !strings.Contains(out, `"trace_id":"`+tid+`"`) || !strings.Contains(out, `"stage":"qa"`) {
		t.Fatalf("log line lacks trace_id or stage: %s", out)
	}
	if strings.Contains(out, "hidden") || strings.Count(out, "\n") != 1 {
		t.Fatalf("debug line leaked at info level: %s", out)
	}
}
