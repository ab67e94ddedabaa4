package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/welllog/digitiser/pkg/bus"
	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/pipeline"
	"github.com/welllog/digitiser/pkg/stack"
	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

// Events turns object-created events of the inbox bucket into jobs. Events
// are captured in bus.StreamEvents, so an upload made while no ingest runs
// still becomes a job when one starts.
type Events struct {
	Bus  *bus.Bus
	Jobs *pipeline.Jobs
	Log  *slog.Logger
	// InboxBucket is the bucket whose uploads start jobs.
	InboxBucket string
	// WorkBucket receives the jobs' outputs.
	WorkBucket string
}

// Run consumes bucket events until ctx ends.
func (e *Events) Run(ctx context.Context) error {
	cons, err := e.Bus.EnsureConsumer(ctx, bus.ConsumerConfig{
		Durable: "ingest-events", Stream: bus.StreamEvents, MaxDeliver: 5,
		BackOff: []time.Duration{5 * time.Second, 10 * time.Second, 30 * time.Second},
	})
	if err != nil {
		return err
	}
	return bus.Pull(ctx, cons, bus.PullOptions{Batch: 8, MaxWait: 2 * time.Second},
		func(ctx context.Context, msg jetstream.Msg) {
			if err := e.handle(ctx, msg.Data()); err != nil {
				e.Log.Warn("bucket event not handled, will retry", "err", err)
				_ = msg.NakWithDelay(time.Second)
				return
			}
			_ = msg.Ack()
		})
}

func (e *Events) handle(ctx context.Context, data []byte) error {
	events, err := stack.ParseS3Event(data)
	if err != nil {
		e.Log.Warn("ignoring an undecodable bucket event", "err", err)
		return nil
	}
	for _, ev := range events {
		if !ev.Created() || ev.Bucket != e.InboxBucket || manifest.IsManifestName(ev.Key) {
			continue
		}
		if err := e.startJob(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

// startJob creates and starts the job of one upload, once: the job id is a
// hash of bucket, key and ETag, and uploads made by `submit` (under their
// job's id) already have their job.
func (e *Events) startJob(ctx context.Context, ev stack.ObjectEvent) error {
	if pipeline.UploadOwner(ctx, e.Jobs, e.Log, ev.Key) != nil {
		return nil
	}
	sum := sha256.Sum256([]byte(ev.Bucket + "/" + ev.Key + "@" + ev.ETag))
	id := "ev-" + hex.EncodeToString(sum[:8])
	job, err := pipeline.CreateJob(ctx, e.Jobs, pipeline.JobRequest{JobID: id,
		SourceBucket: ev.Bucket, SourceKey: ev.Key, WorkBucket: e.WorkBucket,
		Origin: pipeline.OriginBucketEvent})
	if errors.Is(err, pipeline.ErrJobExists) {
		job, err = e.Jobs.Get(ctx, id)
		if err != nil || job.State != pb.JobState_JOB_STATE_QUEUED {
			return err // already started
		}
	} else if err != nil {
		return fmt.Errorf("job for %s/%s: %w", ev.Bucket, ev.Key, err)
	}
	if err := pipeline.StartJob(ctx, e.Bus, job); err != nil {
		return err
	}
	e.Log.Info("job created from upload", "job_id", id, "key", ev.Key, "source", ev.Source)
	return nil
}
