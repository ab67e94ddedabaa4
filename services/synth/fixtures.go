package main

import (
	"flag"
	"fmt"
	"github.com/welllog/digitiser/pkg/realdata"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/welllog/digitiser/pkg/synth"
)

// runFixtures regenerates testdata/synth, testdata/sample/sample-hard.tar.gz
// and docs/img/synth-sample.png under the repository root.
func runFixtures(args []string) error {
	fs := flag.NewFlagSet("fixtures", flag.ContinueOnError)
	root := fs.String("root", "", "repository root; default: the nearest parent with go.mod")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *root == "" {
		r, err := repoRoot()
		if err != nil {
			return err
		}
		*root = r
	}
	files, err := synth.Fixtures()
	if err != nil {
		return err
	}
	total := 0
	for _, f := range files {
		p := filepath.Join(*root, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("fixtures: %w", err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return fmt.Errorf("fixtures: %w", err)
		}
		total += len(f.Data)
	}
	slog.Info("fixtures written", "root", *root, "files", len(files), "bytes", total)
	return nil
}

// repoRoot is the repository root, or an error saying to give --root.
func repoRoot() (string, error) {
	root, err := realdata.RepoRoot()
	if err != nil {
		return "", fmt.Errorf("fixtures: %w: run from the repository or give --root", err)
	}
	return root, nil
}
