package main

import (
	"context"
	"flag"
	"fmt"
	"github.com/welllog/digitiser/pkg/telemetry"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/welllog/digitiser/pkg/pipeline"
	"github.com/welllog/digitiser/pkg/store"
	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

// connectFor parses the flags of a user command and connects.
func connectFor(fs *flag.FlagSet, cfg *Config, args []string, nargs int,
	what string) (*Conn, error) {
	if err := parseArgs(fs, args, nargs, what); err != nil {
		return nil, err
	}
	return connectParsed(fs, cfg)
}

// parseArgs parses the flags and checks that nargs arguments remain (any
// number when nargs < 0); what describes them in the usage error.
func parseArgs(fs *flag.FlagSet, args []string, nargs int, what string) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	if nargs >= 0 && fs.NArg() != nargs {
		return fmt.Errorf("%w: want %s", errUsage, what)
	}
	return nil
}

// connectParsed validates the config of a parsed command and connects.
func connectParsed(fs *flag.FlagSet, cfg *Config) (*Conn, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg.connect(context.Background(), "digitise-"+fs.Name())
}

func cmdStatus(args []string) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	var cfg Config
	cfg.RegisterFor(fs, UseNATS)
	fs.Usage = usageFor(fs, "status JOB", "Show a job's state and each stage's state, "+
		"the run it last ran in, attempts, duration, last error and outputs.\n"+
		"Exits 3 when the job failed.")
	conn, err := connectFor(fs, &cfg, args, 1, "one job id")
	if err != nil {
		return err
	}
	defer conn.Close()
	job, err := conn.Jobs.Get(context.Background(), fs.Arg(0))
	if err != nil {
		return err
	}
	printStatus(os.Stdout, job)
	if job.State == pb.JobState_JOB_STATE_FAILED {
		return exitCode(3)
	}
	return nil
}

func stateName(s fmt.Stringer) string {
	n := s.String()
	if i := strings.LastIndex(n, "_STATE_"); i >= 0 {
		n = n[i+len("_STATE_"):]
	}
	return strings.ToLower(n)
}

// printStatus prints the job record, with the run each stage last ran in.
func printStatus(w io.Writer, j *pb.Job) {
	fmt.Fprintf(w, "job %s: %s (run %d, %s, source %s/%s)\n", j.JobId, stateName(j.State),
		j.Generation, j.Origin, j.SourceBucket, j.SourceKey)
	if j.State == pb.JobState_JOB_STATE_FAILED {
		fmt.Fprintf(w, "failed at %s: %s\n%s\n", j.FailedStage, j.Error, failureHint(j))
	}
	fmt.Fprintf(w, "trace %s\n\n", j.TraceId)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STAGE\tSTATE\tRUN\tATTEMPTS\tTIME\tWORKER\tLAST ERROR")
	for _, s := range pipeline.Stages {
		rec := pipeline.StageRecord(j, s)
		dur := "-"
		if rec.DurationMs > 0 {
			dur = (time.Duration(rec.DurationMs) * time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", s, stateName(rec.State),
			runOf(rec), rec.Attempts, dur, rec.Worker, oneLine(rec.LastError, 70))
	}
	tw.Flush()
	fmt.Fprintln(w, "\noutputs:")
	for _, s := range pipeline.Stages {
		outs := pipeline.StageRecord(j, s).Outputs
		names := make([]string, 0, len(outs))
		for n := range outs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(w, "  %-12s %s/%s\n", n, j.Bucket, outs[n])
		}
	}
}

// runOf is the RUN cell: the run the stage last started in, "-" for a
// stage not run since the record was made or reset.
func runOf(rec *pb.StageRecord) string {
	if rec.Generation == 0 {
		return "-"
	}
	return strconv.FormatUint(uint64(rec.Generation), 10)
}

func oneLine(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > n {
		return s[:n-1] + "…"
	}
	return s
}

func cmdList(args []string) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	var cfg Config
	cfg.RegisterFor(fs, UseNATS)
	failed := fs.Bool("failed", false, "only failed jobs")
	fs.Usage = usageFor(fs, "list [--failed]", "List jobs, oldest first.")
	conn, err := connectFor(fs, &cfg, args, 0, "no arguments")
	if err != nil {
		return err
	}
	defer conn.Close()
	jobs, err := conn.Jobs.List(context.Background())
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tSTATE\tSTAGE\tCREATED\tSOURCE\tERROR")
	for _, j := range jobs {
		if *failed && j.State != pb.JobState_JOB_STATE_FAILED {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", j.JobId, stateName(j.State),
			currentStage(j), time.UnixMilli(j.CreatedMs).Format(time.DateTime),
			j.SourceKey, oneLine(j.Error, 60))
	}
	return tw.Flush()
}

// currentStage is the failed, running or last succeeded stage.
func currentStage(j *pb.Job) string {
	if j.FailedStage != "" {
		return j.FailedStage
	}
	cur := "-"
	for _, s := range pipeline.Stages {
		switch pipeline.StageRecord(j, s).State {
		case pb.StageState_STAGE_STATE_SUCCEEDED:
			cur = s
		case pb.StageState_STAGE_STATE_RUNNING, pb.StageState_STAGE_STATE_RETRYING:
			return s
		}
	}
	return cur
}

func cmdResults(args []string) error {
	fs := flag.NewFlagSet("results", flag.ContinueOnError)
	var cfg Config
	cfg.RegisterFor(fs, UseNATS|UseS3)
	dir := fs.String("o", "", "directory to write into (default out/JOB)")
	fs.Usage = usageFor(fs, "results JOB [-o DIR]", "Download a finished job's LAS, CSV, "+
		"QA report (JSON and HTML), overlay and calibration.")
	conn, err := connectFor(fs, &cfg, args, 1, "one job id")
	if err != nil {
		return err
	}
	defer conn.Close()
	job, err := conn.Jobs.Get(context.Background(), fs.Arg(0))
	if err != nil {
		return err
	}
	out := *dir
	if out == "" {
		out = filepath.Join("out", job.JobId)
	}
	paths, err := downloadResults(context.Background(), conn.Store, job, out)
	for _, p := range paths {
		fmt.Println(p)
	}
	return err
}

// resultOutputs are the outputs `results` downloads, by stage.
var resultOutputs = map[string][]string{
	pipeline.StageCalibrate: {pipeline.OutLAS, pipeline.OutCSV, pipeline.OutCalibration},
	pipeline.StageQA:        {pipeline.OutQAJSON, pipeline.OutQAHTML, pipeline.OutOverlay},
}

// downloadResults writes the job's results into dir and returns their
// paths.
func downloadResults(ctx context.Context, st store.Store, job *pb.Job, dir string) ([]string,
	error) {
	var keys []string
	for _, stage := range []string{pipeline.StageCalibrate, pipeline.StageQA} {
		for _, name := range resultOutputs[stage] {
			if key := pipeline.StageRecord(job, stage).Outputs[name]; key != "" {
				keys = append(keys, key)
			}
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("job %s has no results (state %s; see `digitise status "+
			"%s`); nothing written to %s", job.JobId, stateName(job.State), job.JobId, dir)
	}
	var paths []string
	for _, key := range keys {
		data, err := store.GetBytes(ctx, st, job.Bucket, key)
		if err != nil {
			return paths, fmt.Errorf("download %s: %w", key, err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return paths, err
		}
		p := filepath.Join(dir, path.Base(key))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func cmdRerun(args []string) error {
	fs := flag.NewFlagSet("rerun", flag.ContinueOnError)
	var cfg Config
	cfg.RegisterFor(fs, UseNATS|UseLog)
	from := fs.String("from", "", "stage to start from (default: the failed stage, else "+
		"the first unfinished one, else ingest): "+strings.Join(pipeline.Stages, ", "))
	failed := fs.Bool("failed", false, "rerun every failed job from its failed stage")
	force := fs.Bool("force", false, "rerun even a job still queued or running (its "+
		"worker gone); the old run's outputs are then dropped")
	fs.Usage = usageFor(fs, "rerun JOB [--from STAGE] [--force] | rerun --failed",
		"Run a job again from a stage, reusing the outputs of the stages before it.\n"+
			"A job still queued or running is refused unless --force.\n"+
			"Stages: "+strings.Join(pipeline.Stages, ", "))
	want, what := 1, "one job id, or --failed"
	if containsFlag(args, "failed") {
		want, what = 0, "no job id with --failed"
	}
	if err := parseArgs(fs, args, want, what); err != nil {
		return err
	}
	if *from != "" && pipeline.StageIndex(*from) < 0 {
		return fmt.Errorf("%w: --from %q is not a stage; use one of %s", errUsage, *from,
			strings.Join(pipeline.Stages, ", "))
	}
	conn, err := connectParsed(fs, &cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx := context.Background()
	obs, err := setupObservability(ctx, &cfg, telemetry.ServiceName("rerun"))
	if err != nil {
		return err
	}
	defer obs.Shutdown()
	ids := fs.Args()
	if *failed {
		jobs, err := conn.Jobs.List(ctx)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			if j.State == pb.JobState_JOB_STATE_FAILED {
				ids = append(ids, j.JobId)
			}
		}
	}
	for _, id := range ids {
		job, err := pipeline.RerunWith(ctx, conn.Bus, conn.Jobs, id,
			pipeline.RerunOptions{From: *from, Force: *force})
		if err != nil {
			return err
		}
		fmt.Printf("%s: run %d from %s started\n", id, job.Generation, rerunStart(job))
	}
	return nil
}

// rerunStart is the stage a rerun started from: the first stage the rerun
// reset, i.e. the first one not succeeded in the returned record.
func rerunStart(j *pb.Job) string {
	for _, s := range pipeline.Stages {
		if pipeline.StageRecord(j, s).State != pb.StageState_STAGE_STATE_SUCCEEDED {
			return s
		}
	}
	return pipeline.Stages[0]
}

func containsFlag(args []string, name string) bool {
	for _, a := range args {
		if a == "-"+name || a == "--"+name || strings.HasPrefix(a, "--"+name+"=") {
			return true
		}
	}
	return false
}

func cmdDLQ(args []string) error {
	fs := flag.NewFlagSet("dlq", flag.ContinueOnError)
	var cfg Config
	cfg.RegisterFor(fs, UseNATS)
	fs.Usage = usageFor(fs, "dlq", "List dead letters: commands a stage gave up on, "+
		"with the reason.")
	conn, err := connectFor(fs, &cfg, args, 0, "no arguments")
	if err != nil {
		return err
	}
	defer conn.Close()
	dead, err := conn.Bus.DeadLetters(context.Background())
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tJOB\tSTAGE\tRUN\tDELIVERIES\tREASON")
	for _, d := range dead {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\n",
			time.UnixMilli(d.TimeMs).Format(time.DateTime), d.Command.GetJobId(),
			d.Command.GetStage(), d.Command.GetGeneration(), d.Deliveries, d.Reason)
	}
	return tw.Flush()
}

func cmdTrace(args []string) error {
	fs := flag.NewFlagSet("trace", flag.ContinueOnError)
	var cfg Config
	cfg.RegisterFor(fs, UseNATS)
	fs.Usage = usageFor(fs, "trace JOB", "Print a job's span tree with durations from "+
		"the local trace store\n(--state-dir/traces). Without a stack to ask (after "+
		"`digitise demo`, say)\nthe job is looked up in the trace store itself.")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want one job id", errUsage)
	}
	if err := cfg.Validate(); err != nil {
		// No stack: the trace store still names each trace's job.
		traceID, ferr := findJobTrace(cfg.TraceDir(), fs.Arg(0))
		if ferr != nil {
			return fmt.Errorf("%w; %w", err, ferr)
		}
		return printTrace(os.Stdout, cfg.TraceDir(), traceID)
	}
	conn, err := cfg.connect(context.Background(), "digitise-"+fs.Name())
	if err != nil {
		return err
	}
	defer conn.Close()
	job, err := conn.Jobs.Get(context.Background(), fs.Arg(0))
	if err != nil {
		return err
	}
	return printTrace(os.Stdout, cfg.TraceDir(), job.TraceId)
}
