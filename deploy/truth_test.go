package deploy

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/welllog/digitiser/pkg/realdata"
	"github.com/welllog/digitiser/pkg/telemetry"
)

// The code's truth, read from the code itself: nothing here is a copied
// list of names.

// envHelpers are the functions of services/digitise that read one
// DIGITISE_* variable from their first argument.
var envHelpers = map[string]bool{"envDefault": true, "envInt": true, "envBool": true,
	"durationEnv": true}

var (
	envOnce  sync.Once
	envNames map[string]bool
	envErr   error
)

// digitiseEnv returns every DIGITISE_* variable the digitise command reads,
// parsed out of services/digitise: the prefix from envDefault's body, the
// names from each call of an env helper with a string literal.
func digitiseEnv(t testing.TB) map[string]bool {
	t.Helper()
	dir := repoPath(t, "services", "digitise")
	envOnce.Do(func() { envNames, envErr = parseEnvNames(dir) })
	if envErr != nil {
		t.Fatal(envErr)
	}
	return envNames
}

func parseEnvNames(dir string) (map[string]bool, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var prefix string
	var names []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			return nil, err
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if n.Name.Name == "envDefault" {
					prefix = firstStringIn(n.Body)
				}
			case *ast.CallExpr:
				id, ok := n.Fun.(*ast.Ident)
				if !ok || !envHelpers[id.Name] || len(n.Args) == 0 {
					return true
				}
				if s, ok := stringLit(n.Args[0]); ok {
					names = append(names, s)
				}
			}
			return true
		})
	}
	if prefix == "" || len(names) == 0 {
		return nil, errors.New("no env prefix or names found in " + dir +
			": did envDefault change shape?")
	}
	out := map[string]bool{}
	for _, n := range names {
		out[prefix+n] = true
	}
	return out, nil
}

func firstStringIn(n ast.Node) string {
	var s string
	ast.Inspect(n, func(n ast.Node) bool {
		if v, ok := stringLit(n); ok && s == "" {
			s = v
		}
		return s == ""
	})
	return s
}

func stringLit(n ast.Node) (string, bool) {
	lit, ok := n.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

var envLike = regexp.MustCompile(`"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"`)

var (
	litOnce sync.Once
	litEnv  map[string]bool
)

// knownEnv reports whether name is read by the code a container runs: a
// DIGITISE_* variable of digitise, a variable-like string literal in our
// pkg/ or services/ (ONNXRUNTIME_LIB, OTEL_EXPORTER_OTLP_ENDPOINT), or one
// spelled out in the OpenTelemetry SDK module we link
// (OTEL_RESOURCE_ATTRIBUTES).
func knownEnv(t testing.TB, name string) bool {
	t.Helper()
	if strings.HasPrefix(name, "DIGITISE_") {
		return digitiseEnv(t)[name]
	}
	litOnce.Do(func() {
		litEnv = map[string]bool{}
		dirs := []string{repoPath(t, "pkg"), repoPath(t, "services")}
		dirs = append(dirs, moduleDir(t, "go.opentelemetry.io/otel/sdk"))
		for _, d := range dirs {
			scanLiterals(t, d, litEnv)
		}
	})
	return litEnv[name]
}

func scanLiterals(t testing.TB, dir string, into map[string]bool) {
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") ||
			strings.HasSuffix(p, "_test.go") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range envLike.FindAllStringSubmatch(string(data), -1) {
			into[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// moduleDir returns the source directory of a module in the build list.
func moduleDir(t testing.TB, mod string) string {
	t.Helper()
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mod)
	cmd.Dir = realdata.Root(t)
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Fatalf("go list -m %s: %v (run `go mod download`)", mod, err)
	}
	return strings.TrimSpace(string(out))
}

// moduleVersion returns the version of a module in the build list.
func moduleVersion(t testing.TB, mod string) string {
	t.Helper()
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Version}}", mod)
	cmd.Dir = realdata.Root(t)
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Fatalf("go list -m %s: %v", mod, err)
	}
	return strings.TrimSpace(string(out))
}

var (
	flagOnce  sync.Once
	flagNames map[string]bool
	flagErr   error
)

var flagLine = regexp.MustCompile(`(?m)^\s+-([a-z0-9][a-z0-9-]*)`)

// serveFlags returns the flags `digitise serve --help` lists.
func serveFlags(t testing.TB) map[string]bool {
	t.Helper()
	bin := digitiseBinary(t)
	flagOnce.Do(func() {
		out, err := exec.Command(bin, "serve", "--help").CombinedOutput()
		if err != nil {
			flagErr = errors.New("digitise serve --help: " + err.Error())
			return
		}
		flagNames = map[string]bool{}
		for _, m := range flagLine.FindAllStringSubmatch(string(out), -1) {
			flagNames[m[1]] = true
		}
		if !flagNames["stages"] {
			flagErr = errors.New("serve --help lists no --stages:\n" + string(out))
		}
	})
	if flagErr != nil {
		t.Fatal(flagErr)
	}
	return flagNames
}

// checkServeArgs checks a container's arguments: "serve", then only flags
// serve knows; it returns the value of --stages ("" when absent).
func checkServeArgs(t testing.TB, where string, args []string) string {
	t.Helper()
	if len(args) == 0 || args[0] != "serve" {
		t.Errorf("%s: command %q does not start with serve", where, args)
		return ""
	}
	known := serveFlags(t)
	var stages string
	for i := 1; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !known[name] {
			t.Errorf("%s: serve has no flag --%s", where, name)
		}
		if !hasVal && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			val = args[i+1]
		}
		if name == "stages" {
			stages = val
		}
	}
	return stages
}

// metricNames returns the series names the stage metrics expose
// (histograms with their _bucket, _sum and _count series).
func metricNames(t testing.TB) map[string]bool {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := telemetry.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	m.Begin("probe")(nil)
	m.Begin("probe")(errors.New("probe"))
	m.Begin("probe")(telemetry.ErrHandedBack)
	m.Retry("probe")
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, f := range fams {
		out[f.GetName()] = true
		if f.GetType().String() == "HISTOGRAM" {
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				out[f.GetName()+s] = true
			}
		}
	}
	if len(out) < 5 {
		t.Fatalf("stage metrics expose only %v", out)
	}
	return out
}

// opsServes reports whether the ops handler answers GET path with 200.
func opsServes(path string) bool {
	rec := httptest.NewRecorder()
	telemetry.OpsHandler(nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code == http.StatusOK
}

// portOf returns the port of a host:port or :port address.
func portOf(addr string) string {
	if i := strings.LastIndex(addr, ":"); i >= 0 {
		return addr[i+1:]
	}
	return ""
}

// shellVar returns the value of NAME=value in a shell script.
func shellVar(t testing.TB, path, name string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `=(\S+)`)
	m := re.FindStringSubmatch(string(data))
	if m == nil {
		t.Fatalf("%s sets no %s", path, name)
	}
	return strings.Trim(m[1], `"'`)
}
