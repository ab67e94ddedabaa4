package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/welllog/digitiser/pkg/stack"
	"github.com/welllog/digitiser/pkg/synth"
	"github.com/welllog/digitiser/pkg/telemetry"
	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

// testEnv is a real local stack (embedded NATS + versitygw) with a
// connection to it.
type testEnv struct {
	cfg  Config
	st   *stack.Stack
	conn *Conn
	log  *slog.Logger
}

var (
	traceOnce sync.Once
	traceDir  string
)

// setupTracing installs one tracer provider for the test binary, writing
// to a shared local store.
func setupTracing(t *testing.T) string {
	traceOnce.Do(func() {
		dir, err := os.MkdirTemp("", "digitise-traces-")
		if err != nil {
			t.Fatal(err)
		}
		traceDir = dir
		if _, err := telemetry.Setup(context.Background(), telemetry.Config{
			ServiceName: "digitise-test", TraceDir: filepath.Join(dir, "traces"),
			BatchTimeout: 100 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	})
	return traceDir
}

func flushSpans(t *testing.T) {
	if tp, ok := otel.GetTracerProvider().(*sdktrace.TracerProvider); ok {
		if err := tp.ForceFlush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	stateDir := setupTracing(t)
	st := stack.StartForTest(t)
	cfg := Config{NATSURL: st.NATSURL, S3Endpoint: st.S3Endpoint, S3AccessKey: st.AccessKey,
		S3SecretKey: st.SecretKey, InboxBucket: stack.BucketInbox,
		WorkBucket: stack.BucketWork, ModelsBucket: stack.BucketModels,
		StateDir: stateDir, LogLevel: "info"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	conn, err := cfg.connect(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	log := telemetry.NewLogger(io.Discard, false, slog.LevelInfo)
	if testing.Verbose() {
		log = telemetry.NewLogger(os.Stderr, false, slog.LevelDebug)
	}
	return &testEnv{cfg: cfg, st: st, conn: conn, log: log}
}

// serveConfig is a worker config with short delays for tests.
func (e *testEnv) serveConfig(stages string) *ServeConfig {
	return &ServeConfig{Stages: stages, Copies: 1, AckWait: time.Second, MaxDeliver: 3,
		RetryDelay: 200 * time.Millisecond, EventSubject: e.st.EventSubject,
		Segmenter: "classical"}
}

// startWorkers runs stage workers in this process until the test ends or
// stop is called.
func (e *testEnv) startWorkers(t *testing.T, sc *ServeConfig) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- workers(ctx, &e.cfg, sc, e.conn, e.log, nil) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("workers: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// wait follows a job to its end.
func (e *testEnv) wait(t *testing.T, id string, d time.Duration) *pb.Job {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var last *pb.Job
	err := e.conn.Jobs.Watch(ctx, id, func(j *pb.Job) bool {
		last = j
		return !finished(j)
	})
	if err != nil {
		t.Fatalf("job %s did not finish: %v; last record %v", id, err, last)
	}
	return last
}

// sampleArchive renders a small synthetic log as a tar.gz of pages,
// manifest.yaml and truth.las.
func sampleArchive(t testing.TB, seed uint64, pages int) []byte {
	t.Helper()
	lg, err := synth.Generate(synth.Config{Tier: synth.TierEasy, Seed: seed, Height: 2400})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := lg.WriteArchive(&buf, synth.ArchiveOptions{Pages: pages}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rewriteArchive copies a tar.gz, passing each entry through edit (which
// may rename it or change its data; an empty name drops it).
func rewriteArchive(t testing.TB, src []byte,
	edit func(name string, data []byte) (string, []byte)) []byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	tw := tar.NewWriter(zw)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		name, data := edit(hdr.Name, data)
		if name == "" {
			continue
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644,
			Size: int64(len(data))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// writeTemp writes data to a file in a temp dir.
func writeTemp(t testing.TB, name string, data []byte) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
