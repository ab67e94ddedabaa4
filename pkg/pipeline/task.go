package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"path"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/welllog/digitiser/pkg/store"
	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

// Handler does one stage's work for one command: it reads its inputs with
// the Task, writes its outputs under the job's stage folder and returns
// their keys by name. Return Reject(err) for bad input that no retry can
// fix; any other error is retried with backoff.
type Handler func(ctx context.Context, t *Task) (outputs map[string]string, err error)

// RejectError marks input a stage cannot process; the command goes to the
// dead-letter stream with Reason and the job fails.
type RejectError struct {
	Err error
}

// Error returns the reason.
func (e *RejectError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *RejectError) Unwrap() error { return e.Err }

// Reject wraps err as a rejection of the input; nil stays nil.
func Reject(err error) error {
	if err == nil {
		return nil
	}
	return &RejectError{Err: err}
}

// ResubmitHint ends the reason of every RejectInput rejection; a job whose
// error holds it failed on its own input (see IsInputError).
const ResubmitHint = "fix it and submit a corrected archive"

// RejectInput rejects input that no run can process (the archive, a page,
// the manifest): its reason ends with ResubmitHint, so the user is told to
// submit again rather than rerun. nil stays nil.
func RejectInput(err error) error {
	if err == nil {
		return nil
	}
	return Reject(fmt.Errorf("%w; %s", err, ResubmitHint))
}

// IsInputError reports whether a job's recorded error came from
// RejectInput.
func IsInputError(jobError string) bool {
	return strings.Contains(jobError, ResubmitHint)
}

// IsRejected reports whether err is a rejection.
func IsRejected(err error) bool {
	var re *RejectError
	return errors.As(err, &re)
}

// Task is one command being handled, with what a handler needs to read
// inputs and write outputs under its stage folder of the work bucket.
type Task struct {
	Cmd     *pb.StageCommand
	Job     *pb.Job
	Store   store.Store
	Log     *slog.Logger
	Attempt uint32
	tracer  trace.Tracer
	// jobs, when set (by the Runner), lets Put check that this run is
	// still the job's current one before it writes.
	jobs *Jobs
}

// Key returns the work-bucket key of an output of this stage:
// "<job>/<stage>/<name>".
func (t *Task) Key(name string) string {
	return path.Join(t.Cmd.Prefix, t.Cmd.Stage, name)
}

// Input returns the key of a named input; a missing input is a rejection
// naming the stage to rerun.
func (t *Task) Input(name string) (string, error) {
	key, ok := t.Cmd.Inputs[name]
	if !ok || key == "" {
		return "", Reject(fmt.Errorf("input %q missing from the command: rerun the job "+
			"from an earlier stage", name))
	}
	return key, nil
}

// Span starts a child span of the stage's span; end it with End.
func (t *Task) Span(ctx context.Context, name string,
	attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	return t.tracer.Start(ctx, name, trace.WithAttributes(attrs...))
}

// Get reads a whole object of the work bucket in an "s3.get" span.
func (t *Task) Get(ctx context.Context, key string) ([]byte, error) {
	return t.GetFrom(ctx, t.Cmd.Bucket, key)
}

// GetFrom reads a whole object of any bucket in an "s3.get" span.
func (t *Task) GetFrom(ctx context.Context, bucket, key string) ([]byte, error) {
	ctx, span := t.Span(ctx, "s3.get", attribute.String("bucket", bucket),
		attribute.String("key", key))
	defer span.End()
	data, err := store.GetBytes(ctx, t.Store, bucket, key)
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
		if errors.Is(err, store.ErrNotFound) {
			return nil, Reject(fmt.Errorf("read %s/%s: %w: rerun the job from an "+
				"earlier stage", bucket, key, err))
		}
		return nil, err
	}
	span.SetAttributes(attribute.Int("bytes", len(data)))
	return data, nil
}

// Put writes an output of this stage in a "s3.put" span and returns its
// key. Under a Runner it first checks that the job has not been rerun
// since this command's run began: a superseded run writes nothing (the
// error wraps errStale and the Runner acks the command without recording
// it), so that it cannot overwrite the new run's outputs, which live under
// the same keys. The check and the write are not atomic; `digitise rerun`
// refuses a running job without --force, which leaves only that window.
func (t *Task) Put(ctx context.Context, name string, data []byte,
	contentType string) (string, error) {
	key := t.Key(name)
	if t.jobs != nil {
		j, err := t.jobs.Get(ctx, t.Cmd.JobId)
		if err != nil {
			return "", fmt.Errorf("write %s: %w", key, err)
		}
		if j.Generation != t.Cmd.Generation {
			return "", fmt.Errorf("write %s: run %d: %w", key, t.Cmd.Generation, errStale)
		}
	}
	ctx, span := t.Span(ctx, "s3.put", attribute.String("key", key),
		attribute.Int("bytes", len(data)))
	defer span.End()
	if err := store.PutBytes(ctx, t.Store, t.Cmd.Bucket, key, data, contentType); err != nil {
		span.SetStatus(codes.Error, err.Error())
		return "", fmt.Errorf("write %s: %w", key, err)
	}
	return key, nil
}

// GetJSON reads a named input and decodes it into v.
func (t *Task) GetJSON(ctx context.Context, input string, v any) error {
	key, err := t.Input(input)
	if err != nil {
		return err
	}
	data, err := t.Get(ctx, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return Reject(fmt.Errorf("decode %s: %w", key, err))
	}
	return nil
}

// PutJSON writes v as indented JSON and returns its key.
func (t *Task) PutJSON(ctx context.Context, name string, v any) (string, error) {
	data, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", name, err)
	}
	return t.Put(ctx, name, data, "application/json")
}

// GetGray reads a named PNG input as an 8-bit grey image.
func (t *Task) GetGray(ctx context.Context, input string) (*image.Gray, error) {
	key, err := t.Input(input)
	if err != nil {
		return nil, err
	}
	data, err := t.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	_, span := t.Span(ctx, "png.decode", attribute.String("key", key))
	defer span.End()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, Reject(fmt.Errorf("decode %s: %w", key, err))
	}
	return ToGray(img), nil
}

// PutPNG encodes img as PNG (fast compression) and writes it.
func (t *Task) PutPNG(ctx context.Context, name string, img image.Image) (string, error) {
	_, span := t.Span(ctx, "png.encode", attribute.String("name", name))
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	err := enc.Encode(&buf, img)
	span.End()
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", name, err)
	}
	return t.Put(ctx, name, buf.Bytes(), "image/png")
}

// ToGray returns img as *image.Gray, converting when needed.
func ToGray(img image.Image) *image.Gray {
	if g, ok := img.(*image.Gray); ok {
		return g
	}
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g.Set(x-b.Min.X, y-b.Min.Y, img.At(x, y))
		}
	}
	return g
}

// NewTask builds a Task outside the runner, for benchmarks and tools that
// call a handler directly.
func NewTask(cmd *pb.StageCommand, job *pb.Job, st store.Store, log *slog.Logger) *Task {
	return &Task{Cmd: cmd, Job: job, Store: st, Log: log, Attempt: max(cmd.Attempt, 1),
		tracer: otel.Tracer(TracerName)}
}
