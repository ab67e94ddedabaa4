// Package segment turns a prepared log image into per-pixel curve
// probabilities: class 1 for curves drawn solid, class 2 for curves drawn
// dashed or dotted (see [raster.ProbMap]).
//
// Two segmenters implement [Segmenter]: [NewONNX] runs a U-Net exported to
// ONNX through ONNX Runtime, tile by tile with overlap, and [NewClassical]
// is a baseline without a model that removes grid lines and text from the
// dark ink and tells dashes from solid strokes by their run structure.
// Probability maps travel between stages as PNG ([EncodeProbMap]).
//
// The package is pure image work: it imports nothing of NATS, S3 or OTel.
package segment

import (
	"context"
	"errors"
	"image"

	"github.com/welllog/digitiser/pkg/raster"
)

// Segmenter labels the curve pixels of a prepared strip. Implementations
// are safe for use by several goroutines; calls may be serialised inside.
type Segmenter interface {
	// Segment returns a map the size of img. It stops early with ctx's
	// error when ctx is done.
	Segment(ctx context.Context, img *image.Gray) (*raster.ProbMap, error)
	// Name identifies the segmenter and its model in logs and reports.
	Name() string
	// Close releases the segmenter's resources; Segment must not be called
	// after it.
	Close() error
}

// ErrClosed is returned by Segment after Close.
var ErrClosed = errors.New("segment: segmenter is closed")

// ErrEmptyImage is returned for an image with no pixels.
var ErrEmptyImage = errors.New("segment: image has no pixels")

// checkImage validates a Segment input.
func checkImage(img *image.Gray) error {
	if img == nil || img.Rect.Dx() <= 0 || img.Rect.Dy() <= 0 {
		return ErrEmptyImage
	}
	return nil
}
