package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/welllog/digitiser/pkg/bus"
	"github.com/welllog/digitiser/pkg/bus/bustest"
	"github.com/welllog/digitiser/pkg/pipeline"
	"github.com/welllog/digitiser/pkg/store"
)

// failingPuts is a store whose writes to one key fail.
type failingPuts struct {
	store.Store
	failKey string
}

func (s failingPuts) Put(ctx context.Context, bucket, key string, r io.Reader, size int64,
	contentType string) error {
	if strings.HasSuffix(key, s.failKey) {
		return errors.New("connection refused")
	}
	return s.Store.Put(ctx, bucket, key, r, size, contentType)
}

// TestSubmitLeavesNoJobWhenUploadFails: an archive upload that fails
// leaves no job record (queued forever otherwise) and no uploaded manifest.
func TestSubmitLeavesNoJobWhenUploadFails(t *testing.T) {
	ctx := context.Background()
	nc, err := nats.Connect(bustest.Server(t).ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	b, err := bus.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.EnsureStreams(ctx, bus.StreamsConfig{}); err != nil {
		t.Fatal(err)
	}
	jobs, err := pipeline.OpenJobs(ctx, b.JS)
	if err != nil {
		t.Fatal(err)
	}
	mem := store.NewMemory()
	cfg := &Config{InboxBucket: "inbox", WorkBucket: "work"}
	for _, bk := range []string{cfg.InboxBucket, cfg.WorkBucket} {
		if err := mem.EnsureBucket(ctx, bk); err != nil {
			t.Fatal(err)
		}
	}
	conn := &Conn{Bus: b, Jobs: jobs, Store: failingPuts{Store: mem, failKey: "log.tgz"}}

	_, err = submit(ctx, cfg, conn, SubmitRequest{Archive: writeTemp(t, "log.tgz", []byte("x")),
		Manifest: writeTemp(t, "m.yaml", []byte("well: {name: A}\n"))})
	if err == nil || !strings.Contains(err.Error(), "upload archive") ||
		!strings.Contains(err.Error(), "no job was started") {
		t.Fatalf("submit with a failing upload: %v", err)
	}
	list, err := jobs.List(ctx)
	if err != nil || len(list) != 0 {
		t.Fatalf("job records after a failed upload: %d (%v), want none", len(list), err)
	}
	if objs, err := mem.List(ctx, cfg.InboxBucket, ""); err != nil || len(objs) != 0 {
		t.Fatalf("inbox after a failed upload: %v (%v), want empty", objs, err)
	}
}

// TestSubmitStreamsAndWaitsPlainly submits an archive from a file (the
// upload streams it) and follows the job into a writer that is not a
// terminal: each change of the progress line is a line of its own, with no
// carriage returns or terminal escapes to litter a log file.
func TestSubmitStreamsAndWaitsPlainly(t *testing.T) {
	e := newTestEnv(t)
	e.startWorkers(t, e.serveConfig("all"))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	archive := writeTemp(t, "log.tar.gz", sampleArchive(t, 3, 1))
	job, err := submit(ctx, &e.cfg, e.conn, SubmitRequest{Archive: archive})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := waitJob(ctx, e.conn, job.JobId, &out, ""); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	text := out.String()
	if strings.ContainsAny(text, "\r\033") {
		t.Errorf("progress to a non-terminal holds \\r or escapes: %q", text)
	}
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) < 3 || !strings.Contains(text, "qa ✓") {
		t.Errorf("want a line per progress change ending with qa done, got:\n%s", text)
	}
	if !strings.Contains(text, "download: digitise results "+job.JobId+" -o DIR") {
		t.Errorf("the done line does not say how to download the outputs:\n%s", text)
	}
	for i := 1; i < len(lines); i++ {
		if lines[i] == lines[i-1] {
			t.Errorf("line %d repeats the one before: %q", i, lines[i])
		}
	}
}
