package realdata

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTB records what a helper asked of its test.
type fakeTB struct{ fatal, skip []string }

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = append(f.fatal, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.skip = append(f.skip, fmt.Sprintf(format, args...))
}

func TestRepoRootHoldsThisPackage(t *testing.T) {
	t.Setenv(EnvDir, "")
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("root %s: %v", root, err)
	}
	if _, err := os.Stat(filepath.Join(root, "pkg", "realdata", "realdata.go")); err != nil {
		t.Fatalf("root %s is not this module's: %v", root, err)
	}
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(filepath.Dir(root), "shared", "realdata"); dir != want {
		t.Fatalf("Dir() = %s, want %s", dir, want)
	}
}

func TestDirFromEnv(t *testing.T) {
	t.Setenv(EnvDir, "some/where")
	dir, err := Dir()
	if err != nil || !filepath.IsAbs(dir) || !strings.HasSuffix(dir, "some/where") {
		t.Fatalf("Dir() = %q, %v; want $%s made absolute", dir, err, EnvDir)
	}
	if p := Path(t, "scans", "x.tif"); p != filepath.Join(dir, "scans", "x.tif") {
		t.Fatalf("Path = %s, want it under %s", p, dir)
	}
}

func TestNoRepoRoot(t *testing.T) {
	t.Setenv(EnvDir, "")
	t.Chdir(t.TempDir())
	if root, err := RepoRoot(); err == nil {
		t.Skipf("a go.mod lies above the temp dir (%s): cannot test", root)
	}
	if _, err := Dir(); err == nil || !strings.Contains(err.Error(), "no go.mod") {
		t.Fatalf("Dir() err = %v, want no go.mod", err)
	}
	var f fakeTB
	Root(&f)
	if len(f.fatal) != 1 || !strings.Contains(f.fatal[0], "no go.mod") {
		t.Fatalf("Root failed the test with %q, want one no go.mod", f.fatal)
	}
}

func TestSkipNamesTheMissingPath(t *testing.T) {
	t.Setenv(EnvDir, "")
	var f fakeTB
	path := Skip(&f, "no-such-folder", "x.las")
	if want := filepath.Join(Root(t), RelDir, "no-such-folder", "x.las"); path != want {
		t.Fatalf("Skip = %s, want %s", path, want)
	}
	if len(f.skip) != 1 || !strings.Contains(f.skip[0], path) ||
		!strings.Contains(f.skip[0], filepath.Join("shared", "realdata")) {
		t.Fatalf("skips %q, want one naming %s", f.skip, path)
	}
	if len(f.fatal) != 0 {
		t.Fatalf("unexpected failures %q", f.fatal)
	}

	var g fakeTB
	if got := Skip(&g); len(g.skip) == 0 {
		if fi, err := os.Stat(got); err != nil || !fi.IsDir() {
			t.Fatalf("Skip() = %s without skipping, but it is no folder (%v)", got, err)
		}
	}
}
