package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/welllog/digitiser/pkg/pipeline"
	"github.com/welllog/digitiser/pkg/store"
	pb "github.com/welllog/digitiser/proto/digitiser/v1"
	"github.com/welllog/digitiser/services/segment"
)

// TestMissingModelRejected submits a job with --segmenter onnx and no
// model uploaded: it must fail at segment on the first attempt with a
// reason naming the bucket, the key and how to upload, with the rerun
// hint; `results` must then write no directory. `model upload` must put
// the model and its card where the stage looks.
func TestMissingModelRejected(t *testing.T) {
	e := newTestEnv(t)
	e.startWorkers(t, e.serveConfig("all"))
	ctx := context.Background()
	job, err := submit(ctx, &e.cfg, e.conn, SubmitRequest{Segmenter: segment.ONNX,
		Archive: writeTemp(t, "log.tgz", sampleArchive(t, 3, 1))})
	if err != nil {
		t.Fatal(err)
	}
	job = e.wait(t, job.JobId, time.Minute)
	rec := pipeline.StageRecord(job, pipeline.StageSegment)
	if job.State != pb.JobState_JOB_STATE_FAILED || job.FailedStage != pipeline.StageSegment ||
		rec.Attempts != 1 {
		t.Fatalf("job %v at %q after %d attempts: %q; want failed at segment, 1 attempt",
			job.State, job.FailedStage, rec.Attempts, job.Error)
	}
	for _, want := range []string{e.cfg.ModelsBucket + "/" + segment.DefaultModelKey,
		"digitise model upload", "--segmenter classical"} {
		if !strings.Contains(job.Error, want) {
			t.Errorf("reason %q lacks %q", job.Error, want)
		}
	}
	if hint := failureHint(job); !strings.Contains(hint, "digitise rerun "+job.JobId) {
		t.Errorf("hint %q, want the rerun hint", hint)
	}

	dir := filepath.Join(t.TempDir(), "out")
	if _, err := downloadResults(ctx, e.conn.Store, job, dir); err == nil {
		t.Error("results of a job without any: no error")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("results of a failed job left %s behind (%v)", dir, err)
	}

	model := t.TempDir()
	if _, err := putModel(ctx, e.conn.Store, e.cfg.ModelsBucket, model,
		"m/v2/model.onnx"); err == nil || !strings.Contains(err.Error(), "model.card.json") {
		t.Errorf("upload without a card: %v, want an error naming model.card.json", err)
	}
	for name, body := range map[string]string{"model.onnx": "onnx", "model.card.json": "{}"} {
		if err := os.WriteFile(filepath.Join(model, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := putModel(ctx, e.conn.Store, e.cfg.ModelsBucket, model, "m/v2/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"m/v2/model.card.json", "m/v2/model.onnx"} {
		if data, err := store.GetBytes(ctx, e.conn.Store, e.cfg.ModelsBucket, k); err != nil ||
			len(data) == 0 {
			t.Errorf("%s after upload (keys %v): %v", k, keys, err)
		}
	}
}

// TestRerunShowsStartAndRuns reruns a succeeded job from vectorise: the
// rerun starts there, and status shows run 2 for the stages from vectorise
// on and run 1 for those before.
func TestRerunShowsStartAndRuns(t *testing.T) {
	e := newTestEnv(t)
	e.startWorkers(t, e.serveConfig("all"))
	ctx := context.Background()
	job, err := submit(ctx, &e.cfg, e.conn, SubmitRequest{
		Archive: writeTemp(t, "log.tgz", sampleArchive(t, 5, 1))})
	if err != nil {
		t.Fatal(err)
	}
	if job = e.wait(t, job.JobId, 3*time.Minute); job.State != pb.JobState_JOB_STATE_SUCCEEDED {
		t.Fatalf("job %v: %s", job.State, job.Error)
	}
	job, err = pipeline.Rerun(ctx, e.conn.Bus, e.conn.Jobs, job.JobId,
		pipeline.StageVectorise)
	if err != nil {
		t.Fatal(err)
	}
	if got := rerunStart(job); got != pipeline.StageVectorise {
		t.Errorf("rerun starts at %s, want vectorise", got)
	}
	if job = e.wait(t, job.JobId, 3*time.Minute); job.State != pb.JobState_JOB_STATE_SUCCEEDED {
		t.Fatalf("rerun %v: %s", job.State, job.Error)
	}
	for _, s := range pipeline.Stages {
		want := uint32(1)
		if pipeline.StageIndex(s) >= pipeline.StageIndex(pipeline.StageVectorise) {
			want = 2
		}
		if got := pipeline.StageRecord(job, s).Generation; got != want {
			t.Errorf("stage %s last ran in run %d, want %d", s, got, want)
		}
	}
	var out strings.Builder
	printStatus(&out, job)
	if !strings.Contains(out.String(), "RUN") {
		t.Errorf("status has no RUN column:\n%s", out.String())
	}
}
