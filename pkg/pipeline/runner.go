package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	"github.com/welllog/digitiser/pkg/bus"
	"github.com/welllog/digitiser/pkg/store"
	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

// TracerName names the pipeline's tracer.
const TracerName = "github.com/welllog/digitiser/pkg/pipeline"

// Runner runs stage handlers on commands from the bus.
type Runner struct {
	Bus   *bus.Bus
	Jobs  *Jobs
	Store store.Store
	// Log is the base logger; each command adds job_id, stage, attempt and
	// trace_id.
	Log *slog.Logger
	// Worker names this process in job records. Default host/pid.
	Worker string
	// Consumer is the template of every stage's consumer (MaxDeliver,
	// BackOff); Durable and Subject are set per stage.
	Consumer bus.ConsumerConfig
	// RetryDelays are the nak delays after a failed attempt n (index n-1;
	// the last repeats). Default 1 s, 5 s, 30 s.
	RetryDelays []time.Duration
	// Metrics counts commands; nil means none.
	Metrics Metrics
}

// Metrics receives per-stage counts; *telemetry.Metrics implements it.
type Metrics interface {
	// Begin marks one command of stage in flight; done gets the attempt's
	// error (nil on success).
	Begin(stage string) (done func(err error))
	// Retry counts one command of stage sent back for another attempt.
	Retry(stage string)
}

func (r *Runner) tracer() trace.Tracer { return otel.Tracer(TracerName) }

func (r *Runner) worker() string {
	if r.Worker == "" {
		host, _ := os.Hostname()
		r.Worker = fmt.Sprintf("%s/%d", host, os.Getpid())
	}
	return r.Worker
}

// ServeOptions sets how one stage is served in this process.
type ServeOptions struct {
	// Copies is how many pull loops run (concurrent workers). Default 1.
	Copies int
	// Pull tunes each loop; Heartbeat defaults to a third of the ack wait.
	Pull bus.PullOptions
}

// Serve consumes stage's commands with h until ctx ends.
func (r *Runner) Serve(ctx context.Context, stage string, h Handler, opt ServeOptions) error {
	cfg := r.Consumer
	cfg.Durable = bus.ConsumerName(stage)
	cfg.Subject = bus.CommandSubject(stage)
	cons, err := r.Bus.EnsureConsumer(ctx, cfg)
	if err != nil {
		return err
	}
	if opt.Pull.Heartbeat <= 0 {
		opt.Pull.Heartbeat = cfg.AckWait() / 3
	}
	copies := max(opt.Copies, 1)
	errc := make(chan error, copies)
	for range copies {
		go func() {
			errc <- bus.Pull(ctx, cons, opt.Pull, func(ctx context.Context, msg jetstream.Msg) {
				r.Handle(ctx, stage, h, msg)
			})
		}()
	}
	var first error
	for range copies {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Handle runs h on one delivered command and settles the message: ack on
// success (after the job record is updated and the next command published),
// nak with delay on a retryable error, and on a rejection or the last
// allowed attempt a dead letter, a failed job and a term.
func (r *Runner) Handle(ctx context.Context, stage string, h Handler, msg jetstream.Msg) {
	attempt := bus.Deliveries(msg)
	cmd := &pb.StageCommand{}
	if err := proto.Unmarshal(msg.Data(), cmd); err != nil {
		r.deadLetter(ctx, stage, msg, &pb.DeadLetter{Raw: msg.Data(),
			Reason: "undecodable command: " + err.Error()})
		_ = msg.TermWithReason("undecodable command")
		return
	}
	cmd.Attempt = attempt

	ctx = Propagator.Extract(ctx, HeaderCarrier(msg.Headers()))
	ctx, span := r.tracer().Start(ctx, stage, trace.WithAttributes(
		attribute.String("job_id", cmd.JobId), attribute.Int("attempt", int(attempt)),
		attribute.Int("generation", int(cmd.Generation))))
	defer span.End()
	log := r.Log.With("job_id", cmd.JobId, "stage", stage, "attempt", attempt,
		"trace_id", span.SpanContext().TraceID().String())

	done := func(error) {}
	if r.Metrics != nil {
		done = r.Metrics.Begin(stage)
	}
	switch outcome := r.handle(ctx, stage, h, msg, cmd, log); outcome {
	case "failed":
		span.SetStatus(codes.Error, "stage failed")
		done(errors.New(outcome))
	case "retry":
		span.SetStatus(codes.Error, "stage error, retrying")
		done(errors.New(outcome))
		if r.Metrics != nil {
			r.Metrics.Retry(stage)
		}
	default:
		done(nil)
	}
}

// handle returns the outcome for metrics, or "" for a skipped command.
func (r *Runner) handle(ctx context.Context, stage string, h Handler, msg jetstream.Msg,
	cmd *pb.StageCommand, log *slog.Logger) string {
	job, err := r.begin(ctx, stage, cmd)
	switch {
	case errors.Is(err, errStale):
		log.Debug("skip command of an earlier run", "generation", cmd.Generation)
		_ = msg.Ack()
		return ""
	case errors.Is(err, errDone):
		// Done before a crash took the ack: publish the next command again
		// (de-duplicated by its id) and ack.
		return r.finish(ctx, stage, msg, cmd, job, log)
	case errors.Is(err, ErrJobNotFound):
		return r.fail(ctx, stage, msg, cmd, Reject(err), log)
	case err != nil:
		return r.retry(ctx, stage, msg, cmd, err, log)
	}

	t := &Task{Cmd: cmd, Job: job, Store: r.Store, Log: log, Attempt: cmd.Attempt,
		tracer: r.tracer()}
	started := time.Now()
	outputs, err := h(ctx, t)
	if err != nil {
		if IsRejected(err) || int(cmd.Attempt) >= r.maxDeliver() {
			return r.fail(ctx, stage, msg, cmd, err, log)
		}
		return r.retry(ctx, stage, msg, cmd, err, log)
	}

	job, err = r.Jobs.Update(ctx, cmd.JobId, func(j *pb.Job) error {
		if j.Generation != cmd.Generation {
			return errStale
		}
		rec := StageRecord(j, stage)
		rec.State = pb.StageState_STAGE_STATE_SUCCEEDED
		rec.Outputs = outputs
		rec.LastError = ""
		rec.FinishedMs = time.Now().UnixMilli()
		rec.DurationMs = time.Since(started).Milliseconds()
		if _, ok := NextStage(stage); !ok {
			j.State = pb.JobState_JOB_STATE_SUCCEEDED
			j.FinishedMs = rec.FinishedMs
		}
		return nil
	})
	if errors.Is(err, errStale) {
		_ = msg.Ack()
		return ""
	}
	if err != nil {
		return r.retry(ctx, stage, msg, cmd, err, log)
	}
	log.Info("stage done", "ms", time.Since(started).Milliseconds(),
		"outputs", len(outputs))
	return r.finish(ctx, stage, msg, cmd, job, log)
}

var (
	errStale = errors.New("command of an earlier run")
	errDone  = errors.New("stage already done in this run")
)

// begin marks the stage running; errStale and errDone say to skip work.
func (r *Runner) begin(ctx context.Context, stage string, cmd *pb.StageCommand) (*pb.Job,
	error) {
	return r.Jobs.Update(ctx, cmd.JobId, func(j *pb.Job) error {
		if cmd.Generation < j.Generation {
			return errStale
		}
		rec := StageRecord(j, stage)
		if rec.State == pb.StageState_STAGE_STATE_SUCCEEDED {
			return errDone
		}
		rec.State = pb.StageState_STAGE_STATE_RUNNING
		rec.Attempts = cmd.Attempt
		rec.StartedMs = time.Now().UnixMilli()
		rec.Worker = r.worker()
		if j.State != pb.JobState_JOB_STATE_FAILED {
			j.State = pb.JobState_JOB_STATE_RUNNING
		}
		return nil
	})
}

// finish publishes the next stage's command, then acks.
func (r *Runner) finish(ctx context.Context, stage string, msg jetstream.Msg,
	cmd *pb.StageCommand, job *pb.Job, log *slog.Logger) string {
	if job == nil {
		j, err := r.Jobs.Get(ctx, cmd.JobId)
		if err != nil {
			return r.retry(ctx, stage, msg, cmd, err, log)
		}
		job = j
	}
	if next, ok := NextStage(stage); ok {
		ncmd := NextCommand(job, next)
		if err := publishCommand(ctx, r.Bus, ncmd, rootHeaders(msg.Headers())); err != nil {
			return r.retry(ctx, stage, msg, cmd, err, log)
		}
	} else {
		log.Info("job done", "ms", job.FinishedMs-job.CreatedMs)
	}
	if err := msg.DoubleAck(ctx); err != nil {
		log.Warn("ack failed; the command will be redelivered and skipped", "err", err)
	}
	return "ok"
}

// NextCommand builds the command for stage next from the job's record.
func NextCommand(job *pb.Job, next string) *pb.StageCommand {
	return &pb.StageCommand{
		JobId: job.JobId, Stage: next, Generation: job.Generation,
		Bucket: job.Bucket, Prefix: job.Prefix, Inputs: Inputs(job, next),
		SourceBucket: job.SourceBucket, SourceKey: job.SourceKey,
		ManifestKey: job.ManifestKey, Segmenter: job.Segmenter, ModelKey: job.ModelKey,
	}
}

// publishCommand publishes cmd with its Nats-Msg-Id, carrying the trace
// headers given (the job's root span context).
func publishCommand(ctx context.Context, b *bus.Bus, cmd *pb.StageCommand,
	hdr nats.Header) error {
	data, err := proto.Marshal(cmd)
	if err != nil {
		return fmt.Errorf("encode command: %w", err)
	}
	return b.Publish(ctx, bus.CommandSubject(cmd.Stage), data,
		MsgID(cmd.JobId, cmd.Generation, cmd.Stage), hdr)
}

func (r *Runner) maxDeliver() int {
	cfg := r.Consumer
	if cfg.MaxDeliver <= 0 {
		return 4
	}
	return cfg.MaxDeliver
}

func (r *Runner) retryDelay(attempt uint32) time.Duration {
	d := r.RetryDelays
	if len(d) == 0 {
		d = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second}
	}
	return d[min(int(attempt), len(d))-1]
}

// retry records the error and naks with delay.
func (r *Runner) retry(ctx context.Context, stage string, msg jetstream.Msg,
	cmd *pb.StageCommand, cause error, log *slog.Logger) string {
	delay := r.retryDelay(max(cmd.Attempt, 1))
	log.Warn("stage error, will retry", "err", cause, "delay_ms", delay.Milliseconds())
	trace.SpanFromContext(ctx).RecordError(cause)
	_, _ = r.Jobs.Update(ctx, cmd.JobId, func(j *pb.Job) error {
		if j.Generation != cmd.Generation {
			return errStale
		}
		rec := StageRecord(j, stage)
		rec.State = pb.StageState_STAGE_STATE_RETRYING
		rec.LastError = cause.Error()
		return nil
	})
	_ = msg.NakWithDelay(delay)
	return "retry"
}

// fail dead-letters the command with the cause, fails the job and terms
// the message.
func (r *Runner) fail(ctx context.Context, stage string, msg jetstream.Msg,
	cmd *pb.StageCommand, cause error, log *slog.Logger) string {
	log.Error("stage failed", "err", cause, "rejected", IsRejected(cause))
	trace.SpanFromContext(ctx).RecordError(cause)
	dl := &pb.DeadLetter{Command: cmd, Reason: cause.Error(), Deliveries: cmd.Attempt}
	r.deadLetter(ctx, stage, msg, dl)
	MarkFailed(ctx, r.Jobs, cmd.JobId, cmd.Generation, stage, cause.Error())
	reason := cause.Error()
	if len(reason) > 200 {
		reason = reason[:200]
	}
	_ = msg.TermWithReason(reason)
	return "failed"
}

func (r *Runner) deadLetter(ctx context.Context, stage string, msg jetstream.Msg,
	dl *pb.DeadLetter) {
	if md, err := msg.Metadata(); err == nil {
		dl.Stream = md.Stream
		dl.StreamSeq = md.Sequence.Stream
		dl.Deliveries = uint32(md.NumDelivered)
	}
	if err := r.Bus.PublishDeadLetter(ctx, stage, dl); err != nil {
		r.Log.Error("dead letter not stored", "stage", stage, "err", err)
	}
}

// MarkFailed records that stage failed for good in run generation of job
// id, with a reason a user reads.
func MarkFailed(ctx context.Context, jobs *Jobs, id string, generation uint32, stage,
	reason string) {
	_, _ = jobs.Update(ctx, id, func(j *pb.Job) error {
		if generation != 0 && j.Generation != generation {
			return errStale
		}
		rec := StageRecord(j, stage)
		rec.State = pb.StageState_STAGE_STATE_FAILED
		rec.LastError = reason
		rec.FinishedMs = time.Now().UnixMilli()
		j.State = pb.JobState_JOB_STATE_FAILED
		j.FailedStage = stage
		j.Error = reason
		j.FinishedMs = rec.FinishedMs
		return nil
	})
}

// OnDeadLetter fails the job of a command dead-lettered by the
// max-delivery listener; pass it to bus.ListenMaxDeliveries.
func (r *Runner) OnDeadLetter(ctx context.Context, stage string, dl *pb.DeadLetter) {
	if dl.Command == nil {
		return
	}
	r.Log.Error("command dead-lettered", "job_id", dl.Command.JobId, "stage", stage,
		"reason", dl.Reason)
	MarkFailed(ctx, r.Jobs, dl.Command.JobId, dl.Command.Generation, stage, dl.Reason)
}
