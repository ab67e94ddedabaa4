package pipeline

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/welllog/digitiser/pkg/bus"
	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

// counts is a Metrics that remembers every outcome by stage.
type counts struct {
	mu                                  sync.Mutex
	ok, failed, retried, handed, flying map[string]int
}

func newCounts() *counts {
	return &counts{ok: map[string]int{}, failed: map[string]int{}, retried: map[string]int{},
		handed: map[string]int{}, flying: map[string]int{}}
}

func (c *counts) Begin(stage string) func(error) {
	c.mu.Lock()
	c.flying[stage]++
	c.mu.Unlock()
	return func(err error) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.flying[stage]--
		switch {
		case errors.Is(err, ErrHandedBack):
			c.handed[stage]++
		case err != nil:
			c.failed[stage]++
		default:
			c.ok[stage]++
		}
	}
}

func (c *counts) Retry(stage string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.retried[stage]++
}

func (c *counts) get(m map[string]int, stage string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return m[stage]
}

// serveStages runs chain for every stage but one, until the test ends.
func (f *fixture) serveStages(t *testing.T, except string) {
	for _, s := range Stages {
		if s != except {
			f.serveOne(t, s, chain(s))
		}
	}
}

// serveOne runs h for stage in its own worker; stop cancels it (SIGTERM)
// and returns once every command it held is settled.
func (f *fixture) serveOne(t *testing.T, stage string, h Handler) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.runner.Serve(ctx, stage, h, ServeOptions{
			Pull: bus.PullOptions{MaxWait: 200 * time.Millisecond}})
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// untilShutdown is a handler that works until its worker shuts down, then
// returns what end gives.
func untilShutdown(end func(ctx context.Context) error) Handler {
	return func(ctx context.Context, _ *Task) (map[string]string, error) {
		<-ctx.Done()
		return nil, end(ctx)
	}
}

// waitStage waits until stage's record of job id satisfies ok.
func (f *fixture) waitStage(t *testing.T, id, stage string, ok func(*pb.StageRecord) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var last *pb.StageRecord
	err := f.jobs.Watch(ctx, id, func(j *pb.Job) bool {
		last = StageRecord(j, stage)
		return !ok(last)
	})
	if err != nil {
		t.Fatalf("stage %s of job %s: %v (last %v)", stage, id, err, last)
	}
}

func running(rec *pb.StageRecord) bool {
	return rec.State == pb.StageState_STAGE_STATE_RUNNING
}

// TestShutdownRejectFailsJob rejects a command just as its worker shuts
// down: the job must still be marked failed with a dead letter, not left
// running.
func TestShutdownRejectFailsJob(t *testing.T) {
	f := newFixture(t)
	f.serveStages(t, StagePreprocess)
	stop := f.serveOne(t, StagePreprocess, untilShutdown(func(context.Context) error {
		return Reject(errors.New("page 2 is not an image"))
	}))
	job := f.submit(t)
	f.waitStage(t, job.JobId, StagePreprocess, running)
	stop()

	job = f.wait(t, job.JobId)
	if job.State != pb.JobState_JOB_STATE_FAILED || job.FailedStage != StagePreprocess ||
		job.Error != "page 2 is not an image" {
		t.Fatalf("job %v failed at %q: %q", job.State, job.FailedStage, job.Error)
	}
	dead, err := f.bus.DeadLetters(context.Background())
	if err != nil || len(dead) != 1 || dead[0].Command.GetJobId() != job.JobId {
		t.Fatalf("dead letters %v, %v: want the rejected command", dead, err)
	}
}

// TestShutdownHandsBackWithoutSpendingAttempts shuts the preprocess
// worker down mid-command more times than MaxDeliver allows deliveries.
// Each time the stage must show pending with no attempt spent, metrics
// must count a hand-back and no failure or retry; then a worker that
// stays up finishes the job on its first counted attempt with no dead
// letter.
func TestShutdownHandsBackWithoutSpendingAttempts(t *testing.T) {
	f := newFixture(t)
	m := newCounts()
	f.runner.Metrics = m
	f.serveStages(t, StagePreprocess)
	job := f.submit(t)

	shutdowns := f.runner.maxDeliver() + 1
	for i := 1; i <= shutdowns; i++ {
		stop := f.serveOne(t, StagePreprocess, untilShutdown(func(ctx context.Context) error {
			return ctx.Err()
		}))
		f.waitStage(t, job.JobId, StagePreprocess, running)
		stop()
		got, err := f.jobs.Get(context.Background(), job.JobId)
		if err != nil {
			t.Fatal(err)
		}
		rec := StageRecord(got, StagePreprocess)
		if rec.State != pb.StageState_STAGE_STATE_PENDING || rec.Attempts != 0 ||
			got.State != pb.JobState_JOB_STATE_RUNNING {
			t.Fatalf("after shutdown %d: job %v, preprocess %v after %d attempts", i,
				got.State, rec.State, rec.Attempts)
		}
		if h, fl, rt := m.get(m.handed, StagePreprocess), m.get(m.failed, StagePreprocess),
			m.get(m.retried, StagePreprocess); h != i || fl != 0 || rt != 0 {
			t.Fatalf("after shutdown %d: %d handed back, %d failed, %d retried", i, h, fl, rt)
		}
	}

	f.serveOne(t, StagePreprocess, chain(StagePreprocess))
	job = f.wait(t, job.JobId)
	if job.State != pb.JobState_JOB_STATE_SUCCEEDED {
		t.Fatalf("job %v at %s: %s", job.State, job.FailedStage, job.Error)
	}
	if n := job.Stages[StagePreprocess].Attempts; n != 1 {
		t.Errorf("preprocess attempts %d, want 1: hand-backs were counted", n)
	}
	if dead, err := f.bus.DeadLetters(context.Background()); err != nil || len(dead) != 0 {
		t.Fatalf("dead letters %v, %v", dead, err)
	}
	if n := m.get(m.flying, StagePreprocess); n != 0 {
		t.Errorf("%d preprocess commands still counted in flight", n)
	}
}

// TestRetryAfterHandBackKeepsCount fails a command once, hands it back on
// shutdown, then fails it again: the second failure must be its attempt 2,
// so with MaxDeliver 2 the job fails there rather than getting a third
// try.
func TestRetryAfterHandBackKeepsCount(t *testing.T) {
	f := newFixture(t)
	f.runner.Consumer.MaxDeliver = 2
	f.runner.Consumer.BackOff = []time.Duration{time.Second}
	f.serveStages(t, StageSegment)
	job := f.submit(t)

	stop := f.serveOne(t, StageSegment, func(ctx context.Context, t *Task) (map[string]string,
		error) {
		if t.Attempt == 1 {
			return nil, errors.New("model server busy")
		}
		<-ctx.Done()
		return nil, ctx.Err()
	})
	f.waitStage(t, job.JobId, StageSegment, func(r *pb.StageRecord) bool {
		return running(r) && r.Attempts == 2
	})
	stop()
	var attempts []uint32
	var mu sync.Mutex
	f.serveOne(t, StageSegment, func(ctx context.Context, t *Task) (map[string]string, error) {
		mu.Lock()
		attempts = append(attempts, t.Attempt)
		mu.Unlock()
		return nil, errors.New("model server still busy")
	})
	job = f.wait(t, job.JobId)
	mu.Lock()
	defer mu.Unlock()
	if job.State != pb.JobState_JOB_STATE_FAILED || len(attempts) != 1 || attempts[0] != 2 {
		t.Fatalf("job %v; attempts after the hand-back %v, want [2]", job.State, attempts)
	}
}

// TestHandedBackCommandKeepsDeliveryLimit stores a command handed back
// with every attempt already spent: the next delivery must fail the job
// with the max-deliveries reason without running the stage.
func TestHandedBackCommandKeepsDeliveryLimit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	job, err := CreateJob(ctx, f.jobs, JobRequest{SourceBucket: "scans", SourceKey: "a.zip",
		WorkBucket: "work"})
	if err != nil {
		t.Fatal(err)
	}
	hdr := nats.Header{}
	hdr.Set(HeaderPriorAttempts, strconv.Itoa(f.runner.maxDeliver()))
	if err := publishCommand(ctx, f.bus, NextCommand(job, StageIngest), hdr); err != nil {
		t.Fatal(err)
	}
	f.serveOne(t, StageIngest, func(context.Context, *Task) (map[string]string, error) {
		t.Error("the stage ran past its delivery limit")
		return nil, nil
	})
	job = f.wait(t, job.JobId)
	if job.State != pb.JobState_JOB_STATE_FAILED || job.Error != bus.ReasonMaxDeliveries {
		t.Fatalf("job %v: %q", job.State, job.Error)
	}
}
