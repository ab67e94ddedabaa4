package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/welllog/digitiser/pkg/bus"
	"github.com/welllog/digitiser/pkg/pipeline"
	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

// buildDigitise builds this command into a temp dir.
func buildDigitise(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "digitise")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startSegmentWorker runs `digitise serve --stages segment` as its own
// process against the test stack.
func startSegmentWorker(t *testing.T, e *testEnv, bin string, hold time.Duration) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--stages", "segment", "--segmenter", "classical",
		"--ack-wait", "1s", "--max-deliver", "3", "--hold", hold.String(),
		"--state-dir", e.cfg.StateDir, "--event-subject", e.st.EventSubject)
	cmd.Env = append(os.Environ(), "DIGITISE_NATS_URL="+e.cfg.NATSURL,
		"DIGITISE_S3_ENDPOINT="+e.cfg.S3Endpoint,
		"DIGITISE_S3_ACCESS_KEY="+e.cfg.S3AccessKey,
		"DIGITISE_S3_SECRET_KEY="+e.cfg.S3SecretKey)
	if testing.Verbose() {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// TestWorkerKilledMidStage kills the segment worker process (SIGKILL) while
// it holds a command, starts a new one, and expects the job to complete
// with segmentation run twice, everything after it once, one probability
// map, no dead letter and no command left behind.
func TestWorkerKilledMidStage(t *testing.T) {
	bin := buildDigitise(t)
	e := newTestEnv(t)
	e.startWorkers(t, e.serveConfig("ingest,reassemble,preprocess,vectorise,calibrate,qa"))
	first := startSegmentWorker(t, e, bin, 4*time.Second)

	ctx := context.Background()
	job, err := submit(ctx, &e.cfg, e.conn, SubmitRequest{
		Archive: writeTemp(t, "log.tgz", sampleArchive(t, 7, 1))})
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	err = e.conn.Jobs.Watch(wctx, job.JobId, func(j *pb.Job) bool {
		return j.Stages[pipeline.StageSegment].GetState() != pb.StageState_STAGE_STATE_RUNNING
	})
	if err != nil {
		t.Fatalf("segment never started: %v", err)
	}
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	startSegmentWorker(t, e, bin, 0)

	job = e.wait(t, job.JobId, 3*time.Minute)
	if job.State != pb.JobState_JOB_STATE_SUCCEEDED {
		t.Fatalf("job %v at %s: %s", job.State, job.FailedStage, job.Error)
	}
	if n := job.Stages[pipeline.StageSegment].Attempts; n != 2 {
		t.Errorf("segment ran %d times, want 2 (killed once)", n)
	}
	for _, s := range pipeline.Stages {
		if s != pipeline.StageSegment && job.Stages[s].Attempts != 1 {
			t.Errorf("stage %s ran %d times, want 1", s, job.Stages[s].Attempts)
		}
	}
	objs, err := e.conn.Store.List(ctx, job.Bucket, job.Prefix+pipeline.StageSegment+"/")
	if err != nil || len(objs) != 1 || !strings.HasSuffix(objs[0].Key, "probmap.png") {
		t.Fatalf("segment outputs %v, %v: want one probmap.png", objs, err)
	}
	if dead := deadLettersOf(t, e, job.JobId); len(dead) != 0 {
		t.Fatalf("dead letters after a clean recovery: %v", dead)
	}
	s, err := e.conn.Bus.JS.Stream(ctx, bus.StreamCommands)
	if err != nil {
		t.Fatal(err)
	}
	// The last stage marks the job done, then acks its command: give the
	// ack a moment to reach the server before counting what is left.
	var left uint64
	for deadline := time.Now().Add(10 * time.Second); ; {
		info, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		left = info.State.Msgs
		if left == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if left != 0 {
		t.Fatalf("command stream holds %d commands after the job", left)
	}
}
