package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/welllog/digitiser/pkg/bus"
	"github.com/welllog/digitiser/pkg/bus/bustest"
	"github.com/welllog/digitiser/pkg/pipeline"
	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

// TestRetryGapsMatchDelays fails a stage on every attempt and checks that
// the gaps between attempts are the documented retry delays (RetryDelay,
// x5, x25), not stretched by the consumer's redelivery schedule: with a
// growing BackOff the server added BackOff[n-1] - AckWait to each nak
// delay (observed 1 s, 35 s, 115 s for 1 s, 5 s, 25 s).
func TestRetryGapsMatchDelays(t *testing.T) {
	srv := bustest.Server(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := bus.Dial(ctx, srv.ClientURL(), bus.ConnectOptions{Name: "retry-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.EnsureStreams(ctx, bus.StreamsConfig{}); err != nil {
		t.Fatal(err)
	}
	jobs, err := pipeline.OpenJobs(ctx, b.JS)
	if err != nil {
		t.Fatal(err)
	}

	sc := &ServeConfig{AckWait: 3 * time.Second, MaxDeliver: 4,
		RetryDelay: 100 * time.Millisecond}
	var mu sync.Mutex
	var seen []time.Time
	fail := func(context.Context, *pipeline.Task) (map[string]string, error) {
		mu.Lock()
		seen = append(seen, time.Now())
		mu.Unlock()
		return nil, errors.New("store unreachable")
	}
	runner := &pipeline.Runner{Bus: b, Jobs: jobs, Consumer: sc.consumer(),
		RetryDelays: sc.retryDelays(),
		Log:         slog.New(slog.NewTextHandler(io.Discard, nil))}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- runner.Serve(sctx, pipeline.StageIngest, fail, pipeline.ServeOptions{
			Pull: bus.PullOptions{MaxWait: 500 * time.Millisecond}})
	}()
	defer func() { stop(); <-done }()

	job, err := pipeline.Submit(ctx, b, jobs, pipeline.JobRequest{SourceBucket: "scans",
		SourceKey: "a/scan.tif", WorkBucket: "work"})
	if err != nil {
		t.Fatal(err)
	}
	var last string
	err = jobs.Watch(ctx, job.JobId, func(j *pb.Job) bool {
		last = j.Error
		return j.State != pb.JobState_JOB_STATE_FAILED
	})
	if err != nil {
		t.Fatalf("job never failed: %v", err)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(seen) != sc.MaxDeliver {
		t.Fatalf("%d attempts, want %d (last error %q)", len(seen), sc.MaxDeliver, last)
	}
	slack := sc.AckWait / 2 // the server stretched gaps by at least an ack wait
	for i, want := range sc.retryDelays() {
		gap := seen[i+1].Sub(seen[i])
		if gap < want || gap > want+slack {
			t.Errorf("gap after attempt %d: %v, want %v (at most %v more)", i+1, gap,
				want, slack)
		}
	}
}
