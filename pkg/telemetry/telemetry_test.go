package telemetry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
)

// TestLocalTraceTree exports a job-shaped trace to the local store, reads it
// back and prints it as a tree.
func TestLocalTraceTree(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	dir := t.TempDir()
	cfg := Config{ServiceName: "digitise-test", TraceDir: dir}
	shutdown, err := Setup(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr := otel.Tracer("test")

	ctx, job := tr.Start(context.Background(), "job")
	job.SetAttributes(attribute.String("job_id", "j-42"))
	sctx, seg := tr.Start(ctx, "segment")
	_, get := tr.Start(sctx, "s3.get")
	get.End()
	_, onnx := tr.Start(sctx, "onnx.run")
	onnx.SetStatus(codes.Error, "model missing")
	onnx.End()
	seg.End()
	_, qa := tr.Start(ctx, "qa")
	qa.End()
	job.End()
	traceID := job.SpanContext().TraceID().String()

	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans, err := ReadTrace(dir, traceID)
	if err != nil {
		t.Fatal(err)
	}
	if len(spans) != 5 {
		t.Fatalf("read %d spans, want 5", len(spans))
	}
	byName := map[string]SpanRecord{}
	for _, s := range spans {
		byName[s.Name] = s
	}
	if byName["s3.get"].ParentID != byName["segment"].SpanID ||
		byName["segment"].ParentID != byName["job"].SpanID || byName["job"].ParentID != "" {
		t.Fatalf("parent links lost: %+v", spans)
	}
	if byName["job"].Attributes["job_id"] != "j-42" || byName["job"].Service != "digitise-test" {
		t.Fatalf("job span attributes %v service %q", byName["job"].Attributes,
			byName["job"].Service)
	}
	if onnx := byName["onnx.run"]; onnx.Status != "error" || onnx.StatusMessage != "model missing" {
		t.Fatalf("error status lost: %+v", onnx)
	}

	var out bytes.Buffer
	if err := FormatTree(&out, spans); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	prefixes := []string{"job ", "├─ segment ", "│  ├─ s3.get ", "│  └─ onnx.run ", "└─ qa "}
	if len(lines) != len(prefixes) {
		t.Fatalf("tree has %d lines, want %d:\n%s", len(lines), len(prefixes), out.String())
	}
	for i, p := range prefixes {
		if !strings.HasPrefix(lines[i], p) || !strings.Contains(lines[i], "digitise-test") {
			t.Errorf("line %d = %q, want prefix %q and the service", i, lines[i], p)
		}
	}
	if !strings.HasSuffix(lines[3], "ERROR: model missing") {
		t.Errorf("failed span line %q does not show the error", lines[3])
	}
}

func TestReadTraceErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadTrace(dir, "../../etc/passwd"); err == nil {
		t.Fatal("ReadTrace accepted a path as a trace id")
	}
	_, err := ReadTrace(dir, strings.Repeat("ab", 16))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing trace: err %v, want os.ErrNotExist", err)
	}
	// A torn last line from a writer in progress is skipped.
	id := strings.Repeat("cd", 16)
	good := `{"trace_id":"` + id + `","span_id":"01","name":"ok"}` + "\n"
	os.WriteFile(dir+"/"+id+".jsonl", []byte(good+`{"trace_id":"`+id+`","na`), 0o644)
	spans, err := ReadTrace(dir, id)
	if err != nil || len(spans) != 1 || spans[0].Name != "ok" {
		t.Fatalf("torn file: %+v, %v", spans, err)
	}
}

// TestOTLPExport checks that with OTEL_EXPORTER_OTLP_ENDPOINT set, spans go
// to the collector over HTTP and not to the local store.
func TestOTLPExport(t *testing.T) {
	var posts atomic.Int32
	var body atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/traces" && r.Method == http.MethodPost {
			n, _ := io.Copy(io.Discard, r.Body)
			body.Add(n)
			posts.Add(1)
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)

	dir := t.TempDir()
	shutdown, err := Setup(context.Background(), Config{TraceDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	_, span := otel.Tracer("test").Start(context.Background(), "ingest")
	span.End()
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if posts.Load() == 0 || body.Load() == 0 {
		t.Fatalf("collector got %d posts, %d bytes; want the span", posts.Load(), body.Load())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("local store written although OTLP is configured: %d files", len(entries))
	}
}

func BenchmarkFileExporter(b *testing.B) {
	b.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	shutdown, err := Setup(context.Background(), Config{TraceDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer shutdown(context.Background())
	tr := otel.Tracer("bench")
	for b.Loop() {
		ctx, root := tr.Start(context.Background(), "job")
		for range 8 {
			_, s := tr.Start(ctx, "stage")
			s.End()
		}
		root.End()
	}
}

// TestServiceName exports a span under each way of naming the service and
// reads the name back from the local store: the name Setup is given, unless
// the user set OTEL_SERVICE_NAME or service.name in OTEL_RESOURCE_ATTRIBUTES.
func TestServiceName(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	for _, tc := range []struct {
		name, service, attrs, want string
	}{
		{"given", "", "digitiser.stage=segment", "digitiser-segment"},
		{"attributes", "", "service.name=ours,digitiser.stage=segment", "ours"},
		{"env wins", "theirs", "service.name=ours", "theirs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("OTEL_SERVICE_NAME", tc.service)
			t.Setenv("OTEL_RESOURCE_ATTRIBUTES", tc.attrs)
			dir := t.TempDir()
			shutdown, err := Setup(context.Background(), Config{
				ServiceName: ServiceName("segment"), TraceDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			_, span := otel.Tracer("test").Start(context.Background(), "segment")
			span.End()
			if err := shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			spans, err := ReadTrace(dir, span.SpanContext().TraceID().String())
			if err != nil || len(spans) != 1 {
				t.Fatalf("spans %v, %v", spans, err)
			}
			if spans[0].Service != tc.want {
				t.Fatalf("service %q, want %q", spans[0].Service, tc.want)
			}
		})
	}
}

// TestHandedBackCounts checks that a hand-back leaves processed, failed
// and latency alone and counts itself.
func TestHandedBackCounts(t *testing.T) {
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	const st = "vectorise"
	m.Begin(st)(fmt.Errorf("stop: %w", ErrHandedBack))
	m.Begin(st)(nil)
	for name, c := range map[string]prometheus.Metric{
		"handed back": m.HandedBack.WithLabelValues(st),
		"processed":   m.Processed.WithLabelValues(st),
	} {
		if got := value(t, c); got != 1 {
			t.Errorf("%s = %v, want 1", name, got)
		}
	}
	if got := value(t, m.Failed.WithLabelValues(st)) +
		value(t, m.InFlight.WithLabelValues(st)); got != 0 {
		t.Errorf("failed + in flight = %v, want 0", got)
	}
	var out dto.Metric
	if err := m.Latency.WithLabelValues(st).(prometheus.Histogram).Write(&out); err != nil {
		t.Fatal(err)
	}
	if c := out.GetHistogram().GetSampleCount(); c != 1 {
		t.Errorf("latency observed %d attempts, want 1 (a hand-back is no attempt)", c)
	}
}

// value reads a counter or gauge.
func value(t *testing.T, c prometheus.Metric) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue() + m.GetGauge().GetValue()
}
