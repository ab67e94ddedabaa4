package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/welllog/digitiser/pkg/las"
	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/pipeline"
	"github.com/welllog/digitiser/pkg/store"
	"github.com/welllog/digitiser/pkg/telemetry"
	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

// TestHappyPath submits a two-page synthetic archive, expects every stage
// to succeed once, a LAS with the manifest's curves over real depths, the
// QA report and overlay, and one trace whose root has a span per stage.
func TestHappyPath(t *testing.T) {
	e := newTestEnv(t)
	e.startWorkers(t, e.serveConfig("all"))
	ctx := context.Background()
	archive := sampleArchive(t, 7, 2)
	job, err := submit(ctx, &e.cfg, e.conn, SubmitRequest{
		Archive: writeTemp(t, "sample.tar.gz", archive)})
	if err != nil {
		t.Fatal(err)
	}
	job = e.wait(t, job.JobId, 3*time.Minute)
	if job.State != pb.JobState_JOB_STATE_SUCCEEDED {
		t.Fatalf("job %s: %s at %s: %s", job.JobId, job.State, job.FailedStage, job.Error)
	}
	for _, s := range pipeline.Stages {
		if rec := job.Stages[s]; rec.Attempts != 1 || rec.State !=
			pb.StageState_STAGE_STATE_SUCCEEDED {
			t.Errorf("stage %s: %v after %d attempts", s, rec.State, rec.Attempts)
		}
	}

	// The upload's bucket event must not have started a second job.
	if jobs, err := e.conn.Jobs.List(ctx); err != nil || len(jobs) != 1 {
		t.Errorf("%d jobs after one submit (%v)", len(jobs), err)
	}

	dir := t.TempDir()
	paths, err := downloadResults(ctx, e.conn.Store, job, dir)
	if err != nil {
		t.Fatal(err)
	}
	checkResults(t, job, paths)
	checkTrace(t, e, job)
}

func checkResults(t *testing.T, job *pb.Job, paths []string) {
	t.Helper()
	byExt := map[string]string{}
	for _, p := range paths {
		byExt[filepath.Ext(p)+"/"+filepath.Base(p)] = p
		byExt[filepath.Ext(p)] = p
	}
	f, err := os.Open(byExt[".las"])
	if err != nil {
		t.Fatalf("no LAS among %v: %v", paths, err)
	}
	defer f.Close()
	lf, err := las.Read(f)
	if err != nil {
		t.Fatalf("LAS does not read back: %v", err)
	}
	if lf.Rows() < 100 || len(lf.Curves) < 2 {
		t.Fatalf("LAS has %d rows and %d curves", lf.Rows(), len(lf.Curves))
	}
	depths := lf.Data[0]
	if !(depths[len(depths)-1] > depths[0]) {
		t.Fatalf("LAS depths do not increase: %v .. %v", depths[0], depths[len(depths)-1])
	}
	var rep struct {
		Status string            `json:"status"`
		Curves []json.RawMessage `json:"curves"`
	}
	data, err := os.ReadFile(byExt[".json/qa.json"])
	if err != nil || json.Unmarshal(data, &rep) != nil || len(rep.Curves) !=
		len(lf.Curves)-1 {
		t.Fatalf("qa.json: %v; %d curve reports for %d curves", err, len(rep.Curves),
			len(lf.Curves)-1)
	}
	ov, err := os.ReadFile(byExt[".png"])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(ov))
	if err != nil || img.Bounds().Dy() < 1000 {
		t.Fatalf("overlay: %v, %v", err, img.Bounds())
	}
}

// checkTrace expects one root span "job" and, under it, one span per
// stage, each with its S3 and compute children.
func checkTrace(t *testing.T, e *testEnv, job *pb.Job) {
	t.Helper()
	flushSpans(t)
	spans, err := telemetry.ReadTrace(e.cfg.TraceDir(), job.TraceId)
	if err != nil {
		t.Fatal(err)
	}
	var roots []telemetry.SpanRecord
	perStage := map[string]int{}
	for _, s := range spans {
		if s.ParentID == "" {
			roots = append(roots, s)
		}
	}
	if len(roots) != 1 || roots[0].Name != "job" {
		t.Fatalf("trace %s has %d roots, want one named job", job.TraceId, len(roots))
	}
	children := map[string]int{}
	for _, s := range spans {
		if s.ParentID == roots[0].SpanID && pipeline.StageIndex(s.Name) >= 0 {
			perStage[s.Name]++
		}
		children[s.ParentID]++
	}
	for _, s := range pipeline.Stages {
		if perStage[s] != 1 {
			t.Errorf("stage %s has %d spans under the root, want 1", s, perStage[s])
		}
	}
	var tree bytes.Buffer
	if err := telemetry.FormatTree(&tree, spans); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tree.String(), "compute.segment") ||
		!strings.Contains(tree.String(), "s3.put") {
		t.Errorf("trace lacks compute or S3 spans:\n%s", tree.String())
	}
}

// TestBucketEventStartsJob drops an archive straight into the inbox
// bucket: the bucket event must create a job that ingest picks up.
func TestBucketEventStartsJob(t *testing.T) {
	e := newTestEnv(t)
	e.startWorkers(t, e.serveConfig("ingest"))
	ctx := context.Background()
	if err := store.PutBytes(ctx, e.conn.Store, e.cfg.InboxBucket, "drop/my log.tar.gz",
		sampleArchive(t, 3, 1), ""); err != nil {
		t.Fatal(err)
	}
	var job *pb.Job
	for i := 0; i < 100 && job == nil; i++ {
		time.Sleep(200 * time.Millisecond)
		jobs, err := e.conn.Jobs.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			if j.SourceKey == "drop/my log.tar.gz" &&
				j.Stages[pipeline.StageIngest].GetState() ==
					pb.StageState_STAGE_STATE_SUCCEEDED {
				job = j
			}
		}
	}
	if job == nil {
		t.Fatal("no job ingested the dropped archive")
	}
	if job.Origin != pipeline.OriginBucketEvent {
		t.Errorf("origin %q", job.Origin)
	}
	jobs, _ := e.conn.Jobs.List(ctx)
	if len(jobs) != 1 {
		t.Errorf("%d jobs for one upload", len(jobs))
	}
}

// TestUnsafeArchiveRefused submits an archive with a path-traversal entry:
// ingest must refuse it with the reason, dead-letter it and fail the job.
func TestUnsafeArchiveRefused(t *testing.T) {
	e := newTestEnv(t)
	e.startWorkers(t, e.serveConfig("ingest"))
	bad := rewriteArchive(t, sampleArchive(t, 5, 1), func(name string, d []byte) (string,
		[]byte) {
		if strings.HasSuffix(name, ".png") {
			return "../../etc/" + name, d
		}
		return name, d
	})
	ctx := context.Background()
	job, err := submit(ctx, &e.cfg, e.conn, SubmitRequest{Archive: writeTemp(t, "bad.tgz",
		bad)})
	if err != nil {
		t.Fatal(err)
	}
	job = e.wait(t, job.JobId, time.Minute)
	if job.State != pb.JobState_JOB_STATE_FAILED || job.FailedStage != pipeline.StageIngest ||
		!strings.Contains(job.Error, "unsafe") {
		t.Fatalf("job %v at %q: %q", job.State, job.FailedStage, job.Error)
	}
	if job.Stages[pipeline.StageIngest].Attempts != 1 {
		t.Errorf("a refused archive was retried %d times",
			job.Stages[pipeline.StageIngest].Attempts)
	}
	dead := deadLettersOf(t, e, job.JobId)
	if len(dead) != 1 || !strings.Contains(dead[0].Reason, "../") {
		t.Fatalf("dead letters %v", dead)
	}
}

func deadLettersOf(t *testing.T, e *testEnv, id string) []*pb.DeadLetter {
	t.Helper()
	all, err := e.conn.Bus.DeadLetters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []*pb.DeadLetter
	for _, d := range all {
		if d.Command.GetJobId() == id {
			out = append(out, d)
		}
	}
	return out
}

// TestCorruptImageThenRerun submits an archive whose page has a valid PNG
// header but a truncated body: reassembly must reject it to the DLQ with a
// reason naming the page, the job must show failed, and after the archive
// is replaced `rerun --from ingest` must complete the job.
func TestCorruptImageThenRerun(t *testing.T) {
	e := newTestEnv(t)
	e.startWorkers(t, e.serveConfig("all"))
	good := sampleArchive(t, 7, 1)
	var page string
	corrupt := rewriteArchive(t, good, func(name string, d []byte) (string, []byte) {
		if strings.HasSuffix(name, ".png") {
			page = name
			return name, d[:200]
		}
		return name, d
	})
	ctx := context.Background()
	job, err := submit(ctx, &e.cfg, e.conn, SubmitRequest{Archive: writeTemp(t, "log.tgz",
		corrupt)})
	if err != nil {
		t.Fatal(err)
	}
	job = e.wait(t, job.JobId, time.Minute)
	if job.State != pb.JobState_JOB_STATE_FAILED ||
		job.FailedStage != pipeline.StageReassemble {
		t.Fatalf("job %v at %q: %q", job.State, job.FailedStage, job.Error)
	}
	dead := deadLettersOf(t, e, job.JobId)
	if len(dead) != 1 || !strings.Contains(dead[0].Reason, page) ||
		dead[0].Command.GetStage() != pipeline.StageReassemble {
		t.Fatalf("dead letters %v, want one naming %s", dead, page)
	}
	if hint := failureHint(job); !strings.Contains(hint, "submit it again") ||
		strings.Contains(hint, "`digitise rerun") {
		t.Errorf("hint for a page that does not decode: %q, want resubmit, no rerun", hint)
	}

	// Fix the cause: replace the upload, then rerun from ingest.
	if err := store.PutBytes(ctx, e.conn.Store, job.SourceBucket, job.SourceKey, good,
		""); err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.Rerun(ctx, e.conn.Bus, e.conn.Jobs, job.JobId,
		pipeline.StageIngest); err != nil {
		t.Fatal(err)
	}
	job = e.wait(t, job.JobId, 3*time.Minute)
	if job.State != pb.JobState_JOB_STATE_SUCCEEDED || job.Generation != 2 {
		t.Fatalf("after rerun: %v run %d: %s", job.State, job.Generation, job.Error)
	}
	m := readManifest(t, e, job)
	lf := readLAS(t, e, job)
	if len(lf.Curves)-1 != len(m.Curves()) {
		t.Fatalf("LAS has %d curves, manifest %d", len(lf.Curves)-1, len(m.Curves()))
	}
}

func readLAS(t *testing.T, e *testEnv, job *pb.Job) *las.File {
	t.Helper()
	data, err := store.GetBytes(context.Background(), e.conn.Store, job.Bucket,
		job.Stages[pipeline.StageCalibrate].Outputs[pipeline.OutLAS])
	if err != nil {
		t.Fatal(err)
	}
	lf, err := las.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return lf
}

func readManifest(t *testing.T, e *testEnv, job *pb.Job) *manifest.Manifest {
	t.Helper()
	key := job.Stages[pipeline.StageIngest].Outputs[pipeline.OutManifest]
	data, err := store.GetBytes(context.Background(), e.conn.Store, job.Bucket, key)
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Parse(key, data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
