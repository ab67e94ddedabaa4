package telemetry

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// SpanRecord is one finished span as the local store keeps it: one JSON
// object per line in <TraceDir>/<trace id>.jsonl.
type SpanRecord struct {
	TraceID  string `json:"trace_id"`
	SpanID   string `json:"span_id"`
	ParentID string `json:"parent_span_id,omitempty"`
	Name     string `json:"name"`
	// Service is the resource's service.name.
	Service string    `json:"service,omitempty"`
	Kind    string    `json:"kind,omitempty"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	// Status is "unset", "ok" or "error"; StatusMessage the error text.
	Status        string            `json:"status"`
	StatusMessage string            `json:"status_message,omitempty"`
	Attributes    map[string]string `json:"attributes,omitempty"`
	Events        []EventRecord     `json:"events,omitempty"`
}

// EventRecord is a span event (an exception, a retry).
type EventRecord struct {
	Name       string            `json:"name"`
	Time       time.Time         `json:"time"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Duration is End - Start.
func (s SpanRecord) Duration() time.Duration { return s.End.Sub(s.Start) }

// FileExporter is a span exporter that appends JSON lines to one file per
// trace under a directory. Several processes may share the directory: each
// batch for a trace is one append.
type FileExporter struct {
	dir string
	mu  sync.Mutex
}

// NewFileExporter creates dir if needed and returns an exporter writing into
// it.
func NewFileExporter(dir string) (*FileExporter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("telemetry: trace dir: %w", err)
	}
	return &FileExporter{dir: dir}, nil
}

// ExportSpans implements sdktrace.SpanExporter.
func (e *FileExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	byTrace := map[string]*bytes.Buffer{}
	var order []string
	for _, s := range spans {
		rec := toRecord(s)
		line, err := json.Marshal(rec)
		if err != nil {
			return fmt.Errorf("telemetry: encode span %s: %w", rec.Name, err)
		}
		buf := byTrace[rec.TraceID]
		if buf == nil {
			buf = &bytes.Buffer{}
			byTrace[rec.TraceID] = buf
			order = append(order, rec.TraceID)
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	var errs []error
	for _, id := range order {
		errs = append(errs, appendFile(filepath.Join(e.dir, id+".jsonl"), byTrace[id].Bytes()))
	}
	return errors.Join(errs...)
}

func appendFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("telemetry: open span file: %w", err)
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return fmt.Errorf("telemetry: write span file: %w", err)
	}
	return nil
}

// Shutdown implements sdktrace.SpanExporter; files are closed after each
// write, so there is nothing to release.
func (e *FileExporter) Shutdown(ctx context.Context) error { return nil }

func toRecord(s sdktrace.ReadOnlySpan) SpanRecord {
	rec := SpanRecord{
		TraceID: s.SpanContext().TraceID().String(),
		SpanID:  s.SpanContext().SpanID().String(),
		Name:    s.Name(),
		Kind:    s.SpanKind().String(),
		Start:   s.StartTime(),
		End:     s.EndTime(),
		Status:  statusText(s.Status().Code),

		StatusMessage: s.Status().Description,
		Attributes:    attrMap(s.Attributes()),
	}
	if p := s.Parent(); p.IsValid() {
		rec.ParentID = p.SpanID().String()
	}
	if v, ok := s.Resource().Set().Value("service.name"); ok {
		rec.Service = v.Emit()
	}
	for _, ev := range s.Events() {
		rec.Events = append(rec.Events, EventRecord{
			Name: ev.Name, Time: ev.Time, Attributes: attrMap(ev.Attributes),
		})
	}
	return rec
}

func statusText(c codes.Code) string {
	switch c {
	case codes.Ok:
		return "ok"
	case codes.Error:
		return "error"
	}
	return "unset"
}

func attrMap(kvs []attribute.KeyValue) map[string]string {
	if len(kvs) == 0 {
		return nil
	}
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.Emit()
	}
	return m
}

// ReadTrace returns the spans of one trace from the local store in dir,
// sorted by start time. traceID is 32 hex digits. A line still being written
// by another process is skipped. A trace with no file gives an error
// wrapping os.ErrNotExist.
func ReadTrace(dir, traceID string) ([]SpanRecord, error) {
	if b, err := hex.DecodeString(traceID); err != nil || len(b) != 16 {
		return nil, fmt.Errorf("telemetry: trace id %q: want 32 hex digits", traceID)
	}
	f, err := os.Open(filepath.Join(dir, traceID+".jsonl"))
	if err != nil {
		return nil, fmt.Errorf("telemetry: no spans for trace %s in %s: %w", traceID, dir, err)
	}
	defer f.Close()

	var spans []SpanRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var rec SpanRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			continue
		}
		spans = append(spans, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("telemetry: read trace %s: %w", traceID, err)
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].Start.Before(spans[j].Start) })
	return spans, nil
}

var _ sdktrace.SpanExporter = (*FileExporter)(nil)
