package deploy

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/welllog/digitiser/pkg/bus"
	"github.com/welllog/digitiser/pkg/pipeline"
	seg "github.com/welllog/digitiser/pkg/segment"
	"github.com/welllog/digitiser/pkg/stack"
	"github.com/welllog/digitiser/services/segment"
)

var composeVar = regexp.MustCompile(`\$\{([A-Z0-9_]+)(?::-([^}]*))?\}`)

// interpolate replaces compose's ${VAR:-default} with its default, as
// `docker compose` does when VAR is unset.
func interpolate(s string) string {
	return composeVar.ReplaceAllString(s, "$2")
}

// compose is the decoded compose.yaml with its directory.
type compose struct {
	dir      string
	services map[string]map[string]any
}

func loadCompose(t *testing.T) *compose {
	t.Helper()
	dir := repoPath(t, "deploy", "compose")
	doc := yamlDoc(t, filepath.Join(dir, "compose.yaml"))
	c := &compose{dir: dir, services: map[string]map[string]any{}}
	for name, s := range mapOf(doc["services"]) {
		c.services[name] = mapOf(s)
	}
	if len(c.services) == 0 {
		t.Fatal("compose.yaml has no services")
	}
	return c
}

// env returns a service's environment with defaults interpolated.
func (c *compose) env(name string) map[string]string {
	out := map[string]string{}
	for k, v := range mapOf(c.services[name]["environment"]) {
		out[k] = interpolate(str(v))
	}
	return out
}

// stageServices are the services running our image: those built from a
// Dockerfile under deploy/docker.
func (c *compose) stageServices() []string {
	var out []string
	for name, s := range c.services {
		if strings.HasPrefix(str(get(s, "build", "dockerfile")), "deploy/docker/") {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// TestComposeStages checks every stage service against the code: its image
// is built from a Dockerfile that exists, its command is serve with flags
// serve knows and one real stage, every stage has a service (segment two:
// CPU and GPU), and every variable it sets is one the code reads.
func TestComposeStages(t *testing.T) {
	c := loadCompose(t)
	perStage := map[string][]string{}
	for _, name := range c.stageServices() {
		s := c.services[name]
		ctx := filepath.Join(c.dir, str(get(s, "build", "context")))
		if _, err := os.Stat(filepath.Join(ctx, str(get(s, "build", "dockerfile")))); err != nil {
			t.Errorf("%s: build: %v", name, err)
		}
		stages := checkServeArgs(t, name, strs(s["command"]))
		got, err := pipeline.ParseStages(stages)
		if err != nil || len(got) != 1 {
			t.Errorf("%s: --stages %q: want one stage (%v)", name, stages, err)
			continue
		}
		perStage[got[0]] = append(perStage[got[0]], name)
		for k := range c.env(name) {
			if !knownEnv(t, k) {
				t.Errorf("%s: sets %s, which the code does not read", name, k)
			}
		}
		for _, k := range []string{"DIGITISE_NATS_URL", "DIGITISE_S3_ENDPOINT",
			"DIGITISE_S3_ACCESS_KEY", "DIGITISE_S3_SECRET_KEY", "DIGITISE_OPS_ADDR"} {
			if !digitiseEnv(t)[k] {
				t.Fatalf("the code no longer reads %s: update this test and the deploy files", k)
			}
			if c.env(name)[k] == "" {
				t.Errorf("%s: %s unset", name, k)
			}
		}
	}
	for _, st := range pipeline.Stages {
		if len(perStage[st]) == 0 {
			t.Errorf("stage %s has no compose service", st)
		}
	}
	if n := len(perStage[pipeline.StageSegment]); n != 2 {
		t.Errorf("segment runs in %d services %v, want a CPU and a GPU one", n,
			perStage[pipeline.StageSegment])
	}
	gpu := false
	for _, name := range perStage[pipeline.StageSegment] {
		devs := list(get(c.services[name], "deploy", "resources", "reservations", "devices"))
		if len(devs) > 0 && slices.Contains(strs(get(devs[0], "capabilities")), "gpu") {
			gpu = true
			if !strings.HasSuffix(str(get(c.services[name], "build", "dockerfile")), ".cuda") {
				t.Errorf("%s reserves a GPU but is not built from the CUDA Dockerfile", name)
			}
		}
	}
	if !gpu {
		t.Error("no segment service reserves a GPU")
	}
}

// TestComposeWiring checks that the addresses, names and credentials the
// stages are given lead to the services that provide them.
func TestComposeWiring(t *testing.T) {
	c := loadCompose(t)
	natsConf := readText(t, filepath.Join(c.dir, "nats", "nats.conf"))
	for _, name := range c.stageServices() {
		env := c.env(name)
		for _, raw := range strings.Split(env["DIGITISE_NATS_URL"], ",") {
			u, err := url.Parse(raw)
			if err != nil || u.Scheme != "nats" {
				t.Errorf("%s: NATS URL %q: %v", name, raw, err)
				continue
			}
			if _, ok := c.services[u.Hostname()]; !ok || u.Port() != "4222" ||
				!strings.Contains(natsConf, "listen: 0.0.0.0:"+u.Port()) {
				t.Errorf("%s: NATS URL %s names no NATS node listening there", name,
					u.Redacted())
			}
			user := env["DIGITISE_NATS_USER"]
			if u.User != nil {
				user = u.User.Username()
				if _, ok := u.User.Password(); ok && env["DIGITISE_NATS_PASSWORD"] != "" {
					t.Errorf("%s: NATS password both in the URL and apart", name)
				}
			}
			if user == "" || !strings.Contains(natsConf, "user: "+user) {
				t.Errorf("%s: NATS user %q is not in nats.conf", name, user)
			}
		}
		checkNATSLogin(t, c, name, env)
		checkReplicas(t, c, name, env["DIGITISE_JS_REPLICAS"])
		host, port, _ := strings.Cut(env["DIGITISE_S3_ENDPOINT"], ":")
		if _, ok := c.services[host]; !ok || !slices.Contains(strs(c.services[host]["ports"]),
			port+":"+port) {
			t.Errorf("%s: S3 endpoint %s is no compose service port", name,
				env["DIGITISE_S3_ENDPOINT"])
		}
		if u, err := url.Parse(env["OTEL_EXPORTER_OTLP_ENDPOINT"]); err != nil ||
			c.services[u.Hostname()] == nil || !strings.Contains(readText(t,
			filepath.Join(c.dir, "otel", "collector.yaml")), "0.0.0.0:"+u.Port()) {
			t.Errorf("%s: OTLP endpoint %q reaches no collector receiver", name,
				env["OTEL_EXPORTER_OTLP_ENDPOINT"])
		}
		want := map[string]string{
			"DIGITISE_INBOX_BUCKET":  stack.BucketInbox,
			"DIGITISE_WORK_BUCKET":   stack.BucketWork,
			"DIGITISE_MODELS_BUCKET": stack.BucketModels,
			"DIGITISE_EVENT_SUBJECT": stack.DefaultEventSubject,
			"DIGITISE_MODEL_KEY":     segment.DefaultModelKey,
		}
		for k, v := range want {
			if env[k] != v {
				t.Errorf("%s: %s=%q, the code's default is %q", name, k, env[k], v)
			}
		}
		if s := env["DIGITISE_SEGMENTER"]; !slices.Contains([]string{segment.Auto,
			segment.ONNX, segment.Classical}, s) {
			t.Errorf("%s: DIGITISE_SEGMENTER=%q is no segmenter", name, s)
		}
		checkONNXProvider(t, name, c.services[name], env["DIGITISE_ONNX_PROVIDER"])
		checkHealthcheck(t, name, c.services[name], env["DIGITISE_OPS_ADDR"])
	}
	checkMinIO(t, c)
}

// checkNATSLogin expects a stage's NATS password, when it has one apart
// from the URL, to be the one the NATS nodes were given.
func checkNATSLogin(t *testing.T, c *compose, name string, env map[string]string) {
	t.Helper()
	pw := env["DIGITISE_NATS_PASSWORD"]
	if pw == "" {
		return
	}
	for node, s := range c.services {
		if strings.HasPrefix(interpolate(str(s["image"])), "nats:") &&
			c.env(node)["NATS_PASSWORD"] != pw {
			t.Errorf("%s: NATS password differs from %s's", name, node)
		}
	}
}

// checkReplicas expects the streams to be replicated on every NATS node of
// the compose cluster, with a value serve accepts.
func checkReplicas(t *testing.T, c *compose, name, replicas string) {
	t.Helper()
	if !digitiseEnv(t)["DIGITISE_JS_REPLICAS"] {
		t.Fatal("the code no longer reads DIGITISE_JS_REPLICAS: update this test")
	}
	nodes := 0
	for _, s := range c.services {
		if strings.HasPrefix(interpolate(str(s["image"])), "nats:") {
			nodes++
		}
	}
	if replicas != strconv.Itoa(nodes) {
		t.Errorf("%s: DIGITISE_JS_REPLICAS=%q with %d NATS nodes: a lost node stops "+
			"the pipeline", name, replicas, nodes)
	}
}

// checkONNXProvider expects a service that reserves a GPU to ask ONNX
// Runtime for CUDA, and any other to name a provider the code knows.
func checkONNXProvider(t *testing.T, name string, s map[string]any, provider string) {
	t.Helper()
	devs := list(get(s, "deploy", "resources", "reservations", "devices"))
	gpu := len(devs) > 0 && slices.Contains(strs(get(devs[0], "capabilities")), "gpu")
	switch {
	case gpu && provider != seg.ProviderCUDA:
		t.Errorf("%s reserves a GPU but DIGITISE_ONNX_PROVIDER=%q", name, provider)
	case !gpu && provider == seg.ProviderCUDA:
		t.Errorf("%s asks for CUDA without a GPU", name)
	case provider != "" && provider != seg.ProviderCPU && provider != seg.ProviderCUDA:
		t.Errorf("%s: DIGITISE_ONNX_PROVIDER=%q is no provider", name, provider)
	}
}

// checkHealthcheck expects the container healthcheck to ask the ops port
// for a path the ops handler serves.
func checkHealthcheck(t *testing.T, name string, s map[string]any, opsAddr string) {
	t.Helper()
	test := strings.Join(strs(get(s, "healthcheck", "test")), " ")
	m := regexp.MustCompile(`127\.0\.0\.1/(\d+).*GET (/\S+) `).FindStringSubmatch(test)
	if m == nil {
		t.Errorf("%s: healthcheck %q asks no ops path", name, test)
		return
	}
	if m[1] != portOf(opsAddr) || !opsServes(m[2]) {
		t.Errorf("%s: healthcheck GET %s on port %s; ops serves on %s", name, m[2], m[1],
			opsAddr)
	}
}

// checkMinIO expects MinIO to publish the inbox's events on the subject
// ingest reads, and minio-init to make the code's buckets and upload the
// model where the segment stage looks for it.
func checkMinIO(t *testing.T, c *compose) {
	t.Helper()
	env := c.env("minio")
	if env["MINIO_NOTIFY_NATS_SUBJECT_DIGITISER"] != stack.DefaultEventSubject ||
		env["MINIO_NOTIFY_NATS_JETSTREAM_DIGITISER"] != "on" {
		t.Errorf("minio publishes events on %q (JetStream %q), ingest reads %q",
			env["MINIO_NOTIFY_NATS_SUBJECT_DIGITISER"],
			env["MINIO_NOTIFY_NATS_JETSTREAM_DIGITISER"], stack.DefaultEventSubject)
	}
	if _, ok := c.services[strings.Split(env["MINIO_NOTIFY_NATS_ADDRESS_DIGITISER"], ":")[0]]; !ok {
		t.Errorf("minio's NATS target %q is no service", env["MINIO_NOTIFY_NATS_ADDRESS_DIGITISER"])
	}
	init := c.env("minio-init")
	for k, v := range map[string]string{"INBOX_BUCKET": stack.BucketInbox,
		"WORK_BUCKET": stack.BucketWork, "MODELS_BUCKET": stack.BucketModels,
		"MODEL_KEY": segment.DefaultModelKey} {
		if init[k] != v {
			t.Errorf("minio-init %s=%q, want %q", k, init[k], v)
		}
	}
	script := readText(t, filepath.Join(c.dir, "minio", "init.sh"))
	for _, k := range []string{"$INBOX_BUCKET", "$MODEL_KEY", "model.onnx", seg.CardName,
		"arn:minio:sqs::digitiser:nats"} {
		if !strings.Contains(script, k) {
			t.Errorf("minio/init.sh does not use %s", k)
		}
	}
	for _, v := range strs(c.services["minio-init"]["volumes"]) {
		if src, dst, _ := strings.Cut(v, ":"); dst == "/models:ro" {
			for _, f := range []string{"model.onnx", seg.CardName} {
				if _, err := os.Stat(filepath.Join(c.dir, src, f)); err != nil {
					t.Errorf("minio-init uploads %s from %s: %v", f, src, err)
				}
			}
		}
	}
}

// TestComposeFiles checks that every file a service mounts exists and that
// the NATS cluster has three nodes of the server version the code is built
// against, routed to each other.
func TestComposeFiles(t *testing.T) {
	c := loadCompose(t)
	for name, s := range c.services {
		for _, v := range strs(s["volumes"]) {
			src, _, _ := strings.Cut(v, ":")
			if !strings.HasPrefix(src, ".") {
				continue // a named volume
			}
			if _, err := os.Stat(filepath.Join(c.dir, src)); err != nil {
				t.Errorf("%s mounts %s: %v", name, src, err)
			}
		}
	}
	version := strings.TrimPrefix(moduleVersion(t, "github.com/nats-io/nats-server/v2"), "v")
	conf := readText(t, filepath.Join(c.dir, "nats", "nats.conf"))
	var nodes []string
	for name, s := range c.services {
		img := interpolate(str(s["image"]))
		if !strings.HasPrefix(img, "nats:") {
			continue
		}
		nodes = append(nodes, name)
		if !strings.HasPrefix(img, "nats:"+version) {
			t.Errorf("%s runs %s; the code embeds nats-server %s", name, img, version)
		}
		if !strings.Contains(conf, "nats-route://"+name+":6222") {
			t.Errorf("nats.conf has no route to %s", name)
		}
		if c.env(name)["NATS_SERVER_NAME"] != name {
			t.Errorf("%s: NATS_SERVER_NAME=%q", name, c.env(name)["NATS_SERVER_NAME"])
		}
	}
	if len(nodes) != 3 || !strings.Contains(conf, "jetstream") {
		t.Errorf("NATS nodes %v, want a JetStream cluster of 3", nodes)
	}
}

// TestPrometheusScrapesStages checks that Prometheus scrapes every stage
// service on its ops port and path, and the NATS exporters.
func TestPrometheusScrapesStages(t *testing.T) {
	c := loadCompose(t)
	cfg := yamlDoc(t, filepath.Join(c.dir, "prometheus", "prometheus.yaml"))
	jobs := map[string]map[string]any{}
	for _, j := range list(cfg["scrape_configs"]) {
		jobs[str(get(j, "job_name"))] = mapOf(j)
	}
	dj := jobs["digitiser"]
	if dj == nil {
		t.Fatal("no digitiser scrape job")
	}
	path := str(dj["metrics_path"])
	if !opsServes(path) || !strings.HasSuffix(path, "metrics") {
		t.Errorf("digitiser job scrapes %q, which ops does not serve", path)
	}
	sd := get(dj, "dns_sd_configs", "0")
	names := strs(get(sd, "names"))
	for _, name := range c.stageServices() {
		if !slices.Contains(names, name) {
			t.Errorf("Prometheus does not scrape %s", name)
		}
		if port := portOf(c.env(name)["DIGITISE_OPS_ADDR"]); port != toString(get(sd, "port")) {
			t.Errorf("%s serves metrics on %s, Prometheus scrapes %v", name, port,
				get(sd, "port"))
		}
	}
	for _, tgt := range strs(get(jobs["nats"], "static_configs", "0", "targets")) {
		host, port, _ := strings.Cut(tgt, ":")
		if s := c.services[host]; s == nil ||
			!slices.Contains(strs(s["command"]), "-port="+port) {
			t.Errorf("nats scrape target %s is no exporter", tgt)
		}
	}
}

func toString(v any) string {
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}

// TestGrafanaDashboard checks the provisioned dashboard: every digitiser_*
// series it queries is one the stages export, the JetStream panels name
// the code's streams, and the panels the operators need are there.
func TestGrafanaDashboard(t *testing.T) {
	dir := repoPath(t, "deploy", "compose", "grafana")
	data, err := os.ReadFile(filepath.Join(dir, "dashboards", "pipeline.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title      string `json:"title"`
			Datasource struct {
				UID string `json:"uid"`
			} `json:"datasource"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatal(err)
	}
	ds := readText(t, filepath.Join(dir, "provisioning", "datasources", "datasources.yaml"))
	series := metricNames(t)
	streams := []string{bus.StreamCommands, bus.StreamDLQ}
	used := map[string]bool{}
	ourSeries := regexp.MustCompile(`\bdigitiser_[a-z_]+`)
	streamSel := regexp.MustCompile(`stream_name="([^"]+)"`)
	for _, p := range dash.Panels {
		if !strings.Contains(ds, "uid: "+p.Datasource.UID) {
			t.Errorf("panel %q uses data source %q, not provisioned", p.Title, p.Datasource.UID)
		}
		for _, tg := range p.Targets {
			for _, s := range ourSeries.FindAllString(tg.Expr, -1) {
				if !series[s] {
					t.Errorf("panel %q queries %s, which no stage exports", p.Title, s)
				}
				used[s] = true
			}
			for _, m := range streamSel.FindAllStringSubmatch(tg.Expr, -1) {
				if !slices.Contains(streams, m[1]) {
					t.Errorf("panel %q names stream %s; the code has %v", p.Title, m[1], streams)
				}
				used[m[1]] = true
			}
		}
	}
	for s := range series {
		if !used[s] && !strings.HasSuffix(s, "_sum") && !strings.HasSuffix(s, "_count") &&
			!(strings.HasSuffix(s, "_seconds") && used[s+"_bucket"]) {
			t.Errorf("no panel shows %s", s)
		}
	}
	if !used[bus.StreamDLQ] || !used[bus.StreamCommands] {
		t.Error("no panel shows the DLQ size or the command backlog")
	}
}

func readText(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
