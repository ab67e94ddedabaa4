package pipeline

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/welllog/digitiser/pkg/bus"
	"github.com/welllog/digitiser/pkg/store"
	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

// TestPanicRejectsAndWorkerGoesOn: a handler that panics on one job's input
// fails that job at once with a dead letter naming the stage and the panic;
// the same worker then runs the next job to the end.
func TestPanicRejectsAndWorkerGoesOn(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	bad := map[string]bool{}
	f.serve(t, func(stage string) Handler {
		h := chain(stage)
		if stage != StageReassemble {
			return h
		}
		return func(ctx context.Context, t *Task) (map[string]string, error) {
			mu.Lock()
			b := bad[t.Cmd.JobId]
			mu.Unlock()
			if b {
				var rows []int
				_ = rows[len(t.Cmd.JobId)] // index out of range
			}
			return h(ctx, t)
		}
	})

	first := f.submitHeld(t, func(id string) { mu.Lock(); bad[id] = true; mu.Unlock() })
	job := f.wait(t, first)
	if job.State != pb.JobState_JOB_STATE_FAILED || job.FailedStage != StageReassemble {
		t.Fatalf("job %v failed at %q, want failed at reassemble", job.State, job.FailedStage)
	}
	if a := job.Stages[StageReassemble].Attempts; a != 1 {
		t.Errorf("a panic was tried %d times, want once", a)
	}
	for _, want := range []string{"stage reassemble crashed", "index out of range"} {
		if !strings.Contains(job.Error, want) {
			t.Errorf("job error %q does not say %q", job.Error, want)
		}
	}
	dead, err := f.bus.DeadLetters(context.Background())
	if err != nil || len(dead) != 1 || !strings.Contains(dead[0].Reason, "index out of range") ||
		dead[0].Command.GetStage() != StageReassemble {
		t.Fatalf("dead letters %v, %v", dead, err)
	}

	if job := f.wait(t, f.submit(t).JobId); job.State != pb.JobState_JOB_STATE_SUCCEEDED {
		t.Fatalf("the job after the panic: %v %s", job.State, job.Error)
	}
}

// submitHeld creates a job, lets mark see its id, then starts it.
func (f *fixture) submitHeld(t *testing.T, mark func(id string)) string {
	t.Helper()
	ctx := context.Background()
	job, err := CreateJob(ctx, f.jobs, JobRequest{SourceBucket: "scans", SourceKey: "a.zip",
		WorkBucket: "work"})
	if err != nil {
		t.Fatal(err)
	}
	mark(job.JobId)
	if err := StartJob(ctx, f.bus, job); err != nil {
		t.Fatal(err)
	}
	return job.JobId
}

// TestRerunOfRunningJob: a rerun of a running job is refused; forced, the
// new run completes and the old run, finishing later, overwrites nothing.
func TestRerunOfRunningJob(t *testing.T) {
	f := newFixture(t)
	release, oldPut := make(chan struct{}), make(chan error, 1)
	ingest := func(ctx context.Context, t *Task) (map[string]string, error) {
		if t.Cmd.Generation == 1 {
			<-release
			_, err := t.Put(ctx, "out.txt", []byte("old run"), "text/plain")
			oldPut <- err
			return nil, err
		}
		key, err := t.Put(ctx, "out.txt", []byte("new run"), "text/plain")
		return map[string]string{StageIngest: key}, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, s := range Stages {
		h, copies := chain(s), 1
		if s == StageIngest {
			h, copies = ingest, 2 // one copy held by the old run
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = f.runner.Serve(ctx, s, h, ServeOptions{Copies: copies,
				Pull: bus.PullOptions{MaxWait: 200 * time.Millisecond}})
		}()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })

	id := f.submit(t).JobId
	waitFor(t, f, id, func(j *pb.Job) bool {
		return StageRecord(j, StageIngest).State == pb.StageState_STAGE_STATE_RUNNING
	})
	_, err := Rerun(ctx, f.bus, f.jobs, id, "")
	if !errors.Is(err, ErrJobActive) || !strings.Contains(err.Error(), "stage ingest running") ||
		!strings.Contains(err.Error(), "--force") {
		t.Fatalf("rerun of a running job: %v, want ErrJobActive naming the stage and --force",
			err)
	}
	if _, err := RerunWith(ctx, f.bus, f.jobs, id, RerunOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	job := f.wait(t, id)
	if job.State != pb.JobState_JOB_STATE_SUCCEEDED || job.Generation != 2 {
		t.Fatalf("forced rerun: %v run %d: %s", job.State, job.Generation, job.Error)
	}

	close(release) // the old run's ingest now tries to write
	if err := <-oldPut; !errors.Is(err, errStale) {
		t.Fatalf("the old run's Put: %v, want refused as a superseded run", err)
	}
	key := job.Stages[StageIngest].Outputs[StageIngest]
	data, err := store.GetBytes(ctx, f.store, "work", key)
	if err != nil || string(data) != "new run" {
		t.Fatalf("%s holds %q (%v), want the new run's output", key, data, err)
	}
}

// waitFor watches job id until ok.
func waitFor(t *testing.T, f *fixture, id string, ok func(*pb.Job) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := f.jobs.Watch(ctx, id, func(j *pb.Job) bool { return !ok(j) }); err != nil {
		t.Fatalf("job %s: %v", id, err)
	}
}

func TestUploadOwnerLogsForeignUploads(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := CreateJob(ctx, f.jobs, JobRequest{SourceBucket: "inbox",
		SourceKey: "job-1/a.tgz", WorkBucket: "work", JobID: "job-1"}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))

	if UploadOwner(ctx, f.jobs, log, "job-1/a.tgz") == nil || buf.Len() != 0 {
		t.Fatalf("the job's own upload: owner not found or logged at Info: %q", buf.String())
	}
	if UploadOwner(ctx, f.jobs, log, "elsewhere/b.tgz") != nil || buf.Len() != 0 {
		t.Fatalf("an upload outside job folders: %q", buf.String())
	}
	if UploadOwner(ctx, f.jobs, log, "job-1/other.tgz") == nil {
		t.Fatal("an upload in job-1's folder: no owner")
	}
	if out := buf.String(); !strings.Contains(out, "level=WARN") ||
		!strings.Contains(out, "job_id=job-1") || !strings.Contains(out, "key=job-1/other.tgz") {
		t.Fatalf("the dropped upload was not logged with its job and key: %q", out)
	}
}

func TestJobsDelete(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	job := f.submit(t)
	if err := f.jobs.Delete(ctx, job.JobId); err != nil {
		t.Fatal(err)
	}
	if _, err := f.jobs.Get(ctx, job.JobId); !errors.Is(err, ErrJobNotFound) {
		t.Fatalf("after Delete: %v, want ErrJobNotFound", err)
	}
	if err := f.jobs.Delete(ctx, job.JobId); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
}
