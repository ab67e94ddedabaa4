package depth

import (
	"image"
	"slices"

	"github.com/welllog/digitiser/pkg/internal/stats"
	"github.com/welllog/digitiser/pkg/raster"
)

// glyph is one connected ink blob: its bounds (px of the strip) and its
// own pixels inside them, row-major.
type glyph struct {
	box image.Rectangle
	ink []bool
}

// findGlyphs returns the 8-connected ink blobs inside the band and span,
// left out: blobs touching the band's edges (track borders and the ticks
// drawn on them) and blobs too small or too large to be digits (under 6 px
// or over maxH px tall, wider than 1.5 times their height).
func findGlyphs(img *image.Gray, span raster.Span, band raster.Band, maxH int) []glyph {
	w, h := band.Width(), span.Len()
	if w <= 0 || h <= 0 {
		return nil
	}
	label := make([]int32, w*h)
	ink := func(x, y int) bool {
		return img.Pix[(span.Top+y-img.Rect.Min.Y)*img.Stride+band.Left+x-img.Rect.Min.X] <
			inkLevel
	}
	var out []glyph
	var stack, members []int
	next := int32(0)
	for start := range label {
		if label[start] != 0 || !ink(start%w, start/w) {
			continue
		}
		next++
		label[start] = next
		stack = append(stack[:0], start)
		members = members[:0]
		box := image.Rect(start%w, start/w, start%w+1, start/w+1)
		edge := false
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			members = append(members, p)
			x, y := p%w, p/w
			box = box.Union(image.Rect(x, y, x+1, y+1))
			edge = edge || x == 0 || x == w-1
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := x+dx, y+dy
					if nx < 0 || ny < 0 || nx >= w || ny >= h {
						continue
					}
					q := ny*w + nx
					if label[q] == 0 && ink(nx, ny) {
						label[q] = next
						stack = append(stack, q)
					}
				}
			}
		}
		bh, bw := box.Dy(), box.Dx()
		if edge || bh < 6 || bh > maxH || bw*2 > bh*3 || len(members) > bw*bh*9/10 {
			continue
		}
		g := glyph{box: box.Add(image.Pt(band.Left, span.Top)), ink: make([]bool, bw*bh)}
		for _, p := range members {
			g.ink[(p/w-box.Min.Y)*bw+p%w-box.Min.X] = true
		}
		out = append(out, g)
	}
	return out
}

// labelBox is a run of glyphs read as one depth label.
type labelBox struct {
	glyphs []glyph
	box    image.Rectangle
}

// groupLabels keeps glyphs whose height is within 30% of the median and
// joins those side by side (centres within half a glyph height vertically,
// gaps under one glyph height) into labels, left to right.
func groupLabels(gs []glyph) []labelBox {
	if len(gs) == 0 {
		return nil
	}
	hs := make([]int, len(gs))
	for i, g := range gs {
		hs[i] = g.box.Dy()
	}
	med := stats.UpperMedian(hs)
	var keep []glyph
	for _, g := range gs {
		if d := g.box.Dy() - med; d*10 <= med*3 && -d*10 <= med*3 {
			keep = append(keep, g)
		}
	}
	slices.SortFunc(keep, func(a, b glyph) int { return a.box.Min.X - b.box.Min.X })

	var labels []labelBox
	used := make([]bool, len(keep))
	for i := range keep {
		if used[i] {
			continue
		}
		lb := labelBox{glyphs: []glyph{keep[i]}, box: keep[i].box}
		used[i] = true
		for j := i + 1; j < len(keep); j++ {
			g := keep[j]
			cy := (g.box.Min.Y + g.box.Max.Y) / 2
			ly := (lb.box.Min.Y + lb.box.Max.Y) / 2
			if used[j] || abs(cy-ly)*2 > med || g.box.Min.X-lb.box.Max.X > med {
				continue
			}
			if g.box.Min.X-lb.box.Max.X < -med/4 {
				continue // overlaps the label: not the next digit
			}
			lb.glyphs = append(lb.glyphs, g)
			lb.box = lb.box.Union(g.box)
			used[j] = true
		}
		labels = append(labels, lb)
	}
	return labels
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
