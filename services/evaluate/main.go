// Command evaluate scores curve segmentation models through the real Go
// stages on held-out synthetic logs: pkg/synth renders easy and hard logs,
// pkg/raster preprocesses them, each model segments them (pkg/segment:
// ONNX Runtime, the classical baseline, or the exact mask as an oracle),
// pkg/vector traces the curves, pkg/depth builds the LAS and pkg/qa scores
// it against the generator's truth LAS: per curve MAE, MSE and R-squared on
// values normalised to the track width, and coverage; per-pixel IoU and F1
// per class against the mask.
//
//	go run ./services/evaluate --model dice=runs/dice/model.onnx \
//	    --model classical --model mask --easy 6 --hard 6 --out runs/eval
//
// Writes OUT/results.json (every example), OUT/summary.json (median and
// mean per model, tier and class), OUT/table.md and OUT/r2.png. With
// --merge A/results.json --merge B/results.json it combines earlier runs
// into one report without scoring anything.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/welllog/digitiser/pkg/qa"
	"github.com/welllog/digitiser/pkg/segment"
	"github.com/welllog/digitiser/pkg/synth"
	"github.com/welllog/digitiser/pkg/vector"
)

// Config is the command's settings, one flag each.
type Config struct {
	// Models are NAME=PATH (an ONNX model with its card beside it),
	// "classical" or "mask" (oracle).
	Models []string
	// Easy and Hard count the held-out logs per tier. Defaults 6 and 6.
	Easy, Hard int
	// Seed is the first log's seed; log i of a tier has Seed+i. Default
	// 900001, far from the training export's seeds.
	Seed uint64
	// Width and Height of each log in px. Defaults 1700 x 4000.
	Width, Height int
	// Tile and Threads tune ONNX Runtime: tile edge in px (default 512)
	// and intra-op threads (default 2).
	Tile, Threads int
	// OracleDepth uses the generator's exact row-to-depth mapping instead
	// of depth.Calibrate (default true).
	OracleDepth bool
	// Merge lists results.json files of earlier runs to combine into one
	// report instead of scoring models; models keep their first-seen order.
	Merge []string
	// Out is the output directory. Required unless exporting tiles.
	Out string
	// Review, when set, makes a review picture per model and example in
	// OUT/review: the traces over the prepared image, the probability map
	// and the exact mask side by side.
	Review bool
	// Export, when its Dir is set (--export-tiles DIR), writes training
	// tiles cut from prepared images instead of scoring models.
	Export TileExport
}

type modelFlags []string

func (m *modelFlags) String() string     { return strings.Join(*m, ",") }
func (m *modelFlags) Set(v string) error { *m = append(*m, v); return nil }

// Validate reports the first setting a user must fix.
func (c *Config) Validate() error {
	if c.Review && (c.Export.Dir != "" || len(c.Merge) > 0) {
		return errors.New("--review draws pictures while models are scored: it does " +
			"nothing with --export-tiles or --merge")
	}
	if c.Export.Dir != "" {
		if c.Export.N < 1 {
			return errors.New("--export-tiles needs --tiles-n N, N at least 1")
		}
		if !(c.Export.Focus >= 0 && c.Export.Focus <= 1) { // NaN too
			return fmt.Errorf("--tiles-focus %v: use a share in [0, 1]", c.Export.Focus)
		}
		if c.Export.Seed > maxTileSeed {
			return fmt.Errorf("--tiles-seed %d would render held-out logs (seeds "+
				"900001..): use 1..%d", c.Export.Seed, maxTileSeed)
		}
		return nil
	}
	if len(c.Models) == 0 && len(c.Merge) == 0 {
		return errors.New("no --model: give NAME=PATH/model.onnx, classical or mask " +
			"(or --merge results.json files)")
	}
	if len(c.Models) > 0 && len(c.Merge) > 0 {
		return errors.New("give --model or --merge, not both")
	}
	if c.Out == "" {
		return errors.New("--out DIR is required")
	}
	if len(c.Merge) > 0 {
		return nil
	}
	switch {
	case c.Easy < 0 || c.Hard < 0:
		return errors.New("--easy and --hard count held-out logs: they must not be negative")
	case c.Easy+c.Hard == 0:
		return errors.New("--easy and --hard count held-out logs: give at least one")
	case c.Width < minLogWidth || c.Height < minLogHeight:
		return fmt.Errorf("--width %d --height %d: held-out logs must be at least %d x %d px "+
			"(smaller ones hold too little log to score)", c.Width, c.Height, minLogWidth,
			minLogHeight)
	}
	seen := map[string]bool{}
	for _, spec := range c.Models {
		name, _, _ := strings.Cut(spec, "=")
		if seen[name] {
			return fmt.Errorf("--model %s given twice: give each model its own name", name)
		}
		seen[name] = true
	}
	return nil
}

// The smallest held-out log evaluate renders, px.
const (
	minLogWidth  = 600
	minLogHeight = 1000
)

func parseFlags(args []string) (*Config, error) {
	c := &Config{}
	fs := flag.NewFlagSet("evaluate", flag.ContinueOnError)
	var models, merge modelFlags
	fs.Var(&models, "model", "NAME=PATH to an ONNX model, or classical, or mask (repeat)")
	fs.Var(&merge, "merge", "results.json of an earlier run to combine (repeat)")
	fs.IntVar(&c.Easy, "easy", 6, "held-out easy logs")
	fs.IntVar(&c.Hard, "hard", 6, "held-out hard logs")
	fs.Uint64Var(&c.Seed, "seed", 900001, "seed of the first held-out log")
	fs.IntVar(&c.Width, "width", 1700, "log width, px")
	fs.IntVar(&c.Height, "height", 4000, "log height, px")
	fs.IntVar(&c.Tile, "tile", 512, "ONNX Runtime tile edge, px")
	fs.IntVar(&c.Threads, "threads", 2, "ONNX Runtime intra-op threads")
	fs.BoolVar(&c.OracleDepth, "oracle-depth", true,
		"exact depth mapping from the generator instead of depth.Calibrate")
	fs.StringVar(&c.Out, "out", "", "output directory")
	fs.BoolVar(&c.Review, "review", false,
		"write OUT/review/MODEL-TIER-SEED.png: traces, probability map and mask side by side")
	fs.StringVar(&c.Export.Dir, "export-tiles", "",
		"write training tiles cut from prepared images to DIR instead of scoring")
	fs.IntVar(&c.Export.N, "tiles-n", 2400, "tiles to export")
	fs.Uint64Var(&c.Export.Seed, "tiles-seed", 1, "seed of the tile export")
	fs.Float64Var(&c.Export.Focus, "tiles-focus", 0,
		"share of curve-centred tiles centred on near-horizontal stretches and class crossings")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	c.Models, c.Merge = models, merge
	return c, c.Validate()
}

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "evaluate:", err)
		os.Exit(2)
	}
	if err := run(context.Background(), cfg, log); err != nil {
		fmt.Fprintln(os.Stderr, "evaluate:", err)
		os.Exit(1)
	}
	if cfg.Export.Dir == "" {
		fmt.Printf("evaluate: wrote %s (medians per model, tier and class), summary.json, "+
			"results.json and r2.png\n", filepath.Join(cfg.Out, "table.md"))
	}
}

// openModels builds the segmenters; the caller closes them.
func openModels(cfg *Config) ([]Model, error) {
	var out []Model
	for _, spec := range cfg.Models {
		name, path, _ := strings.Cut(spec, "=")
		switch {
		case path == "" && name == "mask":
			out = append(out, Model{Name: name, Oracle: true})
		case path == "" && name == "classical":
			out = append(out, Model{Name: name,
				Seg: segment.NewClassical(segment.ClassicalOptions{})})
		case path == "":
			return out, fmt.Errorf("model %q: give NAME=PATH/model.onnx, classical or mask", spec)
		default:
			seg, err := segment.NewONNX(path, segment.ONNXOptions{Tile: cfg.Tile,
				Threads: cfg.Threads})
			if err != nil {
				return out, fmt.Errorf("model %s: %w", name, err)
			}
			out = append(out, Model{Name: name, Seg: seg})
		}
	}
	return out, nil
}

func run(ctx context.Context, cfg *Config, log *slog.Logger) error {
	if cfg.Export.Dir != "" {
		st, err := ExportTiles(cfg.Export, log)
		if err == nil {
			log.Info("tiles exported", "dir", cfg.Export.Dir, "n", st.N,
				"class_fraction", st.ClassFraction)
		}
		return err
	}
	if len(cfg.Merge) > 0 {
		return mergeRuns(cfg)
	}
	models, err := openModels(cfg)
	defer func() {
		for _, m := range models {
			if m.Seg != nil {
				m.Seg.Close()
			}
		}
	}()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return fmt.Errorf("create --out: %w", err)
	}
	review := ""
	if cfg.Review {
		review = filepath.Join(cfg.Out, "review")
		if err := os.MkdirAll(review, 0o755); err != nil {
			return fmt.Errorf("create review directory: %w", err)
		}
	}

	var results []ExampleResult
	tiers := []struct {
		tier synth.Tier
		n    int
	}{{synth.TierEasy, cfg.Easy}, {synth.TierHard, cfg.Hard}}
	eopt := ExampleOptions{Width: cfg.Width, Height: cfg.Height, OracleDepth: cfg.OracleDepth}
	for _, t := range tiers {
		for i := 0; i < t.n; i++ {
			seed := cfg.Seed + uint64(i)
			ex, err := NewExample(t.tier, seed, eopt)
			if err != nil && ex == nil {
				log.Warn("example skipped", "tier", t.tier, "seed", seed, "err", err)
				continue
			}
			if err != nil {
				// Preprocessing or calibration refused the log: every model
				// misses its curves, and the tables say so.
				log.Warn("example failed before segmentation", "tier", t.tier,
					"seed", seed, "err", err)
				for _, m := range models {
					results = append(results, Refused(m, ex, err))
				}
				continue
			}
			for _, m := range models {
				r := Score(ctx, m, ex, vector.Options{}, review)
				log.Info("scored", "model", m.Name, "tier", t.tier, "seed", seed,
					"seconds", fmt.Sprintf("%.1f", r.Seconds), "err", r.Error)
				results = append(results, r)
			}
		}
	}
	names := make([]string, len(models))
	for i, m := range models {
		names[i] = m.Name
	}
	return writeOutputs(cfg, results, names)
}

// mergeRuns combines the results.json files of earlier runs.
func mergeRuns(cfg *Config) error {
	var all []ExampleResult
	var names []string
	seen := map[string]bool{}
	for _, path := range cfg.Merge {
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("merge: %w", err)
		}
		var rs []ExampleResult
		if err := json.Unmarshal(data, &rs); err != nil {
			return fmt.Errorf("merge %s: %w", path, err)
		}
		for _, r := range rs {
			if !seen[r.Model] {
				seen[r.Model] = true
				names = append(names, r.Model)
			}
		}
		all = append(all, rs...)
	}
	if len(all) == 0 {
		return fmt.Errorf("merge: %s hold no results", strings.Join(cfg.Merge, ", "))
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return fmt.Errorf("create --out: %w", err)
	}
	return writeOutputs(cfg, all, names)
}

func writeOutputs(cfg *Config, results []ExampleResult, names []string) error {
	if err := writeJSON(filepath.Join(cfg.Out, "results.json"), results); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(cfg.Out, "summary.json"), Summarise(results)); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(cfg.Out, "table.md"), func(f *os.File) error {
		return WriteMarkdown(f, results, names, qa.ProjectTarget)
	}); err != nil {
		return err
	}
	return writeFile(filepath.Join(cfg.Out, "r2.png"), func(f *os.File) error {
		return PlotR2(f, results, names)
	})
}

func writeJSON(path string, v any) error {
	return writeFile(path, func(f *os.File) error {
		enc := json.NewEncoder(f)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

func writeFile(path string, fill func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := fill(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
