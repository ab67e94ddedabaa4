package segment

import (
	"context"
	"fmt"
	"image"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/welllog/digitiser/pkg/raster"
)

// maxShapes is how many tile shapes a worker keeps tensors for; past it
// they are all dropped, so a long-lived segmenter seeing many image sizes
// does not grow.
const maxShapes = 4

// tileBufs are one tile shape's input and output, bound to ORT tensors
// that share their memory.
type tileBufs struct {
	w, h      int
	in, out   []float32
	inT, outT *ort.Tensor[float32]
}

// destroy releases the tensors.
func (b *tileBufs) destroy() {
	b.inT.Destroy()
	b.outT.Destroy()
}

// tileJob is one tile of a region plan.
type tileJob struct {
	plan   *regionPlan
	tx, ty axisTile
}

// run computes every tile of plans into pm with s.workers goroutines, each
// with its own tensors, on the shared session. The first error stops it.
func (s *ONNX) run(ctx context.Context, img *image.Gray, pm *raster.ProbMap,
	plans []regionPlan) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan tileJob)
	var wg sync.WaitGroup
	for w := range s.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if ctx.Err() != nil {
					continue // drain after an error
				}
				if err := s.runTile(w, img, pm, j); err != nil {
					cancel(err)
				}
			}
		}()
	}

feed:
	for i := range plans {
		p := &plans[i]
		for _, ty := range p.ys {
			for _, tx := range p.xs {
				select {
				case jobs <- tileJob{plan: p, tx: tx, ty: ty}:
				case <-ctx.Done():
					break feed
				}
			}
		}
	}
	close(jobs)
	wg.Wait()
	return context.Cause(ctx)
}

// runTile normalises one tile into worker w's input tensor, runs the
// network and stores the owned px of its output in pm.
func (s *ONNX) runTile(w int, img *image.Gray, pm *raster.ProbMap, j tileJob) error {
	b, err := s.buffers(w, j.plan.tw, j.plan.th)
	if err != nil {
		return fmt.Errorf("tile tensors %d x %d px: %w", j.plan.tw, j.plan.th, err)
	}
	s.fill(b, img, j.tx.start, j.ty.start)
	if err := s.sess.Run([]ort.Value{b.inT}, []ort.Value{b.outT}); err != nil {
		return fmt.Errorf("run tile at x=%d y=%d px: %w", j.tx.start, j.ty.start, err)
	}
	s.store(pm, b, j.tx, j.ty)
	return nil
}

// buffers returns worker w's tensors for a w x h tile, making them once.
func (s *ONNX) buffers(worker, w, h int) (*tileBufs, error) {
	m := s.bufs[worker]
	if b, ok := m[[2]int{w, h}]; ok {
		return b, nil
	}
	if len(m) >= maxShapes {
		for k, b := range m {
			b.destroy()
			delete(m, k)
		}
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
	m[[2]int{w, h}] = b
	return b, nil
}

// fill writes the normalised tile whose top-left canvas px is (x0, y0)
// into b.in; px past the image are white paper.
func (s *ONNX) fill(b *tileBufs, img *image.Gray, x0, y0 int) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	paper := s.lut[255]
	for r := 0; r < b.h; r++ {
		dst := b.in[r*b.w : (r+1)*b.w]
		y := y0 + r
		n := 0
		if y < h {
			n = min(b.w, w-x0)
			off := y*img.Stride + x0
			src := img.Pix[off : off+n]
			for i, p := range src {
				dst[i] = s.lut[p]
			}
		}
		for i := n; i < b.w; i++ {
			dst[i] = paper
		}
	}
}

// store converts the owned part of the tile's output to uint8
// probabilities in pm: softmax over the three channels for logits, or the
// channels as they are for a softmax output.
func (s *ONNX) store(pm *raster.ProbMap, b *tileBufs, tx, ty axisTile) {
	plane := b.w * b.h
	logits := s.card.Output == "logits"
	for y := ty.own0; y < ty.own1; y++ {
		i0 := (y-ty.start)*b.w + tx.own0 - tx.start
		i1 := i0 + tx.own1 - tx.own0
		p0 := y*pm.Width + tx.own0
		p1 := pm.P[0][p0 : p0+i1-i0]
		p2 := pm.P[1][p0 : p0+i1-i0]
		bg, c1, c2 := b.out[i0:i1], b.out[plane+i0:plane+i1], b.out[2*plane+i0:2*plane+i1]
		if logits {
			softmaxRow(bg, c1, c2, p1, p2)
		} else {
			quantiseRow(c1, c2, p1, p2)
		}
	}
}
