package vector

import (
	"github.com/welllog/digitiser/pkg/internal/stats"
	"math"
	"slices"

	"github.com/welllog/digitiser/pkg/manifest"
)

// Assignment weights: a path that wraps the wrong way (or at all, for a
// curve with no backup scale) costs wrapCost times the share of its rows
// that do; a dash rhythm unlike the style's costs styleCost times the
// difference in short-run share; the mean-position rank breaks ties.
const (
	wrapCost  = 10.0
	styleCost = 1.0
	rankCost  = 0.05
)

// assign returns, for each curve of the group (manifest order), the index
// of the path that traces it: the permutation with the least total cost
// over wrap direction, dash rhythm and left-to-right order of mean
// position (the k-th curve listed expects the k-th path from the left).
func assign(paths []*path, curves []manifest.Curve, w float64) []int {
	n := len(paths)
	rank := make([]int, n) // rank[p]: position of path p left to right
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return stats.Compare(meanPos(paths[a].pos), meanPos(paths[b].pos))
	})
	for r, p := range order {
		rank[p] = r
	}
	cost := make([][]float64, n) // cost[curve][path]
	for ci, c := range curves {
		cost[ci] = make([]float64, n)
		for pi, p := range paths {
			_, wrong := wrapFit(p.pos, w, c)
			cost[ci][pi] = wrapCost*wrong +
				styleCost*math.Abs(p.shortShare(0, len(p.pos))-styleShort(c.Style)) +
				rankCost*math.Abs(float64(rank[pi]-ci))
		}
	}
	return bestPermutation(cost)
}

// backupDir is the side a curve's backup scale lies on: +1 past the right
// border, -1 past the left, 0 without one.
func backupDir(c manifest.Curve) int {
	b := c.Backup
	if b == nil {
		return 0
	}
	if c.Frac((b.Left+b.Right)/2) < 0 {
		return -1
	}
	return 1
}

// wrapFit finds the whole number of band widths to shift an unwrapped path
// by so that most of its rows fall on sides the curve can show (main scale
// first, then its backup side), and returns that shift with the share of
// rows still on a side it cannot show.
func wrapFit(pos []float64, w float64, c manifest.Curve) (shift int, wrong float64) {
	dir := backupDir(c)
	counts := map[int]int{}
	n := 0
	for _, u := range pos {
		if !math.IsNaN(u) {
			counts[int(math.Floor(u/w))]++
			n++
		}
	}
	if n == 0 {
		return 0, 0
	}
	bestOK, bestMain := -1, -1
	for k := range counts {
		main := counts[k]
		ok := main
		if dir != 0 {
			ok += counts[k+dir]
		}
		if ok > bestOK || (ok == bestOK && main > bestMain) ||
			(ok == bestOK && main == bestMain && abs(k) < abs(shift)) {
			shift, bestOK, bestMain = k, ok, main
		}
	}
	return shift, float64(n-bestOK) / float64(n)
}

// bestPermutation returns perm with perm[i] the column given to row i that
// minimises the summed cost; exhaustive up to 7 rows, identity beyond.
func bestPermutation(cost [][]float64) []int {
	n := len(cost)
	best := make([]int, n)
	for i := range best {
		best[i] = i
	}
	if n > 7 {
		return best
	}
	bestCost := math.Inf(1)
	perm := slices.Clone(best)
	var rec func(k int)
	rec = func(k int) {
		if k == n {
			s := 0.0
			for i, j := range perm {
				s += cost[i][j]
			}
			if s < bestCost {
				bestCost = s
				copy(best, perm)
			}
			return
		}
		for i := k; i < n; i++ {
			perm[k], perm[i] = perm[i], perm[k]
			rec(k + 1)
			perm[k], perm[i] = perm[i], perm[k]
		}
	}
	rec(0)
	return best
}
