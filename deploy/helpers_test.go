// Package deploy holds no code, only the tests of the deployment files in
// deploy/compose, deploy/k8s and deploy/docker: that they parse and agree
// with the code they deploy (images, commands, flags, environment names,
// ports, stream and consumer names, metric names), and the multi-process
// batch test that runs every stage as its own process on a local stack.
package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/welllog/digitiser/pkg/realdata"
)

// repoPath joins elements under the repository root.
func repoPath(t testing.TB, elem ...string) string {
	return filepath.Join(append([]string{realdata.Root(t)}, elem...)...)
}

// yamlDocs decodes every document of a YAML file (merge keys resolved).
func yamlDocs(t testing.TB, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return yamlDocsOf(t, path, data)
}

func yamlDocsOf(t testing.TB, name string, data []byte) []map[string]any {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
	return docs
}

// yamlDoc decodes a single-document YAML file.
func yamlDoc(t testing.TB, path string) map[string]any {
	t.Helper()
	docs := yamlDocs(t, path)
	if len(docs) != 1 {
		t.Fatalf("%s: %d documents, want 1", path, len(docs))
	}
	return docs[0]
}

// get walks a decoded YAML/JSON tree by map keys and list indexes given as
// strings; a missing step gives nil.
func get(v any, keys ...string) any {
	for _, k := range keys {
		switch n := v.(type) {
		case map[string]any:
			v = n[k]
		case []any:
			i := -1
			for j := range n {
				if k == strconv.Itoa(j) {
					i = j
				}
			}
			if i < 0 {
				return nil
			}
			v = n[i]
		default:
			return nil
		}
	}
	return v
}

// str returns v as a string ("" when it is not one).
func str(v any) string {
	s, _ := v.(string)
	return s
}

// list returns v as a list (nil when it is not one).
func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// strs returns the strings of a list.
func strs(v any) []string {
	var out []string
	for _, e := range list(v) {
		out = append(out, str(e))
	}
	return out
}

// mapOf returns v as a map (nil when it is not one).
func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// TestMain removes the binary digitiseBinary built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// digitiseBinary builds ./services/digitise once per test binary into a
// temporary directory and returns its path.
func digitiseBinary(t testing.TB) string {
	t.Helper()
	root := realdata.Root(t)
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "deploy-test-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "digitise")
		cmd := exec.Command("go", "build", "-o", binPath, "./services/digitise")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			binErr = errors.New("go build ./services/digitise: " + err.Error() + "\n" +
				string(out))
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}
