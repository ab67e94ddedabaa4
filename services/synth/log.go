package main

import (
	"bytes"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/welllog/digitiser/pkg/synth"
)

// logFlags are the flags of the log command.
type logFlags struct {
	out       string
	tier      string
	seed      uint64
	pages     int
	width     int
	height    int
	tiePoints string
	overlap   int
	shift     float64
	rot       float64
	preview   bool
}

// runLog writes one archive the pipeline accepts, with its mask and truth
// beside it.
func runLog(args []string) error {
	fs := flag.NewFlagSet("log", flag.ContinueOnError)
	var f logFlags
	fs.StringVar(&f.out, "out", "", "archive to write, X.tar.gz (required)")
	fs.StringVar(&f.tier, "tier", "hard", "easy or hard")
	fs.Uint64Var(&f.seed, "seed", 1, "seed; the same flags give the same bytes")
	fs.IntVar(&f.pages, "pages", 1, "page images the strip is cut into")
	fs.IntVar(&f.width, "width", 1700, "strip width, px")
	fs.IntVar(&f.height, "height", 6000, "strip height, px")
	fs.StringVar(&f.tiePoints, "tie-points", "tier", "tier, yes or no: manifest tie points")
	fs.IntVar(&f.overlap, "overlap", 200, "rows neighbouring pages share, px")
	fs.Float64Var(&f.shift, "page-shift", 6, "largest page shift, px")
	fs.Float64Var(&f.rot, "page-rot", 0.3, "largest page rotation, degrees")
	fs.BoolVar(&f.preview, "preview", false, "also write X.png, the whole strip")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if f.out == "" || !strings.HasSuffix(f.out, ".tar.gz") {
		return fmt.Errorf("log: --out %q: give an archive name ending in .tar.gz", f.out)
	}
	lg, err := generateLog(f)
	if err != nil {
		return err
	}
	if err := writeLogFiles(lg, f); err != nil {
		return err
	}
	slog.Info("log written", "archive", f.out, "look", lg.Look, "curves", len(lg.Truth),
		"rows", lg.Image.Rect.Dy(), "pages", f.pages)
	return nil
}

func generateLog(f logFlags) (*synth.Log, error) {
	cfg := synth.Config{Tier: synth.Tier(f.tier), Seed: f.seed, Width: f.width,
		Height: f.height}
	var k synth.Knobs
	switch cfg.Tier {
	case synth.TierEasy:
		k = synth.EasyKnobs()
	case synth.TierHard:
		k = synth.HardKnobs()
	default:
		return nil, fmt.Errorf("log: --tier %q: use easy or hard", f.tier)
	}
	switch f.tiePoints {
	case "yes":
		k.TiePointsProb = 1
	case "no":
		k.TiePointsProb = 0
	case "tier":
	default:
		return nil, fmt.Errorf("log: --tie-points %q: use tier, yes or no", f.tiePoints)
	}
	cfg.Knobs = &k
	return synth.Generate(cfg)
}

// writeLogFiles writes X.tar.gz, X.mask.png, X.truth.json and, when asked,
// X.png.
func writeLogFiles(lg *synth.Log, f logFlags) error {
	opt := synth.ArchiveOptions{Pages: f.pages, Overlap: f.overlap, ShiftPx: f.shift,
		RotDeg: f.rot, Seed: f.seed}
	base := strings.TrimSuffix(f.out, ".tar.gz")
	pages, err := lg.Pages(opt)
	if err != nil {
		return err
	}
	var arc, mask, truth, prev bytes.Buffer
	if err := lg.WriteArchive(&arc, opt); err != nil {
		return err
	}
	if err := synth.EncodePNG(&mask, lg.Mask); err != nil {
		return fmt.Errorf("log: mask: %w", err)
	}
	if err := lg.WriteTruthJSON(&truth, pages); err != nil {
		return err
	}
	files := map[string][]byte{f.out: arc.Bytes(), base + ".mask.png": mask.Bytes(),
		base + ".truth.json": truth.Bytes()}
	if f.preview {
		if err := synth.EncodePNG(&prev, lg.Gray()); err != nil {
			return fmt.Errorf("log: preview: %w", err)
		}
		files[base+".png"] = prev.Bytes()
	}
	for name, data := range files {
		if err := os.WriteFile(name, data, 0o644); err != nil {
			return fmt.Errorf("log: %w", err)
		}
	}
	return nil
}
