package main

import (
	"encoding/json"
	"fmt"
	"image"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/welllog/digitiser/pkg/synth"
)

// TileExport says how to cut training tiles from prepared images: the
// pixels the Go segment stage sees (deskewed, contrast-normalised by
// raster.Preprocess), with the generator's mask warped onto them.
type TileExport struct {
	// Dir receives images/NNNNNN.png, masks/NNNNNN.png and stats.json, the
	// layout of `services/synth tiles` that training/curveseg reads.
	Dir string
	// N is the number of tiles. Required.
	N int
	// Tile is the tile side in px. Default 256.
	Tile int
	// PerLog is how many tiles one log gives. Default 24.
	PerLog int
	// Seed makes the set; log j is rendered with seed Seed*100000+j, apart
	// from the held-out logs' 900001.. for Seed 1..[maxTileSeed]. Default 1.
	Seed uint64
	// Hard is the share of hard-tier logs. Default 0.6.
	Hard float64
	// Background is the share of tiles placed anywhere rather than on a
	// curve px. Default 0.15.
	Background float64
	// Focus is the share of the tiles placed on a curve px that are
	// centred on a px where tracing goes wrong most: a near-horizontal
	// stretch (a run of FocusRun px or more of one class in a row: the
	// spikes and sweeps of real wells' curves, drawn along grid lines) or
	// a px within 4 px of the other class (a solid and a dashed curve
	// crossing). Default 0: every such tile is centred on any curve px.
	Focus float64
}

// FocusRun is the shortest run of one class in a row, in px, that makes a
// focus px (TileExport.Focus).
const FocusRun = 16

// maxTileSeed is the largest export seed whose logs stay below the
// held-out seeds.
const maxTileSeed = 8

// exportStats is stats.json, the fields of synth.TileStats plus the source.
type exportStats struct {
	synth.TileStats
	Source string `json:"source"`
	// Focus is TileExport.Focus, so that a focused set can be told from a
	// plain one.
	Focus float64 `json:"focus"`
}

// ExportTiles renders logs, preprocesses them and writes opt.N tiles.
// Logs whose preprocessing fails are skipped with a warning. Errors are
// file-system errors or a set with no usable log.
func ExportTiles(opt TileExport, log *slog.Logger) (*synth.TileStats, error) {
	opt = opt.resolved()
	for _, sub := range []string{"images", "masks"} {
		if err := os.MkdirAll(filepath.Join(opt.Dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("export tiles: %w", err)
		}
	}
	st := exportStats{TileStats: synth.TileStats{GeneratorVersion: synth.Version,
		Seed: opt.Seed, Tier: synth.TierMixed, Tile: opt.Tile, N: opt.N},
		Source: "prepared", Focus: opt.Focus}
	g := rand.New(rand.NewPCG(opt.Seed, 0x7e11))
	idx, fails := 0, 0
	for j := 0; idx < opt.N; j++ {
		if fails > 20 && idx == 0 {
			return nil, fmt.Errorf("export tiles: %d logs failed to preprocess", fails)
		}
		tier := synth.TierEasy
		if g.Float64() < opt.Hard {
			tier = synth.TierHard
		}
		seed := opt.Seed*100000 + uint64(j)
		ex, err := NewExample(tier, seed, ExampleOptions{Width: 900 + g.IntN(801),
			Height: 2400 + g.IntN(1601), OracleDepth: true})
		if err != nil {
			fails++
			log.Warn("tile log skipped", "tier", tier, "seed", seed, "err", err)
			continue
		}
		for _, t := range cutTiles(ex, opt, g, min(opt.PerLog, opt.N-idx)) {
			if err := writeTile(opt.Dir, idx, t[0], t[1], &st.TileStats); err != nil {
				return nil, fmt.Errorf("export tiles: %w", err)
			}
			idx++
		}
	}
	total := st.ClassPixels[0] + st.ClassPixels[1] + st.ClassPixels[2]
	for c := range st.ClassFraction {
		st.ClassFraction[c] = float64(st.ClassPixels[c]) / float64(total)
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err == nil {
		err = os.WriteFile(filepath.Join(opt.Dir, "stats.json"), append(b, '\n'), 0o644)
	}
	if err != nil {
		return nil, fmt.Errorf("export tiles: %w", err)
	}
	return &st.TileStats, nil
}

func (o TileExport) resolved() TileExport {
	if o.Tile == 0 {
		o.Tile = 256
	}
	if o.PerLog == 0 {
		o.PerLog = 24
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Hard == 0 {
		o.Hard = 0.6
	}
	if o.Background == 0 {
		o.Background = 0.15
	}
	return o
}

// cutTiles cuts n (image, mask) tile pairs from an example: most centred
// near a random curve px of the warped mask, a Background share anywhere.
func cutTiles(ex *Example, opt TileExport, g *rand.Rand, n int) [][2]*image.Gray {
	img, mask := ex.Prepared.Image, ex.Mask
	w, h, s := img.Rect.Dx(), img.Rect.Dy(), opt.Tile
	if w < s || h < s {
		return nil
	}
	var ink, focus []int
	for i, v := range mask.Pix {
		if v == 1 || v == 2 {
			ink = append(ink, i)
		}
	}
	if opt.Focus > 0 {
		focus = focusPx(mask)
	}
	out := make([][2]*image.Gray, 0, n)
	for range n {
		x, y := g.IntN(w-s+1), g.IntN(h-s+1)
		if len(ink) > 0 && g.Float64() >= opt.Background {
			p := ink[g.IntN(len(ink))]
			if len(focus) > 0 && g.Float64() < opt.Focus {
				p = focus[g.IntN(len(focus))]
			}
			x = p%mask.Stride - s/2 + g.IntN(s*2/3+1) - s/3
			y = p/mask.Stride - s/2 + g.IntN(s*2/3+1) - s/3
		}
		x, y = max(0, min(x, w-s)), max(0, min(y, h-s))
		r := image.Rect(x, y, x+s, y+s)
		out = append(out, [2]*image.Gray{cropTile(img, r), cropTile(mask, r)})
	}
	return out
}

// focusPx lists the offsets in mask.Pix of the curve px in a run of
// FocusRun px or more of their class within their row, or within 4 px
// (horizontally and vertically) of a px of the other class.
func focusPx(mask *image.Gray) []int {
	w, h := mask.Rect.Dx(), mask.Rect.Dy()
	var out []int
	for y := range h {
		row := mask.Pix[y*mask.Stride : y*mask.Stride+w]
		for x := 0; x < w; {
			c := row[x]
			end := x + 1
			for end < w && row[end] == c {
				end++
			}
			if c == 1 || c == 2 {
				long := end-x >= FocusRun
				for i := x; i < end; i++ {
					if long || nearClass(mask, i, y, 3-c, 4) {
						out = append(out, y*mask.Stride+i)
					}
				}
			}
			x = end
		}
	}
	return out
}

// nearClass reports whether a px of class c lies within r px of (x, y),
// in both directions.
func nearClass(mask *image.Gray, x, y int, c uint8, r int) bool {
	w, h := mask.Rect.Dx(), mask.Rect.Dy()
	for yy := max(0, y-r); yy <= min(h-1, y+r); yy++ {
		row := mask.Pix[yy*mask.Stride : yy*mask.Stride+w]
		for xx := max(0, x-r); xx <= min(w-1, x+r); xx++ {
			if row[xx] == c {
				return true
			}
		}
	}
	return false
}

// cropTile copies r of m into a new image with origin (0, 0).
func cropTile(m *image.Gray, r image.Rectangle) *image.Gray {
	dst := image.NewGray(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := 0; y < r.Dy(); y++ {
		o := (r.Min.Y-m.Rect.Min.Y+y)*m.Stride + r.Min.X - m.Rect.Min.X
		copy(dst.Pix[y*dst.Stride:(y+1)*dst.Stride], m.Pix[o:o+r.Dx()])
	}
	return dst
}

func writeTile(dir string, i int, img, mask *image.Gray, st *synth.TileStats) error {
	for _, v := range mask.Pix {
		if v < 3 {
			st.ClassPixels[v]++
		}
	}
	name := fmt.Sprintf("%06d.png", i)
	for sub, m := range map[string]*image.Gray{"images": img, "masks": mask} {
		err := writeFile(filepath.Join(dir, sub, name), func(f *os.File) error {
			return synth.EncodePNG(f, m)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
