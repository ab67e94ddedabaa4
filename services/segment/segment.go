// Package segment is the segmentation stage: it labels the curve pixels of
// the prepared strip with the U-Net in ONNX Runtime (model from the models
// bucket) or the classical segmenter, written as probmap.png (R = class 1
// solid, G = class 2 dashed).
package segment

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"sync"

	"go.opentelemetry.io/otel/attribute"

	"github.com/welllog/digitiser/pkg/raster"
	seg "github.com/welllog/digitiser/pkg/segment"
	"github.com/welllog/digitiser/pkg/store"

	"github.com/welllog/digitiser/pkg/pipeline"
)

// Segmenter choices.
const (
	Auto      = "auto"      // onnx when the model and runtime load, else classical
	ONNX      = "onnx"      // the U-Net; a job fails when it cannot load
	Classical = "classical" // no model
)

// Config of the segment stage.
type Config struct {
	// Segmenter is auto (default), onnx or classical; a job's own choice
	// (submit --segmenter) wins.
	Segmenter string
	// ModelBucket and ModelKey locate the default ONNX model; its card
	// (model.card.json) must sit beside it. Defaults "models" and
	// DefaultModelKey.
	ModelBucket, ModelKey string
	// CacheDir keeps downloaded models by ETag. Default
	// $XDG_CACHE_HOME/digitiser/models (os.UserCacheDir).
	CacheDir string
	// WholeImage segments the whole prepared strip instead of only the
	// curve tracks over the log body (segment.LayoutRegions), the parts
	// vectorise reads. Default false: the header, depth track, margins
	// and repeat section are left 0 in probmap.png.
	WholeImage bool
	// ONNX and Classical tune the segmenters.
	ONNX      seg.ONNXOptions
	Classical seg.ClassicalOptions
}

// DefaultModelKey is the model the demo uploads.
const DefaultModelKey = "curveseg/model.onnx"

// Validate checks the config.
func (c *Config) Validate() error {
	switch c.Segmenter {
	case "":
		c.Segmenter = Auto
	case Auto, ONNX, Classical:
	default:
		return fmt.Errorf("segmenter %q: use auto, onnx or classical", c.Segmenter)
	}
	if c.ModelBucket == "" {
		c.ModelBucket = "models"
	}
	if c.ModelKey == "" {
		c.ModelKey = DefaultModelKey
	}
	if c.CacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			dir = os.TempDir()
		}
		c.CacheDir = filepath.Join(dir, "digitiser", "models")
	}
	return nil
}

// Stage holds the loaded segmenters, one per model version.
type Stage struct {
	cfg   Config
	store store.Store
	log   *slog.Logger

	mu   sync.Mutex
	segs map[string]seg.Segmenter // by "classical" or model ETag
}

// New returns the stage; call Close when done.
func New(cfg Config, st store.Store, log *slog.Logger) (*Stage, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Stage{cfg: cfg, store: st, log: log, segs: map[string]seg.Segmenter{}}, nil
}

// Close releases every segmenter.
func (s *Stage) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, sg := range s.segs {
		errs = append(errs, sg.Close())
	}
	s.segs = map[string]seg.Segmenter{}
	return errors.Join(errs...)
}

// Handle is the stage's pipeline.Handler.
func (s *Stage) Handle(ctx context.Context, t *pipeline.Task) (map[string]string, error) {
	img, err := t.GetGray(ctx, pipeline.OutPrepared)
	if err != nil {
		return nil, err
	}
	layout, err := s.layout(ctx, t)
	if err != nil {
		return nil, err
	}
	sg, err := s.segmenter(ctx, t)
	if err != nil {
		return nil, err
	}

	cctx, span := t.Span(ctx, "compute.segment", attribute.String("segmenter", sg.Name()),
		attribute.Int("rows", img.Rect.Dy()), attribute.Bool("whole_image", layout == nil))
	var pm *raster.ProbMap
	if layout != nil {
		pm, err = seg.SegmentLayout(cctx, sg, img, *layout)
	} else {
		pm, err = sg.Segment(cctx, img)
	}
	span.End()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, pipeline.Reject(fmt.Errorf("segment with %s: %w", sg.Name(), err))
	}

	var buf bytes.Buffer
	if err := seg.EncodeProbMap(&buf, pm); err != nil {
		return nil, fmt.Errorf("encode probability map: %w", err)
	}
	key, err := t.Put(ctx, "probmap.png", buf.Bytes(), "image/png")
	if err != nil {
		return nil, err
	}
	t.Log.Debug("strip segmented", "segmenter", sg.Name())
	return map[string]string{pipeline.OutProbMap: key}, nil
}

// layout returns the job's layout (preprocess's layout.json), or nil when
// the job has none or Config.WholeImage is set: then the whole strip is
// segmented. A layout that cannot be read is an error.
func (s *Stage) layout(ctx context.Context, t *pipeline.Task) (*raster.Layout, error) {
	if s.cfg.WholeImage {
		return nil, nil
	}
	if _, err := t.Input(pipeline.OutLayout); err != nil {
		t.Log.Debug("no layout; segmenting the whole strip", "err", err)
		return nil, nil
	}
	var l raster.Layout
	if err := t.GetJSON(ctx, pipeline.OutLayout, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// segmenter returns the job's segmenter, loading it on first use.
func (s *Stage) segmenter(ctx context.Context, t *pipeline.Task) (seg.Segmenter, error) {
	choice := t.Cmd.Segmenter
	if choice == "" {
		choice = s.cfg.Segmenter
	}
	modelKey := t.Cmd.ModelKey
	if modelKey == "" {
		modelKey = s.cfg.ModelKey
	}
	if choice == Classical {
		return s.classical(), nil
	}
	sg, err := s.onnx(ctx, t, modelKey)
	if err == nil {
		return sg, nil
	}
	if choice == ONNX {
		return nil, err
	}
	t.Log.Warn("onnx segmenter unavailable, using classical (after uploading a model, "+
		"`digitise rerun JOB --from segment` redoes the job with it)", "err", err)
	return s.classical(), nil
}

func (s *Stage) classical() seg.Segmenter {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sg, ok := s.segs[Classical]; ok {
		return sg
	}
	sg := seg.NewClassical(s.cfg.Classical)
	s.segs[Classical] = sg
	return sg
}

// onnx loads the model at modelKey (and its card) from the models bucket
// into the cache, keyed by ETag so a new upload is picked up.
func (s *Stage) onnx(ctx context.Context, t *pipeline.Task, modelKey string) (
	seg.Segmenter, error) {
	card := path.Join(path.Dir(modelKey), seg.CardName)
	info, err := s.store.Stat(ctx, s.cfg.ModelBucket, modelKey)
	if err == nil {
		_, err = s.store.Stat(ctx, s.cfg.ModelBucket, card)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, missingModel(s.cfg.ModelBucket, modelKey, card)
	}
	if err != nil {
		return nil, fmt.Errorf("model %s/%s: %w", s.cfg.ModelBucket, modelKey, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sg, ok := s.segs[info.ETag]; ok {
		return sg, nil
	}
	dir := filepath.Join(s.cfg.CacheDir, info.ETag)
	modelPath := filepath.Join(dir, "model.onnx")
	if err := s.download(ctx, t, dir, modelKey); err != nil {
		return nil, err
	}
	sg, err := seg.NewONNX(modelPath, s.cfg.ONNX)
	if err != nil {
		return nil, err
	}
	s.segs[info.ETag] = sg
	return sg, nil
}

// ErrNoModel is wrapped by the rejection of a job whose ONNX model (or its
// card) is not in the models bucket.
var ErrNoModel = errors.New("no segmentation model")

// missingModel is the rejection of a job with --segmenter onnx whose model
// is not uploaded: retries cannot make it appear, and once it is uploaded
// `digitise rerun` picks it up (models are loaded by ETag).
func missingModel(bucket, key, card string) error {
	return pipeline.Reject(fmt.Errorf("%w: %s/%s or %s/%s not found: upload model.onnx "+
		"and %s there (`digitise model upload DIR --key %s`, or any S3 client), then "+
		"`digitise rerun JOB`; or submit with `--segmenter classical`", ErrNoModel,
		bucket, key, bucket, card, seg.CardName, key))
}

// download fetches the model and its card into dir unless present.
func (s *Stage) download(ctx context.Context, t *pipeline.Task, dir, modelKey string) error {
	if _, err := os.Stat(filepath.Join(dir, "model.onnx")); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("model cache: %w", err)
	}
	// The card goes first, so a model file present means its card is too.
	files := [][2]string{
		{path.Join(path.Dir(modelKey), seg.CardName), seg.CardName},
		{modelKey, "model.onnx"},
	}
	for _, f := range files {
		data, err := t.GetFrom(ctx, s.cfg.ModelBucket, f[0])
		if err != nil {
			return fmt.Errorf("download model: %w", err)
		}
		tmp := filepath.Join(dir, f[1]+".part")
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			return fmt.Errorf("model cache: %w", err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, f[1])); err != nil {
			return fmt.Errorf("model cache: %w", err)
		}
	}
	return nil
}
