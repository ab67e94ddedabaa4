package synth

import (
	"github.com/welllog/digitiser/pkg/realdata"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/welllog/digitiser/pkg/las"
)

// realCurve is one curve column from a real LAS file, nulls removed by
// interpolation, resampled to a regular 0.5-unit step.
type realCurve struct {
	mnem, unit, desc string
	values           []float64
	resistivity      bool
}

var lasCache sync.Map // dir -> []realCurve

// realCurves loads the usable curves of every LAS file in dir, sorted by
// file name and column, once per process. A missing or unreadable dir
// gives none: callers fall back to generated signals.
func realCurves(dir string) []realCurve {
	if dir == "" {
		return nil
	}
	if v, ok := lasCache.Load(dir); ok {
		return v.([]realCurve)
	}
	names, _ := filepath.Glob(filepath.Join(resolveDir(dir), "*.las"))
	sort.Strings(names)
	var out []realCurve
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		lf, err := las.Read(f)
		f.Close()
		if err != nil || len(lf.Data) < 2 {
			continue
		}
		out = append(out, usableCurves(lf)...)
	}
	lasCache.Store(dir, out)
	return out
}

// usableCurves keeps the log curves with at least 400 valid samples and
// some spread, nulls bridged linearly.
func usableCurves(lf *las.File) []realCurve {
	var out []realCurve
	null := lf.Null
	if null == 0 {
		null = -999.25
	}
	for ci := 1; ci < len(lf.Curves) && ci < len(lf.Data); ci++ {
		it := lf.Curves[ci]
		m := strings.ToUpper(it.Mnemonic)
		if !loggable(m) {
			continue
		}
		col := bridgeNulls(lf.Data[ci], null)
		if len(col) < 400 {
			continue
		}
		lo, hi := quantiles(col, 0.02, 0.98)
		if !(hi > lo) {
			continue
		}
		res := isResistivity(m)
		if res && lo <= 0 {
			continue
		}
		out = append(out, realCurve{mnem: m, unit: it.Unit, desc: it.Description,
			values: col, resistivity: res})
	}
	return out
}

func loggable(m string) bool {
	for _, p := range []string{"GR", "SP", "DT", "NPHI", "RHOB", "CAL", "PE", "IL",
		"LL", "SFL", "MSF", "RES", "RT", "RD", "RS", "DPHI", "SN", "ILD", "AC"} {
		if strings.HasPrefix(m, p) {
			return true
		}
	}
	return false
}

func isResistivity(m string) bool {
	for _, p := range []string{"IL", "LL", "SFL", "MSF", "RES", "RT", "RD", "RS", "SN"} {
		if strings.HasPrefix(m, p) {
			return true
		}
	}
	return false
}

// bridgeNulls drops leading and trailing nulls and fills inner ones
// linearly.
func bridgeNulls(col []float64, null float64) []float64 {
	isNull := func(v float64) bool {
		return math.IsNaN(v) || math.Abs(v-null) < 1e-6 || v <= -999 || v >= 1e9
	}
	first, last := -1, -1
	for i, v := range col {
		if !isNull(v) {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return nil
	}
	out := append([]float64(nil), col[first:last+1]...)
	prev := 0
	for i := 1; i < len(out); i++ {
		if isNull(out[i]) {
			continue
		}
		for j := prev + 1; j < i; j++ {
			t := float64(j-prev) / float64(i-prev)
			out[j] = out[prev] + t*(out[i]-out[prev])
		}
		prev = i
	}
	return out
}

// quantiles returns the a and b quantiles of v.
func quantiles(v []float64, a, b float64) (float64, float64) {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	at := func(q float64) float64 { return s[int(q*float64(len(s)-1))] }
	return at(a), at(b)
}

// window returns n consecutive values from rc starting at a random place,
// mirrored at the ends when the curve is shorter than n.
func (rc realCurve) window(n int, g *rng) []float64 {
	out := make([]float64, n)
	m := len(rc.values)
	start, best := 0, -1.0
	// Of a few random windows, take the most varied: a log shows the
	// interval it was run for, not a flat stretch.
	for try := 0; m > n && try < 6; try++ {
		s := g.n(m - n)
		v := rc.values[s : s+n]
		if rc.resistivity {
			v = log10All(v)
		}
		a, b := quantiles(v, 0.1, 0.9)
		if b-a > best {
			start, best = s, b-a
		}
	}
	for i := range out {
		j := (start + i) % (2 * m)
		if j >= m {
			j = 2*m - 1 - j
		}
		out[i] = rc.values[j]
	}
	return out
}

// resolveDir finds a relative dir from the working directory or, failing
// that, from the repository root (the nearest parent holding go.mod), so
// that tests running in a package directory find ../shared/realdata.
func resolveDir(dir string) string {
	if filepath.IsAbs(dir) {
		return dir
	}
	if _, err := os.Stat(dir); err == nil {
		return dir
	}
	root, err := realdata.RepoRoot()
	if err != nil {
		return dir
	}
	return filepath.Join(root, dir)
}

func log10All(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Log10(math.Max(x, 1e-6))
	}
	return out
}
