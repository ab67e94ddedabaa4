package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	seg "github.com/welllog/digitiser/pkg/segment"
)

// serveConfigFromEnv parses serve's flags with only the environment set.
func serveConfigFromEnv(t *testing.T) *ServeConfig {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var sc ServeConfig
	sc.Register(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	return &sc
}

// TestServeONNXSettings sets DIGITISE_ONNX_PROVIDER=cuda and
// DIGITISE_ONNX_THREADS the way the GPU deployments do and loads the
// repository's model with the segment options serve builds: the segmenter
// must run on CUDA, or, where there is no GPU, log to serve's logger that
// CUDA is unavailable (proof that it was asked for). Skipped without the
// ONNX Runtime library.
func TestServeONNXSettings(t *testing.T) {
	t.Setenv("DIGITISE_ONNX_PROVIDER", "CUDA")
	t.Setenv("DIGITISE_ONNX_THREADS", "1")
	sc := serveConfigFromEnv(t)
	if err := sc.Validate(); err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	cfg := sc.segmentConfig(&Config{ModelsBucket: "models"}, log)
	if cfg.ONNX.Provider != seg.ProviderCUDA || cfg.ONNX.Threads != 1 {
		t.Fatalf("segment options %+v", cfg.ONNX)
	}

	model := filepath.Join("..", "..", "training", "models", "curveseg", "v0-tiny",
		"model.onnx")
	sg, err := seg.NewONNX(model, cfg.ONNX)
	if errors.Is(err, seg.ErrNoRuntime) {
		t.Skipf("no ONNX Runtime library: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer sg.Close()
	provider := sg.(*seg.ONNX).Provider()
	if provider != seg.ProviderCUDA && !strings.Contains(logged.String(), "cuda") {
		t.Fatalf("runs on %s and never tried CUDA; log:\n%s", provider, logged.String())
	}
	t.Logf("provider %s", provider)

	t.Setenv("DIGITISE_ONNX_PROVIDER", "tpu")
	if err := serveConfigFromEnv(t).Validate(); err == nil ||
		!strings.Contains(err.Error(), "DIGITISE_ONNX_PROVIDER") {
		t.Fatalf("provider tpu: %v", err)
	}
}

// TestServeServiceNames checks the trace service name of each worker
// shape and the replica setting's bounds.
func TestServeServiceNames(t *testing.T) {
	for stages, want := range map[string]string{"segment": "digitiser-segment",
		"all": "digitiser-serve", "ingest,qa": "digitiser-serve"} {
		if got := (&ServeConfig{Stages: stages}).serviceName(); got != want {
			t.Errorf("--stages %s: service %q, want %q", stages, got, want)
		}
	}
	t.Setenv("DIGITISE_JS_REPLICAS", "7")
	if err := serveConfigFromEnv(t).Validate(); err == nil ||
		!strings.Contains(err.Error(), "DIGITISE_JS_REPLICAS") {
		t.Fatalf("7 replicas: %v", err)
	}
	t.Setenv("DIGITISE_JS_REPLICAS", "3")
	if sc := serveConfigFromEnv(t); sc.Replicas != 3 || sc.Validate() != nil {
		t.Fatalf("3 replicas read as %d", sc.Replicas)
	}
}
