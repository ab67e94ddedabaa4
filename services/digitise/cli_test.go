package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/welllog/digitiser/pkg/pipeline"
)

// TestCLIExitCodes checks --help on every command, usage errors and the
// message when no stack can be found.
func TestCLIExitCodes(t *testing.T) {
	t.Setenv("DIGITISE_NATS_URL", "")
	t.Setenv("DIGITISE_S3_ENDPOINT", "")
	empty := t.TempDir()
	cases := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage: digitise COMMAND"},
		{[]string{"--help"}, 0, "commands:"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"submit"}, 2, "give exactly one archive file"},
		{[]string{"status", "a", "b"}, 2, "want one job id"},
		{[]string{"serve", "--stages", "segmnt"}, 2, `unknown stage "segmnt"`},
		{[]string{"status", "--state-dir", empty, "job1"}, 1, "no stack to talk to"},
		{[]string{"status", "--state-dir", empty, "job1"}, 1,
			filepath.Join(empty, "stack.json")},
		{[]string{"list", "--state-dir", empty}, 1, "DIGITISE_STATE_DIR"},
		{[]string{"rerun", "--failed", "job1"}, 2, "no job id with --failed"},
		{[]string{"rerun", "--from", "seg", "--state-dir", empty, "job1"}, 2,
			"use one of " + strings.Join(pipeline.Stages, ", ")},
		{[]string{"model", "download", "dir"}, 2, "want model upload DIR"},
		{[]string{"submit", "--help"}, 0, "auto (ONNX when the model loads"},
		{[]string{"demo", "--help"}, 0, "DIGITISE_REALDATA"},
	}
	for _, c := range commands {
		cases = append(cases, struct {
			args []string
			code int
			want string
		}{[]string{c.name, "--help"}, 0, "usage: digitise " + c.name})
	}
	for _, tc := range cases {
		var stderr bytes.Buffer
		code := runCaptured(t, tc.args, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("digitise %v: exit %d, want %d; output lacks %q:\n%s", tc.args, code,
				tc.code, tc.want, stderr.String())
		}
	}
}

// TestHelpListsOnlyUsedFlags checks that each command's --help shows the
// flags it reads and none of the others.
func TestHelpListsOnlyUsedFlags(t *testing.T) {
	cases := []struct {
		cmd        string
		want, lack []string
	}{
		{"trace", []string{"-nats", "-state-dir"}, []string{"-s3", "bucket", "-log-level"}},
		{"status", []string{"-nats"}, []string{"-s3", "bucket", "-copies"}},
		{"results", []string{"-nats", "-s3 "}, []string{"bucket", "-stages"}},
		{"submit", []string{"-inbox-bucket", "-work-bucket", "-segmenter"},
			[]string{"-models-bucket", "-stages", "-ack-wait"}},
		{"model", []string{"-s3 ", "-models-bucket", "-key"}, []string{"-nats ", "-inbox"}},
		{"demo", []string{"-segmenter", "-realdata"}, []string{"-nats ", "-s3 ",
			"-stages", "-copies"}},
		{"serve", []string{"-nats ", "-s3 ", "-stages", "-ack-wait", "-segmenter"}, nil},
	}
	for _, tc := range cases {
		var out bytes.Buffer
		if code := runCaptured(t, []string{tc.cmd, "--help"}, &out); code != 0 {
			t.Fatalf("%s --help: exit %d", tc.cmd, code)
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%s --help lacks %q:\n%s", tc.cmd, w, out.String())
			}
		}
		for _, l := range tc.lack {
			if strings.Contains(out.String(), l) {
				t.Errorf("%s --help lists %q, which it does not use:\n%s", tc.cmd, l,
					out.String())
			}
		}
	}
}

// TestReportExitStatus checks that a bare exit status (status of a failed
// job) prints nothing, while other errors are printed.
func TestReportExitStatus(t *testing.T) {
	var out bytes.Buffer
	if code := report(&out, "status", exitCode(3)); code != 3 || out.Len() != 0 {
		t.Errorf("exitCode(3): exit %d, printed %q; want 3 and nothing", code, out.String())
	}
	err := fmt.Errorf("job x: %w", exitCode(3))
	if code := report(&out, "status", err); code != 3 || !strings.Contains(out.String(),
		"job x") {
		t.Errorf("wrapped exit status: exit %d, printed %q", code, out.String())
	}
}

// TestRealScanPath finds the real scan in --realdata, else beside the repo.
func TestRealScanPath(t *testing.T) {
	if got := realScanPath("/repo", "/data/real"); got != filepath.Join("/data/real",
		"scans", "kgs-15-131-20215-sonic.tif") {
		t.Errorf("with --realdata: %s", got)
	}
	if got := realScanPath("/w/main", ""); got != filepath.Join("/w", "shared", "realdata",
		"scans", "kgs-15-131-20215-sonic.tif") {
		t.Errorf("default: %s", got)
	}
}

// runCaptured runs the CLI with os.Stderr redirected into w (flag sets
// print their usage there).
func runCaptured(t *testing.T, args []string, w *bytes.Buffer) int {
	t.Helper()
	r, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = pw
	done := make(chan struct{})
	go func() { _, _ = w.ReadFrom(r); close(done) }()
	code := run(args, pw)
	os.Stderr = old
	pw.Close()
	<-done
	return code
}
