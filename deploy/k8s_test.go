package deploy

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/welllog/digitiser/pkg/bus"
	"github.com/welllog/digitiser/pkg/pipeline"
	seg "github.com/welllog/digitiser/pkg/segment"
	"github.com/welllog/digitiser/services/segment"
)

// kustomization reads a kustomization.yaml and checks that every file it
// names exists.
func kustomization(t *testing.T, dir string) map[string]any {
	t.Helper()
	k := yamlDoc(t, filepath.Join(dir, "kustomization.yaml"))
	files := strs(k["resources"])
	for _, p := range list(k["patches"]) {
		files = append(files, str(get(p, "path")))
	}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s names %s: %v", dir, f, err)
		}
	}
	return k
}

// render returns the objects of a kustomize directory: `kubectl kustomize`
// when kubectl is installed, else the base's resources read as they are
// (an overlay then cannot be rendered and the test skips).
func render(t *testing.T, dir string) []map[string]any {
	t.Helper()
	k := kustomization(t, dir)
	if kubectl, err := exec.LookPath("kubectl"); err == nil {
		out, err := exec.Command(kubectl, "kustomize", dir).CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, out)
		}
		return yamlDocsOf(t, dir, out)
	}
	if len(list(k["patches"])) > 0 {
		t.Skipf("kubectl not installed: cannot render the overlay %s", dir)
	}
	var docs []map[string]any
	for _, f := range strs(k["resources"]) {
		docs = append(docs, yamlDocs(t, filepath.Join(dir, f))...)
	}
	return docs
}

func byKind(docs []map[string]any, kind string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, d := range docs {
		if str(d["kind"]) == kind {
			out[str(get(d, "metadata", "name"))] = d
		}
	}
	return out
}

// TestKustomize checks base and the gpu overlay against the code: one
// Deployment and one KEDA ScaledObject per stage, each Deployment running
// serve with flags serve knows and its own stage, reading only variables
// the code reads from the ConfigMap and Secret it names, probing paths the
// ops handler serves on the ops port, with resource requests; each
// ScaledObject scaling its Deployment on the stage's consumer of the
// command stream. The gpu overlay puts segment on a GPU with the CUDA
// image.
func TestKustomize(t *testing.T) {
	for _, dir := range []string{"base", "overlays/gpu"} {
		t.Run(dir, func(t *testing.T) {
			docs := render(t, repoPath(t, "deploy", "k8s", dir))
			checkConfig(t, docs)
			deps := byKind(docs, "Deployment")
			scaled := byKind(docs, "ScaledObject")
			for _, st := range pipeline.Stages {
				d := deps[st]
				if d == nil {
					t.Errorf("no Deployment for stage %s", st)
					continue
				}
				checkDeployment(t, docs, st, d)
				checkScaledObject(t, st, scaled[st])
			}
			if len(deps) != len(pipeline.Stages) {
				t.Errorf("%d Deployments for %d stages", len(deps), len(pipeline.Stages))
			}
			segC := get(deps[pipeline.StageSegment], "spec", "template", "spec", "containers",
				"0")
			gpu := get(segC, "resources", "limits", "nvidia.com/gpu")
			image := str(get(segC, "image"))
			if dir == "base" && (gpu != nil || strings.Contains(image, "cuda")) {
				t.Errorf("base segment asks for a GPU (%v) or the CUDA image %s", gpu, image)
			}
			if dir != "base" && (toString(gpu) != "1" || !strings.Contains(image, "cuda")) {
				t.Errorf("gpu segment: nvidia.com/gpu %v, image %s", gpu, image)
			}
			want := seg.ProviderCPU
			if gpu != nil {
				want = seg.ProviderCUDA
			}
			if p := containerEnv(docs, seg0(deps)); p["DIGITISE_ONNX_PROVIDER"] != want {
				t.Errorf("%s segment: DIGITISE_ONNX_PROVIDER=%q, want %s", dir,
					p["DIGITISE_ONNX_PROVIDER"], want)
			}
		})
	}
}

// checkConfig expects every ConfigMap and Secret key to be a variable the
// code reads, credentials only in the Secret, and the code's names for
// buckets, subject and model.
func checkConfig(t *testing.T, docs []map[string]any) {
	t.Helper()
	secretish := []string{"DIGITISE_NATS_PASSWORD", "DIGITISE_S3_ACCESS_KEY",
		"DIGITISE_S3_SECRET_KEY"}
	for _, cm := range byKind(docs, "ConfigMap") {
		data := mapOf(cm["data"])
		if r := toString(data["DIGITISE_JS_REPLICAS"]); r != "3" {
			t.Errorf("DIGITISE_JS_REPLICAS=%q: want 3, so that losing a NATS server "+
				"stops nothing", r)
		}
		for _, raw := range strings.Split(str(data["DIGITISE_NATS_URL"]), ",") {
			if u, err := url.Parse(raw); err != nil || u.User != nil {
				t.Errorf("ConfigMap NATS URL %q: %v; credentials belong in the Secret",
					bus.RedactURL(raw), err)
			}
		}
		for k, v := range data {
			if !knownEnv(t, k) {
				t.Errorf("ConfigMap key %s is read by nothing", k)
			}
			if slices.Contains(secretish, k) {
				t.Errorf("ConfigMap holds the credential %s: move it to the Secret", k)
			}
			if k == "DIGITISE_MODEL_KEY" && str(v) != segment.DefaultModelKey {
				t.Errorf("DIGITISE_MODEL_KEY %v, the code's model is %s", v,
					segment.DefaultModelKey)
			}
		}
	}
	for _, s := range byKind(docs, "Secret") {
		data := mapOf(s["stringData"])
		for k := range data {
			if !knownEnv(t, k) {
				t.Errorf("Secret key %s is read by nothing", k)
			}
		}
		for _, k := range secretish {
			if data[k] == nil {
				t.Errorf("Secret lacks %s", k)
			}
		}
	}
}

func checkDeployment(t *testing.T, docs []map[string]any, stage string, d map[string]any) {
	t.Helper()
	pod := get(d, "spec", "template", "spec")
	cs := list(get(pod, "containers"))
	if len(cs) != 1 {
		t.Fatalf("%s: %d containers", stage, len(cs))
	}
	c := cs[0]
	if got := checkServeArgs(t, stage, strs(get(c, "args"))); got != stage {
		t.Errorf("Deployment %s runs --stages %q", stage, got)
	}
	opsAddr := ""
	for _, ef := range list(get(c, "envFrom")) {
		kind, name := "ConfigMap", str(get(ef, "configMapRef", "name"))
		if name == "" {
			kind, name = "Secret", str(get(ef, "secretRef", "name"))
		}
		src := byKind(docs, kind)[name]
		if src == nil {
			t.Errorf("%s: envFrom %s %q does not exist", stage, kind, name)
		}
		if a := str(get(src, "data", "DIGITISE_OPS_ADDR")); a != "" {
			opsAddr = a
		}
	}
	for _, e := range list(get(c, "env")) {
		if !knownEnv(t, str(get(e, "name"))) {
			t.Errorf("%s: env %s is read by nothing", stage, get(e, "name"))
		}
	}
	ports := map[string]string{}
	for _, p := range list(get(c, "ports")) {
		ports[str(get(p, "name"))] = toString(get(p, "containerPort"))
	}
	for _, probe := range []string{"startupProbe", "livenessProbe", "readinessProbe"} {
		path := str(get(c, probe, "httpGet", "path"))
		port := str(get(c, probe, "httpGet", "port"))
		if !opsServes(path) || ports[port] != portOf(opsAddr) || opsAddr == "" {
			t.Errorf("%s: %s GET %s on %s (%s); ops serves on %q", stage, probe, path, port,
				ports[port], opsAddr)
		}
	}
	if p := str(get(d, "spec", "template", "metadata", "annotations", "prometheus.io/port")); p !=
		portOf(opsAddr) {
		t.Errorf("%s: Prometheus scrapes port %q, ops is %q", stage, p, opsAddr)
	}
	for _, r := range []string{"cpu", "memory"} {
		if get(c, "resources", "requests", r) == nil {
			t.Errorf("%s: no %s request", stage, r)
		}
	}
	if get(pod, "terminationGracePeriodSeconds") == nil {
		t.Errorf("%s: no termination grace period to finish in-flight work", stage)
	}
}

func checkScaledObject(t *testing.T, stage string, so map[string]any) {
	t.Helper()
	if so == nil {
		t.Errorf("no ScaledObject for stage %s", stage)
		return
	}
	if n := str(get(so, "spec", "scaleTargetRef", "name")); n != stage {
		t.Errorf("ScaledObject %s scales %q", stage, n)
	}
	trig := get(so, "spec", "triggers", "0")
	md := get(trig, "metadata")
	if str(get(trig, "type")) != "nats-jetstream" ||
		str(get(md, "stream")) != bus.StreamCommands ||
		str(get(md, "consumer")) != bus.ConsumerName(stage) ||
		str(get(md, "natsServerMonitoringEndpoint")) == "" {
		t.Errorf("ScaledObject %s trigger %v: want nats-jetstream on %s/%s", stage, trig,
			bus.StreamCommands, bus.ConsumerName(stage))
	}
}

// seg0 returns the segment Deployment.
func seg0(deps map[string]map[string]any) map[string]any {
	return deps[pipeline.StageSegment]
}

// containerEnv returns the environment of a Deployment's first container:
// its envFrom ConfigMaps and Secrets, then its env entries.
func containerEnv(docs []map[string]any, d map[string]any) map[string]string {
	c := get(d, "spec", "template", "spec", "containers", "0")
	out := map[string]string{}
	for _, ef := range list(get(c, "envFrom")) {
		kind, name, key := "ConfigMap", str(get(ef, "configMapRef", "name")), "data"
		if name == "" {
			kind, name, key = "Secret", str(get(ef, "secretRef", "name")), "stringData"
		}
		for k, v := range mapOf(get(byKind(docs, kind)[name], key)) {
			out[k] = toString(v)
		}
	}
	for _, e := range list(get(c, "env")) {
		out[str(get(e, "name"))] = toString(get(e, "value"))
	}
	return out
}
