package main

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"

	"github.com/welllog/digitiser/pkg/qa"
	"github.com/welllog/digitiser/pkg/raster"
	"github.com/welllog/digitiser/pkg/vector"
)

// overlayFactor shrinks each panel of a review picture.
const overlayFactor = 3

// writeReview writes DIR/MODEL-TIER-SEED.png: three panels side by side,
// each shrunk overlayFactor times: the prepared image with the traces drawn
// by qa.OverlayScaled, the model's probability map and the exact mask
// (solid red, dashed blue, both on white), so a low score can be looked at
// instead of guessed at.
func writeReview(dir string, m Model, ex *Example, pm *raster.ProbMap,
	traces []vector.Trace) error {
	left := qa.OverlayScaled(ex.Prepared.Image, ex.Prepared.Layout, traces, ex.Manifest,
		overlayFactor)
	mid := classPicture(pm, overlayFactor)
	right := classPicture(MaskProbMap(ex.Mask), overlayFactor)
	pw, ph := left.Rect.Dx(), left.Rect.Dy()
	out := image.NewRGBA(image.Rect(0, 0, 3*pw+8, ph))
	draw.Draw(out, out.Rect, image.NewUniform(color.RGBA{90, 90, 90, 255}), image.Point{}, draw.Src)
	for i, p := range []*image.RGBA{left, mid, right} {
		r := image.Rect(i*(pw+4), 0, i*(pw+4)+pw, ph)
		draw.Draw(out, r, p, p.Rect.Min, draw.Src)
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%s-%d.png", m.Name, ex.Tier, ex.Seed))
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("review picture: %w", err)
	}
	if err := png.Encode(f, out); err != nil {
		f.Close()
		return fmt.Errorf("review picture %s: %w", path, err)
	}
	return f.Close()
}

// classPicture draws a probability map shrunk by factor: each output px
// takes the highest probability of each class in its block, solid in red
// and dashed in blue over white.
func classPicture(pm *raster.ProbMap, factor int) *image.RGBA {
	w, h := (pm.Width+factor-1)/factor, (pm.Height+factor-1)/factor
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for oy := 0; oy < h; oy++ {
		for ox := 0; ox < w; ox++ {
			var p1, p2 uint8
			for y := oy * factor; y < min(pm.Height, (oy+1)*factor); y++ {
				for x := ox * factor; x < min(pm.Width, (ox+1)*factor); x++ {
					p1 = max(p1, pm.P[0][y*pm.Width+x])
					p2 = max(p2, pm.P[1][y*pm.Width+x])
				}
			}
			out.SetRGBA(ox, oy, color.RGBA{255 - p2, 255 - p1 - min(p2, 255-p1), 255 - p1, 255})
		}
	}
	return out
}
