package synth

import (
	"syscall"
	"testing"
)

// cpuTime returns the process's user+system CPU time in ns. Benchmarks
// report it per op beside wall time because the shared build machine
// runs many jobs at once: wall time there overstates the cost.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// reportCPU adds a cpu-ns/op metric measured from start.
func reportCPU(b *testing.B, start int64) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// A full-size strip: 1700 x 20000 px, about 8.5 in by 100 in at 200 dpi.
const benchW, benchH = 1700, 20000

func benchGenerate(b *testing.B, tier Tier) {
	k := EasyKnobs()
	if tier == TierHard {
		k = HardKnobs()
	}
	k.LASDir = ""
	b.SetBytes(benchW * benchH)
	start := cpuTime()
	for i := 0; b.Loop(); i++ {
		if _, err := Generate(Config{Tier: tier, Seed: uint64(i), Width: benchW,
			Height: benchH, Knobs: &k}); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

func BenchmarkGenerateEasy(b *testing.B) { benchGenerate(b, TierEasy) }
func BenchmarkGenerateHard(b *testing.B) { benchGenerate(b, TierHard) }

// benchPlan returns a planned full-size hard log and its label canvas.
func benchPlan(b *testing.B) (*plan, *canvas) {
	k := HardKnobs()
	k.LASDir = ""
	cfg, _ := Config{Tier: TierHard, Seed: 1, Width: benchW, Height: benchH, Knobs: &k}.resolved()
	g := newRNG(1, 1)
	p := newPlan(cfg, g)
	p.planCurves(&k, g)
	p.look = newLook(cfg, p, g)
	return p, p.render(&k, g)
}

func BenchmarkRender(b *testing.B) {
	p, _ := benchPlan(b)
	k := HardKnobs()
	b.SetBytes(benchW * benchH)
	start := cpuTime()
	for b.Loop() {
		p.render(&k, newRNG(1, 2))
	}
	reportCPU(b, start)
}

func BenchmarkWarp(b *testing.B) {
	_, c := benchPlan(b)
	gm := Geometry{SkewDeg: 2, Stretch: 1.005, CX: benchW / 2, CY: benchH / 2}
	b.SetBytes(benchW * benchH)
	start := cpuTime()
	for b.Loop() {
		gm.warp(c)
	}
	reportCPU(b, start)
}

func BenchmarkComposite(b *testing.B) {
	p, c := benchPlan(b)
	for _, mode := range []string{LookBilevel, LookGray, LookColor} {
		b.Run(mode, func(b *testing.B) {
			l := p.look
			l.mode, l.jpegQ = mode, 0
			b.SetBytes(benchW * benchH)
			start := cpuTime()
			for b.Loop() {
				l.composite(c, p.curves)
			}
			reportCPU(b, start)
		})
	}
}

func BenchmarkTiles(b *testing.B) {
	for b.Loop() {
		if _, err := Tiles(TileOptions{N: 24, Seed: 1, NoRealLAS: true},
			func(Tile) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
