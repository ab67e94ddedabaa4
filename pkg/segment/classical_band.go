package segment

import (
	"image"

	"github.com/welllog/digitiser/pkg/raster"
)

// Line flags in band.line.
const (
	vLine = 1 << iota // px of a long vertical run
	hLine             // px of a long horizontal run
)

// band is the working memory for one band of rows plus its margins. It is
// reused across bands by one worker.
type band struct {
	w, h   int
	ink    []bool  // dark px
	line   []uint8 // vLine | hLine flags
	clean  []bool  // ink left after line removal
	parent []int32 // union-find, then -(component+1)
	comps  []comp
	start  []int32 // per column: first row of the current vertical run
	hatch  []uint8 // per px: thin diagonal direction, 4 when hatching
}

// comp is one connected stroke: its bounding box (inclusive, px of the
// band), px count and class (0 dropped, 1 solid, 2 dashed).
type comp struct {
	x0, y0, x1, y1 int32
	n              int32
	class          uint8
}

func (c *comp) width() int32  { return c.x1 - c.x0 + 1 }
func (c *comp) height() int32 { return c.y1 - c.y0 + 1 }

// run segments image rows [y0, y1) into pm, reading margin rows around.
func (b *band) run(img *image.Gray, pm *raster.ProbMap, y0, y1 int, o ClassicalOptions) {
	m := o.margin()
	e0, e1 := max(0, y0-m), min(img.Rect.Dy(), y1+m)
	b.load(img, e0, e1, o.Threshold)
	b.findVertical(o.VLineMin)
	b.findHorizontal(o.HLineMin)
	b.removeLines()
	b.removeHatch()
	b.label()
	b.classify(o)

	for y := y0; y < y1; y++ {
		row := (y - e0) * b.w
		out := y * pm.Width
		for x := 0; x < b.w; x++ {
			if !b.clean[row+x] {
				continue
			}
			if cls := b.comps[-b.parent[row+x]-1].class; cls != 0 {
				pm.P[cls-1][out+x] = 255
			}
		}
	}
}

// load thresholds rows [e0, e1) of img into b.ink, sizing the buffers.
func (b *band) load(img *image.Gray, e0, e1 int, thr uint8) {
	b.w, b.h = img.Rect.Dx(), e1-e0
	n := b.w * b.h
	if cap(b.ink) < n {
		b.ink = make([]bool, n)
		b.line = make([]uint8, n)
		b.clean = make([]bool, n)
		b.parent = make([]int32, n)
	}
	b.ink, b.line = b.ink[:n], b.line[:n]
	b.clean, b.parent = b.clean[:n], b.parent[:n]
	for y := 0; y < b.h; y++ {
		src := img.Pix[(e0+y)*img.Stride : (e0+y)*img.Stride+b.w]
		dst := b.ink[y*b.w : (y+1)*b.w]
		for x, p := range src {
			dst[x] = p < thr
		}
	}
	clear(b.line)
}

// findVertical flags vertical ink runs of at least minRun px.
func (b *band) findVertical(minRun int) {
	if cap(b.start) < b.w {
		b.start = make([]int32, b.w)
	}
	b.start = b.start[:b.w]
	for x := range b.start {
		b.start[x] = -1
	}
	for y := 0; y <= b.h; y++ {
		for x := 0; x < b.w; x++ {
			on := y < b.h && b.ink[y*b.w+x]
			s := b.start[x]
			switch {
			case on && s < 0:
				b.start[x] = int32(y)
			case !on && s >= 0:
				if y-int(s) >= minRun {
					for r := int(s); r < y; r++ {
						b.line[r*b.w+x] |= vLine
					}
				}
				b.start[x] = -1
			}
		}
	}
}

// findHorizontal flags the horizontal ink runs of at least minRun px in
// rows whose long runs together cover at least gridCover of the width:
// a grid line is ruled across every track, so its row is mostly ink. A
// curve's near-flat stretch in any other row is kept, however long.
func (b *band) findHorizontal(minRun int) {
	for y := 0; y < b.h; y++ {
		ink := b.ink[y*b.w : (y+1)*b.w]
		line := b.line[y*b.w : (y+1)*b.w]
		long := 0
		for pass := range 2 {
			for x := 0; x < b.w; {
				if !ink[x] {
					x++
					continue
				}
				s := x
				for x < b.w && ink[x] {
					x++
				}
				if x-s < minRun {
					continue
				}
				if pass == 0 {
					long += x - s
					continue
				}
				for i := s; i < x; i++ {
					line[i] |= hLine
				}
			}
			if float64(long) < gridCover*float64(b.w) {
				break
			}
		}
	}
}

// gridCover is the least share of a row's width that its long ink runs
// must cover for them to be grid lines.
const gridCover = 0.4

// removeLines sets b.clean: ink off the lines, plus line px where a
// stroke crosses (ink that is on no line touches both sides of the line).
func (b *band) removeLines() {
	for i, on := range b.ink {
		b.clean[i] = on && (b.line[i] == 0 || b.crossing(i))
	}
}

// crossing reports whether line px i is where a stroke crosses its line.
func (b *band) crossing(i int) bool {
	x, y := i%b.w, i/b.w
	f := b.line[i]
	if f&vLine != 0 {
		l, r := x, x
		for l > 0 && b.line[y*b.w+l-1]&vLine != 0 {
			l--
		}
		for r < b.w-1 && b.line[y*b.w+r+1]&vLine != 0 {
			r++
		}
		if !b.strokeNear(l-1, y, 0, 1) || !b.strokeNear(r+1, y, 0, 1) {
			return false
		}
	}
	if f&hLine != 0 {
		t, d := y, y
		for t > 0 && b.line[(t-1)*b.w+x]&hLine != 0 {
			t--
		}
		for d < b.h-1 && b.line[(d+1)*b.w+x]&hLine != 0 {
			d++
		}
		if !b.strokeNear(x, t-1, 1, 0) || !b.strokeNear(x, d+1, 1, 0) {
			return false
		}
	}
	return true
}

// strokeNear reports whether any of the three px centred on (x, y) and
// stepping by (dx, dy) is ink on no line.
func (b *band) strokeNear(x, y, dx, dy int) bool {
	for k := -1; k <= 1; k++ {
		px, py := x+k*dx, y+k*dy
		if px < 0 || py < 0 || px >= b.w || py >= b.h {
			continue
		}
		i := py*b.w + px
		if b.ink[i] && b.line[i] == 0 {
			return true
		}
	}
	return false
}
