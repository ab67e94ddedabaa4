package raster

import (
	"fmt"
	"image"
	"math"
	"sort"
	"strings"
)

// pageNames returns names, or "page 1", "page 2", ... when names is nil.
func pageNames(pages []*image.Gray, names []string) []string {
	if names != nil {
		return names
	}
	out := make([]string, len(pages))
	for i := range out {
		out[i] = fmt.Sprintf("page %d", i+1)
	}
	return out
}

// orderByNames sorts page indices by natural name order. It returns nil
// when two names are equal or a name is empty: the names say nothing then.
func orderByNames(names []string) ([]int, string) {
	seen := map[string]bool{}
	for _, n := range names {
		key := strings.ToLower(strings.TrimSpace(n))
		if key == "" || seen[key] {
			return nil, ""
		}
		seen[key] = true
	}
	order := make([]int, len(names))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return naturalLess(names[order[a]], names[order[b]])
	})
	return order, OrderNames
}

// naturalLess compares names case-insensitively, runs of digits by value, so
// "page2" sorts before "page10".
func naturalLess(a, b string) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	for a != "" && b != "" {
		da, db := isDigit(a[0]), isDigit(b[0])
		if da && db {
			na, ra := leadingDigits(a)
			nb, rb := leadingDigits(b)
			ta, tb := strings.TrimLeft(na, "0"), strings.TrimLeft(nb, "0")
			if len(ta) != len(tb) {
				return len(ta) < len(tb)
			}
			if ta != tb {
				return ta < tb
			}
			a, b = ra, rb
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func leadingDigits(s string) (string, string) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

// orderByContent finds the page order from the pages themselves: every
// ordered pair is scored (how well the second page's top continues the
// first's bottom); the first page is the one whose top continues no page,
// and each next page the best unused continuation of the last. skews are
// the skews deskewPages removed from the pages.
func orderByContent(pages []*image.Gray, skews []float64, names []string,
	opt ReassembleOptions) ([]int, error) {
	n := len(pages)
	score := make([][]float64, n)
	for i := range score {
		score[i] = make([]float64, n)
	}
	// One "band" per ordered pair, so the pairs are scored in parallel.
	parallelBands(n*n, 1, opt.Workers, func(k, _ int) {
		i, j := k/n, k%n
		score[i][j] = math.Inf(-1)
		if i == j {
			return
		}
		if m, err := joinPages(pages[i], pages[j], skews[i], skews[j], opt); err == nil {
			score[i][j] = m.NCC
		}
	})

	first, firstIn := 0, math.Inf(1)
	for j := 0; j < n; j++ {
		in := math.Inf(-1)
		for i := 0; i < n; i++ {
			in = math.Max(in, score[i][j])
		}
		if in < firstIn {
			first, firstIn = j, in
		}
	}
	order := []int{first}
	used := map[int]bool{first: true}
	for len(order) < n {
		cur, next := order[len(order)-1], -1
		for j := 0; j < n; j++ {
			if !used[j] && (next < 0 || score[cur][j] > score[cur][next]) {
				next = j
			}
		}
		if math.IsInf(score[cur][next], -1) {
			return nil, fmt.Errorf("order pages by content: %w: no page continues %q; "+
				"name the pages in order or list them in the manifest's pages",
				ErrNoOverlap, names[cur])
		}
		order = append(order, next)
		used[next] = true
	}
	return order, nil
}
