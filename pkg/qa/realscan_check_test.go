package qa_test

import (
	"errors"
	"image"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/welllog/digitiser/pkg/depth"
	"github.com/welllog/digitiser/pkg/realdata"
	"github.com/welllog/digitiser/pkg/segment"
)

// The real scan's main pass, ft: the logged interval its header prints
// (250-1120 ft), which its 50-ft labels 250..1100 fall in.
const (
	mainTop    = 250.0
	mainBottom = 1120.0
	labelStep  = 50.0
)

// Sonic porosity on this log is the Wyllie time average of DT with the
// limestone matrix (47.6 us/ft) and fresh-water fluid (189 us/ft):
// SPHI = 100 (DT - 47.6) / (189 - 47.6). DT and SPHI are separate curves
// drawn on different scales across one track, so how well the traced SPHI
// agrees with the traced DT measures the tracing of both without a truth
// LAS.
const (
	wyllieMatrix = 47.6
	wyllieFluid  = 189.0
)

func wyllie(dt float64) float64 {
	return 100 * (dt - wyllieMatrix) / (wyllieFluid - wyllieMatrix)
}

// strictEnv makes every accuracy bar of the real-scan tests an error,
// for the ONNX run too (a model release check): by default the ONNX run
// and the GR wrap check log their figures against the bar instead.
const strictEnv = "DIGITISE_REALSCAN_STRICT"

// bar reports a figure against its bar: an error when the run is strict,
// else a log line naming the known gap.
type bar struct {
	strict bool
	gap    string // TODO(#N) text logged when a lenient check misses
}

func (b bar) check(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	switch {
	case ok:
	case b.strict:
		t.Errorf(format, args...)
	default:
		t.Logf("known gap, not failing (%s=1 makes it fail): "+format+"; "+b.gap,
			append([]any{strictEnv}, args...)...)
	}
}

// TestRealScanClassical takes the real scan through preprocessing, the
// classical segmenter, tracing, calibration, LAS and QA in-process and
// checks the LAS over the main pass.
func TestRealScanClassical(t *testing.T) {
	r := runReal(t, segment.NewClassical(segment.ClassicalOptions{}))
	checkReal(t, r, bar{strict: true})
}

// TestRealScanONNX is TestRealScanClassical with the newest model under
// training/models/ on ONNX Runtime (CPU); it skips without either. The
// calibration, passes and LAS checks are strict; the curve accuracy bars
// only with DIGITISE_REALSCAN_STRICT=1.
func TestRealScanONNX(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the ONNX run of the real scan takes about a minute on 2 cores")
	}
	realInput(t)
	models, _ := filepath.Glob(filepath.Join(realdata.Root(t), "training", "models", "*", "*",
		"model.onnx"))
	if len(models) == 0 {
		t.Skip("no training/models/*/*/model.onnx")
	}
	sort.Strings(models)
	sg, err := segment.NewONNX(models[len(models)-1], segment.ONNXOptions{})
	if errors.Is(err, segment.ErrNoRuntime) {
		t.Skipf("ONNX Runtime absent (%v): run deploy/local/setup-onnxruntime.sh", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer sg.Close()
	t.Logf("model %s", sg.Name())
	checkReal(t, runReal(t, sg), bar{strict: os.Getenv(strictEnv) == "1",
		gap: "TODO(#5): the model does not yet follow the real scan's curves " +
			"(see docs/realscan.md)"})
}

// checkReal asserts what issue 5 asks of the real scan; acc holds the
// curve accuracy bars.
func checkReal(t *testing.T, r *realRun, acc bar) {
	t.Helper()
	checkLabels(t, r)
	checkMajorLines(t, r)
	checkPasses(t, r)
	checkCurves(t, r, acc)
}

// checkLabels: every 50-ft label of the main pass (250..1100) was read and
// fitted within 1 ft.
func checkLabels(t *testing.T, r *realRun) {
	t.Helper()
	seen := map[float64]float64{}
	for _, res := range r.cal.Residuals {
		if res.Label == "" || res.Depth < mainTop || res.Depth > mainBottom {
			continue
		}
		if !res.Inlier {
			t.Errorf("label %s at row %.0f left out of the fit", res.Label, res.Row)
			continue
		}
		seen[res.Depth] = math.Max(seen[res.Depth], math.Abs(res.Residual))
	}
	worst := 0.0
	for d := mainTop; d <= mainBottom; d += labelStep {
		e, ok := seen[d]
		if !ok {
			t.Errorf("main-pass label %.0f ft not read", d)
			continue
		}
		if e > 1 {
			t.Errorf("label %.0f ft fitted %.3f ft off (over 1 ft)", d, e)
		}
		worst = math.Max(worst, e)
	}
	t.Logf("labels: %d of the main pass read, worst misfit %.3f ft, RMS %.3f ft, "+
		"%.3f px/ft", len(seen), worst, r.cal.RMS, 1/r.cal.Segments[0].Rate)
}

// checkMajorLines checks the calibration against what the labels do not
// decide: the heavy 50-ft lines of the grid, found here on the pixels
// (rows where most of the widest track is ink, 3 px thick). Each must map
// to a multiple of 50 ft within 1 ft, and the main pass must show the 18
// of 250..1100.
func checkMajorLines(t *testing.T, r *realRun) {
	t.Helper()
	body := r.prep.Layout.Body
	x0, x1 := widest(r)
	var found []float64
	worst := 0.0
	for _, c := range heavyRows(r.prep.Image, x0, x1, body.Top, body.Bottom) {
		d := r.cal.Depth(c)
		want := math.Round(d/labelStep) * labelStep
		worst = math.Max(worst, math.Abs(d-want))
		if math.Abs(d-want) > 1 {
			t.Errorf("major grid line at row %.1f maps to %.2f ft, %.2f ft from %.0f ft",
				c, d, d-want, want)
		}
		found = append(found, want)
	}
	t.Logf("major 50-ft grid lines: %d in the body, worst %.3f ft off", len(found), worst)
	want := int(math.Floor((mainBottom-mainTop)/labelStep)) + 1
	if len(found) != want || found[0] != mainTop {
		t.Errorf("major lines of the main pass at %v ft, want %d from %.0f ft", found, want,
			mainTop)
	}
}

// widest returns the widest track's columns.
func widest(r *realRun) (int, int) {
	best := r.prep.Layout.Tracks[0]
	for _, b := range r.prep.Layout.Tracks {
		if b.Width() > best.Width() {
			best = b
		}
	}
	return best.Left, best.Right
}

// heavyRows returns the centre rows of runs of at least 3 rows, between
// rows top and bottom, where over 80% of columns x0..x1 are ink.
func heavyRows(img *image.Gray, x0, x1, top, bottom int) []float64 {
	var out []float64
	run := 0
	for y := top; y <= bottom; y++ {
		ink := 0
		if y < bottom {
			row := img.Pix[(y-img.Rect.Min.Y)*img.Stride:]
			for x := x0; x < x1; x++ {
				if row[x] < 128 {
					ink++
				}
			}
		}
		if 5*ink > 4*(x1-x0) {
			run++
			continue
		}
		if run >= 3 {
			out = append(out, float64(y-1)-float64(run-1)/2)
		}
		run = 0
	}
	return out
}

// checkPasses: the LAS comes from the main pass only. Its depths rise
// by the manifest's step, each maps to a row inside the body, and the
// repeat section (a second pass over 850-1120 ft) is calibrated as one.
func checkPasses(t *testing.T, r *realRun) {
	t.Helper()
	lay := r.prep.Layout
	if lay.Repeat == nil {
		t.Fatal("layout found no repeat section")
	}
	var repeat *depth.Segment
	for i, s := range r.cal.Segments {
		if s.Pass == depth.PassRepeat {
			repeat = &r.cal.Segments[i]
		}
	}
	if repeat == nil || repeat.RowFrom > float64(lay.Repeat.Top) {
		t.Errorf("no repeat segment covering the repeat section from row %d: %+v",
			lay.Repeat.Top, r.cal.Segments)
	}
	dept := r.log.Data[0]
	for i, d := range dept {
		if i > 0 && math.Abs(d-dept[i-1]-r.m.Depth.Step) > 1e-9 {
			t.Fatalf("DEPT %v after %v: not one step of %v", d, dept[i-1], r.m.Depth.Step)
		}
		if row := r.cal.Row(d); row < float64(lay.Body.Top)-1 ||
			row > float64(lay.Body.Bottom) {
			t.Errorf("DEPT %.1f ft maps to row %.0f, outside the body [%d, %d)", d, row,
				lay.Body.Top, lay.Body.Bottom)
			break
		}
	}
	if dept[0] > mainTop || dept[len(dept)-1] < mainBottom {
		t.Errorf("LAS runs %.1f..%.1f ft, short of the main pass %.0f..%.0f ft", dept[0],
			dept[len(dept)-1], mainTop, mainBottom)
	}
}
