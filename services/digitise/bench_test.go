package main

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/welllog/digitiser/pkg/pipeline"
	"github.com/welllog/digitiser/pkg/store"
	pb "github.com/welllog/digitiser/proto/digitiser/v1"
	"github.com/welllog/digitiser/services/calibrate"
	"github.com/welllog/digitiser/services/ingest"
	"github.com/welllog/digitiser/services/preprocess"
	"github.com/welllog/digitiser/services/qa"
	"github.com/welllog/digitiser/services/reassemble"
	"github.com/welllog/digitiser/services/segment"
	"github.com/welllog/digitiser/services/vectorise"
)

// BenchmarkStages runs each stage's handler on the outputs of the one
// before, over an in-memory store (no bus), one sub-benchmark per stage:
// the cost of the glue plus the algorithm, PNG and JSON coding included.
func BenchmarkStages(b *testing.B) {
	ctx := context.Background()
	st := store.NewMemory()
	for _, bk := range []string{"scans", "work", "models"} {
		if err := st.EnsureBucket(ctx, bk); err != nil {
			b.Fatal(err)
		}
	}
	if err := store.PutBytes(ctx, st, "scans", "j/log.tgz", sampleArchive(b, 7, 2),
		""); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	seg, err := segment.New(segment.Config{Segmenter: segment.Classical}, st, log)
	if err != nil {
		b.Fatal(err)
	}
	defer seg.Close()
	handlers := map[string]pipeline.Handler{
		pipeline.StageIngest:     ingest.New(ingest.Config{}),
		pipeline.StageReassemble: reassemble.New(reassemble.Config{}),
		pipeline.StagePreprocess: preprocess.New(preprocess.Config{}),
		pipeline.StageSegment:    seg.Handle,
		pipeline.StageVectorise:  vectorise.New(vectorise.Config{}),
		pipeline.StageCalibrate:  calibrate.New(),
		pipeline.StageQA:         qa.New(qa.Config{}),
	}
	job := &pb.Job{JobId: "j", Generation: 1, Bucket: "work", Prefix: "j/",
		SourceBucket: "scans", SourceKey: "j/log.tgz"}
	for _, stage := range pipeline.Stages {
		cmd := pipeline.NextCommand(job, stage)
		var outputs map[string]string
		b.Run(stage, func(b *testing.B) {
			for b.Loop() {
				t := pipeline.NewTask(cmd, job, st, log)
				if outputs, err = handlers[stage](ctx, t); err != nil {
					b.Fatal(err)
				}
			}
		})
		if outputs == nil {
			b.Fatalf("stage %s did not run", stage)
		}
		pipeline.StageRecord(job, stage).Outputs = outputs
	}
}
