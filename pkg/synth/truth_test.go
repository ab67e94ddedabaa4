package synth

import (
	"math"
	"testing"

	"github.com/welllog/digitiser/pkg/manifest"
)

// rederive reads every curve's value back from the mask alone near its
// truth point: the centre of the curve's run of class pixels in the page
// row, mapped back to the log frame and through the manifest scale, then
// averaged over the rows of each LAS depth step. It returns per curve the
// truth and re-derived step values (log10 for log scales) where it could
// read rows, and how many rows it tried.
func rederive(t *testing.T, lg *Log) (truth, got [][]float64, tried, read []int) {
	t.Helper()
	curves := lg.Manifest.Curves()
	w, h := lg.Mask.Rect.Dx(), lg.Mask.Rect.Dy()
	truth = make([][]float64, len(curves))
	got = make([][]float64, len(curves))
	tried = make([]int, len(curves))
	read = make([]int, len(curves))
	count := make([][]float64, len(curves))
	lastK := make([]int, len(curves))
	for ci, ct := range lg.Truth {
		mc := curves[ci].Curve
		tg := lg.Tracks[ct.Track]
		win := ct.Width/2 + 2
		for r := lg.Layout.Body.Top + 3; r < h-3; r++ {
			if !readable(lg, ci, r, win) {
				continue
			}
			tried[ci]++
			px, py := ct.PageX[r], ct.PageY[r]
			y := int(math.Round(py))
			if y < 0 || y >= h {
				continue
			}
			cx, ok := runCentre(lg, ct, px, y, win, w)
			if !ok {
				continue // a dash gap or cap, an ink break, text over the curve
			}
			lx, _ := lg.Geometry.Log(cx, py)
			u := tg.Frac(lx) + float64(ct.Wrap[r])
			tv, gv := ct.Value[r], mc.Value(u)
			if mc.Scale == manifest.ScaleLog {
				tv, gv = math.Log10(tv), math.Log10(gv)
			}
			read[ci]++
			// Average the rows of one LAS depth step, as a digitiser
			// resamples to the step.
			k := int(math.Floor(lg.Depth[r] / lg.Manifest.Depth.Step))
			if k != lastK[ci] || len(truth[ci]) == 0 {
				truth[ci] = append(truth[ci], 0)
				got[ci] = append(got[ci], 0)
				count[ci] = append(count[ci], 0)
				lastK[ci] = k
			}
			j := len(truth[ci]) - 1
			truth[ci][j] += tv
			got[ci][j] += gv
			count[ci][j]++
		}
		for j, n := range count[ci] {
			truth[ci][j] /= n
			got[ci][j] /= n
		}
	}
	return truth, got, tried, read
}

// runCentre returns the centre of the run of class pixels around px in
// mask row y when the run is whole: contiguous, inside the window, and at
// least the line width long (a shorter run is a dash cap or a line cut by
// other ink).
func runCentre(lg *Log, ct CurveTruth, px float64, y int, win float64, w int) (float64, bool) {
	lo, hi, n := math.MaxInt, -1, 0
	x0, x1 := int(math.Ceil(px-win)), int(px+win)
	if x0 < 0 || x1 >= w {
		return 0, false
	}
	row := lg.Mask.Pix[y*lg.Mask.Stride:]
	for x := x0; x <= x1; x++ {
		if int(row[x]) == ct.Class {
			lo, hi, n = min(lo, x), max(hi, x), n+1
		}
	}
	whole := n > 0 && hi-lo+1 == n && float64(n) >= math.Round(ct.Width) &&
		lo > x0 && hi < x1
	return float64(lo+hi) / 2, whole
}

// readable reports whether row r of curve ci can be read without
// ambiguity: the curve runs steeply there (less than a px across per row),
// keeps clear of the borders and wraps, and no other curve of its class
// in its track passes within the window.
func readable(lg *Log, ci, r int, win float64) bool {
	ct := lg.Truth[ci]
	for d := -3; d <= 3; d++ {
		if ct.Wrap[r+d] != ct.Wrap[r] {
			return false
		}
	}
	if math.Abs(ct.X[r+1]-ct.X[r-1]) > 1.5 {
		return false
	}
	f := ct.Frac[r] - float64(ct.Wrap[r])
	if f < 0.02 || f > 0.98 {
		return false
	}
	for cj, o := range lg.Truth {
		if cj == ci || o.Track != ct.Track || o.Class != ct.Class {
			continue
		}
		for d := -3; d <= 3; d++ {
			if math.Abs(o.PageX[r+d]-ct.PageX[r]) < 2*win+o.Width {
				return false
			}
		}
	}
	return true
}

// rSquared returns 1 - SSres/SStot.
func rSquared(truth, got []float64) float64 {
	mean := 0.0
	for _, v := range truth {
		mean += v
	}
	mean /= float64(len(truth))
	var res, tot float64
	for i, v := range truth {
		res += (got[i] - v) * (got[i] - v)
		tot += (v - mean) * (v - mean)
	}
	return 1 - res/tot
}

func TestMaskAgreesWithTruth(t *testing.T) {
	for _, tier := range []Tier{TierEasy, TierHard} {
		for seed := uint64(1); seed <= 16; seed++ {
			lg, err := Generate(Config{Tier: tier, Seed: seed, Width: 1200, Height: 3000})
			if err != nil {
				t.Fatal(err)
			}
			truth, got, tried, read := rederive(t, lg)
			for ci, ct := range lg.Truth {
				if tried[ci] < 100 {
					continue // crossing or flat along an edge nearly everywhere
				}
				cover := float64(read[ci]) / float64(tried[ci])
				minCover := map[Tier]float64{TierEasy: 0.5, TierHard: 0.25}[tier]
				if ct.Style != manifest.StyleSolid {
					minCover /= 3
				}
				if cover < minCover {
					t.Errorf("%s seed %d %s (%s): mask covers %.2f of readable rows, "+
						"want >= %.2f", tier, seed, ct.Mnemonic, ct.Style, cover, minCover)
				}
				if len(got[ci]) < 20 {
					continue
				}
				if r2 := rSquared(truth[ci], got[ci]); r2 < 0.999 {
					t.Errorf("%s seed %d %s: R^2 of mask-derived values %.5f < 0.999 "+
						"(%d steps, skew %.2f deg)", tier, seed, ct.Mnemonic, r2,
						len(got[ci]), lg.Geometry.SkewDeg)
				}
			}
		}
	}
}

// TestMaskPrecision checks that every curve pixel of the mask lies on a
// truth curve of its class: near the truth polyline mapped to the page.
func TestMaskPrecision(t *testing.T) {
	for _, tier := range []Tier{TierEasy, TierHard} {
		lg, err := Generate(Config{Tier: tier, Seed: 11, Width: 1000, Height: 2000})
		if err != nil {
			t.Fatal(err)
		}
		var near, far int
		m := lg.Mask
		for y := 0; y < m.Rect.Dy(); y++ {
			for x := 0; x < m.Rect.Dx(); x++ {
				cls := int(m.Pix[y*m.Stride+x])
				if cls == 0 {
					continue
				}
				switch onTruth(lg, cls, float64(x), float64(y)) {
				case 1:
					near++
				case 0:
					far++
				}
			}
		}
		if near == 0 {
			t.Fatalf("%s: no curve pixels in the mask", tier)
		}
		if frac := float64(far) / float64(near+far); frac > 0.002 {
			t.Errorf("%s: %.4f of mask pixels (%d) lie off every truth curve", tier, frac, far)
		}
	}
}

// onTruth returns 1 when (x, y) lies within a curve's half width (+1.5 px
// for nearest-neighbour warping) of a truth curve of class cls, 0 when it
// does not, and -1 when a wrap crossing nearby makes it unclear.
func onTruth(lg *Log, cls int, x, y float64) int {
	_, ly := lg.Geometry.Log(x, y)
	r0 := int(math.Round(ly))
	for _, ct := range lg.Truth {
		if ct.Class != cls {
			continue
		}
		tol := ct.Width/2 + 1.5
		for r := max(r0-4, lg.Layout.Body.Top); r < min(r0+4, len(ct.X)-1); r++ {
			if ct.Wrap[r] != ct.Wrap[r+1] {
				return -1
			}
			if segDist(x, y, ct.PageX[r], ct.PageY[r], ct.PageX[r+1], ct.PageY[r+1]) <= tol {
				return 1
			}
		}
	}
	return 0
}

func segDist(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, ((px-ax)*dx+(py-ay)*dy)/l2))
	}
	return math.Hypot(px-ax-t*dx, py-ay-t*dy)
}
