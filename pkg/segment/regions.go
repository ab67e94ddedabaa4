package segment

import (
	"context"
	"fmt"
	"image"

	"github.com/welllog/digitiser/pkg/raster"
)

// RegionSegmenter is a [Segmenter] that can limit its work to parts of
// the image. [ONNX] implements it; [SegmentLayout] uses it when present.
type RegionSegmenter interface {
	Segmenter
	// SegmentRegions returns a map the size of img holding probabilities
	// inside regions (px of img, clipped to it) and 0 elsewhere. A px
	// inside a region has the value Segment would give it.
	SegmentRegions(ctx context.Context, img *image.Gray,
		regions []image.Rectangle) (*raster.ProbMap, error)
}

// LayoutRegions returns the parts of a prepared strip that curve tracing
// reads (vector.TraceAll): every curve track's column band over the rows
// of the log body. The header, the depth track, the margins and the
// repeat section are left out. Bands and spans are clipped to the layout's
// size; the result is empty when the layout has no body or no tracks.
func LayoutRegions(layout raster.Layout) []image.Rectangle {
	bounds := image.Rect(0, 0, layout.Width, layout.Height)
	var out []image.Rectangle
	for _, t := range layout.Tracks {
		r := image.Rect(t.Left, layout.Body.Top, t.Right, layout.Body.Bottom)
		if r = r.Intersect(bounds); !r.Empty() {
			out = append(out, r)
		}
	}
	return out
}

// SegmentLayout segments the parts of img that curve tracing reads
// ([LayoutRegions]) and leaves the rest of the map 0. A [RegionSegmenter]
// computes only those parts; another segmenter runs on the whole image
// and the rest is cleared. A layout of another size than img, or one
// without body or tracks, segments the whole image. Errors are the
// segmenter's.
func SegmentLayout(ctx context.Context, s Segmenter, img *image.Gray,
	layout raster.Layout) (*raster.ProbMap, error) {
	if err := checkImage(img); err != nil {
		return nil, err
	}
	regions := LayoutRegions(layout)
	if len(regions) == 0 || layout.Width != img.Rect.Dx() || layout.Height != img.Rect.Dy() {
		return s.Segment(ctx, img)
	}
	for i := range regions {
		regions[i] = regions[i].Add(img.Rect.Min)
	}
	if rs, ok := s.(RegionSegmenter); ok {
		return rs.SegmentRegions(ctx, img, regions)
	}
	pm, err := s.Segment(ctx, img)
	if err != nil {
		return nil, err
	}
	if pm.Width != img.Rect.Dx() || pm.Height != img.Rect.Dy() {
		return nil, fmt.Errorf("segment layout: %s returned a %d x %d px map for a %v image",
			s.Name(), pm.Width, pm.Height, img.Rect)
	}
	keepOnly(pm, regions, img.Rect.Min)
	return pm, nil
}

// keepOnly sets every px of pm outside the regions (px of an image whose
// top-left px is origin) to 0.
func keepOnly(pm *raster.ProbMap, regions []image.Rectangle, origin image.Point) {
	cover := make([]bool, pm.Width)
	for y := 0; y < pm.Height; y++ {
		clear(cover)
		hit := false
		for _, r := range regions {
			r = r.Sub(origin)
			if y < r.Min.Y || y >= r.Max.Y {
				continue
			}
			for x := max(0, r.Min.X); x < min(pm.Width, r.Max.X); x++ {
				cover[x] = true
			}
			hit = true
		}
		row := y * pm.Width
		for c := range pm.P {
			p := pm.P[c][row : row+pm.Width]
			if !hit {
				clear(p)
				continue
			}
			for x, in := range cover {
				if !in {
					p[x] = 0
				}
			}
		}
	}
}
