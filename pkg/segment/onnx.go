package segment

import (
	"context"
	"fmt"
	"image"
	"log/slog"
	"strconv"
	"strings"
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
	DefaultTile    = 512 // px
	DefaultOverlap = 64  // px, when the card gives no receptive field
)

// ONNXOptions configures [NewONNX]. The zero value runs on the CPU with
// 512 px tiles.
type ONNXOptions struct {
	// LibraryPath is the ONNX Runtime shared library; empty means
	// [DefaultLibraryPath]. Only the first segmenter of a process loads
	// it; a later one naming another library fails.
	LibraryPath string
	// Tile is the tile edge in px, rounded up to the card's stride
	// multiple. Default 512. Larger tiles waste less on overlap and use
	// more memory (about 16 bytes a tile px).
	Tile int
	// Overlap is the px shared by neighbouring tiles, rounded up to the
	// stride multiple. Default: the card's receptive field, else 64. Less
	// than the receptive field makes tiled results differ from
	// whole-image inference near tile borders.
	Overlap int
	// Threads is ONNX Runtime's intra-op thread count; 0 lets the runtime
	// use one per core.
	Threads int
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
	lut      [256]float32
	bufs     map[[2]int]*tileBufs
	closed   bool
}

// tileBufs are one tile shape's input and output, bound to ORT tensors
// that share their memory.
type tileBufs struct {
	w, h      int
	in, out   []float32
	inT, outT *ort.Tensor[float32]
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
	s := &ONNX{card: card, lut: card.Normalisation.lut(), bufs: map[[2]int]*tileBufs{}}
	if err := s.setGeometry(opt); err != nil {
		return nil, fmt.Errorf("new onnx segmenter: %w", err)
	}
	if err := s.open(modelPath, opt); err != nil {
		return nil, fmt.Errorf("new onnx segmenter: %s: %w", modelPath, err)
	}
	return s, nil
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

// open creates the session on the requested provider, falling back to
// the CPU with a warning when CUDA is not available.
func (s *ONNX) open(modelPath string, opt ONNXOptions) error {
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	provider := strings.ToLower(opt.Provider)
	switch provider {
	case "", ProviderCPU:
		provider = ProviderCPU
	case ProviderCUDA:
	default:
		return fmt.Errorf("provider %q: want cpu or cuda", opt.Provider)
	}

	in, out, err := s.tensorNames(modelPath)
	if err != nil {
		return err
	}
	if provider == ProviderCUDA {
		s.sess, err = newSession(modelPath, in, out, opt, true)
		if err == nil {
			s.provider = ProviderCUDA
			return nil
		}
		log.Warn("cuda execution provider unavailable, running on cpu",
			"model", modelPath, "err", err)
	}
	s.sess, err = newSession(modelPath, in, out, opt, false)
	if err != nil {
		return err
	}
	s.provider = ProviderCPU
	return nil
}

// tensorNames returns the card's input and output names, or the graph's
// first ones when the card leaves them empty.
func (s *ONNX) tensorNames(modelPath string) (string, string, error) {
	in, out := s.card.InputName, s.card.OutputName
	if in != "" && out != "" {
		return in, out, nil
	}
	ins, outs, err := ort.GetInputOutputInfo(modelPath)
	if err != nil {
		return "", "", fmt.Errorf("read model inputs: %w", err)
	}
	if len(ins) == 0 || len(outs) == 0 {
		return "", "", fmt.Errorf("model has no input or no output")
	}
	if in == "" {
		in = ins[0].Name
	}
	if out == "" {
		out = outs[0].Name
	}
	return in, out, nil
}

// newSession opens a session, with the CUDA provider when cuda is set.
func newSession(path, in, out string, opt ONNXOptions,
	cuda bool) (*ort.DynamicAdvancedSession, error) {
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer so.Destroy()
	if opt.Threads > 0 {
		if err := so.SetIntraOpNumThreads(opt.Threads); err != nil {
			return nil, err
		}
	}
	if err := so.SetInterOpNumThreads(1); err != nil {
		return nil, err
	}
	if cuda {
		if err := appendCUDA(so, opt.CUDADevice); err != nil {
			return nil, err
		}
	}
	return ort.NewDynamicAdvancedSession(path, []string{in}, []string{out}, so)
}

// appendCUDA adds the CUDA execution provider for GPU device to so.
func appendCUDA(so *ort.SessionOptions, device int) error {
	co, err := ort.NewCUDAProviderOptions()
	if err != nil {
		return err
	}
	defer co.Destroy()
	if err := co.Update(map[string]string{"device_id": strconv.Itoa(device)}); err != nil {
		return err
	}
	return so.AppendExecutionProviderCUDA(co)
}

// Name returns "onnx/<card name>/<card version>".
func (s *ONNX) Name() string {
	return "onnx/" + s.card.Name + "/" + s.card.Version
}

// Provider returns the execution provider in use: "cpu" or "cuda".
func (s *ONNX) Provider() string { return s.provider }

// Card returns the model card the segmenter was loaded with.
func (s *ONNX) Card() Card { return *s.card }

// Geometry returns the tile edge and overlap in use, in px.
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
	for _, b := range s.bufs {
		b.inT.Destroy()
		b.outT.Destroy()
	}
	s.bufs = nil
	return s.sess.Destroy()
}

// Segment runs the network tile by tile over img and returns the class
// probabilities. Tiles are processed one tile row at a time and only one
// tile's float32 tensors exist at once, so memory is the ProbMap (2 bytes
// a px) plus a few MB whatever the strip's length. Rows and columns past
// the image's edge up to the stride multiple are filled as white paper.
func (s *ONNX) Segment(ctx context.Context, img *image.Gray) (*raster.ProbMap, error) {
	if err := checkImage(img); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}

	w, h := img.Rect.Dx(), img.Rect.Dy()
	stride := s.card.StrideMultiple
	tw, xs := planAxis(w, s.tile, s.overlap, stride)
	th, ys := planAxis(h, s.tile, s.overlap, stride)
	b, err := s.buffers(tw, th)
	if err != nil {
		return nil, fmt.Errorf("segment: %w", err)
	}
	pm := raster.NewProbMap(w, h)
	for _, ty := range ys {
		for _, tx := range xs {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("segment: %w", err)
			}
			s.fill(b, img, tx.start, ty.start)
			if err := s.sess.Run([]ort.Value{b.inT}, []ort.Value{b.outT}); err != nil {
				return nil, fmt.Errorf("segment: run tile at x=%d y=%d px: %w",
					tx.start, ty.start, err)
			}
			s.store(pm, b, tx, ty)
		}
	}
	return pm, nil
}

// buffers returns the tensors for a w x h tile, making them once.
func (s *ONNX) buffers(w, h int) (*tileBufs, error) {
	if b, ok := s.bufs[[2]int{w, h}]; ok {
		return b, nil
	}
	b := &tileBufs{w: w, h: h, in: make([]float32, w*h), out: make([]float32, 3*w*h)}
	var err error
	b.inT, err = ort.NewTensor(ort.NewShape(1, 1, int64(h), int64(w)), b.in)
	if err != nil {
		return nil, err
	}
	b.outT, err = ort.NewTensor(ort.NewShape(1, 3, int64(h), int64(w)), b.out)
	if err != nil {
		b.inT.Destroy()
		return nil, err
	}
	s.bufs[[2]int{w, h}] = b
	return b, nil
}
