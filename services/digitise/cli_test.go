package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
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
		{[]string{"rerun", "--failed", "job1"}, 2, "no job id with --failed"},
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
