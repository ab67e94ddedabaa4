package bus

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ConsumerConfig describes one stage's durable pull consumer.
type ConsumerConfig struct {
	// Durable is the consumer name shared by every copy of the stage.
	Durable string
	// Subject is the filter subject (one stage's commands).
	Subject string
	// Stream defaults to StreamCommands.
	Stream string
	// MaxDeliver is how many times a command is delivered before it is
	// dead-lettered. Default 4.
	MaxDeliver int
	// BackOff are the redelivery delays after a worker stops answering
	// (missed heartbeats); its first entry is also the ack wait. Default
	// 30 s, 1 min, 2 min. Heartbeats must come faster than BackOff[0].
	BackOff []time.Duration
	// MaxAckPending bounds the commands in flight across all copies.
	// Default 64.
	MaxAckPending int
}

func (c *ConsumerConfig) defaults() {
	if c.Stream == "" {
		c.Stream = StreamCommands
	}
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = 4
	}
	if len(c.BackOff) == 0 {
		c.BackOff = []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute}
	}
	if len(c.BackOff) >= c.MaxDeliver {
		c.BackOff = c.BackOff[:c.MaxDeliver-1]
		if len(c.BackOff) == 0 {
			c.BackOff = []time.Duration{30 * time.Second}
		}
	}
	if c.MaxAckPending <= 0 {
		c.MaxAckPending = 64
	}
}

// AckWait returns the ack wait the consumer runs with: BackOff[0].
func (c ConsumerConfig) AckWait() time.Duration {
	c.defaults()
	return c.BackOff[0]
}

// EnsureConsumer creates or updates a durable pull consumer with explicit
// acks.
func (b *Bus) EnsureConsumer(ctx context.Context, cfg ConsumerConfig) (jetstream.Consumer,
	error) {
	cfg.defaults()
	cc := jetstream.ConsumerConfig{
		Durable:       cfg.Durable,
		FilterSubject: cfg.Subject,
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckWait:       cfg.BackOff[0],
		BackOff:       cfg.BackOff,
		MaxDeliver:    cfg.MaxDeliver,
		MaxAckPending: cfg.MaxAckPending,
	}
	cons, err := b.JS.CreateOrUpdateConsumer(ctx, cfg.Stream, cc)
	if err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return nil, fmt.Errorf("consumer %s: %w", cfg.Durable, ErrNoStream)
		}
		return nil, fmt.Errorf("consumer %s on %s: %w", cfg.Durable, cfg.Stream, err)
	}
	return cons, nil
}

// PullOptions tunes a worker's pull loop.
type PullOptions struct {
	// Batch is how many commands one fetch takes; they run concurrently.
	// Keep it small (1 or 2) for slow stages. Default 1.
	Batch int
	// MaxWait is how long one fetch waits for work. Default 5 s.
	MaxWait time.Duration
	// Heartbeat is the InProgress period for every message held. Default
	// 10 s; set it below a third of the consumer's ack wait.
	Heartbeat time.Duration
}

func (o *PullOptions) defaults() {
	if o.Batch <= 0 {
		o.Batch = 1
	}
	if o.MaxWait <= 0 {
		o.MaxWait = 5 * time.Second
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = 10 * time.Second
	}
}

// Pull fetches commands from cons until ctx ends and calls handle for each,
// concurrently within a batch, sending InProgress heartbeats while handle
// runs. handle must ack, nak or term the message. Pull returns nil when ctx
// is cancelled, after the handlers of the current batch return.
func Pull(ctx context.Context, cons jetstream.Consumer, opt PullOptions,
	handle func(ctx context.Context, msg jetstream.Msg)) error {
	opt.defaults()
	for ctx.Err() == nil {
		batch, err := cons.Fetch(opt.Batch, jetstream.FetchMaxWait(opt.MaxWait))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, jetstream.ErrConsumerDeleted) ||
				errors.Is(err, jetstream.ErrConsumerNotFound) {
				return fmt.Errorf("pull: %w", err)
			}
			// Connection trouble: wait and fetch again.
			sleep(ctx, time.Second)
			continue
		}
		var wg sync.WaitGroup
		for msg := range batch.Messages() {
			stop := Heartbeat(msg, opt.Heartbeat)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer stop()
				handle(ctx, msg)
			}()
		}
		wg.Wait()
	}
	return nil
}

// Heartbeat tells the server every period that msg is still being worked
// on, so that a long stage is not redelivered mid-run. Call stop when the
// message is acked, nacked or terminated.
func Heartbeat(msg jetstream.Msg, period time.Duration) (stop func()) {
	done := make(chan struct{})
	var once sync.Once
	go func() {
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = msg.InProgress()
			}
		}
	}()
	return func() { once.Do(func() { close(done) }) }
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// Deliveries returns how many times msg has been delivered (1 the first
// time), or 1 when the metadata cannot be read.
func Deliveries(msg jetstream.Msg) uint32 {
	md, err := msg.Metadata()
	if err != nil || md.NumDelivered == 0 {
		return 1
	}
	return uint32(md.NumDelivered)
}
