package vector

import (
	"fmt"
	"math"
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
}

// TraceAll traces every manifest curve through the probability map and
// returns one Trace per curve, in manifest order (Manifest.Curves()). Each
// Trace covers layout.Body; Frac is the position across layout.Tracks[t]
// between the centres of its border lines (see TrackEdges).
//
// Curves are traced per track and class with a Viterbi path (see Options
// for the costs). Where a track holds several curves of one class they
// are traced one after another, each later path blind to the ink earlier
// ones claimed, and contacts are resolved by slope continuity. The paths
// are then given to that class's curves by the cheapest one-to-one match
// of: wrap side (a path that wraps can only be a curve whose backup scale
// lies on that side), dash rhythm (dotted curves show short ink runs,
// dashed long ones, dash-dot both) and, to break ties, order: the k-th
// curve listed expects the k-th path from the left by mean position. Two
// curves of one style that share a range are told apart by order alone:
// list such curves left to right.
//
// A curve with a backup scale is traced on a band whose borders join, so
// a wrap is followed across the seam and unwrapped: Frac goes past 1 (or
// below 0) and Wrap is +1 (or -1) on those rows. The path is shifted by
// whole track widths so that most rows lie on the main scale or the
// backup's side.
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
			band.Width() > math.MaxInt16 {
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
	v := &bandView{
		pm: pm, cls: g.class, left: g.band.Left, w: g.band.Width(),
		top: body.Top, h: body.Len(),
		thr:   uint8(math.Ceil(opt.Threshold * 255)),
		cross: uint16(math.Round(opt.CrossClass * 256)),
	}
	paths := make([]*path, len(g.curves))
	for k := range paths {
		// TODO(#5): a wrapped curve that sweeps a whole track width within
		// a row or two keeps its column and the path loses that wrap;
		// detect the slanted full-width stroke and add the wrap.
		u := v.viterbi(opt, g.cyclic, buf)
		paths[k] = v.refine(u, opt, buf.rowA)
		v.excl = append(v.excl, paths[k].claim)
	}
	if len(paths) > 1 {
		resolveCrossings(paths, opt)
	}
	w := float64(v.w)
	gc := make([]manifest.Curve, len(g.curves))
	for k, ci := range g.curves {
		gc[k] = curves[ci].Curve
	}
	pick := assign(paths, gc, w)

	x0, x1 := TrackEdges(layout, g.track)
	for k, ci := range g.curves {
		p := paths[pick[k]]
		if g.cyclic {
			shift, _ := wrapFit(p.pos, w, curves[ci].Curve)
			for i := range p.pos {
				p.pos[i] -= float64(shift) * w
			}
		}
		tr := Trace{
			Mnemonic: curves[ci].Mnemonic, Class: g.class, Track: g.track,
			Top:  body.Top,
			Frac: make([]float64, v.h), Wrap: make([]int8, v.h), Conf: p.conf,
		}
		for y, u := range p.pos {
			tr.Frac[y] = math.NaN()
			if math.IsNaN(u) {
				continue
			}
			k := math.Floor(u / w)
			x := float64(g.band.Left) + u - k*w
			tr.Frac[y] = (x-x0)/(x1-x0) + k
			tr.Wrap[y] = int8(max(-127, min(127, k)))
		}
		out[ci] = tr
	}
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
