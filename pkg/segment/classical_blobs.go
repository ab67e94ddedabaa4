package segment

// find returns the root of px i, halving the path on the way.
func (b *band) find(i int32) int32 {
	p := b.parent
	for p[i] != i {
		p[i] = p[p[i]]
		i = p[i]
	}
	return i
}

// union joins the strokes of px i and j; the smaller index is the root,
// so a component's root is its first px in raster order.
func (b *band) union(i, j int32) {
	ri, rj := b.find(i), b.find(j)
	switch {
	case ri < rj:
		b.parent[rj] = ri
	case rj < ri:
		b.parent[ri] = rj
	}
}

// label finds the 8-connected strokes of b.clean. Afterwards b.parent of
// every clean px holds -(component index + 1) and b.comps their boxes.
func (b *band) label() {
	w := b.w
	for y := 0; y < b.h; y++ {
		for x := 0; x < w; x++ {
			i := int32(y*w + x)
			if !b.clean[i] {
				continue
			}
			b.parent[i] = i
			if x > 0 && b.clean[i-1] {
				b.union(i, i-1)
			}
			if y == 0 {
				continue
			}
			up := i - int32(w)
			for _, j := range [3]int32{up - 1, up, up + 1} {
				jx := x + int(j-up)
				if jx >= 0 && jx < w && b.clean[j] {
					b.union(i, j)
				}
			}
		}
	}

	b.comps = b.comps[:0]
	for i := range b.parent {
		if !b.clean[i] {
			continue
		}
		x, y := int32(i%w), int32(i/w)
		if p := b.parent[i]; p == int32(i) {
			b.comps = append(b.comps, comp{x0: x, y0: y, x1: x, y1: y})
			b.parent[i] = -int32(len(b.comps))
		} else {
			// p < i was relabelled already: copy its component.
			b.parent[i] = b.parent[p]
		}
		c := &b.comps[-b.parent[i]-1]
		c.x0, c.x1 = min(c.x0, x), max(c.x1, x)
		c.y1 = y
		c.n++
	}
}

// gridCell is the edge of the cells, px, that index short strokes.
const gridCell = 64

// solidMass times SolidMin is the px count from which a stroke longer
// than a glyph (TextMax) is solid, short of SolidMin: a curve's brief
// excursion past a border, cut off by the border line, is heavier than
// any dash.
const solidMass = 2

// classify sets each component's class: long strokes solid, chained short
// strokes dashed, text and specks dropped.
func (b *band) classify(o ClassicalOptions) {
	gw, gh := b.w/gridCell+1, b.h/gridCell+1
	cells := make([][]int32, gw*gh)
	var short []int32
	for k := range b.comps {
		c := &b.comps[k]
		switch {
		case c.n < int32(o.MinBlob):
			c.class = 0
		case max(c.width(), c.height()) >= int32(o.SolidMin),
			c.n >= solidMass*int32(o.SolidMin) && max(c.width(), c.height()) > int32(o.TextMax):
			c.class = 1
		default:
			short = append(short, int32(k))
			for cy := c.y0 / gridCell; cy <= c.y1/gridCell; cy++ {
				for cx := c.x0 / gridCell; cx <= c.x1/gridCell; cx++ {
					cells[int(cy)*gw+int(cx)] = append(cells[int(cy)*gw+int(cx)], int32(k))
				}
			}
		}
	}

	near := func(k int32, visit func(j int32) bool) {
		c := &b.comps[k]
		r := int32(max(o.DashGap, o.TextMax))
		for cy := max(0, (c.y0-r)/gridCell); cy <= min(int32(gh-1), (c.y1+r)/gridCell); cy++ {
			for cx := max(0, (c.x0-r)/gridCell); cx <= min(int32(gw-1), (c.x1+r)/gridCell); cx++ {
				for _, j := range cells[int(cy)*gw+int(cx)] {
					if j != k && !visit(j) {
						return
					}
				}
			}
		}
	}

	text := make(map[int32]bool)
	for _, k := range short {
		near(k, func(j int32) bool {
			if glyphPair(&b.comps[k], &b.comps[j], o) {
				text[k] = true
				return false
			}
			return true
		})
	}
	for _, k := range short {
		b.comps[k].class = 0
		if text[k] {
			continue
		}
		near(k, func(j int32) bool {
			if !text[j] && gap(&b.comps[k], &b.comps[j]) <= int32(o.DashGap) {
				b.comps[k].class = 2
				return false
			}
			return true
		})
	}
}

// gap returns the Chebyshev gap in px between two boxes (0 when they
// touch or overlap).
func gap(a, c *comp) int32 {
	dx := max(0, max(a.x0-c.x1, c.x0-a.x1)-1)
	dy := max(0, max(a.y0-c.y1, c.y0-a.y1)-1)
	return max(dx, dy)
}

// glyphPair reports whether a and c look like neighbouring glyphs of one
// text line: both glyph-sized, similar heights, side by side on the same
// rows, close together.
func glyphPair(a, c *comp, o ClassicalOptions) bool {
	ha, hc := a.height(), c.height()
	lo, hi := int32(o.TextMin), int32(o.TextMax)
	if ha < lo || hc < lo || ha > hi || hc > hi || a.width() > hi || c.width() > hi {
		return false
	}
	if a.width() < 2 || c.width() < 2 {
		return false
	}
	if 3*max(ha, hc) > 5*min(ha, hc) {
		return false
	}
	overlap := min(a.y1, c.y1) - max(a.y0, c.y0) + 1
	if 5*overlap < 3*min(ha, hc) {
		return false
	}
	hgap := max(a.x0-c.x1, c.x0-a.x1) - 1
	return hgap <= max(ha, hc)
}
