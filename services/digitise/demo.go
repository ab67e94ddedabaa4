package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	pb "github.com/welllog/digitiser/proto/digitiser/v1"

	"github.com/welllog/digitiser/pkg/stack"
	"github.com/welllog/digitiser/pkg/store"
	"github.com/welllog/digitiser/pkg/telemetry"
	"github.com/welllog/digitiser/services/segment"
	"github.com/welllog/digitiser/testdata"
)

// demoInput is one archive the demo submits.
type demoInput struct {
	label, archive, manifest string
}

func cmdDemo(args []string) error {
	fset := flag.NewFlagSet("demo", flag.ContinueOnError)
	var cfg Config
	cfg.RegisterFor(fset, UseLog)
	sc := demoServeConfig(fset)
	outDir := fset.String("o", "out", "directory for the results (out/<job>/)")
	noReal := fset.Bool("no-real", false, "skip the real scan even when present")
	inputs := fset.String("inputs", "", "submit every archive in DIR (.tar.gz, .zip, "+
		"scan images) instead of the embedded sample")
	realData := fset.String("realdata", envDefault("REALDATA", ""), "real-data folder "+
		"holding "+testdata.RealScanFile+" (env DIGITISE_REALDATA; default "+
		testdata.RealDataDir+" beside the repo)")
	timeout := fset.Duration("timeout", 30*time.Minute, "give up after this long")
	fset.Usage = usageFor(fset, "demo [flags]",
		"Start a local stack (NATS + versitygw) and every stage in this process, upload\n"+
			"the default model (training/models/) when present, submit the embedded\n"+
			"sample archive and, when present, the real scan (--realdata) with its\n"+
			"manifest, show progress, and write the results under out/<job>/. On a\n"+
			"terminal the stage logs go to --state-dir/demo.log. With --inputs DIR\n"+
			"the archives in DIR are submitted instead of the sample. At the end\n"+
			"out/summary.md (and .json) lists every job with its QA medians and,\n"+
			"pooled over the jobs that carried a truth LAS, the median R² and MAE\n"+
			"per curve class against the project's target.")
	if err := parse(fset, args); err != nil {
		return err
	}
	if err := sc.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	root, err := stack.RepoRoot()
	if err != nil {
		root = "."
	}
	scan := ""
	if !*noReal {
		scan = realScanPath(root, *realData)
	}
	ins, err := demoInputs(filepath.Join(cfg.StateDir, "demo-inputs"), scan, *inputs)
	if err != nil {
		return err
	}
	if err := writableDir(*outDir); err != nil {
		return fmt.Errorf("%w: -o %s: %v", errUsage, *outDir, err)
	}

	st, err := stack.Start(ctx, stack.Config{})
	if err != nil {
		return err
	}
	defer st.Close()
	cfg.NATSURL, cfg.S3Endpoint = st.NATSURL, st.S3Endpoint
	cfg.S3AccessKey, cfg.S3SecretKey = st.AccessKey, st.SecretKey
	cfg.uses = UseAll // the local stack's: every setting is now given
	sc.EventSubject = st.EventSubject
	if err := cfg.Validate(); err != nil {
		return err
	}
	obs, err := setupObservability(ctx, &cfg, telemetry.ServiceName("demo"))
	if err != nil {
		return err
	}
	defer obs.Shutdown()
	if isTerminal(os.Stderr) {
		// The progress line owns the terminal; stage logs go to a file.
		name := filepath.Join(cfg.StateDir, "demo.log")
		log, f, err := fileLogger(&cfg, name)
		if err != nil {
			return err
		}
		defer f.Close()
		obs.Log = log
		fmt.Fprintf(os.Stderr, "stage logs: %s\n", name)
	}
	conn, err := cfg.connect(ctx, "digitise-demo")
	if err != nil {
		return err
	}
	defer conn.Close()
	fmt.Fprintf(os.Stderr, "local stack: NATS %s, S3 %s\n", st.NATSURL, st.S3Endpoint)

	if model, err := uploadModel(ctx, conn.Store, root, cfg.ModelsBucket); err != nil {
		fmt.Fprintf(os.Stderr, "no model uploaded (%v); segmenting with the classical "+
			"segmenter\n", err)
	} else {
		fmt.Fprintf(os.Stderr, "model: %s -> %s/%s\n", model, cfg.ModelsBucket,
			segment.DefaultModelKey)
	}

	wctx, stopWorkers := context.WithCancel(ctx)
	werr := make(chan error, 1)
	go func() { werr <- workers(wctx, &cfg, sc, conn, obs.Log, obs.Metrics) }()
	defer func() { stopWorkers(); <-werr }()

	return runDemoJobs(ctx, &cfg, conn, ins, *outDir)
}

// demoServeConfig returns the demo's worker config: every stage, the
// segmenter flags on fset, the other settings from the environment.
func demoServeConfig(fset *flag.FlagSet) *ServeConfig {
	var sc ServeConfig
	sc.Register(flag.NewFlagSet("demo-env", flag.ContinueOnError))
	sc.Stages = "all"
	sc.registerSegment(fset)
	return &sc
}

// realScanPath is the real scan inside dir, or inside the default
// real-data folder beside the repo root when dir is empty.
func realScanPath(root, dir string) string {
	if dir == "" {
		dir = filepath.Join(root, testdata.RealDataDir)
	}
	return filepath.Join(dir, filepath.FromSlash(testdata.RealScanFile))
}

// runDemoJobs submits every input, waits for each, writes its results and
// then the batch summary (outDir/summary.md and .json). It fails when a job
// failed or its results could not be written.
func runDemoJobs(ctx context.Context, cfg *Config, conn *Conn, inputs []demoInput,
	outDir string) error {
	type submitted struct {
		in demoInput
		id string
	}
	var jobs []submitted
	for _, in := range inputs {
		job, err := submit(ctx, cfg, conn, SubmitRequest{Archive: in.archive,
			Manifest: in.manifest})
		if err != nil {
			return fmt.Errorf("submit %s: %w", in.label, err)
		}
		fmt.Fprintf(os.Stderr, "submitted %s as job %s\n", in.label, job.JobId)
		jobs = append(jobs, submitted{in, job.JobId})
	}
	var failed []error
	var batch []batchJob
	// After a timeout or an interrupt the jobs in hand are still read and
	// summarised, on a context of their own (30 s from the stop), before
	// the stack stops.
	late := ctx
	for _, j := range jobs {
		werr := ctx.Err()
		if werr == nil {
			werr = waitJob(ctx, conn, j.id, os.Stderr, "the demo copies them to "+
				filepath.Join(outDir, j.id)+"/ before its stack stops")
		}
		if ctx.Err() != nil && late == ctx {
			var cancel context.CancelFunc
			late, cancel = context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
		}
		job, err := conn.Jobs.Get(late, j.id)
		if err != nil {
			return errors.Join(append(failed, err)...)
		}
		bj := batchJob{Label: j.in.label, JobID: j.id, State: stateName(job.State),
			Error: job.Error}
		if ctx.Err() != nil && !finished(job) {
			bj.State = "unfinished"
			bj.Error = "the demo stopped first (" + ctx.Err().Error() + ")"
			failed = append(failed, fmt.Errorf("job %s (%s) did not finish before the demo "+
				"stopped (%v); its local stack stops with the demo: run the demo again, with a "+
				"longer --timeout", j.id, j.in.label, ctx.Err()))
		} else if werr != nil && ctx.Err() == nil {
			failed = append(failed, werr)
		}
		if job.State == pb.JobState_JOB_STATE_SUCCEEDED {
			paths, err := downloadResults(late, conn.Store, job, filepath.Join(outDir, j.id))
			if err != nil {
				failed = append(failed, err)
			}
			fmt.Printf("%s (job %s):\n", j.in.label, j.id)
			for _, p := range paths {
				fmt.Printf("  %s\n", p)
			}
			if bj.report, err = loadReport(late, conn.Store, job); err != nil {
				failed = append(failed, err)
			} else if bj.report != nil {
				bj.Status, bj.Classes = bj.report.Status, bj.report.Summary
			}
		}
		batch = append(batch, bj)
	}
	fmt.Printf("\nsummary (%s):\n\n", filepath.Join(outDir, "summary.md"))
	if err := writeBatch(outDir, summariseBatch(batch), os.Stdout); err != nil {
		failed = append(failed, fmt.Errorf("batch summary: %w", err))
	}
	return errors.Join(failed...)
}

// writableDir creates dir when missing and checks a file can be written in
// it, so that a batch is not run only to find nowhere to put its results.
func writableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".digitise-probe-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// demoInputs lists what to submit: the archives in from, or when from is
// empty the embedded sample archive (written to dir), then the real scan
// with its manifest (written to dir); scan is the real scan's path, empty
// to leave it out, skipped with a note when absent.
func demoInputs(dir, scan, from string) ([]demoInput, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var inputs []demoInput
	var err error
	if from != "" {
		inputs, err = dirInputs(from, os.Stderr)
	} else {
		inputs, err = sampleInputs(dir)
	}
	if err != nil {
		return nil, err
	}
	if scan != "" {
		if _, err := os.Stat(scan); err == nil {
			m, err := extract(testdata.RealManifest, dir)
			if err != nil {
				return nil, err
			}
			inputs = append(inputs, demoInput{label: "real scan " + filepath.Base(scan),
				archive: scan, manifest: m})
		} else {
			fmt.Fprintf(os.Stderr, "real scan %s not found; skipping it (point at the "+
				"real-data folder with --realdata DIR or DIGITISE_REALDATA=DIR)\n", scan)
		}
	}
	if len(inputs) == 0 {
		return nil, errors.New("nothing to digitise: the sample archive is not embedded " +
			"(testdata/sample/) and the real scan is absent (--realdata DIR)")
	}
	return inputs, nil
}

// sampleInputs writes the embedded sample archives to dir and lists them.
func sampleInputs(dir string) ([]demoInput, error) {
	samples, _ := fs.Glob(testdata.Files, "sample/*")
	sort.Strings(samples)
	var inputs []demoInput
	for _, name := range samples {
		if !isArchiveName(name) {
			continue
		}
		p, err := extract(name, dir)
		if err != nil {
			return nil, err
		}
		inputs = append(inputs, demoInput{label: "sample " + path.Base(name), archive: p})
	}
	return inputs, nil
}

func isArchiveName(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".zip", ".tar", ".tgz", ".gz", ".tif", ".tiff", ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}

// isBundleName reports an archive that holds its own pages and manifest
// (tar, tar.gz, tgz, zip) rather than a single scan image.
func isBundleName(name string) bool {
	n := strings.ToLower(name)
	for _, ext := range []string{".tar.gz", ".tgz", ".tar", ".zip"} {
		if strings.HasSuffix(n, ext) {
			return true
		}
	}
	return false
}

// isManifestName reports a manifest file name (.yaml or .yml).
func isManifestName(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".yaml", ".yml":
		return true
	}
	return false
}

// dirInputs lists the archives and scan images in dir, by name, following
// symbolic links to files. A manifest X.yaml (or .yml) beside an input
// whose name without its extensions is X goes with that input, as
// `submit --manifest` would send it. Every other entry is named on w as
// skipped, with the reason.
func dirInputs(dir string, w io.Writer) ([]demoInput, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: --inputs: %v", errUsage, err)
	}
	manifests := map[string]string{}
	for _, e := range ents {
		if isManifestName(e.Name()) {
			manifests[stem(e.Name())] = filepath.Join(dir, e.Name())
		}
	}
	bundles := map[string]string{} // stem -> an archive (tar, zip) of that stem
	for _, e := range ents {
		if isBundleName(e.Name()) {
			bundles[stem(e.Name())] = e.Name()
		}
	}
	var inputs []demoInput
	used := map[string]bool{}
	for _, e := range ents { // ReadDir sorts by name
		name, p := e.Name(), filepath.Join(dir, e.Name())
		if isManifestName(name) {
			continue
		}
		if b := bundles[stem(name)]; b != "" && b != name && !isBundleName(name) {
			fmt.Fprintf(w, "skipping %s: a side file of the archive %s beside it, not a "+
				"scan (e.g. synth's mask)\n", p, b)
			continue
		}
		st, err := os.Stat(p) // follows links
		switch {
		case err != nil:
			fmt.Fprintf(w, "skipping %s: %v\n", p, err)
		case !st.Mode().IsRegular():
			fmt.Fprintf(w, "skipping %s: not a file\n", p)
		case !isArchiveName(name):
			fmt.Fprintf(w, "skipping %s: not an archive or scan (.tar.gz, .tgz, .tar, "+
				".zip, .tif, .tiff, .png, .jpg, .jpeg)\n", p)
		default:
			in := demoInput{label: name, archive: p, manifest: manifests[stem(name)]}
			used[in.manifest] = true
			inputs = append(inputs, in)
		}
	}
	for _, m := range manifests {
		if !used[m] {
			fmt.Fprintf(w, "skipping %s: no archive or scan named like it beside it\n", m)
		}
	}
	if len(inputs) == 0 {
		return nil, fmt.Errorf("%w: --inputs %s holds no archive or scan "+
			"(.tar.gz, .tgz, .tar, .zip, .tif, .tiff, .png, .jpg, .jpeg)", errUsage, dir)
	}
	return inputs, nil
}

// stem is a file name without its extensions: "a.tar.gz" and "a.yaml"
// are both "a".
func stem(name string) string {
	if i := strings.Index(name, "."); i > 0 {
		return name[:i]
	}
	return name
}

// extract copies an embedded file to dir.
func extract(name, dir string) (string, error) {
	data, err := testdata.Files.ReadFile(name)
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, path.Base(name))
	return p, os.WriteFile(p, data, 0o644)
}

// uploadModel uploads the newest training/models/<name>/<version>/model.onnx
// and its card as the default model.
func uploadModel(ctx context.Context, st store.Store, root, bucket string) (string, error) {
	models, _ := filepath.Glob(filepath.Join(root, "training", "models", "*", "*",
		"model.onnx"))
	if len(models) == 0 {
		return "", errors.New("no training/models/*/*/model.onnx")
	}
	sort.Strings(models)
	model := models[len(models)-1]
	if _, err := putModel(ctx, st, bucket, filepath.Dir(model),
		segment.DefaultModelKey); err != nil {
		return "", err
	}
	return model, nil
}
