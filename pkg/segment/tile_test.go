package segment

import "testing"

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
			next := 0
			for i, tl := range tiles {
				if tl.start%c.stride != 0 || tl.start < 0 || tl.start+size > canvas {
					t.Fatalf("n=%d %+v: tile %d start %d size %d off canvas %d or unaligned",
						n, c, i, tl.start, size, canvas)
				}
				if tl.own0 != next || tl.own1 <= tl.own0 {
					t.Fatalf("n=%d %+v: tile %d owns [%d,%d), want start %d",
						n, c, i, tl.own0, tl.own1, next)
				}
				next = tl.own1
				half := c.overlap / 2
				if i > 0 && tl.own0-tl.start < half {
					t.Fatalf("n=%d %+v: tile %d owns px %d from its top edge", n, c, i,
						tl.own0-tl.start)
				}
				if i < len(tiles)-1 && tl.start+size-tl.own1 < half {
					t.Fatalf("n=%d %+v: tile %d owns px %d from its bottom edge", n, c, i,
						tl.start+size-tl.own1)
				}
			}
			if next != n {
				t.Fatalf("n=%d %+v: tiles own up to %d", n, c, next)
			}
		}
	}
}
