package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/welllog/digitiser/pkg/bus"
	"github.com/welllog/digitiser/pkg/las"
	"github.com/welllog/digitiser/pkg/pipeline"
	"github.com/welllog/digitiser/pkg/stack"
	"github.com/welllog/digitiser/pkg/store"
	"github.com/welllog/digitiser/pkg/synth"
	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

// batchSize is how many archives the batch test drops at once; each log
// appears twice, so twin jobs must give identical results.
const batchSize = 20

// TestMultiProcessBatch runs the pipeline as a cluster would on one machine:
// a local stack (NATS + S3 with bucket events), every stage its own
// `digitise serve` process configured through DIGITISE_* variables, two
// segment workers. It drops 20 archives into the inbox at once, SIGKILLs a
// segment worker while it holds a command and SIGTERMs the preprocess
// vectorise worker while it holds one, restarts both, and expects: 20 jobs,
// one per archive, each ended in its first run (succeeded, or rejected once
// with one dead letter) with exactly the outputs its record names; twin
// archives ending alike, with byte-identical LAS; no command left; the
// per-stage counters on /metrics matching the job records.
func TestMultiProcessBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local stack and 9 processes; skipped with -short")
	}
	bin := digitiseBinary(t)
	st := stack.StartForTest(t)
	s3, err := st.Store()
	if err != nil {
		t.Fatal(err)
	}
	archives := makeArchives(t, batchSize)
	workers := startWorkers(t, bin, st)

	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, len(archives))
	for key, data := range archives {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- store.PutBytes(ctx, s3, stack.BucketInbox, key, data, "")
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	// Faults mid-batch: each worker is caught holding a command.
	seg := workers["segment-a"]
	waitInFlight(t, seg, pipeline.StageSegment)
	if code := seg.signal(t, syscall.SIGKILL, 10*time.Second); code != -1 {
		t.Fatalf("segment-a exit status %d after SIGKILL", code)
	}
	seg.start(t, bin)
	vec := workers[pipeline.StageVectorise]
	waitInFlight(t, vec, pipeline.StageVectorise)
	if code := vec.signal(t, syscall.SIGTERM, 30*time.Second); code != 0 {
		t.Errorf("vectorise exit status %d after SIGTERM, want 0\n%s", code,
			tail(vec.log, 10))
	}
	if !strings.Contains(readText(t, vec.log), `"msg":"command handed back on shutdown"`) {
		t.Errorf("vectorise did not hand its command back on SIGTERM\n%s", tail(vec.log, 10))
	}
	vec.start(t, bin)

	jobs := waitBatch(t, st, len(archives), 3*time.Minute, workers)
	checkJobs(t, s3, jobs, archives)
	checkBus(t, st, jobs)
	checkCounters(t, workers, jobs)
}

// makeArchives renders batchSize/2 small synthetic logs and returns each
// twice under two inbox keys.
func makeArchives(t *testing.T, n int) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for i := range n / 2 {
		lg, err := synth.Generate(synth.Config{Tier: synth.TierEasy, Seed: uint64(100 + i),
			Height: 2400})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := lg.WriteArchive(&buf, synth.ArchiveOptions{Pages: 1}); err != nil {
			t.Fatal(err)
		}
		for _, twin := range []string{"a", "b"} {
			out[fmt.Sprintf("batch/log-%02d-%s.tar.gz", i, twin)] = buf.Bytes()
		}
	}
	return out
}

// startWorkers starts one process per stage and a second segment worker.
// The segment and preprocess workers hold each command a moment (the
// fault-injection knob), so the test can catch them mid-command.
func startWorkers(t *testing.T, bin string, st *stack.Stack) map[string]*worker {
	t.Helper()
	dir := t.TempDir()
	base := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "XDG_CACHE_HOME=" + dir + "/cache",
		"DIGITISE_NATS_URL=" + st.NATSURL, "DIGITISE_S3_ENDPOINT=" + st.S3Endpoint,
		"DIGITISE_S3_ACCESS_KEY=" + st.AccessKey, "DIGITISE_S3_SECRET_KEY=" + st.SecretKey,
		"DIGITISE_EVENT_SUBJECT=" + st.EventSubject, "DIGITISE_STATE_DIR=" + dir + "/state",
		"DIGITISE_SEGMENTER=classical", "DIGITISE_ACK_WAIT=2s", "DIGITISE_MAX_DELIVER=5",
		"DIGITISE_RETRY_DELAY=200ms", "DIGITISE_LOG_JSON=true",
	}
	workers := map[string]*worker{}
	add := func(name, stage string, extra ...string) {
		env := append(append([]string{}, base...), "DIGITISE_STAGES="+stage)
		workers[name] = &worker{name: name, env: append(env, extra...), ops: freeAddr(t),
			log: filepath.Join(dir, name+".log")}
	}
	for _, s := range pipeline.Stages {
		switch s {
		case pipeline.StageSegment:
			add("segment-a", s, "DIGITISE_HOLD=1s")
			add("segment-b", s, "DIGITISE_HOLD=1s")
		case pipeline.StageVectorise:
			add(s, s, "DIGITISE_HOLD=300ms")
		default:
			add(s, s)
		}
	}
	for _, w := range workers {
		t.Cleanup(w.stop)
		w.start(t, bin)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, w := range workers {
				t.Log(tail(w.log, 15))
			}
		}
	})
	return workers
}

// waitInFlight polls a worker's /metrics until it holds a command of stage.
func waitInFlight(t *testing.T, w *worker, stage string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		if w.metrics(t)[series("digitiser_stage_in_flight", stage)] >= 1 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s never held a %s command\n%s", w.name, stage, tail(w.log, 20))
}

// waitBatch waits until n jobs exist and all have finished.
func waitBatch(t *testing.T, st *stack.Stack, n int, d time.Duration,
	workers map[string]*worker) []*pb.Job {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	b, err := bus.Connect(ctx, st.NATSURL, "deploy-test")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	store, err := pipeline.OpenJobs(ctx, b.JS)
	if err != nil {
		t.Fatal(err)
	}
	var last []*pb.Job
	for ctx.Err() == nil {
		jobs, err := store.List(ctx)
		if err == nil {
			last = jobs
			done := 0
			for _, j := range jobs {
				if j.State == pb.JobState_JOB_STATE_SUCCEEDED ||
					j.State == pb.JobState_JOB_STATE_FAILED {
					done++
				}
			}
			if len(jobs) >= n && done == len(jobs) {
				return jobs
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	for _, j := range last {
		var stages []string
		for _, s := range pipeline.Stages {
			rec := pipeline.StageRecord(j, s)
			stages = append(stages, fmt.Sprintf("%s:%s/%d", s, rec.State, rec.Attempts))
		}
		t.Logf("job %s (%s): %s %s %s", j.JobId, j.SourceKey, j.State, j.Error, stages)
	}
	t.Fatalf("batch not done after %v: %d jobs", d, len(last))
	return nil
}

// checkJobs expects one succeeded first-run job per archive, the work
// bucket to hold exactly the outputs the records name, and twins to give
// identical LAS bytes.
func checkJobs(t *testing.T, s3 store.Store, jobs []*pb.Job, archives map[string][]byte) {
	t.Helper()
	ctx := context.Background()
	if len(jobs) != len(archives) {
		t.Errorf("%d jobs for %d archives", len(jobs), len(archives))
	}
	bySource := map[string]*pb.Job{}
	retried := map[string]int{}
	for _, j := range jobs {
		if bySource[j.SourceKey] != nil {
			t.Errorf("archive %s started two jobs", j.SourceKey)
		}
		bySource[j.SourceKey] = j
		failedOnce := j.State == pb.JobState_JOB_STATE_FAILED &&
			pipeline.StageRecord(j, j.FailedStage).Attempts == 1
		if j.Generation != 1 || (j.State != pb.JobState_JOB_STATE_SUCCEEDED && !failedOnce) {
			t.Errorf("job %s (%s): %s in run %d at %s: %s", j.JobId, j.SourceKey, j.State,
				j.Generation, j.FailedStage, j.Error)
		}
		for _, s := range pipeline.Stages {
			if pipeline.StageRecord(j, s).Attempts > 1 {
				retried[s]++
			}
		}
	}
	// The SIGKILLed segment worker's command is redelivered and counted; the
	// SIGTERMed vectorise worker hands its command back uncounted (checked
	// in its log by the caller).
	if retried[pipeline.StageSegment] == 0 {
		t.Error("no segment command was redelivered: the fault did not hit in-flight work")
	}
	if retried[pipeline.StageVectorise] != 0 {
		t.Errorf("%d vectorise commands show 2 attempts: a hand-back on SIGTERM was counted",
			retried[pipeline.StageVectorise])
	}
	all, err := s3.List(ctx, stack.BucketWork, "")
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string][]string{}
	for _, o := range all {
		job, _, _ := strings.Cut(o.Key, "/")
		stored[job] = append(stored[job], o.Key)
	}
	if len(stored) != len(jobs) {
		t.Errorf("work bucket has outputs of %d jobs, want %d", len(stored), len(jobs))
	}
	for _, j := range jobs {
		var want []string
		for _, s := range pipeline.Stages {
			for _, key := range pipeline.StageRecord(j, s).Outputs {
				want = append(want, key)
			}
		}
		want = append(want, pageKeys(t, s3, j)...)
		sort.Strings(want)
		got := stored[j.JobId]
		sort.Strings(got)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("job %s: stored outputs\n  %v\nrecord names\n  %v", j.JobId, got, want)
		}
	}
	succeeded := 0
	for key := range archives {
		twin, ok := strings.CutSuffix(key, "-a.tar.gz")
		if !ok {
			continue
		}
		a, b := bySource[key], bySource[twin+"-b.tar.gz"]
		if a == nil || b == nil {
			continue
		}
		if a.State != b.State || a.FailedStage != b.FailedStage {
			t.Errorf("twin jobs %s and %s ended differently: %s at %q, %s at %q", a.JobId,
				b.JobId, a.State, a.FailedStage, b.State, b.FailedStage)
			continue
		}
		if a.State != pb.JobState_JOB_STATE_SUCCEEDED {
			continue
		}
		succeeded++
		la, lb := jobLAS(t, s3, a), jobLAS(t, s3, b)
		if !bytes.Equal(la, lb) {
			t.Errorf("twin jobs %s and %s wrote different LAS files", a.JobId, b.JobId)
		}
	}
	if succeeded == 0 {
		t.Error("no pair of twin jobs succeeded")
	}
}

// pageKeys returns the page copies ingest lists in its pages output.
func pageKeys(t *testing.T, s3 store.Store, j *pb.Job) []string {
	t.Helper()
	key := pipeline.StageRecord(j, pipeline.StageIngest).Outputs[pipeline.OutPages]
	data, err := store.GetBytes(context.Background(), s3, j.Bucket, key)
	if err != nil {
		t.Fatalf("job %s pages: %v", j.JobId, err)
	}
	var pages []pipeline.PageRef
	if err := json.Unmarshal(data, &pages); err != nil {
		t.Fatalf("job %s pages: %v", j.JobId, err)
	}
	var keys []string
	for _, p := range pages {
		keys = append(keys, p.Key)
	}
	return keys
}

// jobLAS reads a job's LAS and checks it reads back with curves.
func jobLAS(t *testing.T, s3 store.Store, j *pb.Job) []byte {
	t.Helper()
	key := pipeline.StageRecord(j, pipeline.StageCalibrate).Outputs[pipeline.OutLAS]
	data, err := store.GetBytes(context.Background(), s3, j.Bucket, key)
	if err != nil {
		t.Fatalf("job %s LAS: %v", j.JobId, err)
	}
	f, err := las.Read(bytes.NewReader(data))
	if err != nil || len(f.Curves) < 2 || f.Rows() < 50 {
		t.Fatalf("job %s LAS %s: %v", j.JobId, path.Base(key), err)
	}
	return data
}

// checkBus expects no command left in the work queue and one dead letter
// per failed job, naming its failed stage.
func checkBus(t *testing.T, st *stack.Stack, jobs []*pb.Job) {
	t.Helper()
	ctx := context.Background()
	b, err := bus.Connect(ctx, st.NATSURL, "deploy-test")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s, err := b.JS.Stream(ctx, bus.StreamCommands)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 0 {
		t.Errorf("%d commands left in %s", info.State.Msgs, bus.StreamCommands)
	}
	dead, err := b.DeadLetters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	perJob := map[string][]string{}
	for _, d := range dead {
		perJob[d.Command.GetJobId()] = append(perJob[d.Command.GetJobId()],
			d.Command.GetStage())
	}
	for _, j := range jobs {
		want := []string(nil)
		if j.State == pb.JobState_JOB_STATE_FAILED {
			want = []string{j.FailedStage}
		}
		if fmt.Sprint(perJob[j.JobId]) != fmt.Sprint(want) {
			t.Errorf("job %s (%s): dead letters for %v, want %v", j.JobId, j.State,
				perJob[j.JobId], want)
		}
	}
}

// checkCounters expects each undisturbed stage worker's /metrics to count
// one success per job record whose stage succeeded and one failure per
// record whose stage failed.
func checkCounters(t *testing.T, workers map[string]*worker, jobs []*pb.Job) {
	t.Helper()
	for _, s := range pipeline.Stages {
		w := workers[s]
		if w == nil || s == pipeline.StageVectorise {
			continue // segment runs twice; vectorise was restarted
		}
		var ok, failed float64
		for _, j := range jobs {
			switch pipeline.StageRecord(j, s).State {
			case pb.StageState_STAGE_STATE_SUCCEEDED:
				ok++
			case pb.StageState_STAGE_STATE_FAILED:
				failed++
			}
		}
		m := w.metrics(t)
		if got := m[series("digitiser_stage_processed_total", s)]; got != ok {
			t.Errorf("%s: digitiser_stage_processed_total %v, records say %v", s, got, ok)
		}
		if got := m[series("digitiser_stage_failed_total", s)]; got != failed {
			t.Errorf("%s: digitiser_stage_failed_total %v, records say %v", s, got, failed)
		}
		if got := m[series("digitiser_stage_duration_seconds_count", s)]; got != ok+failed {
			t.Errorf("%s: latency histogram counts %v attempts, want %v", s, got, ok+failed)
		}
	}
	a, b := workers["segment-a"].metrics(t), workers["segment-b"].metrics(t)
	key := series("digitiser_stage_processed_total", pipeline.StageSegment)
	if b[key] == 0 || a[key]+b[key] > float64(len(jobs)) {
		t.Errorf("segment workers processed %v + %v of %d jobs", a[key], b[key], len(jobs))
	}
}
