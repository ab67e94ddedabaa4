package segment

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ort "github.com/yalue/onnxruntime_go"
)

// TestLoadCard checks defaults, the normalisation table and each error.
func TestLoadCard(t *testing.T) {
	for _, tc := range []struct {
		name, json, err string
	}{
		{"defaults", `{"classes":["b","s","d"]}`, ""},
		{"two classes", `{"classes":["b","s"]}`, "classes has 2"},
		{"bad output", `{"classes":["b","s","d"],"output":"sigmoid"}`, "output"},
		{"negative std", `{"classes":["b","s","d"],"normalisation":{"std":-1}}`, "std"},
		{"bad stride", `{"classes":["b","s","d"],"stride_multiple":-8}`, "stride"},
		{"not json", `{`, "parse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, CardName), []byte(tc.json), 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := LoadCard(filepath.Join(dir, "model.onnx"))
			if tc.err != "" {
				if !errors.Is(err, ErrBadCard) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want ErrBadCard mentioning %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			lut := c.Normalisation.lut()
			if c.StrideMultiple != 1 || c.Output != "logits" || lut[0] != 0 || lut[255] != 1 {
				t.Errorf("defaults: stride %d output %q lut %g..%g", c.StrideMultiple,
					c.Output, lut[0], lut[255])
			}
		})
	}
	if _, err := LoadCard(filepath.Join(t.TempDir(), "model.onnx")); !errors.Is(err, ErrBadCard) {
		t.Errorf("missing card: %v, want ErrBadCard", err)
	}
}

// TestNormalisationInvert checks the inverted, centred mapping.
func TestNormalisationInvert(t *testing.T) {
	lut := Normalisation{Invert: true, Scale: 1.0 / 255, Mean: 0.5, Std: 0.5}.lut()
	if lut[0] != 1 || lut[255] != -1 {
		t.Errorf("ink -> %g, paper -> %g; want 1 and -1", lut[0], lut[255])
	}
}

// TestMissingLibrary asks for a library that is not there: before the
// runtime is loaded that is ErrNoRuntime, after it another library is
// refused.
func TestMissingLibrary(t *testing.T) {
	err := initRuntime(filepath.Join(t.TempDir(), "libonnxruntime.so.1"))
	switch {
	case err == nil:
		t.Fatal("loading a missing library succeeded")
	case ort.IsInitialized():
		if !strings.Contains(err.Error(), "already loaded") {
			t.Errorf("err %v, want the already-loaded refusal", err)
		}
	case !errors.Is(err, ErrNoRuntime):
		t.Errorf("err %v, want ErrNoRuntime", err)
	}
}
