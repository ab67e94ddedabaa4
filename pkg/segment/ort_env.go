package segment

import (
	"errors"
	"fmt"
	"github.com/welllog/digitiser/pkg/realdata"
	"os"
	"path/filepath"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// LibraryEnv is the environment variable naming the ONNX Runtime shared
// library; it overrides the repository default.
const LibraryEnv = "ONNXRUNTIME_LIB"

// LibraryRelPath is where deploy/local/setup-onnxruntime.sh installs the
// library, relative to the repository root.
const LibraryRelPath = ".cache/onnxruntime/libonnxruntime.so.1"

// ErrNoRuntime is wrapped when the ONNX Runtime shared library cannot be
// found or loaded. Run deploy/local/setup-onnxruntime.sh or set
// ONNXRUNTIME_LIB.
var ErrNoRuntime = errors.New("ONNX Runtime library not available " +
	"(run deploy/local/setup-onnxruntime.sh or set " + LibraryEnv + ")")

// ortEnv guards the process-wide ONNX Runtime environment: it is created
// by the first NewONNX and lives until the process exits.
var ortEnv struct {
	sync.Mutex
	lib string
}

// DefaultLibraryPath returns the library NewONNX loads when
// [ONNXOptions.LibraryPath] is empty: $ONNXRUNTIME_LIB when set, else
// .cache/onnxruntime/libonnxruntime.so.1 under the first directory at or
// above the working directory that holds go.mod, else that path relative
// to the working directory.
func DefaultLibraryPath() string {
	if p := os.Getenv(LibraryEnv); p != "" {
		return p
	}
	root, err := realdata.RepoRoot()
	if err != nil {
		return LibraryRelPath
	}
	return filepath.Join(root, LibraryRelPath)
}

// initRuntime creates the ONNX Runtime environment once per process from
// the library at lib. A later call with another library fails: one
// process loads one runtime.
func initRuntime(lib string) error {
	ortEnv.Lock()
	defer ortEnv.Unlock()

	abs, err := filepath.Abs(lib)
	if err != nil {
		abs = lib
	}
	if ort.IsInitialized() {
		if abs != ortEnv.lib {
			return fmt.Errorf("onnx runtime already loaded from %s in this process, "+
				"cannot also load %s", ortEnv.lib, abs)
		}
		return nil
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("%w: %w", ErrNoRuntime, err)
	}
	ort.SetSharedLibraryPath(abs)
	if err := ort.InitializeEnvironment(ort.WithLogLevelWarning()); err != nil {
		return fmt.Errorf("%w: load %s: %w", ErrNoRuntime, abs, err)
	}
	ortEnv.lib = abs
	return nil
}
