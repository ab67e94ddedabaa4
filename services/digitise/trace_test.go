package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestFindJobTrace looks a job's trace up in a trace store without a
// stack: only the file whose root "job" span names the job matches.
func TestFindJobTrace(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"0123456789abcdef0123456789abcdef.jsonl": `{"name":"stage.ingest",` +
			`"parent_span_id":"aa","attributes":{"job_id":"job-b"}}` + "\n" +
			`{"name":"job","attributes":{"job_id":"job-a"}}` + "\n",
		"fedcba9876543210fedcba9876543210.jsonl": "not json\n" +
			`{"name":"job","attributes":{"job_id":"job-b"}}` + "\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for job, want := range map[string]string{
		"job-a": "0123456789abcdef0123456789abcdef",
		"job-b": "fedcba9876543210fedcba9876543210",
	} {
		got, err := findJobTrace(dir, job)
		if err != nil || got != want {
			t.Errorf("findJobTrace(%s) = %q, %v; want %q", job, got, err, want)
		}
	}
	if _, err := findJobTrace(dir, "job-c"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("findJobTrace(job-c) error %v, want one wrapping os.ErrNotExist", err)
	}
}
