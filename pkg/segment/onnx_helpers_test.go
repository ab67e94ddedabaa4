package segment

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/welllog/digitiser/pkg/realdata"
)

// requireRuntime fails the test unless the ONNX Runtime library is
// installed; with DIGITISE_ALLOW_SKIP_ORT=1 it skips instead.
func requireRuntime(t testing.TB) {
	t.Helper()
	lib := DefaultLibraryPath()
	if _, err := os.Stat(lib); err == nil {
		return
	}
	msg := "ONNX Runtime library " + lib + " missing: run deploy/local/setup-onnxruntime.sh"
	if os.Getenv("DIGITISE_ALLOW_SKIP_ORT") == "1" {
		t.Skip(msg + " (skipping: DIGITISE_ALLOW_SKIP_ORT=1)")
	}
	t.Fatal(msg + " (or set DIGITISE_ALLOW_SKIP_ORT=1 to skip)")
}

var exported struct {
	once sync.Once
	path string
	err  error
}

// testModel returns a model for tests: $DIGITISE_SEGMENT_MODEL if set,
// else the newest training/models/curveseg/*/model.onnx with a card, else
// a tiny random-init U-Net exported once per test process by
// training/bench_infer.py with /usr/bin/python3 (skips when torch is
// missing there).
func testModel(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("DIGITISE_SEGMENT_MODEL"); p != "" {
		return p
	}
	root := realdata.Root(t)
	found, _ := filepath.Glob(filepath.Join(root, "training", "models", "curveseg", "*",
		"model.onnx"))
	sort.Strings(found)
	for i := len(found) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(filepath.Dir(found[i]), CardName)); err == nil {
			return found[i]
		}
	}
	return exportTiny(t, root, "tiny")
}

// exportTiny exports a random-init model of the given arch once per
// process into a temp dir that outlives the tests of this process.
func exportTiny(t testing.TB, root, arch string) string {
	t.Helper()
	exported.once.Do(func() {
		dir, err := os.MkdirTemp("", "segment-model-")
		if err != nil {
			exported.err = err
			return
		}
		out := filepath.Join(dir, arch)
		cmd := exec.Command("/usr/bin/python3", filepath.Join(root, "training", "bench_infer.py"),
			"export", "--out", out, "--arch", arch)
		if b, err := cmd.CombinedOutput(); err != nil {
			exported.err = errors.New(err.Error() + ": " + string(b))
			return
		}
		exported.path = filepath.Join(out, "model.onnx")
	})
	if exported.err != nil {
		t.Skipf("no model in training/models/curveseg and exporting one with "+
			"/usr/bin/python3 (torch) failed: %v", exported.err)
	}
	return exported.path
}

// hasGPU reports whether an NVIDIA GPU is visible.
func hasGPU() bool {
	_, err := os.Stat("/dev/nvidia0")
	return err == nil
}
