package qa_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/welllog/digitiser/pkg/depth"
	"github.com/welllog/digitiser/pkg/las"
	"github.com/welllog/digitiser/pkg/qa"
	"github.com/welllog/digitiser/pkg/segment"
	"github.com/welllog/digitiser/pkg/vector"
)

// BenchmarkRealScan times each in-process stage after preprocessing on
// the real scan (1664 x 17864 px) with the classical segmenter; rows/s
// counts rows of the strip.
func BenchmarkRealScan(b *testing.B) {
	r := runReal(b, segment.NewClassical(segment.ClassicalOptions{}))
	p, m := r.prep, r.m
	rows := float64(p.Image.Rect.Dy())
	built, err := depth.BuildLog(r.traces, r.cal, m)
	if err != nil {
		b.Fatal(err)
	}
	stages := []struct {
		name string
		run  func() error
	}{
		{"segment_classical", func() error {
			_, err := segment.NewClassical(segment.ClassicalOptions{}).Segment(
				context.Background(), p.Image)
			return err
		}},
		{"trace", func() error {
			_, err := vector.TraceAll(r.pm, p.Layout, m, vector.Options{})
			return err
		}},
		{"calibrate", func() error {
			_, err := depth.Calibrate(p.Image, p.Layout, p.Transform, m)
			return err
		}},
		{"build_log_write", func() error {
			f, err := depth.BuildLog(r.traces, r.cal, m)
			if err != nil {
				return err
			}
			return las.Write(&bytes.Buffer{}, f)
		}},
		{"qa", func() error {
			_, err := qa.Evaluate(qa.Input{Output: built, Traces: r.traces, Manifest: m,
				RowDepth: r.cal.Depth})
			return err
		}},
		{"overlay", func() error {
			qa.Overlay(p.Image, p.Layout, r.traces, m)
			return nil
		}},
	}
	for _, s := range stages {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := s.run(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(rows*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
