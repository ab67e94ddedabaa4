package raster

import (
	"image"
	"math"
	"sort"
)

// joinMatch is where the top of a lower page lies on the page above it.
type joinMatch struct {
	Overlap int     // rows the two pages share, px
	DX      int     // column of the lower page's left edge on the upper page, px
	NCC     float64 // normalised cross-correlation of the shared rows, -1..1
}

// matchParams bounds the search for a join.
type matchParams struct {
	minOverlap, maxOverlap, maxShift int
}

// coarseCandidates is how many coarse-level peaks are refined to full
// resolution; more guards against a periodic grid fooling the coarse pass.
const coarseCandidates = 3

// matchWindow caps the rows compared while searching, px at full
// resolution: enough log to be unambiguous, and a search cost that does
// not grow with the overlap. The final score uses the whole overlap.
const matchWindow = 512

// matchJoin finds the overlap and horizontal shift at which the top of lo
// best continues the bottom of up, coarse to fine over a box-filtered
// pyramid: every (overlap, shift) at the coarsest level, then ±1 px around
// the best few peaks at each finer level.
//
// The score is the normalised cross-correlation of the shared rows after
// removing each row's and each column's mean (double centring): ruled
// lines, which match at any offset (vertical lines) or at every grid
// period (horizontal lines), drop out, and only curves and print decide.
// Unrelated strips of one log therefore score near 0, and the same strip
// near 1.
func matchJoin(up, lo *image.Gray, p matchParams) joinMatch {
	hu := up.Rect.Dy()
	bottom := up.SubImage(image.Rect(0, hu-p.maxOverlap, up.Rect.Dx(), hu)).(*image.Gray)
	top := lo.SubImage(image.Rect(0, 0, lo.Rect.Dx(), p.maxOverlap)).(*image.Gray)
	pu, pl := pyramid(bottom, p), pyramid(top, p)
	var sc nccScratch

	k := len(pu) - 1
	f := 1 << k
	lo0, hi0 := ceilDiv(p.minOverlap, f), p.maxOverlap/f
	sh := ceilDiv(p.maxShift, f)
	var cands []joinMatch
	for ov := lo0; ov <= hi0; ov++ {
		for dx := -sh; dx <= sh; dx++ {
			v := sc.ncc(pu[k], pl[k], ov, dx, matchWindow>>k)
			cands = append(cands, joinMatch{ov, dx, v})
		}
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].NCC > cands[j].NCC })
	cands = distinctPeaks(cands, coarseCandidates)

	best := joinMatch{NCC: math.Inf(-1)}
	for _, c := range cands {
		for lv := k - 1; lv >= 0; lv-- {
			c = sc.refine(pu[lv], pl[lv], joinMatch{Overlap: 2 * c.Overlap, DX: 2 * c.DX}, p,
				lv)
		}
		if k == 0 {
			c = sc.refine(pu[0], pl[0], c, p, 0)
		}
		if c.NCC > best.NCC {
			best = c
		}
	}
	best.NCC = sc.ncc(pu[0], pl[0], best.Overlap, best.DX, best.Overlap)
	return best
}

// refine searches ±1 px in overlap and shift around c at pyramid level lv:
// a position found one level up, doubled, is within 1 px of the best.
func (sc *nccScratch) refine(u, l *image.Gray, c joinMatch, p matchParams,
	lv int) joinMatch {
	f := 1 << lv
	best := joinMatch{NCC: math.Inf(-1)}
	for ov := c.Overlap - 1; ov <= c.Overlap+1; ov++ {
		if ov < ceilDiv(p.minOverlap, f) || ov > p.maxOverlap/f {
			continue
		}
		for dx := c.DX - 1; dx <= c.DX+1; dx++ {
			if abs(dx) > ceilDiv(p.maxShift, f) {
				continue
			}
			if v := sc.ncc(u, l, ov, dx, matchWindow>>lv); v > best.NCC {
				best = joinMatch{ov, dx, v}
			}
		}
	}
	return best
}

// distinctPeaks keeps up to n candidates (sorted best first) that are not
// within 2 steps of a better one.
func distinctPeaks(sorted []joinMatch, n int) []joinMatch {
	var out []joinMatch
	for _, c := range sorted {
		near := false
		for _, o := range out {
			if abs(o.Overlap-c.Overlap) <= 2 && abs(o.DX-c.DX) <= 2 {
				near = true
				break
			}
		}
		if !near {
			out = append(out, c)
			if len(out) == n {
				break
			}
		}
	}
	return out
}

// ncc scores the last ov rows of u against the first ov rows of l placed dx
// columns right, double-centred (see matchJoin), comparing at most the
// first maxRows of those rows. It returns 0 when either side holds nothing
// but ruled lines or blank paper.
func (sc *nccScratch) ncc(u, l *image.Gray, ov, dx, maxRows int) float64 {
	hu := u.Rect.Dy()
	x0, x1 := max(0, dx), min(u.Rect.Dx(), dx+l.Rect.Dx())
	nc := x1 - x0
	if nc < 8 || ov < 2 {
		return 0
	}
	colA, colB := sc.columns(nc)
	var sab, saa, sbb, rab, raa, rbb int64
	var ta, tb int64
	nr := min(ov, maxRows)
	for r := 0; r < nr; r++ {
		ra := u.Pix[(hu-ov+r)*u.Stride+x0 : (hu-ov+r)*u.Stride+x1]
		rb := l.Pix[r*l.Stride+x0-dx : r*l.Stride+x1-dx]
		var sa, sb, ab, aa, bb int64
		for i := range ra {
			a, b := int64(ra[i]), int64(rb[i])
			sa += a
			sb += b
			ab += a * b
			aa += a * a
			bb += b * b
			colA[i] += a
			colB[i] += b
		}
		sab, saa, sbb = sab+ab, saa+aa, sbb+bb
		rab, raa, rbb = rab+sa*sb, raa+sa*sa, rbb+sb*sb
		ta, tb = ta+sa, tb+sb
	}
	var cab, caa, cbb float64
	for i := range colA {
		a, b := float64(colA[i]), float64(colB[i])
		cab, caa, cbb = cab+a*b, caa+a*a, cbb+b*b
	}
	n := float64(nr) * float64(nc)
	R, C := float64(nr), float64(nc)
	cov := float64(sab) - float64(rab)/C - cab/R + float64(ta)*float64(tb)/n
	va := float64(saa) - float64(raa)/C - caa/R + float64(ta)*float64(ta)/n
	vb := float64(sbb) - float64(rbb)/C - cbb/R + float64(tb)*float64(tb)/n
	// A variance under 1 grey level squared a px is ruled lines or paper.
	if va < n || vb < n {
		return 0
	}
	return cov / math.Sqrt(va*vb)
}

// nccScratch holds the column sums ncc reuses from call to call.
type nccScratch struct {
	colA, colB []int64
}

// columns returns two zeroed column-sum slices of n entries.
func (sc *nccScratch) columns(n int) ([]int64, []int64) {
	if cap(sc.colA) < n {
		sc.colA, sc.colB = make([]int64, n), make([]int64, n)
	}
	a, b := sc.colA[:n], sc.colB[:n]
	clear(a)
	clear(b)
	return a, b
}

// pyramid returns img and its 2x box-filtered reductions, down to the level
// where the search is cheap (width about 128 px, 1/16 at most) but the
// minimum overlap still spans 3 rows.
func pyramid(img *image.Gray, p matchParams) []*image.Gray {
	levels := []*image.Gray{img}
	for f := 2; f <= 16; f *= 2 {
		cur := levels[len(levels)-1]
		if cur.Rect.Dx() <= 128 || p.minOverlap/f < 3 {
			break
		}
		levels = append(levels, halve(cur))
	}
	return levels
}

// halve averages 2 x 2 px blocks.
func halve(img *image.Gray) *image.Gray {
	w, h := img.Rect.Dx()/2, img.Rect.Dy()/2
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		r0 := img.Pix[(2*y)*img.Stride:]
		r1 := img.Pix[(2*y+1)*img.Stride:]
		dst := out.Pix[y*out.Stride : y*out.Stride+w]
		for x := range dst {
			s := int(r0[2*x]) + int(r0[2*x+1]) + int(r1[2*x]) + int(r1[2*x+1])
			dst[x] = uint8((s + 2) / 4)
		}
	}
	return out
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
