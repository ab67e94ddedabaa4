package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/welllog/digitiser/pkg/qa"
)

func TestDemoInputsFromDir(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.tar.gz", "a.zip", "notes.txt", "scan.tif"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.zip"), 0o755); err != nil {
		t.Fatal(err)
	}
	ins, err := demoInputs(t.TempDir(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range ins {
		got = append(got, in.label)
		if in.archive != filepath.Join(dir, in.label) {
			t.Errorf("%s: archive %s, want the file in --inputs", in.label, in.archive)
		}
	}
	if want := "a.zip b.tar.gz scan.tif"; strings.Join(got, " ") != want {
		t.Errorf("inputs %q, want %q (archives and scans only, by name, no sample)",
			strings.Join(got, " "), want)
	}

	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "readme.md"), []byte("x"), 0o644)
	for _, d := range []string{empty, filepath.Join(dir, "missing")} {
		if _, err := demoInputs(t.TempDir(), "", d); !errors.Is(err, errUsage) {
			t.Errorf("--inputs %s: err %v, want a usage error", d, err)
		}
	}
}

func qaReport(status string, curves ...qa.CurveReport) *qa.Report {
	return &qa.Report{Status: status, HasTruth: true, Curves: curves}
}

func scored(cls int, r2, mae float64) qa.CurveReport {
	return qa.CurveReport{Class: cls, Truth: &qa.Metrics{R2: qa.Num(r2), MAE: qa.Num(mae),
		Coverage: 1, Rows: 10}}
}

func TestBatchSummary(t *testing.T) {
	jobs := []batchJob{
		{Label: "a.tar.gz", JobID: "j1", State: "succeeded", Status: "ok",
			report: qaReport("ok", scored(1, 0.99, 0.005), scored(2, 0.97, 0.01))},
		{Label: "b.tar.gz", JobID: "j2", State: "succeeded", Status: "needs_review",
			report: qaReport("needs_review", scored(1, 0.985, 0.006), scored(2, 0.96, 0.015))},
		{Label: "scan.tif", JobID: "j3", State: "succeeded", Status: "ok",
			report: &qa.Report{Status: "ok", Curves: []qa.CurveReport{{Class: 1}}}},
	}
	s := summariseBatch(jobs)
	if s.WithTruth != 2 || s.Failed != 0 || len(s.Misses) != 0 {
		t.Fatalf("summary %+v: want 2 jobs with truth, none failed, target met", s)
	}
	dir := t.TempDir()
	var out strings.Builder
	if err := writeBatch(dir, s, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| j2 | b.tar.gz | succeeded | needs_review |",
		"| 1 (solid) | 2 | 0.9875 | 0.0055 |", "Target: **met**"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	if err != nil || string(md) != out.String() {
		t.Errorf("summary.md differs from the printed summary (err %v)", err)
	}
	var back batchSummary
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil || json.Unmarshal(data, &back) != nil || len(back.Jobs) != 3 ||
		len(back.Pooled) != 2 {
		t.Errorf("summary.json does not read back: %v %s", err, data)
	}

	failed := append(jobs, batchJob{Label: "c.zip", JobID: "j4", State: "failed",
		Error: "preprocess: rejected"})
	s = summariseBatch(failed)
	if s.Failed != 1 || len(s.Misses) != 1 || !strings.Contains(s.Misses[0], "1 of 4 jobs failed") {
		t.Errorf("a failed job must miss the target: %+v", s.Misses)
	}
	var b strings.Builder
	writeBatchMarkdown(&b, summariseBatch(jobs[2:]))
	if !strings.Contains(b.String(), "No job had a truth LAS") {
		t.Errorf("no-truth batch:\n%s", b.String())
	}
}
