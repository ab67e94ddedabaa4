// Package realdata finds the repository root and the shared real-data
// folder, ../shared/realdata beside the repository (a real 1-bit CCITT G4
// scan under scans/, real LAS files under las/; see its README.md), for
// tests and tools run from anywhere inside the module.
//
// It imports only the standard library, not even testing: the test
// helpers take a [TB], which *testing.T and *testing.B satisfy. So the
// pure algorithm packages' tests may use it without pulling in anything
// heavier.
package realdata

import (
	"fmt"
	"os"
	"path/filepath"
)

// RelDir is the real-data folder relative to the repository root.
const RelDir = "../shared/realdata"

// TB is the part of testing.TB the helpers use.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

// RepoRoot returns the repository root: the first directory at or above the
// working directory that holds go.mod. The error says when the working
// directory cannot be read or no go.mod lies above it.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repo root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("find repo root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// EnvDir names the environment variable that, when set, points at the
// real-data folder instead of [RelDir] beside the repository (the demo's
// DIGITISE_REALDATA).
const EnvDir = "DIGITISE_REALDATA"

// Dir returns the real-data folder: $DIGITISE_REALDATA when set, else
// [RelDir] under [RepoRoot]. It does not check that the folder exists (see
// [Skip]); the error is RepoRoot's.
func Dir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return filepath.Abs(d)
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, RelDir), nil
}

// Root returns [RepoRoot], failing tb when there is none.
func Root(tb TB) string {
	tb.Helper()
	root, err := RepoRoot()
	if err != nil {
		tb.Fatalf("%v", err)
	}
	return root
}

// Path joins elem under the real-data folder ([Dir]), failing tb when the
// repository root cannot be found. It does not check that the path exists.
func Path(tb TB, elem ...string) string {
	tb.Helper()
	dir, err := Dir()
	if err != nil {
		tb.Fatalf("%v", err)
	}
	return filepath.Join(append([]string{dir}, elem...)...)
}

// Skip returns [Path] of elem (the folder itself when elem is empty), or
// skips tb with a message naming the missing path and where the folder
// belongs when it is absent.
func Skip(tb TB, elem ...string) string {
	tb.Helper()
	path := Path(tb, elem...)
	if _, err := os.Stat(path); err != nil {
		dir, _ := Dir()
		tb.Skipf("real data absent (%v): put the shared realdata folder beside the "+
			"repository, at %s, or point %s at it", err, dir, EnvDir)
	}
	return path
}
