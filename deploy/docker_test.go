package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/welllog/digitiser/pkg/realdata"
	seg "github.com/welllog/digitiser/pkg/segment"
)

// dockerfile is a Dockerfile as logical instructions (continuations joined).
type dockerfile struct {
	path  string
	lines []string
}

func loadDockerfile(t *testing.T, name string) *dockerfile {
	t.Helper()
	p := repoPath(t, "deploy", "docker", name)
	text := strings.ReplaceAll(readText(t, p), "\\\n", " ")
	d := &dockerfile{path: p}
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			d.lines = append(d.lines, l)
		}
	}
	return d
}

// instr returns the arguments of every instruction named op.
func (d *dockerfile) instr(op string) []string {
	var out []string
	for _, l := range d.lines {
		if f := strings.Fields(l); len(f) > 0 && strings.EqualFold(f[0], op) {
			out = append(out, strings.TrimSpace(l[len(f[0]):]))
		}
	}
	return out
}

// env returns the ENV settings of the last stage (the runtime image).
func (d *dockerfile) env() map[string]string {
	out := map[string]string{}
	for _, l := range d.lines {
		f := strings.Fields(l)
		if strings.EqualFold(f[0], "FROM") {
			out = map[string]string{}
		}
		if !strings.EqualFold(f[0], "ENV") {
			continue
		}
		for _, kv := range f[1:] {
			if k, v, ok := strings.Cut(kv, "="); ok {
				out[k] = v
			}
		}
	}
	return out
}

var goBuild = regexp.MustCompile(`go build .*-o (\S+) (\./\S+)`)

// TestDockerImages checks both Dockerfiles against the code: the package
// they build is the digitise command, the binary they copy is the one they
// build and the entrypoint runs it, the ONNX Runtime library sits where
// ONNXRUNTIME_LIB points, every ENV is read by the code, the exposed port
// is the ops port, the CUDA image pins the runtime version the CPU setup
// pins, and the build context keeps every package the binary needs.
func TestDockerImages(t *testing.T) {
	for _, name := range []string{"Dockerfile", "Dockerfile.cuda"} {
		t.Run(name, func(t *testing.T) {
			d := loadDockerfile(t, name)
			var out, pkg string
			for _, r := range d.instr("RUN") {
				if m := goBuild.FindStringSubmatch(r); m != nil {
					out, pkg = m[1], m[2]
				}
			}
			if pkg == "" || !strings.Contains(readText(t, repoPath(t, pkg, "main.go")),
				"package main") {
				t.Fatalf("builds %q, not a main package", pkg)
			}
			entry := strings.Join(d.instr("ENTRYPOINT"), " ")
			bin := ""
			for _, c := range d.instr("COPY") {
				if f := strings.Fields(c); strings.HasPrefix(f[0], "--from=") && f[1] == out {
					bin = f[2]
				}
			}
			if bin == "" || !strings.Contains(entry, `"`+bin+`"`) {
				t.Errorf("entrypoint %s does not run the built %s (copied to %q)", entry,
					out, bin)
			}
			env := d.env()
			// Besides the code's own variables: NVIDIA_* for the container
			// toolkit, LD_LIBRARY_PATH for the loader, XDG_CACHE_HOME for
			// os.UserCacheDir (the model cache).
			for k := range env {
				if !knownEnv(t, k) && !strings.HasPrefix(k, "NVIDIA_") &&
					k != "XDG_CACHE_HOME" && k != "LD_LIBRARY_PATH" {
					t.Errorf("ENV %s is read by nothing in the code", k)
				}
			}
			lib := env[seg.LibraryEnv]
			if lib == "" || !copiesTo(d, lib) {
				t.Errorf("%s=%q is not where the image copies the runtime", seg.LibraryEnv, lib)
			}
			if expose := strings.Join(d.instr("EXPOSE"), " "); expose !=
				portOf(env["DIGITISE_OPS_ADDR"]) {
				t.Errorf("EXPOSE %s, ops address %q", expose, env["DIGITISE_OPS_ADDR"])
			}
			checkDockerignore(t, d.path+".dockerignore", pkg)
		})
	}
	cuda := loadDockerfile(t, "Dockerfile.cuda")
	if p := cuda.env()["DIGITISE_ONNX_PROVIDER"]; p != seg.ProviderCUDA {
		t.Errorf("Dockerfile.cuda: DIGITISE_ONNX_PROVIDER=%q, want %s", p, seg.ProviderCUDA)
	}
	want := shellVar(t, repoPath(t, "deploy", "local", "setup-onnxruntime.sh"), "ORT_VERSION")
	if !strings.Contains(strings.Join(cuda.instr("ARG"), "\n"), "ORT_VERSION="+want) {
		t.Errorf("Dockerfile.cuda does not pin ONNX Runtime %s like setup-onnxruntime.sh", want)
	}
}

// copiesTo reports whether some COPY puts a file at path (or its folder).
func copiesTo(d *dockerfile, path string) bool {
	for _, c := range d.instr("COPY") {
		f := strings.Fields(c)
		dst := f[len(f)-1]
		if dst == path || dst == filepath.Dir(path) {
			return true
		}
	}
	return false
}

// checkDockerignore expects the build context filter to keep every folder
// of every package pkg needs, and the files the Dockerfile copies.
func checkDockerignore(t *testing.T, path, pkg string) {
	t.Helper()
	var patterns []string
	for _, l := range strings.Split(readText(t, path), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			patterns = append(patterns, l)
		}
	}
	root := realdata.Root(t)
	cmd := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.Dir}}{{end}}", pkg)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	need := []string{"go.mod", "go.sum", "training/models", "deploy/local/setup-onnxruntime.sh"}
	for _, dir := range strings.Fields(string(out)) {
		if rel, err := filepath.Rel(root, dir); err == nil && !strings.HasPrefix(rel, "..") {
			need = append(need, filepath.ToSlash(rel))
		}
	}
	for _, n := range need {
		if _, err := os.Stat(filepath.Join(root, n)); err != nil {
			continue // the Dockerfile that copies it will fail loudly
		}
		for _, p := range patterns {
			if ignored(p, n) {
				t.Errorf("%s: %q drops %s, which the image needs", filepath.Base(path), p, n)
			}
		}
	}
}

// ignored reports whether a .dockerignore pattern drops rel: a path prefix,
// or **/name matching any path element.
func ignored(pattern, rel string) bool {
	if name, ok := strings.CutPrefix(pattern, "**/"); ok {
		for _, el := range strings.Split(rel, "/") {
			if m, _ := filepath.Match(name, el); m {
				return true
			}
		}
		return false
	}
	return rel == pattern || strings.HasPrefix(rel, pattern+"/")
}
