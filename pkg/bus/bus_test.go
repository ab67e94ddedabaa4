package bus

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

// startServer runs an embedded JetStream server on a free loopback port.
func startServer(t testing.TB) *Bus {
	t.Helper()
	opts := &server.Options{Host: "127.0.0.1", Port: -1, JetStream: true,
		StoreDir: t.TempDir(), NoLog: true, NoSigs: true}
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	t.Cleanup(srv.Shutdown)
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(nc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	ctx := context.Background()
	if err := b.EnsureStreams(ctx, StreamsConfig{}); err != nil {
		t.Fatal(err)
	}
	return b
}

func command(job string) []byte {
	data, _ := proto.Marshal(&pb.StageCommand{JobId: job, Stage: "segment", Generation: 1})
	return data
}

func TestPublishDedupByMsgID(t *testing.T) {
	b := startServer(t)
	ctx := context.Background()
	for range 3 {
		if err := b.Publish(ctx, CommandSubject("segment"), command("j1"), "j1.1.segment",
			nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Publish(ctx, CommandSubject("segment"), command("j2"), "j2.1.segment",
		nil); err != nil {
		t.Fatal(err)
	}
	s, err := b.JS.Stream(ctx, StreamCommands)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 2 {
		t.Fatalf("stream holds %d commands, want 2 (duplicates stored)", info.State.Msgs)
	}
}

// TestHeartbeatKeepsLongWork holds a command three times longer than the ack
// wait; with heartbeats it must be delivered exactly once.
func TestHeartbeatKeepsLongWork(t *testing.T) {
	b := startServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := ConsumerConfig{Durable: ConsumerName("segment"), Subject: CommandSubject("segment"),
		MaxDeliver: 3, BackOff: []time.Duration{600 * time.Millisecond, time.Second}}
	cons, err := b.EnsureConsumer(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, CommandSubject("segment"), command("j1"), "", nil); err != nil {
		t.Fatal(err)
	}
	var deliveries atomic.Int32
	done := make(chan struct{})
	go func() {
		_ = Pull(ctx, cons, PullOptions{Heartbeat: 150 * time.Millisecond,
			MaxWait: 500 * time.Millisecond}, func(ctx context.Context, msg jetstream.Msg) {
			if deliveries.Add(1) == 1 {
				time.Sleep(1800 * time.Millisecond)
				_ = msg.DoubleAck(ctx)
				close(done)
				return
			}
			_ = msg.Ack()
		})
	}()
	<-done
	time.Sleep(1200 * time.Millisecond)
	if n := deliveries.Load(); n != 1 {
		t.Fatalf("command delivered %d times, want 1", n)
	}
}

// TestMaxDeliveriesBecomeDeadLetters lets a command time out on every
// delivery and expects one dead letter naming it, and the command gone.
func TestMaxDeliveriesBecomeDeadLetters(t *testing.T) {
	b := startServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var dead []*pb.DeadLetter
	go func() {
		_ = b.ListenMaxDeliveries(ctx, func(_ context.Context, stage string,
			dl *pb.DeadLetter) {
			mu.Lock()
			defer mu.Unlock()
			if stage == "segment" {
				dead = append(dead, dl)
			}
		})
	}()
	cons, err := b.EnsureConsumer(ctx, ConsumerConfig{Durable: ConsumerName("segment"),
		Subject: CommandSubject("segment"), MaxDeliver: 2,
		BackOff: []time.Duration{200 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, CommandSubject("segment"), command("j9"), "", nil); err != nil {
		t.Fatal(err)
	}
	var got atomic.Int32
	go func() {
		_ = Pull(ctx, cons, PullOptions{MaxWait: 300 * time.Millisecond, Heartbeat: time.Hour},
			func(ctx context.Context, msg jetstream.Msg) { got.Add(1) }) // never acks
	}()
	var letters []*pb.DeadLetter
	for i := 0; i < 100; i++ {
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		n := len(dead)
		mu.Unlock()
		if n > 0 {
			letters, err = b.DeadLetters(ctx)
			if err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if len(letters) != 1 {
		t.Fatalf("dead letters: %d, want 1 (deliveries %d)", len(letters), got.Load())
	}
	dl := letters[0]
	if dl.Command.GetJobId() != "j9" || dl.Reason != ReasonMaxDeliveries || dl.Deliveries < 2 {
		t.Fatalf("dead letter %v", dl)
	}
	s, _ := b.JS.Stream(ctx, StreamCommands)
	info, _ := s.Info(ctx)
	if info.State.Msgs != 0 {
		t.Fatalf("command stream still holds %d commands", info.State.Msgs)
	}
}

// BenchmarkPublish measures a de-duplicated command publish with its
// stream ack.
func BenchmarkPublish(b *testing.B) {
	bs := startServer(b)
	ctx := context.Background()
	data := command("j1")
	i := 0
	for b.Loop() {
		i++
		id := "j." + strconv.Itoa(i)
		if err := bs.Publish(ctx, CommandSubject("segment"), data, id, nil); err != nil {
			b.Fatal(err)
		}
	}
}
