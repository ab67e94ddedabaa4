package segment

import (
	"image"
	"math/rand/v2"
	"testing"
)

// TestPlanAxis checks, for many sizes, that the owned ranges partition
// [0, n), starts are stride-aligned, tiles stay on the canvas, and owned
// px keep at least overlap/2 from inner tile edges.
func TestPlanAxis(t *testing.T) {
	for _, c := range []struct{ size, overlap, stride int }{
		{512, 64, 8}, {256, 48, 4}, {96, 32, 16}, {64, 0, 1},
	} {
		for n := 1; n < 1500; n += 7 {
			size, tiles := planAxis(n, c.size, c.overlap, c.stride)
			canvas := alignUp(n, c.stride)
			checkSpan(t, tiles, 0, canvas, 0, n, size, c.stride)
			checkContext(t, tiles, size, 0, n, canvas, c.overlap)
		}
	}
}

// checkSpan fails t unless tiles of size px lie aligned inside the canvas
// span [lo, hi) and own [a, b) in order without gap or overlap.
func checkSpan(t *testing.T, tiles []axisTile, lo, hi, a, b, size, stride int) {
	t.Helper()
	next := a
	for i, tl := range tiles {
		if tl.start%stride != 0 || tl.start < lo || tl.start+size > hi {
			t.Fatalf("span [%d,%d) own [%d,%d): tile %d start %d size %d outside or unaligned",
				lo, hi, a, b, i, tl.start, size)
		}
		if tl.own0 != next || tl.own1 <= tl.own0 {
			t.Fatalf("span [%d,%d) own [%d,%d): tile %d owns [%d,%d), want from %d",
				lo, hi, a, b, i, tl.own0, tl.own1, next)
		}
		next = tl.own1
	}
	if next != b {
		t.Fatalf("span [%d,%d) own [%d,%d): tiles own up to %d", lo, hi, a, b, next)
	}
}

// TestPlanRegion plans random regions of random images: tiles fit the px
// budget and the canvas, own the region exactly, and every owned px has
// overlap/2 px of context on each side or lies that close to the canvas
// edge.
func TestPlanRegion(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		stride := []int{1, 4, 8, 16}[rng.IntN(4)]
		g := geometry{w: 1 + rng.IntN(3000), h: 1 + rng.IntN(5000), stride: stride,
			overlap: alignUp(rng.IntN(160), stride)}
		tile := alignUp(g.overlap+1+rng.IntN(1200), stride)
		g.budget = tile * tile
		x0, y0 := rng.IntN(g.w), rng.IntN(g.h)
		r := image.Rect(x0, y0, x0+1+rng.IntN(g.w-x0), y0+1+rng.IntN(g.h-y0))
		p := g.planRegion(r)
		if p.tw*p.th > g.budget || p.tiles() == 0 {
			t.Fatalf("%+v %v: %d x %d px tiles (%d) over the %d px budget", g, r, p.tw, p.th,
				p.tiles(), g.budget)
		}
		cw, ch := alignUp(g.w, stride), alignUp(g.h, stride)
		checkContext(t, p.xs, p.tw, r.Min.X, r.Max.X, cw, g.overlap)
		checkContext(t, p.ys, p.th, r.Min.Y, r.Max.Y, ch, g.overlap)
		checkSpan(t, p.xs, 0, cw, r.Min.X, r.Max.X, p.tw, stride)
		checkSpan(t, p.ys, 0, ch, r.Min.Y, r.Max.Y, p.th, stride)
	}
}

// checkContext fails t unless every owned px of tiles has overlap/2 px of
// its tile on each side, or its tile reaches the canvas edge on that side.
func checkContext(t *testing.T, tiles []axisTile, size, a, b, canvas, overlap int) {
	t.Helper()
	half := overlap / 2
	for _, tl := range tiles {
		if tl.start > 0 && tl.own0-tl.start < half {
			t.Fatalf("own [%d,%d): tile at %d leaves %d px of context before px %d",
				a, b, tl.start, tl.own0-tl.start, tl.own0)
		}
		if end := tl.start + size; end < canvas && end-tl.own1 < half {
			t.Fatalf("own [%d,%d): tile at %d leaves %d px of context after px %d",
				a, b, tl.start, end-tl.own1, tl.own1-1)
		}
	}
}

// TestPlanRegionShape checks that a narrow tall region gets tiles as wide
// as it (no overlap spent across) and that the chosen plan computes fewer
// px than square tiles of the same budget.
func TestPlanRegionShape(t *testing.T) {
	g := geometry{w: 1664, h: 17864, stride: 8, overlap: 128, budget: 1024 * 1024}
	track := image.Rect(667, 2524, 1662, 11611)
	p := g.planRegion(track)
	if len(p.xs) != 1 || p.tw != 1064 {
		t.Errorf("track band %v: %d tile columns of %d px, want one of 1064 px (band and "+
			"context)", track, len(p.xs), p.tw)
	}
	x0, x1 := g.context(track.Min.X, track.Max.X, g.w)
	y0, y1 := g.context(track.Min.Y, track.Max.Y, g.h)
	square := regionPlan{tw: 1024, th: 1024,
		xs: g.spanTiles(x0, x1, track.Min.X, track.Max.X, 1024),
		ys: g.spanTiles(y0, y1, track.Min.Y, track.Max.Y, 1024)}
	t.Logf("band %d x %d px with context: plan %d x %d px x %d tiles = %.2f Mpx; "+
		"square 1024 px: %.2f Mpx", x1-x0, y1-y0, p.tw, p.th, p.tiles(),
		float64(p.cost())/1e6, float64(square.cost())/1e6)
	if p.cost() >= square.cost() {
		t.Errorf("plan computes %d px, square tiles %d", p.cost(), square.cost())
	}
	if p.cost() > (x1-x0)*(y1-y0)*5/4 {
		t.Errorf("plan computes %d px for a %d px region: over 25%% overhead", p.cost(),
			(x1-x0)*(y1-y0))
	}
}

// TestMerge checks that regions sharing most of their context are
// computed together and distant ones apart.
func TestMerge(t *testing.T) {
	g := geometry{w: 2000, h: 4000, stride: 8, overlap: 128, budget: 1 << 20}
	for _, c := range []struct {
		name string
		in   []image.Rectangle
		want int
	}{
		{"adjacent bands", []image.Rectangle{image.Rect(0, 100, 500, 3000),
			image.Rect(520, 100, 1500, 3000)}, 1},
		{"bands apart", []image.Rectangle{image.Rect(0, 100, 500, 3000),
			image.Rect(900, 100, 1500, 3000)}, 2},
		{"contained", []image.Rectangle{image.Rect(0, 0, 1000, 3000),
			image.Rect(100, 100, 200, 200)}, 1},
		{"far rows", []image.Rectangle{image.Rect(0, 0, 1000, 500),
			image.Rect(0, 2000, 1000, 2500)}, 2},
	} {
		got := g.merge(c.in)
		if len(got) != c.want {
			t.Errorf("%s: %d regions %v, want %d", c.name, len(got), got, c.want)
		}
		for _, r := range c.in {
			in := false
			for _, m := range got {
				in = in || r.In(m)
			}
			if !in {
				t.Errorf("%s: %v not inside any merged region %v", c.name, r, got)
			}
		}
	}
}

// TestParallelism checks the Workers and Threads defaults.
func TestParallelism(t *testing.T) {
	for _, c := range []struct{ workers, threads, cores, wantW, wantT int }{
		{0, 0, 2, 2, 1}, {0, 0, 1, 1, 1}, {0, 0, 16, 2, 8}, {1, 0, 2, 1, 2},
		{3, 0, 2, 3, 1}, {0, 4, 2, 2, 4}, {1, 1, 8, 1, 1},
	} {
		w, th := parallelism(c.workers, c.threads, c.cores)
		if w != c.wantW || th != c.wantT {
			t.Errorf("workers %d threads %d on %d cores: got %d, %d, want %d, %d",
				c.workers, c.threads, c.cores, w, th, c.wantW, c.wantT)
		}
	}
}
