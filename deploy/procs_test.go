package deploy

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// worker is one `digitise serve` process of the batch test, configured the
// way a container is: through DIGITISE_* variables, its ops port on
// loopback.
type worker struct {
	name string
	env  []string
	ops  string // 127.0.0.1:port
	log  string // file with its stderr
	cmd  *exec.Cmd
	done chan error
}

// handedOut are the ports freeAddr has returned in this test binary.
var handedOut sync.Map

// freeAddr returns a loopback address with a port that was free a moment
// ago and that no earlier call returned: the kernel may hand a port just
// closed out again, and two workers on one ops port would read each other's
// metrics.
func freeAddr(t *testing.T) string {
	t.Helper()
	for range 100 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		if _, dup := handedOut.LoadOrStore(addr, true); !dup {
			return addr
		}
	}
	t.Fatal("no unused loopback port in 100 tries")
	return ""
}

// start runs the worker's process and waits until /healthz and /readyz
// answer 200.
func (w *worker) start(t *testing.T, bin string) {
	t.Helper()
	logf, err := os.OpenFile(w.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	w.cmd = exec.Command(bin, "serve")
	w.cmd.Env = append(w.env, "DIGITISE_OPS_ADDR="+w.ops)
	w.cmd.Stdout, w.cmd.Stderr = logf, logf
	if err := w.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", w.name, err)
	}
	w.done = make(chan error, 1)
	go func() {
		w.done <- w.cmd.Wait()
		logf.Close()
	}()
	deadline := time.Now().Add(30 * time.Second)
	for _, path := range []string{"/healthz", "/readyz"} {
		for {
			code, _ := httpGet(w.ops, path)
			if code == http.StatusOK {
				break
			}
			select {
			case err := <-w.done:
				t.Fatalf("%s exited before %s answered: %v\n%s", w.name, path, err,
					tail(w.log, 20))
			case <-time.After(50 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %s not 200 after 30 s (last %d)\n%s", w.name, path, code,
					tail(w.log, 20))
			}
		}
	}
}

// signal sends sig and waits for the process to exit, returning its exit
// status (-1 when killed by a signal).
func (w *worker) signal(t *testing.T, sig syscall.Signal, wait time.Duration) int {
	t.Helper()
	if err := w.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %s: %v", w.name, err)
	}
	select {
	case <-w.done:
	case <-time.After(wait):
		_ = w.cmd.Process.Kill()
		<-w.done
		t.Fatalf("%s did not exit %s after %v\n%s", w.name, sig, wait, tail(w.log, 20))
	}
	return w.cmd.ProcessState.ExitCode()
}

// stop ends a still-running worker: SIGTERM, then SIGKILL after 15 s.
func (w *worker) stop() {
	if w.cmd == nil || w.cmd.ProcessState != nil {
		return
	}
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.done:
	case <-time.After(15 * time.Second):
		_ = w.cmd.Process.Kill()
		<-w.done
	}
}

// metrics scrapes the worker's /metrics into "name{labels}" -> value.
func (w *worker) metrics(t *testing.T) map[string]float64 {
	t.Helper()
	code, body := httpGet(w.ops, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("%s /metrics: status %d", w.name, code)
	}
	return parseMetrics(body)
}

// parseMetrics reads the Prometheus text format's sample lines.
func parseMetrics(body string) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

func httpGet(addr, path string) (int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var b strings.Builder
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		b.WriteString(sc.Text())
		b.WriteByte('\n')
	}
	return resp.StatusCode, b.String()
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return filepath.Base(path) + ":\n  " + strings.Join(lines, "\n  ")
}

// series names one labelled series of a stage metric.
func series(name, stage string) string {
	return fmt.Sprintf("%s{stage=%q}", name, stage)
}
