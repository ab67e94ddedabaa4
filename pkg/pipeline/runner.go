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
	"github.com/welllog/digitiser/pkg/telemetry"
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
	// SettleTimeout bounds the bookkeeping after a command's work (job
	// record, next command, dead letter, ack), which runs on a context
	// that outlives the one Serve was given, so that work finished,
	// rejected or handed back as shutdown begins is recorded. Default
	// 10 s.
	SettleTimeout time.Duration
}

// ErrHandedBack is what a Metrics done function gets for a command handed
// back unfinished on shutdown: neither a success nor a failure.
var ErrHandedBack = telemetry.ErrHandedBack

// Metrics receives per-stage counts; *telemetry.Metrics implements it.
type Metrics interface {
	// Begin marks one command of stage in flight; done gets the attempt's
	// error: nil on success, ErrHandedBack for a command handed back on
	// shutdown, else the failure.
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

// Serve consumes stage's commands with h until ctx ends. When ctx ends,
// each command in hand is finished or handed back (see [Runner.Handle])
// before Serve returns.
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
// allowed attempt a dead letter, a failed job and a term. When ctx ends
// (shutdown) before or while h runs, the command is handed back: stored
// again for another worker without counting the attempt, and the stage
// shown pending again. A rejection or a success that arrives as ctx ends
// is still recorded, on a context that outlives ctx by SettleTimeout.
func (r *Runner) Handle(ctx context.Context, stage string, h Handler, msg jetstream.Msg) {
	prior := PriorAttempts(msg.Headers())
	attempt := prior + bus.Deliveries(msg)
	cmd := &pb.StageCommand{}
	if err := proto.Unmarshal(msg.Data(), cmd); err != nil {
		sctx, cancel := r.settle(ctx)
		defer cancel()
		r.deadLetter(sctx, stage, msg, &pb.DeadLetter{Raw: msg.Data(),
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
	case outcomeFailed:
		span.SetStatus(codes.Error, "stage failed")
		done(errors.New(outcome))
	case outcomeRetry:
		span.SetStatus(codes.Error, "stage error, retrying")
		done(errors.New(outcome))
		if r.Metrics != nil {
			r.Metrics.Retry(stage)
		}
	case outcomeHandedBack:
		span.AddEvent("handed back on shutdown")
		done(ErrHandedBack)
	default:
		done(nil)
	}
}

// Outcomes of one delivery, for metrics and spans.
const (
	outcomeOK         = "ok"
	outcomeSkipped    = ""
	outcomeFailed     = "failed"
	outcomeRetry      = "retry"
	outcomeHandedBack = "handed back"
)

// handle runs one command and returns its outcome.
func (r *Runner) handle(ctx context.Context, stage string, h Handler, msg jetstream.Msg,
	cmd *pb.StageCommand, log *slog.Logger) string {
	if ctx.Err() != nil { // fetched as shutdown began: not started
		sctx, cancel := r.settle(ctx)
		defer cancel()
		return r.handBack(sctx, stage, msg, cmd, false, log)
	}
	bctx, cancel := r.settle(ctx)
	job, err := r.begin(bctx, stage, cmd)
	cancel()
	sctx, cancel := r.settle(ctx)
	defer cancel()
	switch {
	case errors.Is(err, errStale):
		log.Debug("skip command of an earlier run", "generation", cmd.Generation)
		_ = msg.Ack()
		return outcomeSkipped
	case errors.Is(err, errDone):
		// Done before a crash took the ack: publish the next command again
		// (de-duplicated by its id) and ack.
		return r.finish(sctx, stage, msg, cmd, job, log)
	case errors.Is(err, ErrJobNotFound):
		return r.fail(sctx, stage, msg, cmd, Reject(err), log)
	case ctx.Err() != nil:
		return r.handBack(sctx, stage, msg, cmd, err == nil, log)
	case err != nil:
		return r.retry(sctx, stage, msg, cmd, err, log)
	}

	if int(cmd.Attempt) > r.maxDeliver() {
		// Handed back with attempts spent, then lost by crashed workers
		// again: the server's count restarted, ours did not.
		return r.fail(sctx, stage, msg, cmd, errors.New(bus.ReasonMaxDeliveries), log)
	}

	t := &Task{Cmd: cmd, Job: job, Store: r.Store, Log: log, Attempt: cmd.Attempt,
		tracer: r.tracer(), jobs: r.Jobs}
	started := time.Now()
	outputs, err := call(ctx, stage, h, t)
	sctx, cancel = r.settle(ctx) // a fresh timeout for what follows the work
	defer cancel()
	if err != nil {
		var pe *PanicError
		if errors.As(err, &pe) {
			log.Error("stage handler panicked", "panic", fmt.Sprint(pe.Value),
				"stack", string(pe.Stack))
		}
		switch {
		case errors.Is(err, errStale):
			log.Info("run superseded by a rerun; outputs not written",
				"generation", cmd.Generation)
			_ = msg.Ack()
			return outcomeSkipped
		case IsRejected(err) && !isCancellation(err):
			return r.fail(sctx, stage, msg, cmd, err, log)
		case ctx.Err() != nil:
			return r.handBack(sctx, stage, msg, cmd, true, log)
		case int(cmd.Attempt) >= r.maxDeliver():
			return r.fail(sctx, stage, msg, cmd, err, log)
		}
		return r.retry(sctx, stage, msg, cmd, err, log)
	}

	job, err = r.Jobs.Update(sctx, cmd.JobId, func(j *pb.Job) error {
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
		return outcomeSkipped
	}
	if err != nil {
		return r.retry(sctx, stage, msg, cmd, err, log)
	}
	log.Info("stage done", "ms", time.Since(started).Milliseconds(),
		"outputs", len(outputs))
	return r.finish(sctx, stage, msg, cmd, job, log)
}

// isCancellation reports whether err comes from a cancelled context, which
// says nothing about the input even when a handler wrapped it as a
// rejection.
func isCancellation(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
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
		rec.Generation = cmd.Generation
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
	return outcomeOK
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
