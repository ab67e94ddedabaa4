package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/welllog/digitiser/pkg/realdata"
)

// VersityGWVersion is the gateway release the stack is written against;
// deploy/local/setup.sh installs it.
const VersityGWVersion = "v1.8.0"

// FindVersityGW resolves the gateway binary: bin when set, else $VERSITYGW,
// else <repo>/.cache/bin/versitygw with the repo found by walking up from the
// working directory to go.mod. The error wraps ErrNoVersityGW and names the
// path it looked at.
func FindVersityGW(bin string) (string, error) {
	if bin == "" {
		bin = os.Getenv("VERSITYGW")
	}
	if bin == "" {
		root, err := RepoRoot()
		if err != nil {
			return "", fmt.Errorf("stack: %w (%v)", ErrNoVersityGW, err)
		}
		bin = filepath.Join(root, ".cache", "bin", "versitygw")
	}
	fi, err := os.Stat(bin)
	if err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return "", fmt.Errorf("stack: %w (looked at %s)", ErrNoVersityGW, bin)
	}
	return bin, nil
}

// RepoRoot walks up from the working directory to the first directory holding
// go.mod; it is [realdata.RepoRoot], kept here for the stack's callers.
func RepoRoot() (string, error) {
	return realdata.RepoRoot()
}

// eventFilter keeps object-created events only: the relay needs nothing else
// and the bus is spared a message per delete.
const eventFilter = `{"s3:ObjectCreated:*": true}` + "\n"

// gateway is a running versitygw process.
type gateway struct {
	cmd      *exec.Cmd
	endpoint string
	logPath  string
	logFile  *os.File
	done     chan struct{}

	mu      sync.Mutex
	waitErr error
}

// startGateway launches versitygw's POSIX backend on loopback. The keys go
// through the environment, never the command line, so ps does not show them.
// With a free-port request it retries on another port when the first one was
// taken in the meantime.
func startGateway(ctx context.Context, cfg Config, dir, natsURL string) (*gateway, error) {
	filter := filepath.Join(dir, "event-filter.json")
	if err := os.WriteFile(filter, []byte(eventFilter), 0o644); err != nil {
		return nil, fmt.Errorf("write event filter: %w", err)
	}

	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port := cfg.S3Port
		if port == 0 {
			p, err := freePort()
			if err != nil {
				return nil, err
			}
			port = p
		}
		gw, err := launch(cfg, dir, natsURL, filter, port)
		if err != nil {
			return nil, err
		}
		if err := gw.waitListening(ctx); err == nil {
			return gw, nil
		} else {
			lastErr = err
		}
		gw.stop(time.Second)
		if cfg.S3Port != 0 || !strings.Contains(gw.logTail(), "address already in use") {
			break
		}
	}
	return nil, lastErr
}

func launch(cfg Config, dir, natsURL, filter string, port int) (*gateway, error) {
	logPath := filepath.Join(dir, "versitygw.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open gateway log: %w", err)
	}
	endpoint := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := exec.Command(cfg.VersityGW,
		"--port", endpoint,
		"--event-nats-url", natsURL,
		"--event-nats-topic", RawEventSubject,
		"--event-filter", filter,
		"posix",
		"--sidecar", filepath.Join(dir, "sidecar"),
		filepath.Join(dir, "objects"),
	)
	cmd.Env = append(cleanEnv(),
		"ROOT_ACCESS_KEY_ID="+cfg.AccessKey,
		"ROOT_SECRET_ACCESS_KEY="+cfg.SecretKey,
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", cfg.VersityGW, err)
	}

	gw := &gateway{cmd: cmd, endpoint: endpoint, logPath: logPath, logFile: logFile,
		done: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		gw.mu.Lock()
		gw.waitErr = err
		if err == nil {
			gw.waitErr = errors.New("exit status 0")
		}
		gw.mu.Unlock()
		close(gw.done)
	}()
	return gw, nil
}

// cleanEnv drops the gateway's own settings from the inherited environment,
// so a developer's VGW_* or ROOT_* variables cannot change the test stack.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "VGW_") || strings.HasPrefix(kv, "ROOT_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// waitListening waits until the port accepts TCP or the process exits.
func (gw *gateway) waitListening(ctx context.Context) error {
	for {
		c, err := net.DialTimeout("tcp", gw.endpoint, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if exit := gw.exited(); exit != nil {
			return fmt.Errorf("versitygw exited: %v\n%s", exit, gw.logTail())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("versitygw not listening on %s: %w\n%s",
				gw.endpoint, ctx.Err(), gw.logTail())
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// exited returns the process's exit error once it has exited, else nil.
func (gw *gateway) exited() error {
	select {
	case <-gw.done:
		gw.mu.Lock()
		defer gw.mu.Unlock()
		return gw.waitErr
	default:
		return nil
	}
}

// logTail returns the last lines of the gateway's log for error messages.
func (gw *gateway) logTail() string {
	data, err := os.ReadFile(gw.logPath)
	if err != nil {
		return ""
	}
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return "versitygw log (" + gw.logPath + "):\n" + string(bytes.Join(lines, []byte("\n")))
}

// stop sends SIGTERM, waits up to grace, then kills.
func (gw *gateway) stop(grace time.Duration) error {
	defer gw.logFile.Close()
	if gw.exited() != nil {
		return nil
	}
	if err := gw.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		gw.cmd.Process.Kill()
	}
	select {
	case <-gw.done:
		return nil
	case <-time.After(grace):
	}
	if err := gw.cmd.Process.Kill(); err != nil {
		return fmt.Errorf("kill versitygw pid %d: %w", gw.cmd.Process.Pid, err)
	}
	<-gw.done
	return nil
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
