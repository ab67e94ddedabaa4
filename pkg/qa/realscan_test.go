package qa_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/welllog/digitiser/pkg/depth"
	"github.com/welllog/digitiser/pkg/las"
	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/qa"
	"github.com/welllog/digitiser/pkg/raster"
	"github.com/welllog/digitiser/pkg/realdata"
	"github.com/welllog/digitiser/pkg/segment"
	"github.com/welllog/digitiser/pkg/vector"
)

// realRun is the real scan taken through every stage in-process.
type realRun struct {
	prep   *raster.Prepared
	m      *manifest.Manifest
	pm     *raster.ProbMap
	traces []vector.Trace
	cal    *depth.Calibration
	log    *las.File // written and read back
	rep    *qa.Report
}

// realInput decodes ../shared/realdata/scans/kgs-15-131-20215-sonic.tif,
// preprocesses it with its manifest once, or skips when the scan is absent.
func realInput(t testing.TB) (*raster.Prepared, *manifest.Manifest) {
	t.Helper()
	root := realdata.Root(t)
	prepOnce.Do(func() {
		scan := realdata.Path(t, "scans", "kgs-15-131-20215-sonic.tif")
		data, err := os.ReadFile(scan)
		if err != nil {
			prepErr = errSkip{err}
			return
		}
		mpath := filepath.Join(root, "testdata", "real", "kgs-15-131-20215-sonic.yaml")
		mdata, err := os.ReadFile(mpath)
		if err != nil {
			prepErr = err
			return
		}
		if prepM, err = manifest.Parse(mpath, mdata); err != nil {
			prepErr = err
			return
		}
		pages, err := raster.DecodePages(filepath.Base(scan), data)
		if err != nil {
			prepErr = err
			return
		}
		prep, prepErr = raster.Preprocess(pages[0], prepM, raster.PreprocessOptions{})
	})
	var skip errSkip
	if errors.As(prepErr, &skip) {
		t.Skipf("real scan absent (%v): put it in ../shared/realdata/scans", skip.err)
	}
	if prepErr != nil {
		t.Fatal(prepErr)
	}
	return prep, prepM
}

type errSkip struct{ err error }

func (e errSkip) Error() string { return e.err.Error() }

var (
	prepOnce sync.Once
	prep     *raster.Prepared
	prepM    *manifest.Manifest
	prepErr  error
)

// runReal takes the prepared scan through sg, the tracer, calibration,
// LAS (written and read back) and QA.
func runReal(t testing.TB, sg segment.Segmenter) *realRun {
	t.Helper()
	p, m := realInput(t)
	r := &realRun{prep: p, m: m}
	var err error
	if r.pm, err = sg.Segment(context.Background(), p.Image); err != nil {
		t.Fatalf("segment: %v", err)
	}
	if r.traces, err = vector.TraceAll(r.pm, p.Layout, m, vector.Options{}); err != nil {
		t.Fatalf("trace: %v", err)
	}
	if r.cal, err = depth.Calibrate(p.Image, p.Layout, p.Transform, m); err != nil {
		t.Fatalf("calibrate: %v", err)
	}
	built, err := depth.BuildLog(r.traces, r.cal, m)
	if err != nil {
		t.Fatalf("build log: %v", err)
	}
	var buf bytes.Buffer
	if err := las.Write(&buf, built); err != nil {
		t.Fatalf("write LAS: %v", err)
	}
	lasText := buf.Bytes()
	if r.log, err = las.Read(bytes.NewReader(lasText)); err != nil {
		t.Fatalf("read back the LAS: %v", err)
	}
	if r.rep, err = qa.Evaluate(qa.Input{Output: r.log, Traces: r.traces, Manifest: m,
		RowDepth: r.cal.Depth}); err != nil {
		t.Fatalf("qa: %v", err)
	}
	dumpReal(t, sg.Name(), r, lasText)
	return r
}

// dumpReal writes the LAS and the overlay under $DIGITISE_REALSCAN_OUT
// when set, to look at.
func dumpReal(t testing.TB, name string, r *realRun, lasText []byte) {
	dir := os.Getenv("DIGITISE_REALSCAN_OUT")
	if dir == "" {
		return
	}
	base := filepath.Join(dir, filepath.Base(name))
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		t.Fatal(err)
	}
	ov := qa.Overlay(r.prep.Image, r.prep.Layout, r.traces, r.m)
	var pbuf bytes.Buffer
	if err := png.Encode(&pbuf, ov); err != nil {
		t.Fatal(err)
	}
	var tj bytes.Buffer
	for _, tr := range r.traces {
		for i := range tr.Len() {
			fmt.Fprintf(&tj, "%s %d %.4f %d %.3f\n", tr.Mnemonic, tr.Top+i, tr.Frac[i],
				tr.Wrap[i], tr.Conf[i])
		}
	}
	for suffix, data := range map[string][]byte{".las": lasText,
		".overlay.png": pbuf.Bytes(), ".traces.txt": tj.Bytes()} {
		if err := os.WriteFile(base+suffix, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %s.{las,overlay.png}", base)
}
