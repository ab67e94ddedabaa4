package synth

import (
	"fmt"
	"image"
	"math"
	"sync"
)

// TileOptions say how to cut training tiles from rendered logs.
type TileOptions struct {
	// N is the number of tiles. Required.
	N int
	// Tile is the tile side in px. Default 256.
	Tile int
	// Tier is easy, hard or mixed (each log draws one). Default mixed.
	Tier Tier
	// Seed makes the set: the same options give the same tiles.
	Seed uint64
	// PerLog is how many tiles one rendered log gives. Default 24.
	PerLog int
	// Background is the share of tiles placed anywhere rather than on a
	// curve, most of them background-heavy. Default 0.15.
	Background float64
	// Workers render logs in parallel; the output does not depend on it.
	// Default 1.
	Workers int
	// Knobs override the tier presets when non-nil.
	Knobs *Knobs
	// NoRealLAS renders every signal from the generator, none from real
	// LAS files, so the set does not depend on files outside the repo.
	NoRealLAS bool
}

// TileStats is stats.json of a tile set: the class balance the trainer
// weights its loss with.
type TileStats struct {
	GeneratorVersion string     `json:"generator_version"`
	Seed             uint64     `json:"seed"`
	Tier             Tier       `json:"tier"`
	Tile             int        `json:"tile"`
	N                int        `json:"n"`
	ClassPixels      [3]int64   `json:"class_pixels"`
	ClassFraction    [3]float64 `json:"class_fraction"`
}

// Tile is one training tile: the page crop and its class mask.
type Tile struct {
	Index int
	Image *image.Gray
	Mask  *image.Gray
}

func (o TileOptions) resolved() (TileOptions, error) {
	if o.Tile == 0 {
		o.Tile = 256
	}
	if o.Tier == "" {
		o.Tier = TierMixed
	}
	if o.PerLog == 0 {
		o.PerLog = 24
	}
	if o.Background == 0 {
		o.Background = 0.15
	}
	if o.Workers < 1 {
		o.Workers = 1
	}
	switch {
	case o.N < 1:
		return o, fmt.Errorf("%w: tiles n %d: give at least 1", ErrConfig, o.N)
	case o.Tile < 32 || o.Tile > 1024:
		return o, fmt.Errorf("%w: tile %d px: use 32..1024", ErrConfig, o.Tile)
	case o.Tier != TierEasy && o.Tier != TierHard && o.Tier != TierMixed:
		return o, fmt.Errorf("%w: tier %q: use easy, hard or mixed", ErrConfig, o.Tier)
	case o.Background < 0 || o.Background > 1:
		return o, fmt.Errorf("%w: background share %v: use 0..1", ErrConfig, o.Background)
	}
	return o, nil
}

// Tiles renders logs and cuts opt.N tiles from them, calling emit for each
// (in any order when Workers > 1; Index says which). It stops at the first
// error from emit. The returned stats count the classes of every tile.
func Tiles(opt TileOptions, emit func(Tile) error) (*TileStats, error) {
	opt, err := opt.resolved()
	if err != nil {
		return nil, err
	}
	st := &TileStats{GeneratorVersion: Version, Seed: opt.Seed, Tier: opt.Tier,
		Tile: opt.Tile, N: opt.N}
	nLogs := (opt.N + opt.PerLog - 1) / opt.PerLog
	var mu sync.Mutex
	var firstErr error
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				tiles, err := logTiles(opt, j)
				mu.Lock()
				if err == nil && firstErr == nil {
					for _, t := range tiles {
						countClasses(st, t.Mask)
						if err = emit(t); err != nil {
							break
						}
					}
				}
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	for j := 0; j < nLogs; j++ {
		jobs <- j
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	total := st.ClassPixels[0] + st.ClassPixels[1] + st.ClassPixels[2]
	for c := range st.ClassFraction {
		st.ClassFraction[c] = float64(st.ClassPixels[c]) / float64(total)
	}
	return st, nil
}

func countClasses(st *TileStats, m *image.Gray) {
	for _, v := range m.Pix {
		if v < 3 {
			st.ClassPixels[v]++
		}
	}
}

// logTiles renders log j of a tile set and cuts its tiles.
func logTiles(opt TileOptions, j int) ([]Tile, error) {
	g := newRNG(opt.Seed, uint64(j)+1000)
	tier := opt.Tier
	if tier == TierMixed {
		tier = TierEasy
		if g.p(0.6) {
			tier = TierHard
		}
	}
	cfg := Config{Tier: tier, Seed: g.r.Uint64(), Knobs: opt.Knobs,
		Width: 700 + g.n(1001), Height: 2400 + g.n(1601)}
	if opt.NoRealLAS {
		k := EasyKnobs()
		if opt.Knobs != nil {
			k = *opt.Knobs
		} else if tier == TierHard {
			k = HardKnobs()
		}
		k.LASDir = ""
		cfg.Knobs = &k
	}
	cfg.Width = max(cfg.Width, opt.Tile)
	cfg.Height = max(cfg.Height, opt.Tile*3)
	lg, err := Generate(cfg)
	if err != nil {
		return nil, fmt.Errorf("tile log %d: %w", j, err)
	}
	var out []Tile
	for i := j * opt.PerLog; i < min(opt.N, (j+1)*opt.PerLog); i++ {
		x, y := tileOrigin(lg, opt, g)
		r := image.Rect(x, y, x+opt.Tile, y+opt.Tile)
		out = append(out, Tile{Index: i, Image: cropGray(lg.Image, r),
			Mask: cropGray(lg.Mask, r)})
	}
	return out, nil
}

// tileOrigin places a tile on a random curve point, or anywhere for the
// background share.
func tileOrigin(lg *Log, opt TileOptions, g *rng) (int, int) {
	w, h := lg.Image.Rect.Dx(), lg.Image.Rect.Dy()
	s := opt.Tile
	x, y := g.n(w-s+1), g.n(h-s+1)
	if !g.p(opt.Background) && len(lg.Truth) > 0 {
		ct := lg.Truth[g.n(len(lg.Truth))]
		for range 20 {
			r := lg.Layout.Body.Top + g.n(lg.Layout.Body.Len())
			px, py := ct.PageX[r], ct.PageY[r]
			if math.IsNaN(px) {
				continue
			}
			x = int(px) - s/2 + g.n(s*2/3+1) - s/3
			y = int(py) - s/2 + g.n(s*2/3+1) - s/3
			break
		}
	}
	return max(0, min(x, w-s)), max(0, min(y, h-s))
}

// cropGray copies r out of img.
func cropGray(img *image.Gray, r image.Rectangle) *image.Gray {
	out := image.NewGray(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := 0; y < r.Dy(); y++ {
		copy(out.Pix[y*out.Stride:(y+1)*out.Stride],
			img.Pix[(r.Min.Y+y)*img.Stride+r.Min.X:])
	}
	return out
}
