package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/welllog/digitiser/pkg/bus"
	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

// Job origins.
const (
	OriginSubmit      = "submit"
	OriginBucketEvent = "bucket_event"
)

// NewJobID returns a new job id: UTC time to the second and 6 random hex
// digits, e.g. "20250101-120000-a1b2c3"; ids sort by creation time.
func NewJobID() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// JobRequest describes a job to create.
type JobRequest struct {
	// JobID defaults to NewJobID().
	JobID string
	// SourceBucket and SourceKey locate the uploaded scan archive.
	SourceBucket, SourceKey string
	// ManifestKey is an optional manifest in SourceBucket.
	ManifestKey string
	// WorkBucket receives the outputs under "<job>/".
	WorkBucket string
	// Origin is OriginSubmit or OriginBucketEvent.
	Origin string
	// Segmenter ("classical" or "onnx") and ModelKey override the workers'
	// defaults when set.
	Segmenter, ModelKey string
}

// CreateJob stores a queued job record and starts its trace with a root
// span "job". ErrJobExists when the id is taken.
func CreateJob(ctx context.Context, jobs *Jobs, req JobRequest) (*pb.Job, error) {
	if req.JobID == "" {
		req.JobID = NewJobID()
	}
	if req.SourceBucket == "" || req.SourceKey == "" || req.WorkBucket == "" {
		return nil, fmt.Errorf("create job: source bucket, source key and work bucket " +
			"are required")
	}
	_, span := otel.Tracer(TracerName).Start(ctx, "job", trace.WithNewRoot(),
		trace.WithAttributes(attribute.String("job_id", req.JobID),
			attribute.String("source_key", req.SourceKey),
			attribute.String("origin", req.Origin)))
	defer span.End()
	sc := span.SpanContext()
	job := &pb.Job{
		JobId: req.JobID, State: pb.JobState_JOB_STATE_QUEUED, Generation: 1,
		SourceBucket: req.SourceBucket, SourceKey: req.SourceKey,
		ManifestKey: req.ManifestKey, Bucket: req.WorkBucket, Prefix: req.JobID + "/",
		TraceId: sc.TraceID().String(), RootSpanId: sc.SpanID().String(),
		Segmenter: req.Segmenter, ModelKey: req.ModelKey, Origin: req.Origin,
	}
	for _, s := range Stages {
		StageRecord(job, s)
	}
	if err := jobs.Create(ctx, job); err != nil {
		return nil, err
	}
	return job, nil
}

// StartJob publishes the ingest command of a created job.
func StartJob(ctx context.Context, b *bus.Bus, job *pb.Job) error {
	cmd := NextCommand(job, StageIngest)
	return publishCommand(ctx, b, cmd, JobHeaders(job))
}

// Submit creates a job and publishes its ingest command.
func Submit(ctx context.Context, b *bus.Bus, jobs *Jobs, req JobRequest) (*pb.Job, error) {
	job, err := CreateJob(ctx, jobs, req)
	if err != nil {
		return nil, err
	}
	if err := StartJob(ctx, b, job); err != nil {
		return nil, err
	}
	return job, nil
}

// JobHeaders returns NATS headers carrying the job's root span context.
func JobHeaders(job *pb.Job) nats.Header {
	h := nats.Header{}
	Propagator.Inject(trace.ContextWithRemoteSpanContext(context.Background(),
		RootSpanContext(job)), HeaderCarrier(h))
	return h
}

// RootSpanContext rebuilds the job's root span context from its record; it
// is invalid when the record has no trace.
func RootSpanContext(job *pb.Job) trace.SpanContext {
	tid, err1 := trace.TraceIDFromHex(job.TraceId)
	sid, err2 := trace.SpanIDFromHex(job.RootSpanId)
	if err1 != nil || err2 != nil {
		return trace.SpanContext{}
	}
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid,
		TraceFlags: trace.FlagsSampled, Remote: true})
}

// ErrJobActive is wrapped by Rerun when the job is queued or running and
// RerunOptions.Force is not set.
var ErrJobActive = errors.New("job is still queued or running")

// RerunOptions tune [RerunWith].
type RerunOptions struct {
	// From is the stage to start from; empty means the failed stage, or
	// the first stage not done.
	From string
	// Force starts the new run even while the job is queued or running.
	// The old run's commands are then skipped, and its stage in flight
	// writes nothing once it sees the new run (see [Task.Put]); use it for
	// a job whose worker is gone.
	Force bool
}

// Rerun is RerunWith with From set to from and no Force.
func Rerun(ctx context.Context, b *bus.Bus, jobs *Jobs, id, from string) (*pb.Job, error) {
	return RerunWith(ctx, b, jobs, id, RerunOptions{From: from})
}

// RerunWith starts a new run of job id from opt.From. Stages from there on
// are reset to pending and their commands of earlier runs are ignored; the
// outputs of the stages before are reused. A job still queued or running
// is refused with ErrJobActive unless opt.Force: two runs at once would
// write the same keys.
func RerunWith(ctx context.Context, b *bus.Bus, jobs *Jobs, id string,
	opt RerunOptions) (*pb.Job, error) {
	from := opt.From
	if from != "" && StageIndex(from) < 0 {
		return nil, fmt.Errorf("rerun %s: unknown stage %q: use one of %v", id, from, Stages)
	}
	job, err := jobs.Update(ctx, id, func(j *pb.Job) error {
		if !opt.Force && active(j) {
			return fmt.Errorf("rerun %s: %w (%s); wait for it to end (`digitise status "+
				"%s`), or pass --force if its worker is gone", id, ErrJobActive,
				activity(j), id)
		}
		start := from
		if start == "" {
			start = firstUnfinished(j)
		}
		for _, s := range Stages[:StageIndex(start)] {
			if StageRecord(j, s).State != pb.StageState_STAGE_STATE_SUCCEEDED {
				return fmt.Errorf("rerun %s from %s: stage %s has not succeeded; rerun "+
					"from %s or earlier", id, start, s, s)
			}
		}
		for _, s := range Stages[StageIndex(start):] {
			j.Stages[s] = &pb.StageRecord{State: pb.StageState_STAGE_STATE_PENDING}
		}
		j.Generation++
		j.State = pb.JobState_JOB_STATE_QUEUED
		j.FailedStage, j.Error, j.FinishedMs = "", "", 0
		from = start
		return nil
	})
	if err != nil {
		return nil, err
	}
	ctx = trace.ContextWithRemoteSpanContext(ctx, RootSpanContext(job))
	_, span := otel.Tracer(TracerName).Start(ctx, "rerun", trace.WithAttributes(
		attribute.String("job_id", id), attribute.String("from", from),
		attribute.Int("generation", int(job.Generation))))
	span.End()
	cmd := NextCommand(job, from)
	if err := publishCommand(ctx, b, cmd, JobHeaders(job)); err != nil {
		return nil, err
	}
	return job, nil
}

// active reports whether a job is queued or running.
func active(j *pb.Job) bool {
	return j.State == pb.JobState_JOB_STATE_QUEUED || j.State == pb.JobState_JOB_STATE_RUNNING
}

// activity says what an active job is doing: "run 2, stage segment
// running".
func activity(j *pb.Job) string {
	for _, s := range Stages {
		switch rec := StageRecord(j, s); rec.State {
		case pb.StageState_STAGE_STATE_RUNNING, pb.StageState_STAGE_STATE_RETRYING:
			return fmt.Sprintf("run %d, stage %s %s", j.Generation, s,
				strings.ToLower(strings.TrimPrefix(rec.State.String(), "STAGE_STATE_")))
		}
	}
	return fmt.Sprintf("run %d, %s", j.Generation,
		strings.ToLower(strings.TrimPrefix(j.State.String(), "JOB_STATE_")))
}

// firstUnfinished returns the failed stage, else the first stage not
// succeeded, else the first stage.
func firstUnfinished(j *pb.Job) string {
	if j.FailedStage != "" {
		return j.FailedStage
	}
	for _, s := range Stages {
		if StageRecord(j, s).State != pb.StageState_STAGE_STATE_SUCCEEDED {
			return s
		}
	}
	return Stages[0]
}
