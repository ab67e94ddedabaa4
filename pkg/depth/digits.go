package depth

import (
	"image"
	"image/draw"
	"math"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// The digit reader compares a glyph's ink, resampled to a gridW x gridH
// grid, with one template per digit: first templates rendered from the
// Go sans font, plus a drawn 0 and 1 (Go's zero is slashed and its one has
// a foot, unlike the Helvetica-style faces most logs are printed in),
// then templates learned from the glyphs of labels the first fit
// confirmed.
const (
	gridW = 6
	gridH = 9
)

// shape is what the reader compares: the ink grid (zero mean, unit norm),
// the bounding box's width over height and the number of enclosed holes.
type shape struct {
	grid   [gridW * gridH]float64
	aspect float64
	holes  int
	holeY  float64 // mean hole centre, 0 top .. 1 bottom; -1 without holes
}

// variant is one template: a digit and its shape.
type variant struct {
	digit int
	shape
}

// templates holds one or more shapes per digit 0..9.
type templates []variant

var (
	fontOnce      sync.Once
	fontTemplates templates
)

// renderedTemplates returns digit shapes rendered from Go Regular.
func renderedTemplates() templates {
	fontOnce.Do(func() {
		f, err := opentype.Parse(goregular.TTF)
		if err != nil {
			panic("depth: embedded Go font does not parse: " + err.Error())
		}
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 48, DPI: 72,
			Hinting: font.HintingNone})
		if err != nil {
			panic("depth: embedded Go font face: " + err.Error())
		}
		for d := range 10 {
			fontTemplates = append(fontTemplates, variant{d, shapeOf(renderDigit(face, d))})
		}
		fontTemplates = append(fontTemplates, variant{0, shapeOf(drawnZero())},
			variant{1, shapeOf(drawnOne())})
	})
	return fontTemplates
}

// renderDigit draws one digit and returns its ink cropped to its bounds.
func renderDigit(face font.Face, d int) glyph {
	img := image.NewGray(image.Rect(0, 0, 64, 64))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	dr := font.Drawer{Dst: img, Src: image.Black, Face: face, Dot: fixed.P(8, 52)}
	dr.DrawString(string(rune('0' + d)))
	box := image.Rectangle{}
	for y := range 64 {
		for x := range 64 {
			if img.GrayAt(x, y).Y < inkLevel {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	g := glyph{box: box, ink: make([]bool, box.Dx()*box.Dy())}
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			g.ink[(y-box.Min.Y)*box.Dx()+x-box.Min.X] = img.GrayAt(x, y).Y < inkLevel
		}
	}
	return g
}

// drawnZero is an upright elliptical ring, 36 x 56 px, stroke about 6 px.
func drawnZero() glyph {
	const w, h = 36, 56
	g := glyph{box: image.Rect(0, 0, w, h), ink: make([]bool, w*h)}
	for y := range h {
		for x := range w {
			dx, dy := (float64(x)+0.5-w/2)/(w/2), (float64(y)+0.5-h/2)/(h/2)
			r := math.Hypot(dx, dy)
			g.ink[y*w+x] = r <= 1 && r >= 0.8
		}
	}
	return g
}

// drawnOne is a stem on the right with a flag to the upper left, 22 x 56
// px.
func drawnOne() glyph {
	const w, h = 22, 56
	g := glyph{box: image.Rect(0, 0, w, h), ink: make([]bool, w*h)}
	for y := range h {
		for x := range w {
			stem := x >= 15
			// the flag: within 3 px of the line from (0, 18) to (16, 0)
			flag := y < 20 && math.Abs(float64(18*x+16*y-16*18))/math.Hypot(18, 16) < 3
			g.ink[y*w+x] = stem || flag
		}
	}
	return g
}

// shapeOf measures a glyph: ink per grid cell by area, normalised, its
// aspect and its holes.
func shapeOf(g glyph) shape {
	w, h := g.box.Dx(), g.box.Dy()
	var s shape
	s.aspect = float64(w) / float64(h)
	for y := range h {
		cy := (float64(y) + 0.5) * gridH / float64(h)
		for x := range w {
			if !g.ink[y*w+x] {
				continue
			}
			cx := (float64(x) + 0.5) * gridW / float64(w)
			s.grid[min(int(cy), gridH-1)*gridW+min(int(cx), gridW-1)]++
		}
	}
	normalise(s.grid[:])
	s.holes, s.holeY = holes(g)
	return s
}

// normalise makes v zero mean and unit norm (left zero when flat).
func normalise(v []float64) {
	var mean float64
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	var ss float64
	for i := range v {
		v[i] -= mean
		ss += v[i] * v[i]
	}
	if ss == 0 {
		return
	}
	n := math.Sqrt(ss)
	for i := range v {
		v[i] /= n
	}
}

// holes counts the background regions of the glyph's box (4-connected)
// that do not reach its edge, ignoring specks under 3 px, and returns
// their mean centre row as a fraction of the height (-1 without holes).
func holes(g glyph) (int, float64) {
	w, h := g.box.Dx(), g.box.Dy()
	seen := make([]bool, w*h)
	n, sumY := 0, 0.0
	var stack []int
	for start := range seen {
		if seen[start] || g.ink[start] {
			continue
		}
		seen[start] = true
		stack = append(stack[:0], start)
		edge, size, ys := false, 0, 0
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := p%w, p/w
			size++
			ys += y
			edge = edge || x == 0 || y == 0 || x == w-1 || y == h-1
			for _, q := range [4]int{p - 1, p + 1, p - w, p + w} {
				if q < 0 || q >= len(seen) || (q == p-1 && x == 0) || (q == p+1 && x == w-1) {
					continue
				}
				if !seen[q] && !g.ink[q] {
					seen[q] = true
					stack = append(stack, q)
				}
			}
		}
		if !edge && size >= 3 {
			n++
			sumY += (float64(ys)/float64(size) + 0.5) / float64(h)
		}
	}
	if n == 0 {
		return 0, -1
	}
	return n, sumY / float64(n)
}

// score is how well a glyph matches a template: correlation of the ink
// grids, less penalties for a different aspect and hole count.
func score(g, t shape) float64 {
	var c float64
	for i := range g.grid {
		c += g.grid[i] * t.grid[i]
	}
	c -= 0.8 * math.Abs(math.Log(g.aspect/t.aspect))
	if g.holes != t.holes {
		c -= 0.5
	} else if g.holes == 1 {
		c -= 0.8 * math.Abs(g.holeY-t.holeY)
	}
	return c
}

// readDigit returns the best-matching digit and its score.
func readDigit(s shape, ts templates) (int, float64) {
	best, bestScore := -1, math.Inf(-1)
	for _, t := range ts {
		if sc := score(s, t.shape); sc > bestScore {
			best, bestScore = t.digit, sc
		}
	}
	return best, bestScore
}

// learn averages the shapes of glyphs known to be each digit into one new
// template per digit; a digit without examples keeps its old templates.
func learn(old templates, examples [10][]shape) templates {
	var out templates
	for _, t := range old {
		if len(examples[t.digit]) == 0 {
			out = append(out, t)
		}
	}
	for d, ex := range examples {
		if len(ex) == 0 {
			continue
		}
		var t shape
		var holeY float64
		holeCount := map[int]int{}
		for _, s := range ex {
			for i := range t.grid {
				t.grid[i] += s.grid[i]
			}
			t.aspect += math.Log(s.aspect)
			holeCount[s.holes]++
			if s.holes == 1 {
				holeY += s.holeY
			}
		}
		normalise(t.grid[:])
		t.aspect = math.Exp(t.aspect / float64(len(ex)))
		for k, c := range holeCount {
			if c > holeCount[t.holes] || (c == holeCount[t.holes] && k < t.holes) {
				t.holes = k
			}
		}
		t.holeY = -1
		if n := holeCount[1]; n > 0 {
			t.holeY = holeY / float64(n)
		}
		out = append(out, variant{d, t})
	}
	return out
}
