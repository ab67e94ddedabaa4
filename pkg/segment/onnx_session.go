package segment

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	ort "github.com/yalue/onnxruntime_go"
)

// open creates the session on the requested provider, falling back to
// the CPU with a warning when CUDA is not available.
func (s *ONNX) open(modelPath string, opt ONNXOptions) error {
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	provider := strings.ToLower(opt.Provider)
	switch provider {
	case "", ProviderCPU:
		provider = ProviderCPU
	case ProviderCUDA:
	default:
		return fmt.Errorf("provider %q: want cpu or cuda", opt.Provider)
	}

	in, out, err := s.tensorNames(modelPath)
	if err != nil {
		return err
	}
	if provider == ProviderCUDA {
		s.sess, err = newSession(modelPath, in, out, opt, true)
		if err == nil {
			s.provider = ProviderCUDA
			return nil
		}
		log.Warn("cuda execution provider unavailable, running on cpu",
			"model", modelPath, "err", err)
	}
	s.sess, err = newSession(modelPath, in, out, opt, false)
	if err != nil {
		return err
	}
	s.provider = ProviderCPU
	return nil
}

// tensorNames returns the card's input and output names, or the graph's
// first ones when the card leaves them empty.
func (s *ONNX) tensorNames(modelPath string) (string, string, error) {
	in, out := s.card.InputName, s.card.OutputName
	if in != "" && out != "" {
		return in, out, nil
	}
	ins, outs, err := ort.GetInputOutputInfo(modelPath)
	if err != nil {
		return "", "", fmt.Errorf("read model inputs: %w", err)
	}
	if len(ins) == 0 || len(outs) == 0 {
		return "", "", fmt.Errorf("model has no input or no output")
	}
	if in == "" {
		in = ins[0].Name
	}
	if out == "" {
		out = outs[0].Name
	}
	return in, out, nil
}

// newSession opens a session, with the CUDA provider when cuda is set.
// The CPU settings are the ones measured fastest for these small U-Nets
// (docs/segmentation.md): every graph optimisation (conv, batch norm
// and ReLU fused; NCHWc blocked layout on x86), sequential execution,
// the memory pattern and arena kept, so the buffers of one tile shape
// are planned once and reused.
func newSession(path, in, out string, opt ONNXOptions,
	cuda bool) (*ort.DynamicAdvancedSession, error) {
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer so.Destroy()
	if err := tuneSession(so, opt); err != nil {
		return nil, fmt.Errorf("session options: %w", err)
	}
	if cuda {
		if err := appendCUDA(so, opt.CUDADevice); err != nil {
			return nil, err
		}
	}
	return ort.NewDynamicAdvancedSession(path, []string{in}, []string{out}, so)
}

// tuneSession applies the thread counts and CPU settings to so.
func tuneSession(so *ort.SessionOptions, opt ONNXOptions) error {
	if opt.Threads > 0 {
		if err := so.SetIntraOpNumThreads(opt.Threads); err != nil {
			return err
		}
	}
	if err := so.SetInterOpNumThreads(1); err != nil {
		return err
	}
	if err := so.SetGraphOptimizationLevel(ort.GraphOptimizationLevelEnableAll); err != nil {
		return err
	}
	if err := so.SetExecutionMode(ort.ExecutionModeSequential); err != nil {
		return err
	}
	if err := so.SetMemPattern(true); err != nil {
		return err
	}
	return so.SetCpuMemArena(true)
}

// appendCUDA adds the CUDA execution provider for GPU device to so.
func appendCUDA(so *ort.SessionOptions, device int) error {
	co, err := ort.NewCUDAProviderOptions()
	if err != nil {
		return err
	}
	defer co.Destroy()
	if err := co.Update(map[string]string{"device_id": strconv.Itoa(device)}); err != nil {
		return err
	}
	return so.AppendExecutionProviderCUDA(co)
}
