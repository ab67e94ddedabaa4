package segment

import (
	"context"
	"fmt"
	"image"
	"log/slog"
	"runtime"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/welllog/digitiser/pkg/raster"
)

// Execution providers for [ONNXOptions.Provider].
const (
	ProviderCPU  = "cpu"
	ProviderCUDA = "cuda"
)

// Defaults for [ONNXOptions].
const (
	DefaultTile    = 768 // px
	DefaultOverlap = 64  // px, when the card gives no receptive field
)

// ONNXOptions configures [NewONNX]. The zero value runs on the CPU with
// tiles of at most 768 x 768 px, two at a time.
type ONNXOptions struct {
	// LibraryPath is the ONNX Runtime shared library; empty means
	// [DefaultLibraryPath]. Only the first segmenter of a process loads
	// it; a later one naming another library fails.
	LibraryPath string
	// Tile is the edge in px of the largest square tile, rounded up to
	// the card's stride multiple; Tile*Tile px is the most a tile holds.
	// Tiles need not be square: each region gets the tile shape within
	// that budget that computes the fewest px (a track band gets tiles
	// as wide as itself). Default 768. Larger tiles waste less on
	// overlap and use more memory: the tensors and the runtime's
	// activations take about 600 bytes a tile px for a width-12
	// CurveUNet, per worker. On the real scan 1024 costs 7% less CPU
	// than 768 for 0.6 GB more (docs/segmentation.md).
	Tile int
	// Overlap is the px shared by neighbouring tiles, rounded up to the
	// stride multiple. Default: the card's receptive field, else 64. Less
	// than the receptive field makes tiled results differ from
	// whole-image inference near tile borders.
	Overlap int
	// Threads is ONNX Runtime's intra-op thread count per tile. Default:
	// the cores (runtime.NumCPU) divided among the workers, at least 1.
	Threads int
	// Workers is the number of tiles run at once, each by its own
	// goroutine on the shared session with its own tensors. Default
	// min(2, cores). Two single-threaded tiles at once beat one tile on
	// two threads on two cores (no sync between threads inside a layer,
	// normalising and softmax overlap the other tile's run) at the cost
	// of a second tile's memory; see docs/segmentation.md.
	Workers int
	// Provider is "cpu" (default) or "cuda". When CUDA cannot be used the
	// segmenter logs a warning and runs on the CPU; [ONNX.Provider] says
	// which one runs.
	Provider string
	// CUDADevice is the GPU index for the cuda provider. Default 0.
	CUDADevice int
	// Logger receives the provider fallback warning; nil means
	// slog.Default().
	Logger *slog.Logger
}

// ONNX is the ONNX Runtime segmenter [NewONNX] returns. It keeps one
// session for its lifetime; Segment calls are serialised.
type ONNX struct {
	mu       sync.Mutex
	card     *Card
	sess     *ort.DynamicAdvancedSession
	provider string
	tile     int
	overlap  int
	workers  int
	lut      [256]float32
	bufs     []map[[2]int]*tileBufs // per worker, by tile shape
	closed   bool
}

// NewONNX loads the model at modelPath and its card (model.card.json in
// the same directory), creates the process's ONNX Runtime environment if
// needed and opens one session. The model takes 1x1xHxW float32 and gives
// 1x3xHxW logits (or probabilities, per the card). It fails with
// [ErrNoRuntime] when the library is missing, [ErrBadCard] for a bad card,
// and with the runtime's message for a model it cannot load.
func NewONNX(modelPath string, opt ONNXOptions) (Segmenter, error) {
	card, err := LoadCard(modelPath)
	if err != nil {
		return nil, fmt.Errorf("new onnx segmenter: %w", err)
	}
	if opt.LibraryPath == "" {
		opt.LibraryPath = DefaultLibraryPath()
	}
	if err := initRuntime(opt.LibraryPath); err != nil {
		return nil, fmt.Errorf("new onnx segmenter: %w", err)
	}
	opt.Workers, opt.Threads = parallelism(opt.Workers, opt.Threads, runtime.NumCPU())
	s := &ONNX{card: card, lut: card.Normalisation.lut(), workers: opt.Workers}
	s.bufs = make([]map[[2]int]*tileBufs, s.workers)
	for i := range s.bufs {
		s.bufs[i] = map[[2]int]*tileBufs{}
	}
	if err := s.setGeometry(opt); err != nil {
		return nil, fmt.Errorf("new onnx segmenter: %w", err)
	}
	if err := s.open(modelPath, opt); err != nil {
		return nil, fmt.Errorf("new onnx segmenter: %s: %w", modelPath, err)
	}
	return s, nil
}

// parallelism applies the Workers and Threads defaults for a machine of
// cores cores.
func parallelism(workers, threads, cores int) (int, int) {
	if workers <= 0 {
		workers = max(1, min(2, cores))
	}
	if threads <= 0 {
		threads = max(1, cores/workers)
	}
	return workers, threads
}

// setGeometry applies tile and overlap defaults and aligns them.
func (s *ONNX) setGeometry(opt ONNXOptions) error {
	stride := s.card.StrideMultiple
	s.tile = opt.Tile
	if s.tile <= 0 {
		s.tile = DefaultTile
	}
	s.tile = alignUp(s.tile, stride)
	s.overlap = opt.Overlap
	if s.overlap <= 0 {
		s.overlap = DefaultOverlap
		if s.card.ReceptiveField > 0 {
			s.overlap = s.card.ReceptiveField
		}
	}
	s.overlap = alignUp(s.overlap, stride)
	if s.overlap >= s.tile {
		return fmt.Errorf("overlap %d px must be less than the tile %d px: "+
			"raise ONNXOptions.Tile", s.overlap, s.tile)
	}
	return nil
}

// Name returns "onnx/<card name>/<card version>".
func (s *ONNX) Name() string {
	return "onnx/" + s.card.Name + "/" + s.card.Version
}

// Provider returns the execution provider in use: "cpu" or "cuda".
func (s *ONNX) Provider() string { return s.provider }

// Card returns the model card the segmenter was loaded with.
func (s *ONNX) Card() Card { return *s.card }

// Geometry returns the tile edge (the square root of the most px a tile
// holds) and the overlap in use, in px.
func (s *ONNX) Geometry() (tile, overlap int) { return s.tile, s.overlap }

// Close destroys the session and its tensors. The process's runtime
// environment stays for later segmenters.
func (s *ONNX) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	for _, m := range s.bufs {
		for _, b := range m {
			b.destroy()
		}
	}
	s.bufs = nil
	return s.sess.Destroy()
}

// Segment runs the network over the whole of img and returns the class
// probabilities; it is SegmentRegions with img's bounds as the one region.
func (s *ONNX) Segment(ctx context.Context, img *image.Gray) (*raster.ProbMap, error) {
	if err := checkImage(img); err != nil {
		return nil, err
	}
	return s.SegmentRegions(ctx, img, []image.Rectangle{img.Rect})
}

// SegmentRegions runs the network over the regions of img (px of img;
// clipped to it) and returns the class probabilities there; px outside
// every region are 0. Each region is computed with overlap/2 px of
// context around it, in tiles of the shape that computes the fewest px
// (see [ONNXOptions.Tile]), and regions close enough to share their
// context are merged first. Every px inside a region equals whole-image
// inference (the overlap being at least the receptive field). Rows and
// columns past the image's edge up to the stride multiple are filled as
// white paper. Memory is the ProbMap (2 bytes a px) plus one tile's
// tensors per worker, whatever the strip's length. It fails with ctx's
// error when ctx is done, [ErrEmptyImage] for an empty image or no
// region inside it, [ErrClosed] after Close.
func (s *ONNX) SegmentRegions(ctx context.Context, img *image.Gray,
	regions []image.Rectangle) (*raster.ProbMap, error) {
	if err := checkImage(img); err != nil {
		return nil, err
	}
	origin := img.Rect.Min
	var owned []image.Rectangle
	for _, r := range regions {
		r = r.Intersect(img.Rect).Sub(origin)
		if !r.Empty() {
			owned = append(owned, r)
		}
	}
	if len(owned) == 0 {
		return nil, fmt.Errorf("segment: %w: no region inside the %v image", ErrEmptyImage,
			img.Rect)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}

	w, h := img.Rect.Dx(), img.Rect.Dy()
	pm := raster.NewProbMap(w, h)
	plans := s.plan(w, h, owned)
	if err := s.run(ctx, img, pm, plans); err != nil {
		return nil, fmt.Errorf("segment: %w", err)
	}
	if len(plans) < len(owned) {
		keepOnly(pm, owned, image.Point{})
	}
	return pm, nil
}

// plan merges the owned rectangles of a w x h px image where that saves
// px and plans the tiles of each merged region.
func (s *ONNX) plan(w, h int, owned []image.Rectangle) []regionPlan {
	g := geometry{w: w, h: h, stride: s.card.StrideMultiple, overlap: s.overlap,
		budget: s.tile * s.tile}
	merged := g.merge(owned)
	plans := make([]regionPlan, len(merged))
	for i, r := range merged {
		plans[i] = g.planRegion(r)
	}
	return plans
}

// computedPx returns the px the network computes to segment the regions
// of a w x h px image.
func (s *ONNX) computedPx(w, h int, regions []image.Rectangle) int {
	n := 0
	for _, p := range s.plan(w, h, regions) {
		n += p.cost()
	}
	return n
}
