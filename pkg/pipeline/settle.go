package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"

	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

// HeaderPriorAttempts is the header of a command handed back on shutdown:
// the attempts made before it was stored again (crashes and errors, not
// hand-backs), which its deliveries add to. See [PriorAttempts].
const HeaderPriorAttempts = "Digitiser-Prior-Attempts"

// PriorAttempts returns the attempts a command carries from before it was
// handed back (0 when it never was, or the header is unreadable).
func PriorAttempts(h nats.Header) uint32 {
	n, err := strconv.ParseUint(h.Get(HeaderPriorAttempts), 10, 32)
	if err != nil {
		return 0
	}
	return uint32(n)
}

// settle returns a context for bookkeeping that keeps ctx's values (the
// span) but not its cancellation, bounded by SettleTimeout.
func (r *Runner) settle(ctx context.Context) (context.Context, context.CancelFunc) {
	d := r.SettleTimeout
	if d <= 0 {
		d = 10 * time.Second
	}
	return context.WithTimeout(context.WithoutCancel(ctx), d)
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
	_, err := r.Jobs.Update(ctx, cmd.JobId, func(j *pb.Job) error {
		if j.Generation != cmd.Generation {
			return errStale
		}
		rec := StageRecord(j, stage)
		rec.State = pb.StageState_STAGE_STATE_RETRYING
		rec.LastError = cause.Error()
		return nil
	})
	if err != nil && !isStale(err) {
		log.Warn("job record not updated for the retry", "err", err)
	}
	_ = msg.NakWithDelay(delay)
	return outcomeRetry
}

// fail dead-letters the command with the cause, fails the job and terms
// the message. When the dead letter or the record cannot be written it
// naks instead, so that a later delivery (or the max-delivery listener)
// records the failure rather than nobody.
func (r *Runner) fail(ctx context.Context, stage string, msg jetstream.Msg,
	cmd *pb.StageCommand, cause error, log *slog.Logger) string {
	log.Error("stage failed", "err", cause, "rejected", IsRejected(cause))
	trace.SpanFromContext(ctx).RecordError(cause)
	dl := &pb.DeadLetter{Command: cmd, Reason: cause.Error(), Deliveries: cmd.Attempt}
	dlErr := r.deadLetter(ctx, stage, msg, dl)
	recErr := markFailed(ctx, r.Jobs, cmd.JobId, cmd.Generation, stage, cause.Error())
	if recErr != nil && !isStale(recErr) {
		log.Error("job record not marked failed", "err", recErr)
	}
	if dlErr != nil || (recErr != nil && !isStale(recErr)) {
		_ = msg.NakWithDelay(r.retryDelay(max(cmd.Attempt, 1)))
		return outcomeFailed
	}
	reason := cause.Error()
	if len(reason) > 200 {
		reason = reason[:200]
	}
	_ = msg.TermWithReason(reason)
	return outcomeFailed
}

// handBack gives a command this worker will not finish (shutdown) to
// another worker without spending an attempt: it stores the command again
// with HeaderPriorAttempts set to the attempts before this delivery, then
// acks this copy. When begun, the stage record goes back to pending with
// those attempts. Should the copy not be stored, it naks instead: the
// command is redelivered, with this delivery counted.
func (r *Runner) handBack(ctx context.Context, stage string, msg jetstream.Msg,
	cmd *pb.StageCommand, begun bool, log *slog.Logger) string {
	prior := cmd.Attempt - 1
	if begun {
		_, err := r.Jobs.Update(ctx, cmd.JobId, func(j *pb.Job) error {
			rec := StageRecord(j, stage)
			if j.Generation != cmd.Generation ||
				rec.State != pb.StageState_STAGE_STATE_RUNNING || rec.Worker != r.worker() {
				return errStale // someone else's record now: leave it
			}
			rec.State = pb.StageState_STAGE_STATE_PENDING
			rec.Attempts = prior
			return nil
		})
		if err != nil && !isStale(err) {
			log.Warn("job record not reset for the hand-back", "err", err)
		}
	}

	hdr := rootHeaders(msg.Headers())
	hdr.Set(HeaderPriorAttempts, strconv.FormatUint(uint64(prior), 10))
	id := ""
	if md, err := msg.Metadata(); err == nil {
		id = fmt.Sprintf("%s.handback.%d", MsgID(cmd.JobId, cmd.Generation, stage),
			md.Sequence.Stream)
	}
	if err := r.Bus.Publish(ctx, msg.Subject(), msg.Data(), id, hdr); err != nil {
		log.Warn("command not stored again; nak instead", "err", err)
		_ = msg.Nak()
		return outcomeHandedBack
	}
	if err := msg.DoubleAck(ctx); err != nil {
		log.Warn("handed-back copy not acked; it will be redelivered and skipped",
			"err", err)
	}
	log.Info("command handed back on shutdown", "prior_attempts", prior)
	return outcomeHandedBack
}

func isStale(err error) bool { return err == errStale }

func (r *Runner) deadLetter(ctx context.Context, stage string, msg jetstream.Msg,
	dl *pb.DeadLetter) error {
	if md, err := msg.Metadata(); err == nil {
		dl.Stream = md.Stream
		dl.StreamSeq = md.Sequence.Stream
		dl.Deliveries = uint32(md.NumDelivered)
	}
	if err := r.Bus.PublishDeadLetter(ctx, stage, dl); err != nil {
		r.Log.Error("dead letter not stored", "stage", stage, "err", err)
		return err
	}
	return nil
}

// MarkFailed records that stage failed for good in run generation of job
// id, with a reason a user reads. It writes on a context that outlives
// ctx by 10 s, so that a failure seen as shutdown begins is recorded.
func MarkFailed(ctx context.Context, jobs *Jobs, id string, generation uint32, stage,
	reason string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_ = markFailed(ctx, jobs, id, generation, stage, reason)
}

// markFailed is MarkFailed on ctx as given; errStale when the record is
// of another run.
func markFailed(ctx context.Context, jobs *Jobs, id string, generation uint32, stage,
	reason string) error {
	_, err := jobs.Update(ctx, id, func(j *pb.Job) error {
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
	return err
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
