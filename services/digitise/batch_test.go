package main

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/welllog/digitiser/pkg/qa"
)

func TestDemoInputsFromDir(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.tar.gz", "a.zip", "notes.txt", "scan.tif", "scan.yaml",
		"UPPER.TAR.GZ", "orphan.yml", "b.mask.png"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.zip"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "a.zip"), filepath.Join(dir, "link.zip")); err != nil {
		t.Fatal(err)
	}
	os.Symlink(filepath.Join(dir, "gone.zip"), filepath.Join(dir, "dangling.zip"))
	var said strings.Builder
	ins, err := dirInputs(dir, &said)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range ins {
		got = append(got, in.label)
		if in.archive != filepath.Join(dir, in.label) {
			t.Errorf("%s: archive %s, want the file in --inputs", in.label, in.archive)
		}
		want := ""
		if in.label == "scan.tif" {
			want = filepath.Join(dir, "scan.yaml")
		}
		if in.manifest != want {
			t.Errorf("%s: manifest %q, want %q", in.label, in.manifest, want)
		}
	}
	if want := "UPPER.TAR.GZ a.zip b.tar.gz link.zip scan.tif"; strings.Join(got, " ") != want {
		t.Errorf("inputs %q, want %q (archives and scans by name, links followed)",
			strings.Join(got, " "), want)
	}
	for _, skipped := range []string{"notes.txt: not an archive", "sub.zip: not a file",
		"dangling.zip:", "orphan.yml: no archive", "b.mask.png: a side file of the archive b.tar.gz"} {
		if !strings.Contains(said.String(), skipped) {
			t.Errorf("skipped entries not named: want %q in\n%s", skipped, said.String())
		}
	}

	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "readme.md"), []byte("x"), 0o644)
	for _, d := range []string{empty, filepath.Join(dir, "missing")} {
		if _, err := demoInputs(t.TempDir(), "", d); !errors.Is(err, errUsage) {
			t.Errorf("--inputs %s: err %v, want a usage error", d, err)
		}
	}
}

func TestWritableDir(t *testing.T) {
	if err := writableDir(filepath.Join(t.TempDir(), "a", "b")); err != nil {
		t.Errorf("a new nested directory: %v", err)
	}
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, []byte("x"), 0o644)
	if err := writableDir(file); err == nil {
		t.Error("a file as the output directory was accepted")
	}
	ro := t.TempDir()
	os.Chmod(ro, 0o555)
	defer os.Chmod(ro, 0o755)
	if os.Getuid() != 0 {
		if err := writableDir(ro); err == nil {
			t.Error("a read-only directory was accepted")
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
		"| 1 (solid) | 2 | 0.9875 | 0.0055 |", "Target: **met**",
		"3 jobs: 3 succeeded, 0 failed or unfinished."} {
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

	failed := append(jobs, batchJob{Label: "c|d\n.zip", JobID: "j4", State: "failed",
		Error: "preprocess: rejected:\nline two | more"})
	s = summariseBatch(failed)
	if s.Failed != 1 || len(s.Misses) != 1 ||
		!strings.Contains(s.Misses[0], "1 of 4 jobs failed") {
		t.Errorf("a failed job must miss the target: %+v", s.Misses)
	}
	var b strings.Builder
	writeBatchMarkdown(&b, s)
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "| j4 ") && strings.Count(line, "|") != 7 {
			t.Errorf("a name or error with bars or line breaks breaks the table: %q", line)
		}
	}

	b.Reset()
	writeBatchMarkdown(&b, summariseBatch(append(jobs[2:], failed[3])))
	for _, want := range []string{"No succeeded job was scored against a truth LAS",
		"1 of 2 jobs failed or did not finish"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no-truth batch lacks %q:\n%s", want, b.String())
		}
	}

	missed := summariseBatch([]batchJob{{JobID: "j5", State: "succeeded",
		report: qaReport("ok", scored(1, 0.99, 0.005), qa.CurveReport{Class: 2,
			Truth: &qa.Metrics{R2: qa.Num(math.NaN()), Rows: 0}})}})
	b.Reset()
	writeBatchMarkdown(&b, missed)
	if len(missed.Pooled) != 2 || missed.Pooled[0].Missed != 0 || missed.Pooled[1].Missed != 1 ||
		!strings.Contains(b.String(), "1 curve with a truth but no digitised value") {
		t.Errorf("missed curves not counted and said: %+v\n%s", missed.Pooled, b.String())
	}
}
