package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/welllog/digitiser/pkg/archive"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/welllog/digitiser/pkg/bus"
	"github.com/welllog/digitiser/pkg/pipeline"
	seg "github.com/welllog/digitiser/pkg/segment"
	"github.com/welllog/digitiser/pkg/stack"
	"github.com/welllog/digitiser/pkg/telemetry"
	"github.com/welllog/digitiser/services/calibrate"
	"github.com/welllog/digitiser/services/ingest"
	"github.com/welllog/digitiser/services/preprocess"
	"github.com/welllog/digitiser/services/qa"
	"github.com/welllog/digitiser/services/reassemble"
	"github.com/welllog/digitiser/services/segment"
	"github.com/welllog/digitiser/services/vectorise"
)

// ServeConfig is the worker's configuration (flags, DIGITISE_* env).
type ServeConfig struct {
	// Stages to run: "all" or a comma list. Env DIGITISE_STAGES.
	Stages string
	// Copies of each stage's pull loop in this process. Default 1. Env
	// DIGITISE_COPIES.
	Copies int
	// AckWait is the redelivery delay of a command whose worker stopped
	// answering (no heartbeat), the same for every redelivery. Default
	// 30 s. Env DIGITISE_ACK_WAIT.
	AckWait time.Duration
	// MaxDeliver is how many deliveries a command gets before it is
	// dead-lettered. Default 4. Env DIGITISE_MAX_DELIVER.
	MaxDeliver int
	// RetryDelay is the delay before the second attempt after a
	// retryable error; the third waits 5x, later ones 25x. Default 1 s.
	// Env DIGITISE_RETRY_DELAY.
	RetryDelay time.Duration
	// EventSubject carries the inbox's bucket events. Default from the
	// stack file, else stack.DefaultEventSubject. Env
	// DIGITISE_EVENT_SUBJECT.
	EventSubject string
	// Segmenter is auto, onnx or classical. Env DIGITISE_SEGMENTER.
	Segmenter string
	// ModelKey is the default model in the models bucket. Env
	// DIGITISE_MODEL_KEY.
	ModelKey string
	// ONNXProvider is the ONNX Runtime execution provider of the
	// segment stage: cpu (default) or cuda. Without a usable GPU, cuda
	// logs a warning and runs on the CPU. The runtime library is
	// $ONNXRUNTIME_LIB (the images set it). Env DIGITISE_ONNX_PROVIDER.
	ONNXProvider string
	// ONNXThreads is ONNX Runtime's intra-op threads per tile; 0 (default)
	// shares the cores among the tiles run at once. Env
	// DIGITISE_ONNX_THREADS.
	ONNXThreads int
	// Replicas is how many servers of the JetStream cluster keep each
	// stream and the job records: 1 (default; a single server) or 3 or 5
	// for a cluster that survives the loss of servers. Every worker must
	// use the same value. Env DIGITISE_JS_REPLICAS.
	Replicas int
	// Ops serves /healthz, /readyz and /metrics on this address; empty
	// means none. Env DIGITISE_OPS_ADDR.
	Ops string
	// MaxEntryMiB, MaxTotalMiB and MaxMpx bound an upload at ingest: one
	// entry's and all entries' decompressed size, and each image's width x
	// height in megapixels; 0 takes pkg/archive's defaults (256 MiB, 1 GiB,
	// 400 Mpx). Env DIGITISE_MAX_ENTRY_MIB, DIGITISE_MAX_TOTAL_MIB,
	// DIGITISE_MAX_MPX.
	MaxEntryMiB, MaxTotalMiB, MaxMpx int
	// Hold delays every command this long before its work starts: fault
	// injection for tests (a worker killed mid-stage). Env DIGITISE_HOLD.
	Hold time.Duration
}

// Register adds the flags.
func (s *ServeConfig) Register(fs *flag.FlagSet) {
	fs.StringVar(&s.Stages, "stages", envDefault("STAGES", "all"),
		"stages to run: all or a comma list of "+fmt.Sprint(pipeline.Stages))
	fs.IntVar(&s.Copies, "copies", envInt("COPIES", 1), "copies of each stage worker")
	fs.DurationVar(&s.AckWait, "ack-wait", durationEnv("ACK_WAIT", 30*time.Second),
		"redelivery delay of a command whose worker stopped answering (each time)")
	fs.IntVar(&s.MaxDeliver, "max-deliver", envInt("MAX_DELIVER", 4),
		"deliveries of a command before it is dead-lettered")
	fs.DurationVar(&s.RetryDelay, "retry-delay", durationEnv("RETRY_DELAY", time.Second),
		"delay after a retryable error (then x5, x25)")
	fs.StringVar(&s.EventSubject, "event-subject", envDefault("EVENT_SUBJECT", ""),
		"NATS subject of the inbox bucket's events")
	s.registerSegment(fs)
	fs.IntVar(&s.Replicas, "js-replicas", envInt("JS_REPLICAS", 1),
		"replicas of the JetStream streams and job records (1, or 3 or 5 on a cluster)")
	fs.IntVar(&s.MaxEntryMiB, "max-entry-mib", envInt("MAX_ENTRY_MIB", 0),
		"ingest: largest decompressed archive entry, MiB (0: 256)")
	fs.IntVar(&s.MaxTotalMiB, "max-total-mib", envInt("MAX_TOTAL_MIB", 0),
		"ingest: largest decompressed upload in all, MiB (0: 1024)")
	fs.IntVar(&s.MaxMpx, "max-mpx", envInt("MAX_MPX", 0),
		"ingest: largest image, megapixels (0: 400)")
	fs.StringVar(&s.Ops, "ops", envDefault("OPS_ADDR", ""),
		"address for /healthz, /readyz, /metrics (e.g. 127.0.0.1:9090)")
	fs.DurationVar(&s.Hold, "hold", durationEnv("HOLD", 0),
		"fault injection for tests: wait this long before each command's work")
}

// registerSegment adds the segment stage's flags.
func (s *ServeConfig) registerSegment(fs *flag.FlagSet) {
	fs.StringVar(&s.Segmenter, "segmenter", envDefault("SEGMENTER", segment.Auto),
		"segmenter: auto, onnx or classical")
	fs.StringVar(&s.ModelKey, "model", envDefault("MODEL_KEY", segment.DefaultModelKey),
		"default model key in the models bucket")
	fs.StringVar(&s.ONNXProvider, "onnx-provider", envDefault("ONNX_PROVIDER",
		seg.ProviderCPU), "ONNX Runtime execution provider of segment: cpu or cuda")
	fs.IntVar(&s.ONNXThreads, "onnx-threads", envInt("ONNX_THREADS", 0),
		"ONNX Runtime intra-op threads per tile (0: cores shared among tiles)")
}

// Validate checks the config.
func (s *ServeConfig) Validate() error {
	if _, err := pipeline.ParseStages(s.Stages); err != nil {
		return err
	}
	if s.Copies < 1 || s.MaxDeliver < 2 || s.AckWait < 100*time.Millisecond ||
		s.RetryDelay <= 0 {
		return fmt.Errorf("--copies must be >= 1, --max-deliver >= 2, --ack-wait >= 100ms, " +
			"--retry-delay > 0")
	}
	switch strings.ToLower(s.ONNXProvider) {
	case "", seg.ProviderCPU, seg.ProviderCUDA:
	default:
		return fmt.Errorf("--onnx-provider (DIGITISE_ONNX_PROVIDER) %q: use cpu or cuda",
			s.ONNXProvider)
	}
	if s.ONNXThreads < 0 {
		return fmt.Errorf("--onnx-threads (DIGITISE_ONNX_THREADS) %d: use 0 or more",
			s.ONNXThreads)
	}
	if s.MaxEntryMiB < 0 || s.MaxTotalMiB < 0 || s.MaxMpx < 0 {
		return fmt.Errorf("--max-entry-mib, --max-total-mib and --max-mpx must be 0 " +
			"(default) or more")
	}
	if s.Replicas < 1 || s.Replicas > 5 {
		return fmt.Errorf("--js-replicas (DIGITISE_JS_REPLICAS) %d: use 1, 3 or 5 "+
			"(at most the servers in the JetStream cluster)", s.Replicas)
	}
	return nil
}

// consumer is every stage's consumer template: MaxDeliver and one BackOff
// step, the ack wait, for every redelivery.
//
// NOTE: a growing BackOff (ack wait, x2, x4) is not used on purpose. The
// server turns a nak with delay d into a redelivery at d + BackOff[n-1] -
// AckWait after delivery n (it stamps the message as delivered at now -
// AckWait + d, then waits BackOff[n-1] from that stamp), so the retry
// delays 1 s, 5 s, 25 s came out as 1 s, 35 s, 115 s with the default 30 s
// ack wait. With a single step the nak delays are exact, and a worker that
// stops answering has its command redelivered after the ack wait each
// time.
func (s *ServeConfig) consumer() bus.ConsumerConfig {
	return bus.ConsumerConfig{MaxDeliver: s.MaxDeliver, BackOff: []time.Duration{s.AckWait}}
}

// retryDelays are the nak delays after failed attempts 1, 2 and 3 on:
// RetryDelay, x5, x25.
func (s *ServeConfig) retryDelays() []time.Duration {
	return []time.Duration{s.RetryDelay, 5 * s.RetryDelay, 25 * s.RetryDelay}
}

// segmentConfig is the segment stage's config: the segmenter, the model
// and the ONNX Runtime settings; the runtime's warnings go to log.
func (s *ServeConfig) segmentConfig(cfg *Config, log *slog.Logger) segment.Config {
	return segment.Config{Segmenter: s.Segmenter, ModelBucket: cfg.ModelsBucket,
		ModelKey: s.ModelKey, ONNX: seg.ONNXOptions{
			Provider: strings.ToLower(s.ONNXProvider), Threads: s.ONNXThreads,
			Logger: log}}
}

// serviceName names a worker in traces: digitiser-<stage> when it runs
// one stage, else digitiser-serve.
func (s *ServeConfig) serviceName() string {
	if st, err := pipeline.ParseStages(s.Stages); err == nil && len(st) == 1 {
		return telemetry.ServiceName(st[0])
	}
	return telemetry.ServiceName("serve")
}

// workers runs the selected stages, the dead-letter listener and (with
// ingest) the bucket-event bridge until ctx ends.
func workers(ctx context.Context, cfg *Config, sc *ServeConfig, conn *Conn,
	log *slog.Logger, metrics pipeline.Metrics) error {
	stages, err := pipeline.ParseStages(sc.Stages)
	if err != nil {
		return err
	}
	if err := conn.Bus.EnsureStreams(ctx, bus.StreamsConfig{
		EventSubject: sc.EventSubject, Replicas: sc.Replicas}); err != nil {
		return err
	}
	jobs, err := pipeline.OpenJobsWith(ctx, conn.Bus.JS,
		pipeline.JobsConfig{Replicas: max(sc.Replicas, 1)})
	if err != nil {
		return err
	}
	conn.Jobs = jobs
	runner := &pipeline.Runner{Bus: conn.Bus, Jobs: conn.Jobs, Store: conn.Store, Log: log,
		Metrics: metrics, Consumer: sc.consumer(), RetryDelays: sc.retryDelays()}

	segStage, err := segment.New(sc.segmentConfig(cfg, log), conn.Store, log)
	if err != nil {
		return err
	}
	defer segStage.Close()
	handlers := map[string]pipeline.Handler{
		pipeline.StageIngest:     ingest.New(ingest.Config{Limits: sc.archiveLimits()}),
		pipeline.StageReassemble: reassemble.New(reassemble.Config{}),
		pipeline.StagePreprocess: preprocess.New(preprocess.Config{}),
		pipeline.StageSegment:    segStage.Handle,
		pipeline.StageVectorise:  vectorise.New(vectorise.Config{}),
		pipeline.StageCalibrate:  calibrate.New(),
		pipeline.StageQA:         qa.New(qa.Config{}),
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, len(stages)+2)
	run := func(name string, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil && ctx.Err() == nil {
				errc <- fmt.Errorf("%s: %w", name, err)
				cancel()
			}
		}()
	}
	run("dead-letter listener", func() error {
		return conn.Bus.ListenMaxDeliveries(ctx, runner.OnDeadLetter)
	})
	for _, stage := range stages {
		h := hold(handlers[stage], sc.Hold)
		batch := 2
		if stage == pipeline.StageSegment {
			batch = 1 // slow: take one command at a time
		}
		run(stage, func() error {
			return runner.Serve(ctx, stage, h, pipeline.ServeOptions{Copies: sc.Copies,
				Pull: bus.PullOptions{Batch: batch, MaxWait: 2 * time.Second}})
		})
		if stage == pipeline.StageIngest && sc.EventSubject != "" {
			ev := &ingest.Events{Bus: conn.Bus, Jobs: conn.Jobs, Log: log,
				InboxBucket: cfg.InboxBucket, WorkBucket: cfg.WorkBucket}
			run("bucket events", func() error { return ev.Run(ctx) })
		}
	}
	log.Info("workers running", "stages", stages, "copies", sc.Copies)
	wg.Wait()
	close(errc)
	return <-errc
}

// hold wraps h to wait d first (fault injection).
func hold(h pipeline.Handler, d time.Duration) pipeline.Handler {
	if d <= 0 {
		return h
	}
	return func(ctx context.Context, t *pipeline.Task) (map[string]string, error) {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(d):
		}
		return h(ctx, t)
	}
}

// cmdServe runs stage workers, optionally with a local stack.
func cmdServe(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var cfg Config
	var sc ServeConfig
	cfg.Register(fs)
	sc.Register(fs)
	local := fs.Bool("local", false, "start a local stack (NATS + versitygw) under "+
		"--state-dir and record it in the stack file for the other commands")
	fs.Usage = usageFor(fs, "serve [flags]",
		"Run stage workers until interrupted. Each stage may run in its own process,\n"+
			"several copies at once: digitise serve --stages segment --copies 2")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := sc.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *local {
		st, err := stack.Start(ctx, stack.Config{Dir: cfg.StateDir + "/data"})
		if err != nil {
			return err
		}
		defer st.Close()
		if err := writeStackFile(cfg.StateDir, st); err != nil {
			return err
		}
		defer os.Remove(stackFilePath(cfg.StateDir))
		fmt.Fprintf(os.Stderr, "local stack: NATS %s, S3 %s (recorded in %s)\n",
			st.NATSURL, st.S3Endpoint, stackFilePath(cfg.StateDir))
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if sc.EventSubject == "" {
		sc.EventSubject = stack.DefaultEventSubject
		if sf, err := readStackFile(cfg.StateDir); err == nil && sf.EventSubject != "" {
			sc.EventSubject = sf.EventSubject
		}
	}
	obs, err := setupObservability(ctx, &cfg, sc.serviceName())
	if err != nil {
		return err
	}
	defer obs.Shutdown()
	conn, err := cfg.connect(ctx, "digitise-serve")
	if err != nil {
		return err
	}
	defer conn.Close()
	if *local {
		uploadLocalModel(ctx, conn, cfg.ModelsBucket)
	}
	if sc.Ops != "" {
		// Bind before any work starts: a taken port is an error the
		// operator sees at once, not a worker that probes cannot reach.
		ln, err := net.Listen("tcp", sc.Ops)
		if err != nil {
			return fmt.Errorf("--ops (DIGITISE_OPS_ADDR) %s: %w", sc.Ops, err)
		}
		go func() {
			err := telemetry.ServeOpsListener(ctx, ln, func() error {
				if !conn.Bus.NC.IsConnected() {
					return errors.New("NATS not connected")
				}
				return nil
			})
			if err != nil && ctx.Err() == nil {
				obs.Log.Error("ops endpoint stopped", "err", err)
			}
		}()
	}
	return workers(ctx, &cfg, &sc, conn, obs.Log, obs.Metrics)
}

// archiveLimits are the ingest stage's upload limits; zero fields take
// pkg/archive's defaults.
func (s *ServeConfig) archiveLimits() archive.Limits {
	return archive.Limits{
		MaxEntryBytes: int64(s.MaxEntryMiB) << 20,
		MaxTotalBytes: int64(s.MaxTotalMiB) << 20,
		MaxPixels:     int64(s.MaxMpx) * 1_000_000,
	}
}

// uploadLocalModel puts the newest model under training/models/ into a
// local stack's models bucket, as demo does, so that serve --local segments
// with the trained model rather than falling back to the classical one.
func uploadLocalModel(ctx context.Context, conn *Conn, bucket string) {
	root, err := stack.RepoRoot()
	if err == nil {
		var model string
		if model, err = uploadModel(ctx, conn.Store, root, bucket); err == nil {
			fmt.Fprintf(os.Stderr, "model: %s -> %s/%s\n", model, bucket,
				segment.DefaultModelKey)
			return
		}
	}
	fmt.Fprintf(os.Stderr, "no model uploaded (%v): jobs segment with the classical "+
		"segmenter until one is (digitise model upload DIR)\n", err)
}
