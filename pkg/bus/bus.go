// Package bus is the pipeline's use of NATS JetStream: the command,
// dead-letter and bucket-event streams, durable pull consumers with
// heartbeats, de-duplicated publishing and the listener that turns
// max-delivery advisories into dead letters.
package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Stream and subject names.
const (
	// StreamCommands holds stage commands, one subject per stage
	// (SubjectCommands + "." + stage), with work-queue retention: a command
	// leaves the stream when a worker acks or terminates it.
	StreamCommands  = "DIGITISER_CMD"
	SubjectCommands = "digitiser.cmd"
	// StreamDLQ keeps dead letters (SubjectDLQ + "." + stage) under
	// limits retention, for `digitise dlq`.
	StreamDLQ  = "DIGITISER_DLQ"
	SubjectDLQ = "digitiser.dlq"
	// StreamEvents captures the object store's bucket events so that none
	// is lost while ingest is down.
	StreamEvents = "DIGITISER_EVENTS"
)

// ErrNoStream is returned when a stream the pipeline needs does not exist:
// start `digitise serve` (which creates them) first.
var ErrNoStream = errors.New("pipeline streams missing: start `digitise serve` first")

// Bus is a NATS connection with its JetStream context.
type Bus struct {
	NC *nats.Conn
	JS jetstream.JetStream
}

// New wraps an open connection.
func New(nc *nats.Conn) (*Bus, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	return &Bus{NC: nc, JS: js}, nil
}

// Close drains the connection.
func (b *Bus) Close() error {
	if b == nil || b.NC == nil {
		return nil
	}
	return b.NC.Drain()
}

// StreamsConfig sizes the pipeline's streams.
type StreamsConfig struct {
	// Duplicates is the Nats-Msg-Id de-duplication window. Default 10 min.
	Duplicates time.Duration
	// DLQMaxAge is how long dead letters are kept. Default 30 days.
	DLQMaxAge time.Duration
	// EventSubject is the subject the object store publishes bucket events
	// on; empty means no events stream.
	EventSubject string
	// Replicas is how many servers of a JetStream cluster keep each
	// stream (1, 3 or 5; at most the cluster's size). Default 1, the only
	// value a single server takes. With 3 the pipeline survives the loss
	// of one server. Changing it on existing streams rescales them.
	Replicas int
}

// EnsureStreams creates or updates the command, dead-letter, event and
// advisory streams with cfg.Replicas replicas. It is safe to call from
// every worker at start, as long as all give the same config. It fails
// when the cluster has fewer servers than cfg.Replicas.
func (b *Bus) EnsureStreams(ctx context.Context, cfg StreamsConfig) error {
	if cfg.Replicas <= 0 {
		cfg.Replicas = 1
	}
	if cfg.Duplicates <= 0 {
		cfg.Duplicates = 10 * time.Minute
	}
	if cfg.DLQMaxAge <= 0 {
		cfg.DLQMaxAge = 30 * 24 * time.Hour
	}
	streams := []jetstream.StreamConfig{{
		Name:        StreamCommands,
		Description: "digitiser stage commands",
		Subjects:    []string{SubjectCommands + ".>"},
		Retention:   jetstream.WorkQueuePolicy,
		Duplicates:  cfg.Duplicates,
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
	}, {
		Name:        StreamDLQ,
		Description: "digitiser dead letters",
		Subjects:    []string{SubjectDLQ + ".>"},
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      cfg.DLQMaxAge,
		Duplicates:  cfg.Duplicates,
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
	}, advisoryStream(cfg.Replicas)}
	if cfg.EventSubject != "" {
		streams = append(streams, jetstream.StreamConfig{
			Name:        StreamEvents,
			Description: "object store bucket events for ingest",
			Subjects:    []string{cfg.EventSubject},
			Retention:   jetstream.WorkQueuePolicy,
			Storage:     jetstream.FileStorage,
			Replicas:    cfg.Replicas,
		})
	}
	for _, sc := range streams {
		if _, err := b.JS.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("ensure stream %s: %w", sc.Name, err)
		}
	}
	return nil
}

// CommandSubject returns the subject of a stage's commands.
func CommandSubject(stage string) string { return SubjectCommands + "." + stage }

// DLQSubject returns the subject of a stage's dead letters.
func DLQSubject(stage string) string { return SubjectDLQ + "." + stage }

// Publish stores data on subject in JetStream with the given Nats-Msg-Id
// (empty means none) and extra headers, and waits for the stream's ack. A
// duplicate id inside the stream's window is accepted and stored once.
func (b *Bus) Publish(ctx context.Context, subject string, data []byte, msgID string,
	hdr nats.Header) error {
	msg := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
	for k, v := range hdr {
		msg.Header[k] = v
	}
	var opts []jetstream.PublishOpt
	if msgID != "" {
		opts = append(opts, jetstream.WithMsgID(msgID))
	}
	if _, err := b.JS.PublishMsg(ctx, msg, opts...); err != nil {
		if errors.Is(err, jetstream.ErrNoStreamResponse) {
			return fmt.Errorf("publish %s: %w", subject, ErrNoStream)
		}
		return fmt.Errorf("publish %s: %w", subject, err)
	}
	return nil
}
