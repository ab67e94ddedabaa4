package main

import (
	"flag"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/welllog/digitiser/pkg/synth"
)

// runTiles writes a training tile set.
func runTiles(args []string) error {
	fs := flag.NewFlagSet("tiles", flag.ContinueOnError)
	out := fs.String("out", "", "output directory (required)")
	n := fs.Int("n", 1000, "number of tiles")
	tile := fs.Int("tile", 256, "tile side, px")
	tier := fs.String("tier", "mixed", "easy, hard or mixed")
	seed := fs.Uint64("seed", 1, "seed; the same flags give the same tiles")
	perLog := fs.Int("per-log", 24, "tiles cut from each rendered log")
	bg := fs.Float64("background", 0.15, "share of tiles placed anywhere")
	workers := fs.Int("workers", runtime.NumCPU(), "logs rendered in parallel")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("tiles: --out is required: give the directory to write")
	}
	start := time.Now()
	st, err := synth.WriteTileSet(*out, synth.TileOptions{N: *n, Tile: *tile,
		Tier: synth.Tier(*tier), Seed: *seed, PerLog: *perLog, Background: *bg,
		Workers: *workers})
	if err != nil {
		return err
	}
	slog.Info("tiles written", "dir", *out, "n", st.N, "tile", st.Tile,
		"class_fraction", st.ClassFraction, "seconds", time.Since(start).Seconds())
	return nil
}
