package segment

import (
	"context"
	"fmt"
	"image"
	"runtime"
	"sync"

	"github.com/welllog/digitiser/pkg/raster"
)

// ClassicalOptions tunes [NewClassical]. Zero fields take the defaults
// given, which suit 200 dpi scans (a curve 1-3 px wide, minor grid every
// 10-20 px).
type ClassicalOptions struct {
	// Threshold: a grey px darker than this is ink. Default 128.
	Threshold uint8
	// VLineMin is the shortest vertical ink run taken for a grid line or
	// track border, px. Default 200.
	VLineMin int
	// HLineMin is the shortest horizontal ink run taken for a grid line,
	// px. Default 150. A curve's near-flat stretch longer than this is
	// lost with the grid.
	HLineMin int
	// SolidMin is the bounding-box extent, px, from which a connected
	// stroke is a solid curve; a stroke of twice as many px or more that
	// is longer than TextMax is solid too (a curve's brief excursion cut
	// off by a border line).
	// Default 40. Shorter strokes are dashes, dots, text or noise.
	SolidMin int
	// DashGap is the largest gap, px, between two short strokes of one
	// dashed or dotted curve. Default 12.
	DashGap int
	// MinBlob is the fewest px a stroke needs to count; smaller specks
	// are scan noise. Default 3.
	MinBlob int
	// TextMin and TextMax bound the height of a glyph, px (defaults 6 and
	// 32). A short stroke this size with a glyph-like neighbour beside it
	// on the same line is text and is dropped.
	TextMin, TextMax int
	// Band is the rows processed at once; memory is about 6 bytes a px of
	// a band plus its margins. Default 1024.
	Band int
	// Workers bounds the bands processed in parallel. Default GOMAXPROCS.
	Workers int
}

// withDefaults returns o with zero fields set to their defaults.
func (o ClassicalOptions) withDefaults() ClassicalOptions {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	if o.Threshold == 0 {
		o.Threshold = 128
	}
	def(&o.VLineMin, 200)
	def(&o.HLineMin, 150)
	def(&o.SolidMin, 40)
	def(&o.DashGap, 12)
	def(&o.MinBlob, 3)
	def(&o.TextMin, 6)
	def(&o.TextMax, 32)
	def(&o.Band, 1024)
	def(&o.Workers, runtime.GOMAXPROCS(0))
	return o
}

// margin is the context rows each band reads above and below its own
// rows: enough to see a whole grid line run and a dash's neighbours.
func (o ClassicalOptions) margin() int {
	return max(o.VLineMin, 2*o.SolidMin+o.DashGap, o.TextMax+o.DashGap)
}

// Classical is the model-free segmenter [NewClassical] returns.
type Classical struct {
	opt ClassicalOptions
}

// NewClassical returns the baseline segmenter: ink darker than Threshold,
// minus long straight horizontal and vertical runs (grid lines, track
// borders; px where a stroke crosses a line are kept), minus glyph-sized
// blobs standing in a row (text), minus specks. Strokes spanning at least
// SolidMin px are class 1 (solid); chains of shorter strokes with gaps up
// to DashGap px are class 2 (dashed or dotted). Probabilities are 0 or
// 255. It needs no model and never fails on a non-empty image.
func NewClassical(opt ClassicalOptions) Segmenter {
	return &Classical{opt: opt.withDefaults()}
}

// Name returns "classical".
func (c *Classical) Name() string { return "classical" }

// Close does nothing; a Classical segmenter holds no resources.
func (c *Classical) Close() error { return nil }

// Segment labels img band by band, Workers bands at a time.
func (c *Classical) Segment(ctx context.Context, img *image.Gray) (*raster.ProbMap, error) {
	if err := checkImage(img); err != nil {
		return nil, err
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	pm := raster.NewProbMap(w, h)

	var (
		wg   sync.WaitGroup
		jobs = make(chan int)
	)
	for range min(c.opt.Workers, (h+c.opt.Band-1)/c.opt.Band) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b band
			for y0 := range jobs {
				b.run(img, pm, y0, min(y0+c.opt.Band, h), c.opt)
			}
		}()
	}
	var err error
	for y0 := 0; y0 < h; y0 += c.opt.Band {
		if err = ctx.Err(); err != nil {
			break
		}
		jobs <- y0
	}
	close(jobs)
	wg.Wait()
	if err != nil {
		return nil, fmt.Errorf("segment: %w", err)
	}
	return pm, nil
}
