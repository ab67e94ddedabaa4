package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

// StreamAdvisories captures the command consumers' max-delivery advisories
// so that a dead letter is written even when the listener was down when the
// advisory fired.
const StreamAdvisories = "DIGITISER_ADVISORIES"

// advisoryPrefix is the server's subject prefix for max-delivery advisories.
const advisoryPrefix = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES"

// ReasonMaxDeliveries is the dead-letter reason for a command that was
// delivered MaxDeliver times without an ack: its worker crashed or stopped
// answering every time.
const ReasonMaxDeliveries = "max deliveries exceeded: the worker crashed or " +
	"timed out on every attempt"

// PublishDeadLetter stores dl on the stage's dead-letter subject. The
// Nats-Msg-Id "<stream>.<seq>" keeps one dead letter per command even when
// two listeners report it.
func (b *Bus) PublishDeadLetter(ctx context.Context, stage string, dl *pb.DeadLetter) error {
	if dl.TimeMs == 0 {
		dl.TimeMs = time.Now().UnixMilli()
	}
	data, err := proto.Marshal(dl)
	if err != nil {
		return fmt.Errorf("encode dead letter: %w", err)
	}
	id := fmt.Sprintf("dlq.%s.%d", dl.Stream, dl.StreamSeq)
	if dl.StreamSeq == 0 {
		id = ""
	}
	return b.Publish(ctx, DLQSubject(stage), data, id, nil)
}

// DeadLetters returns every dead letter kept, oldest first.
func (b *Bus) DeadLetters(ctx context.Context) ([]*pb.DeadLetter, error) {
	stream, err := b.JS.Stream(ctx, StreamDLQ)
	if err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return nil, ErrNoStream
		}
		return nil, fmt.Errorf("dead letters: %w", err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("dead letters: %w", err)
	}
	var out []*pb.DeadLetter
	for seq := info.State.FirstSeq; seq > 0 && seq <= info.State.LastSeq; seq++ {
		raw, err := stream.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("dead letter %d: %w", seq, err)
		}
		dl := &pb.DeadLetter{}
		if err := proto.Unmarshal(raw.Data, dl); err != nil {
			dl = &pb.DeadLetter{Reason: "undecodable dead letter: " + err.Error(),
				Raw: raw.Data}
		}
		out = append(out, dl)
	}
	return out, nil
}

// advisory is the part of the server's max-delivery advisory we read.
type advisory struct {
	Stream     string `json:"stream"`
	Consumer   string `json:"consumer"`
	StreamSeq  uint64 `json:"stream_seq"`
	Deliveries uint64 `json:"deliveries"`
}

// advisoryStream is the config of StreamAdvisories.
func advisoryStream(replicas int) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        StreamAdvisories,
		Description: "max-delivery advisories of the stage commands",
		Subjects:    []string{advisoryPrefix + "." + StreamCommands + ".>"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    max(replicas, 1),
	}
}

// EnsureAdvisoryStream captures the command stream's max-delivery
// advisories in StreamAdvisories. It creates the stream with one replica
// when it is missing and leaves an existing one as [Bus.EnsureStreams]
// made it.
func (b *Bus) EnsureAdvisoryStream(ctx context.Context) error {
	_, err := b.JS.Stream(ctx, StreamAdvisories)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		_, err = b.JS.CreateStream(ctx, advisoryStream(1))
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			err = nil // another worker made it meanwhile
		}
	}
	if err != nil {
		return fmt.Errorf("ensure stream %s: %w", StreamAdvisories, err)
	}
	return nil
}

// DeadLetterFunc is told about a dead letter after it is stored; stage is
// the stage whose consumer gave up.
type DeadLetterFunc func(ctx context.Context, stage string, dl *pb.DeadLetter)

// ListenMaxDeliveries turns max-delivery advisories into dead letters until
// ctx ends: it reads the command the advisory names, stores it as a dead
// letter with ReasonMaxDeliveries, removes it from the command stream and
// calls onDead (may be nil). Stage consumers must be named
// ConsumerName(stage).
func (b *Bus) ListenMaxDeliveries(ctx context.Context, onDead DeadLetterFunc) error {
	if err := b.EnsureAdvisoryStream(ctx); err != nil {
		return err
	}
	cons, err := b.EnsureConsumer(ctx, ConsumerConfig{
		Durable: "dlq-advisories", Stream: StreamAdvisories,
		Subject:    advisoryPrefix + "." + StreamCommands + ".>",
		MaxDeliver: 10, BackOff: []time.Duration{5 * time.Second, 30 * time.Second},
	})
	if err != nil {
		return err
	}
	return Pull(ctx, cons, PullOptions{Batch: 8, MaxWait: 2 * time.Second},
		func(ctx context.Context, msg jetstream.Msg) {
			if err := b.deadLetterFromAdvisory(ctx, msg.Data(), onDead); err != nil {
				_ = msg.NakWithDelay(time.Second)
				return
			}
			_ = msg.Ack()
		})
}

func (b *Bus) deadLetterFromAdvisory(ctx context.Context, data []byte,
	onDead DeadLetterFunc) error {
	var adv advisory
	if err := json.Unmarshal(data, &adv); err != nil {
		return nil // not ours to retry
	}
	stream, err := b.JS.Stream(ctx, adv.Stream)
	if err != nil {
		return fmt.Errorf("advisory stream %s: %w", adv.Stream, err)
	}
	dl := &pb.DeadLetter{Reason: ReasonMaxDeliveries, Stream: adv.Stream,
		StreamSeq: adv.StreamSeq, Deliveries: uint32(adv.Deliveries)}
	raw, err := stream.GetMsg(ctx, adv.StreamSeq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil // acked or dead-lettered meanwhile
	}
	if err != nil {
		return fmt.Errorf("read command %d: %w", adv.StreamSeq, err)
	}
	cmd := &pb.StageCommand{}
	if err := proto.Unmarshal(raw.Data, cmd); err != nil {
		dl.Raw = raw.Data
	} else {
		cmd.Attempt = uint32(adv.Deliveries)
		dl.Command = cmd
	}
	stage := strings.TrimPrefix(raw.Subject, SubjectCommands+".")
	if err := b.PublishDeadLetter(ctx, stage, dl); err != nil {
		return err
	}
	if err := stream.DeleteMsg(ctx, adv.StreamSeq); err != nil &&
		!errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("remove dead command %d: %w", adv.StreamSeq, err)
	}
	if onDead != nil {
		onDead(ctx, stage, dl)
	}
	return nil
}

// ConsumerName returns the durable consumer name of a stage.
func ConsumerName(stage string) string { return "stage-" + stage }
