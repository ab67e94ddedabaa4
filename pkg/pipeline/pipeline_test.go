package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/welllog/digitiser/pkg/bus"
	"github.com/welllog/digitiser/pkg/store"
	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

type fixture struct {
	bus    *bus.Bus
	jobs   *Jobs
	store  store.Store
	runner *Runner
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1,
		JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	t.Cleanup(srv.Shutdown)
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	b, _ := bus.New(nc)
	ctx := context.Background()
	if err := b.EnsureStreams(ctx, bus.StreamsConfig{}); err != nil {
		t.Fatal(err)
	}
	jobs, err := OpenJobs(ctx, b.JS)
	if err != nil {
		t.Fatal(err)
	}
	st := store.NewMemory()
	for _, bk := range []string{"scans", "work"} {
		if err := st.EnsureBucket(ctx, bk); err != nil {
			t.Fatal(err)
		}
	}
	r := &Runner{Bus: b, Jobs: jobs, Store: st,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Consumer: bus.ConsumerConfig{MaxDeliver: 3,
			BackOff: []time.Duration{time.Second, time.Second}},
		RetryDelays: []time.Duration{50 * time.Millisecond}}
	return &fixture{bus: b, jobs: jobs, store: st, runner: r}
}

// serve runs h for every stage until the test ends.
func (f *fixture) serve(t *testing.T, h func(stage string) Handler) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, s := range Stages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = f.runner.Serve(ctx, s, h(s), ServeOptions{
				Pull: bus.PullOptions{MaxWait: 200 * time.Millisecond}})
		}()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// wait returns the job once it is finished.
func (f *fixture) wait(t *testing.T, id string) *pb.Job {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var last *pb.Job
	err := f.jobs.Watch(ctx, id, func(j *pb.Job) bool {
		last = j
		return j.State != pb.JobState_JOB_STATE_SUCCEEDED &&
			j.State != pb.JobState_JOB_STATE_FAILED
	})
	if err != nil {
		t.Fatalf("job %s not finished: %v (last %v)", id, err, last)
	}
	return last
}

// chain is a handler that appends its stage name to the previous stage's
// output, so the final output proves every stage ran once in order.
func chain(stage string) Handler {
	return func(ctx context.Context, t *Task) (map[string]string, error) {
		prev := ""
		if i := StageIndex(stage); i > 0 {
			key, err := t.Input(Stages[i-1])
			if err != nil {
				return nil, err
			}
			data, err := t.Get(ctx, key)
			if err != nil {
				return nil, err
			}
			prev = string(data) + ","
		}
		key, err := t.Put(ctx, "out.txt", []byte(prev+stage), "text/plain")
		return map[string]string{stage: key}, err
	}
}

func (f *fixture) submit(t *testing.T) *pb.Job {
	t.Helper()
	job, err := Submit(context.Background(), f.bus, f.jobs, JobRequest{
		SourceBucket: "scans", SourceKey: "a.zip", WorkBucket: "work", Origin: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return job
}

func TestJobRunsEveryStageInOrder(t *testing.T) {
	f := newFixture(t)
	f.serve(t, chain)
	job := f.wait(t, f.submit(t).JobId)
	if job.State != pb.JobState_JOB_STATE_SUCCEEDED {
		t.Fatalf("job state %v: %s", job.State, job.Error)
	}
	data, err := store.GetBytes(context.Background(), f.store, "work",
		job.Stages[StageQA].Outputs[StageQA])
	if err != nil {
		t.Fatal(err)
	}
	want := "ingest,reassemble,preprocess,segment,vectorise,calibrate,qa"
	if string(data) != want {
		t.Fatalf("final output %q, want %q", data, want)
	}
	for _, s := range Stages {
		if rec := job.Stages[s]; rec.Attempts != 1 || rec.Worker == "" {
			t.Errorf("stage %s: attempts %d worker %q", s, rec.Attempts, rec.Worker)
		}
	}
}

func TestRetryThenSucceed(t *testing.T) {
	f := newFixture(t)
	var calls atomic.Int32
	f.serve(t, func(stage string) Handler {
		h := chain(stage)
		if stage != StageSegment {
			return h
		}
		return func(ctx context.Context, t *Task) (map[string]string, error) {
			if calls.Add(1) == 1 {
				return nil, errors.New("model server busy")
			}
			return h(ctx, t)
		}
	})
	job := f.wait(t, f.submit(t).JobId)
	if job.State != pb.JobState_JOB_STATE_SUCCEEDED || job.Stages[StageSegment].Attempts != 2 {
		t.Fatalf("state %v, segment attempts %d", job.State,
			job.Stages[StageSegment].Attempts)
	}
}

func TestRejectDeadLettersThenRerunCompletes(t *testing.T) {
	f := newFixture(t)
	var broken atomic.Bool
	broken.Store(true)
	f.serve(t, func(stage string) Handler {
		h := chain(stage)
		if stage != StagePreprocess {
			return h
		}
		return func(ctx context.Context, t *Task) (map[string]string, error) {
			if broken.Load() {
				return nil, Reject(fmt.Errorf("page 2 is not an image"))
			}
			return h(ctx, t)
		}
	})
	job := f.wait(t, f.submit(t).JobId)
	if job.State != pb.JobState_JOB_STATE_FAILED || job.FailedStage != StagePreprocess ||
		job.Error != "page 2 is not an image" {
		t.Fatalf("job %v failed at %q: %q", job.State, job.FailedStage, job.Error)
	}
	dead, err := f.bus.DeadLetters(context.Background())
	if err != nil || len(dead) != 1 || dead[0].Reason != "page 2 is not an image" ||
		dead[0].Command.GetStage() != StagePreprocess {
		t.Fatalf("dead letters %v, %v", dead, err)
	}

	broken.Store(false)
	if _, err := Rerun(context.Background(), f.bus, f.jobs, job.JobId, ""); err != nil {
		t.Fatal(err)
	}
	job = f.wait(t, job.JobId)
	if job.State != pb.JobState_JOB_STATE_SUCCEEDED || job.Generation != 2 {
		t.Fatalf("after rerun: %v generation %d", job.State, job.Generation)
	}
	if job.Stages[StageIngest].Attempts != 1 {
		t.Fatalf("rerun from preprocess ran ingest again")
	}
}

func TestRerunRefusesStageAfterUnfinished(t *testing.T) {
	f := newFixture(t)
	job, err := CreateJob(context.Background(), f.jobs, JobRequest{SourceBucket: "s",
		SourceKey: "k", WorkBucket: "w"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Rerun(context.Background(), f.bus, f.jobs, job.JobId, StageQA); err == nil {
		t.Fatal("rerun from qa of a job that never ran: no error")
	}
	if _, err := Rerun(context.Background(), f.bus, f.jobs, "nope", ""); !errors.Is(err,
		ErrJobNotFound) {
		t.Fatalf("rerun of a missing job: %v", err)
	}
}
