package main

import (
	"context"
	"flag"
	"fmt"
	"github.com/welllog/digitiser/pkg/telemetry"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/welllog/digitiser/pkg/pipeline"
	"github.com/welllog/digitiser/pkg/store"
	pb "github.com/welllog/digitiser/proto/digitiser/v1"
	"github.com/welllog/digitiser/services/segment"
)

// SubmitRequest is one archive to submit.
type SubmitRequest struct {
	// Archive is the local file; Manifest an optional local manifest.
	Archive, Manifest string
	// Segmenter and ModelKey override the workers' defaults.
	Segmenter, ModelKey string
}

func cmdSubmit(args []string) error {
	fs := flag.NewFlagSet("submit", flag.ContinueOnError)
	var cfg Config
	cfg.RegisterFor(fs, UseNATS|UseS3|UseInbox|UseWork|UseLog)
	var req SubmitRequest
	fs.StringVar(&req.Manifest, "manifest", "", "manifest (YAML or JSON) when the archive "+
		"has none")
	fs.StringVar(&req.Segmenter, "segmenter", "", "segmenter for this job: auto (ONNX "+
		"when the model loads, else classical), onnx or classical (default: the "+
		"workers' --segmenter)")
	fs.StringVar(&req.ModelKey, "model", "", "model key in the models bucket for this job")
	wait := fs.Bool("wait", false, "show live progress until the job ends")
	timeout := fs.Duration("timeout", 30*time.Minute, "with --wait: give up after this long")
	fs.Usage = usageFor(fs, "submit FILE [--manifest M] [--wait]",
		"Upload a scan archive (.zip, .tar, .tar.gz or a single TIFF/PNG/JPEG) and\n"+
			"start a job. Prints the job id; --wait follows it to the end and exits\n"+
			"non-zero when it fails.")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: give exactly one archive file", errUsage)
	}
	req.Archive = fs.Arg(0)
	switch req.Segmenter {
	case "", segment.Auto, segment.ONNX, segment.Classical:
	default:
		return fmt.Errorf("%w: --segmenter %q: use auto, onnx or classical", errUsage,
			req.Segmenter)
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	ctx := context.Background()
	obs, err := setupObservability(ctx, &cfg, telemetry.ServiceName("submit"))
	if err != nil {
		return err
	}
	defer obs.Shutdown()
	if *wait && isTerminal(os.Stderr) {
		// The progress line owns the terminal: only warnings and errors.
		obs.Log = quietLogger(&cfg)
	}
	conn, err := cfg.connect(ctx, "digitise-submit")
	if err != nil {
		return err
	}
	defer conn.Close()
	job, err := submit(ctx, &cfg, conn, req)
	if err != nil {
		return err
	}
	fmt.Println(job.JobId)
	if !*wait {
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	return waitJob(wctx, conn, job.JobId, os.Stderr, "")
}

// submit creates the job, uploads the archive (and manifest) under the
// job's id in the inbox bucket and starts the job.
func submit(ctx context.Context, cfg *Config, conn *Conn, req SubmitRequest) (*pb.Job,
	error) {
	archive, err := os.Open(req.Archive)
	if err != nil {
		return nil, fmt.Errorf("read archive: %w", err)
	}
	defer archive.Close()
	st, err := archive.Stat()
	if err != nil {
		return nil, fmt.Errorf("read archive: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("read archive: %s is not a regular file", req.Archive)
	}
	var mdata []byte
	if req.Manifest != "" {
		if mdata, err = os.ReadFile(req.Manifest); err != nil {
			return nil, fmt.Errorf("read manifest: %w", err)
		}
	}
	id := pipeline.NewJobID()
	jr := pipeline.JobRequest{JobID: id, SourceBucket: cfg.InboxBucket,
		SourceKey: id + "/" + filepath.Base(req.Archive), WorkBucket: cfg.WorkBucket,
		Origin: pipeline.OriginSubmit, Segmenter: req.Segmenter, ModelKey: req.ModelKey}
	if mdata != nil {
		jr.ManifestKey = id + "/" + filepath.Base(req.Manifest)
	}
	// The record exists before the upload, so the bucket event of the
	// upload is recognised as this job's and starts nothing.
	job, err := pipeline.CreateJob(ctx, conn.Jobs, jr)
	if err != nil {
		return nil, err
	}
	if err := upload(ctx, cfg, conn, jr, archive, st.Size(), mdata); err != nil {
		return nil, abandon(ctx, cfg, conn, jr, err)
	}
	if err := pipeline.StartJob(ctx, conn.Bus, job); err != nil {
		return nil, err
	}
	return job, nil
}

// upload writes the manifest (when given) and the archive, size bytes
// streamed from archive, to the inbox.
func upload(ctx context.Context, cfg *Config, conn *Conn, jr pipeline.JobRequest,
	archive io.Reader, size int64, mdata []byte) error {
	if mdata != nil {
		if err := store.PutBytes(ctx, conn.Store, cfg.InboxBucket, jr.ManifestKey, mdata,
			"application/yaml"); err != nil {
			return fmt.Errorf("upload manifest: %w", err)
		}
	}
	if err := conn.Store.Put(ctx, cfg.InboxBucket, jr.SourceKey, archive, size,
		"application/octet-stream"); err != nil {
		return fmt.Errorf("upload archive: %w", err)
	}
	return nil
}

// abandon undoes a submission whose upload failed: it deletes the job
// record, which would otherwise stay queued with no input, and whatever
// was uploaded, on a context that outlives ctx by 10 s. It returns cause,
// with what could not be cleaned.
func abandon(ctx context.Context, cfg *Config, conn *Conn, jr pipeline.JobRequest,
	cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	cause = fmt.Errorf("%w; no job was started, submit again once the store is reachable",
		cause)
	if err := conn.Jobs.Delete(ctx, jr.JobID); err != nil {
		return fmt.Errorf("%w (the record of job %s is left queued: %w)", cause, jr.JobID,
			err)
	}
	for _, key := range []string{jr.SourceKey, jr.ManifestKey} {
		if key != "" {
			_ = conn.Store.Delete(ctx, cfg.InboxBucket, key)
		}
	}
	return cause
}

// waitJob follows a job, redrawing a per-stage progress line on every
// change, until it ends; a failed job is an error. The line for a job
// done ends with fetch, where its outputs go from there; "" means the
// results command that downloads them.
func waitJob(ctx context.Context, conn *Conn, id string, w io.Writer, fetch string) error {
	var last *pb.Job
	// On a terminal the progress line is redrawn in place; elsewhere (a log
	// file, CI) each change of it is a line of its own.
	f, ok := w.(*os.File)
	live := ok && isTerminal(f)
	shown := ""
	err := conn.Jobs.Watch(ctx, id, func(j *pb.Job) bool {
		last = j
		line := id + "  " + progressLine(j)
		switch {
		case live:
			fmt.Fprintf(w, "\r%s\033[K", line)
		case line != shown:
			fmt.Fprintln(w, line)
		}
		shown = line
		return !finished(j)
	})
	if live {
		fmt.Fprintln(w)
	}
	if err != nil {
		return fmt.Errorf("waiting for job %s: %w (it goes on; see `digitise status %s`)",
			id, err, id)
	}
	if last.State == pb.JobState_JOB_STATE_FAILED {
		return fmt.Errorf("job %s failed at %s: %s\n%s", id, last.FailedStage, last.Error,
			failureHint(last))
	}
	if fetch == "" {
		fetch = "download: digitise results " + id + " -o DIR"
	}
	fmt.Fprintf(w, "job %s done in %s; outputs in bucket %s under %s/ (%s)\n", id,
		time.Duration(last.FinishedMs-last.CreatedMs)*time.Millisecond, last.Bucket,
		strings.TrimSuffix(last.Prefix, "/"), fetch)
	return nil
}

// failureHint tells the user of a failed job what to do next: submit a
// corrected archive when the input was rejected, else rerun once the cause
// is fixed.
func failureHint(j *pb.Job) string {
	if pipeline.IsInputError(j.Error) {
		return fmt.Sprintf("(the input cannot be digitised as it is: fix the archive or "+
			"its manifest and submit it again, `digitise submit FILE [--manifest M]`; a "+
			"rerun of %s would read the same input)", j.JobId)
	}
	return fmt.Sprintf("(fix the cause, then `digitise rerun %s`; dead letters: "+
		"`digitise dlq`)", j.JobId)
}

func finished(j *pb.Job) bool {
	return j.State == pb.JobState_JOB_STATE_SUCCEEDED || j.State == pb.JobState_JOB_STATE_FAILED
}

// progressLine is one mark per stage: "ingest ✓ reassemble ✓ preprocess … ".
func progressLine(j *pb.Job) string {
	var b strings.Builder
	for _, s := range pipeline.Stages {
		rec := j.Stages[s]
		mark := "·"
		switch rec.GetState() {
		case pb.StageState_STAGE_STATE_RUNNING:
			mark = "…"
		case pb.StageState_STAGE_STATE_SUCCEEDED:
			mark = "✓"
		case pb.StageState_STAGE_STATE_FAILED:
			mark = "✗"
		case pb.StageState_STAGE_STATE_RETRYING:
			mark = "↻"
		}
		if rec.GetAttempts() > 1 {
			mark += fmt.Sprintf("(%d)", rec.GetAttempts())
		}
		fmt.Fprintf(&b, "%s %s  ", s, mark)
	}
	for _, s := range pipeline.Stages {
		if rec := j.Stages[s]; rec.GetState() == pb.StageState_STAGE_STATE_RETRYING {
			fmt.Fprintf(&b, "| %s retrying after: %s", s, oneLine(rec.GetLastError(), 60))
			break
		}
	}
	return strings.TrimSpace(b.String())
}
