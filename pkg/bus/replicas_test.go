package bus

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/welllog/digitiser/pkg/bus/bustest"
)

// TestStreamsReplicated creates the pipeline's streams with three replicas
// on a three-server cluster, stops the server leading the command stream
// and expects commands to be stored and read back still.
func TestStreamsReplicated(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-server JetStream cluster; skipped with -short")
	}
	servers := bustest.Cluster(t, 3)
	ctx := context.Background()
	b, err := Dial(ctx, bustest.URLs(servers), ConnectOptions{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.EnsureStreams(ctx, StreamsConfig{Replicas: 3,
		EventSubject: "digitiser.s3.test"}); err != nil {
		t.Fatal(err)
	}
	// A later listener must not scale the advisory stream back down.
	if err := b.EnsureAdvisoryStream(ctx); err != nil {
		t.Fatal(err)
	}
	var leader string
	for _, name := range []string{StreamCommands, StreamDLQ, StreamEvents, StreamAdvisories} {
		info := streamInfo(t, b, name)
		if info.Config.Replicas != 3 || info.Cluster == nil ||
			len(info.Cluster.Replicas) != 2 {
			t.Fatalf("stream %s: %d replicas configured, cluster %+v", name,
				info.Config.Replicas, info.Cluster)
		}
		if name == StreamCommands {
			leader = info.Cluster.Leader
		}
	}

	for _, s := range servers {
		if s.Name() == leader {
			s.Shutdown()
			s.WaitForShutdown()
		}
	}
	cfg := ConsumerConfig{Durable: ConsumerName("segment"), Subject: CommandSubject("segment")}
	var cons jetstream.Consumer
	deadline := time.Now().Add(30 * time.Second)
	for {
		err = b.Publish(ctx, CommandSubject("segment"), command("j1"), "j1.1.segment", nil)
		if err == nil {
			cons, err = b.EnsureConsumer(ctx, cfg)
		}
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("after losing server %s: %v", leader, err)
	}
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for msg := range batch.Messages() {
		n++
		_ = msg.Ack()
	}
	if n != 1 {
		t.Fatalf("read %d commands after losing the leader, want 1", n)
	}
}

func streamInfo(t *testing.T, b *Bus, name string) *jetstream.StreamInfo {
	t.Helper()
	s, err := b.JS.Stream(context.Background(), name)
	if err != nil {
		t.Fatalf("stream %s: %v", name, err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info
}
