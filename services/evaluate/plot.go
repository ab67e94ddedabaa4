package main

import (
	"cmp"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"slices"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Plot geometry in px.
const (
	plotW      = 960
	panelH     = 260
	plotLeft   = 56
	plotRight  = 200 // legend column
	plotTop    = 28
	plotBottom = 36
	plotR2Min  = 0.0 // R2 below this is drawn on the bottom edge
)

// palette colours models in the order they are given.
var palette = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
	{188, 189, 34, 255}, {23, 190, 207, 255},
}

// exampleKey names one held-out log.
type exampleKey struct {
	tier string
	seed uint64
}

// PlotR2 draws, for curve classes 1 and 2, each model's mean R2 per
// example against the examples ordered by difficulty: easy tier then hard
// tier, each from the example the models score best on (mean R2 over
// models) to the worst. R2 below 0 is drawn on the bottom edge.
func PlotR2(w io.Writer, results []ExampleResult, models []string) error {
	order := difficultyOrder(results)
	img := image.NewRGBA(image.Rect(0, 0, plotW, 2*panelH))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	for panel, class := range []int{1, 2} {
		top := panel * panelH
		drawPanel(img, top, class, order, results, models)
	}
	return png.Encode(w, img)
}

// difficultyOrder sorts examples: tiers in order of first appearance, then
// by the mean over models and curves of R2, best first.
func difficultyOrder(results []ExampleResult) []exampleKey {
	mean := map[exampleKey][]float64{}
	tierRank := map[string]int{}
	var keys []exampleKey
	for _, r := range results {
		k := exampleKey{r.Tier, r.Seed}
		if _, ok := tierRank[r.Tier]; !ok {
			tierRank[r.Tier] = len(tierRank)
		}
		if _, ok := mean[k]; !ok {
			keys = append(keys, k)
		}
		for _, c := range r.Curves {
			mean[k] = append(mean[k], math.Max(float64(c.R2), -1))
		}
	}
	avg := func(k exampleKey) float64 { _, m := medianMean(mean[k]); return float64(m) }
	slices.SortStableFunc(keys, func(a, b exampleKey) int {
		if c := cmp.Compare(tierRank[a.tier], tierRank[b.tier]); c != 0 {
			return c
		}
		return cmp.Compare(avg(b), avg(a))
	})
	return keys
}

func drawPanel(img *image.RGBA, top, class int, order []exampleKey,
	results []ExampleResult, models []string) {
	x0, x1 := plotLeft, plotW-plotRight
	y0, y1 := top+plotTop, top+panelH-plotBottom
	grey := color.RGBA{200, 200, 200, 255}
	for _, v := range []float64{0, 0.25, 0.5, 0.75, 0.9, 1} {
		y := yOf(v, y0, y1)
		hline(img, x0, x1, y, grey)
		label(img, 8, y+4, strconv.FormatFloat(v, 'f', 2, 64), color.Black)
	}
	label(img, x0, top+18, "R-squared by example, curve class "+strconv.Itoa(class)+
		(map[int]string{1: " (solid)", 2: " (dashed/dotted)"})[class]+
		"; below 0 drawn at 0", color.Black)
	n := len(order)
	xOf := func(i int) int {
		if n <= 1 {
			return (x0 + x1) / 2
		}
		return x0 + 8 + i*(x1-x0-16)/(n-1)
	}
	for i := 1; i < n; i++ {
		if order[i].tier != order[i-1].tier {
			x := (xOf(i) + xOf(i-1)) / 2
			vline(img, x, y0, y1, color.RGBA{120, 120, 120, 255})
		}
	}
	for i, k := range order {
		if i == 0 || order[i-1].tier != k.tier {
			label(img, xOf(i), y1+24, k.tier+" (easier left)", color.Black)
		}
	}
	for mi, m := range models {
		col := palette[mi%len(palette)]
		prevX, prevY := -1, -1
		for i, k := range order {
			v, ok := exampleR2(results, m, k, class)
			if !ok || (i > 0 && order[i-1].tier != k.tier) {
				prevX = -1
			}
			if !ok {
				continue
			}
			x, y := xOf(i), yOf(v, y0, y1)
			marker(img, x, y, col)
			if prevX >= 0 {
				line(img, prevX, prevY, x, y, col)
			}
			prevX, prevY = x, y
		}
		ly := y0 + 6 + 16*mi
		fill(img, image.Rect(x1+16, ly-6, x1+28, ly+2), col)
		label(img, x1+34, ly+2, m, color.Black)
	}
}

// exampleR2 is the mean R2 of a model's curves of one class on one
// example.
func exampleR2(results []ExampleResult, model string, k exampleKey, class int) (float64, bool) {
	var v []float64
	for _, r := range results {
		if r.Model != model || r.Tier != k.tier || r.Seed != k.seed {
			continue
		}
		for _, c := range r.Curves {
			if c.Class == class {
				v = append(v, float64(c.R2))
			}
		}
	}
	_, m := medianMean(v)
	return float64(m), !math.IsNaN(float64(m))
}

func yOf(v float64, y0, y1 int) int {
	v = math.Min(1, math.Max(plotR2Min, v))
	return y1 - int(math.Round((v-plotR2Min)/(1-plotR2Min)*float64(y1-y0)))
}

func label(img *image.RGBA, x, y int, s string, c color.Color) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13,
		Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

func hline(img *image.RGBA, x0, x1, y int, c color.RGBA) {
	for x := x0; x <= x1; x++ {
		img.SetRGBA(x, y, c)
	}
}

func vline(img *image.RGBA, x, y0, y1 int, c color.RGBA) {
	for y := y0; y <= y1; y++ {
		img.SetRGBA(x, y, c)
	}
}

func marker(img *image.RGBA, x, y int, c color.RGBA) {
	fill(img, image.Rect(x-2, y-2, x+3, y+3), c)
}

// line draws a 1 px segment (Bresenham).
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for {
		img.SetRGBA(x0, y0, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func abs(v int) int { return max(v, -v) }

func sign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
