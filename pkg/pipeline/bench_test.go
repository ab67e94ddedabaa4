package pipeline

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/welllog/digitiser/pkg/bus"
	"github.com/welllog/digitiser/pkg/vector"
	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

func TestTracesRoundTripKeepsNaN(t *testing.T) {
	in := []vector.Trace{{Mnemonic: "GR", Class: 1, Top: 10,
		Frac: []float64{0.25, math.NaN(), 1.5}, Wrap: []int8{0, 0, 1},
		Conf: []float32{1, 0, 0.5}}}
	data, err := EncodeTraces(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := DecodeTraces(data)
	if err != nil {
		t.Fatal(err)
	}
	f := out[0].Frac
	if out[0].Mnemonic != "GR" || out[0].Top != 10 || f[0] != 0.25 || !math.IsNaN(f[1]) ||
		f[2] != 1.5 || out[0].Wrap[2] != 1 {
		t.Fatalf("round trip: %+v", out[0])
	}
}

// BenchmarkEncodeTraces encodes three curves of 20000 rows, a long strip.
func BenchmarkEncodeTraces(b *testing.B) {
	traces := make([]vector.Trace, 3)
	for i := range traces {
		n := 20000
		tr := vector.Trace{Frac: make([]float64, n), Wrap: make([]int8, n),
			Conf: make([]float32, n)}
		for r := range n {
			tr.Frac[r] = float64(r%97) / 97
			if r%50 == 0 {
				tr.Frac[r] = math.NaN()
			}
		}
		traces[i] = tr
	}
	for b.Loop() {
		if _, err := EncodeTraces(traces); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJobsUpdate measures one revision-checked job record update.
func BenchmarkJobsUpdate(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	job, err := CreateJob(ctx, f.jobs, JobRequest{SourceBucket: "s", SourceKey: "k",
		WorkBucket: "w"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := f.jobs.Update(ctx, job.JobId, func(j *pb.Job) error {
			StageRecord(j, StageSegment).Attempts++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandBack measures handing one command back on shutdown: fetch
// it, store it again with its prior attempts, ack this copy. Each hand-back
// leaves the copy the next iteration fetches.
func BenchmarkHandBack(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	cons, err := f.bus.EnsureConsumer(ctx, bus.ConsumerConfig{
		Durable: bus.ConsumerName(StageSegment), Subject: bus.CommandSubject(StageSegment)})
	if err != nil {
		b.Fatal(err)
	}
	job := &pb.Job{JobId: "j1", Generation: 1, Bucket: "work"}
	if err := publishCommand(ctx, f.bus, NextCommand(job, StageSegment), nil); err != nil {
		b.Fatal(err)
	}
	stopped, cancel := context.WithCancel(ctx)
	cancel()
	never := func(context.Context, *Task) (map[string]string, error) {
		b.Fatal("a handler ran during shutdown")
		return nil, nil
	}
	for b.Loop() {
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for msg := range batch.Messages() {
			f.runner.Handle(stopped, StageSegment, never, msg)
			n++
		}
		if n != 1 {
			b.Fatalf("fetched %d commands, want the handed-back one", n)
		}
	}
}
