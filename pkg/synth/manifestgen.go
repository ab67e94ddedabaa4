package synth

import (
	"fmt"
	"math"

	"github.com/welllog/digitiser/pkg/manifest"
)

// TruthLASName is the truth file's name inside an archive.
const TruthLASName = "truth.las"

// manifest builds the manifest the pipeline reads for this log. Tie
// points, when given, pin labelled depth lines at the centre of the depth
// track, in rows of the page.
func (p *plan) manifest(g *rng) *manifest.Manifest {
	m := &manifest.Manifest{
		Well: manifest.Well{
			Name:    fmt.Sprintf("SYNTH %d-%d", 1+g.n(36), 1+g.n(9)),
			UWI:     fmt.Sprintf("15-%03d-%05d", g.n(200), g.n(100000)),
			Company: "Synthetic Logging Co",
			Field:   "Synth",
			County:  "Nemaha",
			State:   "Kansas",
			Country: "US",
			Service: "synth " + Version,
		},
		Depth: manifest.Depth{Unit: p.dg.unit, Step: p.dg.step, Scale: p.dg.scale,
			MajorEvery: p.dg.label},
		Truth: TruthLASName,
	}
	for ti, t := range p.tracks {
		mt := manifest.Track{Name: fmt.Sprintf("Track %d", ti+1), Grid: t.Grid,
			Decades: t.Decades}
		for _, cv := range p.curves {
			if cv.track == ti {
				mt.Curves = append(mt.Curves, cv.mc)
			}
		}
		m.Tracks = append(m.Tracks, mt)
	}
	if p.tiePoints {
		m.Depth.TiePoints = p.tiePointList()
	}
	m.Defaults()
	return m
}

// tiePointList pins up to four labelled depths spread down the body,
// among those whose tie point lands on the page (under skew the last labels
// of a strip can map past its bottom row); none when fewer than two do.
func (p *plan) tiePointList() []manifest.TiePoint {
	first := math.Ceil(p.rowDepth(float64(p.body.Top))/p.dg.label) * p.dg.label
	last := math.Floor(p.rowDepth(float64(p.h-1))/p.dg.label) * p.dg.label
	var cands []manifest.TiePoint
	for d := first; d <= last+p.dg.label/2; d += p.dg.label {
		_, y := p.look.geom.Page(p.depthX, p.depthRow(d))
		if y >= 0 && y <= float64(p.h-1) {
			cands = append(cands, manifest.TiePoint{Row: math.Round(y*100) / 100, Depth: d})
		}
	}
	if len(cands) < 2 {
		return nil
	}
	n := len(cands) - 1
	var tps []manifest.TiePoint
	for _, k := range []int{0, n / 3, 2 * n / 3, n} {
		if len(tps) == 0 || cands[k].Depth > tps[len(tps)-1].Depth {
			tps = append(tps, cands[k])
		}
	}
	return tps
}
