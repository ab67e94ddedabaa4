package vector

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
)

// group is the set of manifest curves of one class in one track: they are
// traced together, one path each.
type group struct {
	track  int
	class  int
	band   raster.Band
	curves []int // indices into the manifest's Curves(), manifest order
	cyclic bool  // some curve has a backup scale: the band wraps around
	// kmin and kmax span the sides the curves can show: 0 the main
	// scale, +1 or -1 a backup scale past the right or the left border.
	kmin, kmax int
}

// TraceAll traces every manifest curve through the probability map and
// returns one Trace per curve, in manifest order (Manifest.Curves()). Each
// Trace covers layout.Body; Frac is the position across layout.Tracks[t]
// between the centres of its border lines (see TrackEdges).
//
// Curves are traced per track and class with a Viterbi path (see Options
// for the costs) on a band that spans the track with its border lines, so
// a curve drawn along a border is followed there. Where a track holds
// several dashed, dotted or dash-dot curves of distinct styles, the ink is
// cut into pieces (dots, dashes, dashes next to dots) and each curve is
// traced in turn on the pieces its style shows, most particular style
// first, blind to the ink earlier paths claimed. Otherwise several curves
// of one class are traced one after another; where the first path leapt
// onto the other curve and the second leapt back at the same rows, their
// tails are exchanged, and contacts are resolved by slope continuity. The
// paths are then given to that class's curves by the cheapest one-to-one
// match of: wrap side (a path that wraps can only be a curve whose backup
// scale lies on that side), dash rhythm (dotted curves show short ink
// pieces, dashed long ones, dash-dot both) and, to break ties, order: the
// k-th curve listed expects the k-th path from the left by mean position.
// Two curves of one style that share a range are told apart by order
// alone: list such curves left to right.
//
// A curve with a backup scale is traced on a band one track width long,
// laid out twice side by side (main scale and backup scale, joined border
// to border), so a wrap is followed across the join (cheaply where ink
// comes up to both borders: the stroke leaving and re-entering) and a
// path is on the main scale or on its one backup scale, never wrapped
// twice; rows on the backup scale cost Options.BackupCost. Frac goes past
// 1 (or below 0) and Wrap is +1 (or -1) on those rows.
//
// Errors wrap ErrInput and say which input to fix: a nil map or manifest,
// a body or track outside the map, fewer layout tracks than manifest ones.
func TraceAll(pm *raster.ProbMap, layout raster.Layout, m *manifest.Manifest,
	opt Options) ([]Trace, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	opt = opt.withDefaults()
	groups, err := planGroups(pm, layout, m)
	if err != nil {
		return nil, err
	}

	curves := m.Curves()
	traces := make([]Trace, len(curves))
	jobs := make(chan group)
	var wg sync.WaitGroup
	for range min(opt.Workers, max(1, len(groups))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf dpBuffers
			for g := range jobs {
				traceGroup(pm, layout, g, curves, opt, &buf, traces)
			}
		}()
	}
	for _, g := range groups {
		jobs <- g
	}
	close(jobs)
	wg.Wait()
	return traces, nil
}

// planGroups checks the inputs fit together and groups the curves.
func planGroups(pm *raster.ProbMap, layout raster.Layout, m *manifest.Manifest) ([]group, error) {
	if pm == nil || m == nil {
		return nil, fmt.Errorf("%w: probability map and manifest are required", ErrInput)
	}
	if len(pm.P[0]) != pm.Width*pm.Height || len(pm.P[1]) != pm.Width*pm.Height {
		return nil, fmt.Errorf("%w: probability map planes do not match its %d x %d px size",
			ErrInput, pm.Width, pm.Height)
	}
	body := layout.Body
	if body.Top < 0 || body.Bottom > pm.Height || body.Len() < 1 {
		return nil, fmt.Errorf("%w: body rows [%d, %d) are not inside the %d px tall map",
			ErrInput, body.Top, body.Bottom, pm.Height)
	}
	if len(layout.Tracks) < len(m.Tracks) {
		return nil, fmt.Errorf("%w: layout found %d tracks but the manifest lists %d: "+
			"pin the track borders in the manifest", ErrInput, len(layout.Tracks), len(m.Tracks))
	}
	var groups []group
	idx := 0
	for ti, t := range m.Tracks {
		band := layout.Tracks[ti]
		if band.Left < 0 || band.Right > pm.Width || band.Width() < 2 ||
			band.Width() > math.MaxInt16/3 {
			return nil, fmt.Errorf("%w: track %d columns [%d, %d) are not inside the %d px "+
				"wide map", ErrInput, ti+1, band.Left, band.Right, pm.Width)
		}
		byClass := map[int]*group{}
		for _, c := range t.Curves {
			cls := c.Class()
			g := byClass[cls]
			if g == nil {
				g = &group{track: ti, class: cls, band: band}
				byClass[cls] = g
			}
			g.curves = append(g.curves, idx)
			g.cyclic = g.cyclic || c.Backup != nil
			g.kmin, g.kmax = min(g.kmin, backupDir(c)), max(g.kmax, backupDir(c))
			idx++
		}
		for _, cls := range []int{manifest.ClassSolid, manifest.ClassDashed} {
			if g := byClass[cls]; g != nil {
				groups = append(groups, *g)
			}
		}
	}
	return groups, nil
}

// traceGroup traces the curves of one group and stores their Traces.
func traceGroup(pm *raster.ProbMap, layout raster.Layout, g group,
	curves []manifest.TrackCurve, opt Options, buf *dpBuffers, out []Trace) {
	body := layout.Body
	x0, x1 := TrackEdges(layout, g.track)
	v := &bandView{
		pm: pm, cls: g.class, top: body.Top, h: body.Len(),
		thr:   uint8(math.Ceil(opt.Threshold * 255)),
		cross: uint16(math.Round(opt.CrossClass * 256)),
	}
	v.frame(layout, g, x0, x1)
	gc := make([]manifest.Curve, len(g.curves))
	for k, ci := range g.curves {
		gc[k] = curves[ci].Curve
	}
	var paths []*path
	if byStyle(g.class, gc) {
		paths = v.traceByStyle(gc, opt, buf)
	}
	if paths == nil {
		paths = make([]*path, len(g.curves))
		for k := range paths {
			u := v.viterbi(opt, buf)
			paths[k] = v.refine(u, opt, buf.rowA)
			v.excl = append(v.excl, paths[k].claim)
		}
		if len(paths) > 1 {
			resolveExchanges(paths, opt)
			resolveCrossings(paths, opt, true)
		}
	}
	// From here on positions are px from track fraction 0; on a cyclic
	// band one period is one track width.
	period := x1 - x0
	if g.cyclic {
		period = float64(v.w)
	}
	for _, p := range paths {
		for i := range p.pos {
			p.pos[i] += float64(v.left) - x0
		}
	}
	pick := assign(paths, gc, period)

	for k, ci := range g.curves {
		p := paths[pick[k]]
		c := curves[ci].Curve
		if g.cyclic {
			shift, _ := wrapFit(p.pos, period, c)
			for i := range p.pos {
				p.pos[i] -= float64(shift) * period
			}
		}
		tr := Trace{
			Mnemonic: curves[ci].Mnemonic, Class: g.class, Track: g.track,
			Top:  body.Top,
			Frac: make([]float64, v.h), Wrap: make([]int8, v.h), Conf: p.conf,
		}
		tol := borderTol / period
		for y, u := range p.pos {
			tr.Frac[y] = math.NaN()
			if math.IsNaN(u) {
				continue
			}
			f := u / period
			if g.cyclic {
				f = clampSide(f, backupDir(c), tol)
			}
			tr.Frac[y] = f
			if g.cyclic {
				tr.Wrap[y] = int8(max(-127, min(127, math.Floor(f))))
				if f == 1 || f == 2 {
					tr.Wrap[y]-- // on the right border: still the scale to its left
				}
			}
		}
		out[ci] = tr
	}
}

// byStyle reports whether a group's curves are traced one line style at a
// time: several dashed, dotted or dash-dot curves, no two alike.
func byStyle(class int, cs []manifest.Curve) bool {
	if class != manifest.ClassDashed || len(cs) < 2 {
		return false
	}
	seen := map[string]bool{}
	for _, c := range cs {
		st := c.Style
		if st == "" || seen[st] {
			return false
		}
		seen[st] = true
	}
	return true
}

// traceByStyle traces the curves of a group with distinct line styles,
// each on the ink whose pieces fit its style (see pieceMap), most
// particular style first; paths[k] is curve k's. It returns nil when the
// ink does not show the styles' shapes.
func (v *bandView) traceByStyle(cs []manifest.Curve, opt Options, buf *dpBuffers) []*path {
	buf.ensure(v.w, v.h)
	v.pieces = buildPieces(v, buf.rowA)
	if !v.pieces.fits(cs) {
		v.pieces = nil
		return nil
	}
	order := make([]int, len(cs))
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return styleOrder(cs[a].Style) - styleOrder(cs[b].Style)
	})
	paths := make([]*path, len(cs))
	for _, k := range order {
		v.styleW = styleWeights(cs[k].Style)
		u := v.viterbi(opt, buf)
		paths[k] = v.refine(u, opt, buf.rowA)
		v.excl = append(v.excl, paths[k].claim)
	}
	v.pieces = nil
	resolveCrossings(paths, opt, false)
	return paths
}

// borderTol is how far in px past a border a position may lie and still be
// read as on that border (the far half of a line drawn along it).
const borderTol = 3

// clampSide pulls a track fraction that lies within tol past a border into
// the range a curve can show (0..1, plus its backup side dir), onto that
// border.
func clampSide(f float64, dir int, tol float64) float64 {
	lo, hi := 0.0, 1.0
	switch dir {
	case 1:
		hi = 2
	case -1:
		lo = -1
	}
	switch {
	case f < lo && f > lo-tol:
		return lo
	case f > hi && f < hi+tol:
		return hi
	}
	return f
}

// frame sets the band columns the group is traced in. A plain band spans
// the track with its border lines, so a curve drawn along a border is
// seen whole. A cyclic band (a curve with a backup scale) is one track
// width long from the centre of the left border; the outer halves of the
// border lines fold onto its other end, where the borders join.
func (v *bandView) frame(layout raster.Layout, g group, x0, x1 float64) {
	oL, oR := borderOuter(layout, g.track)
	oL, oR = max(0, oL), min(v.pm.Width, oR)
	v.left, v.w = oL, oR-oL
	if !g.cyclic {
		return
	}
	v.cyclic = true
	period := int(math.Round(x1 - x0))
	left := int(math.Floor(x0))
	if period < 2 || left < 0 || left+period > v.pm.Width {
		return
	}
	v.left, v.w = left, period
	v.kmin, v.kmax = g.kmin, g.kmax
	v.foldL = min(max(0, left-oL), period/2)
	v.foldR = min(max(0, oR-(left+period)), period/2)
}

// meanPos is the mean of the defined values; +Inf when none, so empty
// paths sort last.
func meanPos(v []float64) float64 {
	var s, n float64
	for _, x := range v {
		if !math.IsNaN(x) {
			s += x
			n++
		}
	}
	if n == 0 {
		return math.Inf(1)
	}
	return s / n
}

func abs(k int) int {
	if k < 0 {
		return -k
	}
	return k
}
