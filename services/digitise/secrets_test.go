package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/welllog/digitiser/pkg/bus/bustest"
)

// Secrets the tests hand the command; none may show in its output.
const (
	natsSecret = "nats-Secret-7f3a"
	s3Access   = "s3-Access-91c2"
	s3Secret   = "s3-Secret-b604"
	wrongPass  = "wrong-Secret-55d1"
)

// secretFile writes a secret as a mounted Secret would: one line.
func secretFile(t *testing.T, name, value string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(value+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// assertNoSecret fails when text holds any of the secrets.
func assertNoSecret(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range []string{natsSecret, s3Access, s3Secret, wrongPass} {
		if strings.Contains(text, s) {
			t.Errorf("%s shows the secret %q:\n%s", where, s, text)
		}
	}
}

// TestSecretsNeverShown runs `digitise serve` as its own process against
// a NATS server that wants a password, with every secret in a file and
// debug logging: it must log in (ready), shut down cleanly on SIGTERM and
// print no secret. Then it runs it with a refused password in the URL: it
// must exit 1 saying the credentials were refused, without the password.
func TestSecretsNeverShown(t *testing.T) {
	bin := buildDigitise(t)
	srv := bustest.Server(t, func(o *server.Options) {
		o.Users = []*server.User{{Username: "digitiser", Password: natsSecret}}
	})
	env := append(os.Environ(), "DIGITISE_NATS_URL="+srv.ClientURL(),
		"DIGITISE_NATS_USER=digitiser",
		"DIGITISE_NATS_PASSWORD_FILE="+secretFile(t, "nats", natsSecret),
		"DIGITISE_S3_ENDPOINT=127.0.0.1:1",
		"DIGITISE_S3_ACCESS_KEY_FILE="+secretFile(t, "access", s3Access),
		"DIGITISE_S3_SECRET_KEY_FILE="+secretFile(t, "secret", s3Secret),
		"DIGITISE_NATS_PASSWORD=", "DIGITISE_S3_ACCESS_KEY=", "DIGITISE_S3_SECRET_KEY=",
		"DIGITISE_LOG_LEVEL=debug", "DIGITISE_STATE_DIR="+t.TempDir(),
		"OTEL_EXPORTER_OTLP_ENDPOINT=")
	ops := freeAddr(t)
	var out bytes.Buffer
	cmd := exec.Command(bin, "serve", "--stages", "qa", "--ops", ops)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	waitReady(t, ops, done, &out)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v\n%s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("serve did not exit after SIGTERM\n%s", out.String())
	}
	assertNoSecret(t, "serve's log", out.String())

	bad := strings.Replace(srv.ClientURL(), "nats://", "nats://digitiser:"+wrongPass+"@", 1)
	cmd = exec.Command(bin, "serve", "--stages", "qa")
	cmd.Env = append(env, "DIGITISE_NATS_URL="+bad, "DIGITISE_NATS_USER=",
		"DIGITISE_NATS_PASSWORD_FILE=")
	msg, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 ||
		!strings.Contains(string(msg), "refused the credentials") {
		t.Errorf("refused login: exit %d (%v), output:\n%s", code, err, msg)
	}
	assertNoSecret(t, "the refused login's output", string(msg))
}

// waitReady waits for /readyz to answer 200, failing if the process
// exits first.
func waitReady(t *testing.T, addr string, done chan error, out *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited before it was ready: %v\n%s", err, out.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("serve not ready after 30 s\n%s", out.String())
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestSecretFiles reads secrets from files and refuses ambiguous or empty
// ones with errors that name the setting, never the content.
func TestSecretFiles(t *testing.T) {
	cfg := Config{NATSURL: "nats://127.0.0.1:4222", S3Endpoint: "127.0.0.1:9000",
		NATSPasswordFile: secretFile(t, "nats", natsSecret),
		S3AccessKeyFile:  secretFile(t, "access", s3Access),
		S3SecretKeyFile:  secretFile(t, "secret", s3Secret), LogLevel: "info"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.NATSPassword != natsSecret || cfg.S3AccessKey != s3Access ||
		cfg.S3SecretKey != s3Secret {
		t.Fatalf("secrets read wrong: %q %q %q", cfg.NATSPassword, cfg.S3AccessKey,
			cfg.S3SecretKey)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("second Validate: %v", err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "cfg", cfg)
	assertNoSecret(t, "a logged config", logged.String()+fmt.Sprintf("%v %+v", cfg, cfg))

	for name, c := range map[string]Config{
		"both":    {S3SecretKey: s3Secret, S3SecretKeyFile: secretFile(t, "s", s3Secret)},
		"empty":   {NATSPasswordFile: secretFile(t, "e", "")},
		"missing": {S3AccessKeyFile: filepath.Join(t.TempDir(), "nope")},
	} {
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), "DIGITISE_") {
			t.Errorf("%s: %v, want an error naming the setting", name, err)
			continue
		}
		assertNoSecret(t, name+" error", err.Error())
	}
}

// TestS3CustomCA talks to an HTTPS S3 endpoint whose certificate a private
// CA signed: refused without DIGITISE_S3_CA_FILE, trusted with it.
func TestS3CustomCA(t *testing.T) {
	srv := newTLSS3(t)
	cfg := Config{S3Endpoint: srv.addr, S3AccessKey: "k", S3SecretKey: "s", S3Secure: true}
	if err := s3Probe(t, &cfg); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("without the CA: %v, want a certificate error", err)
	}
	cfg.S3CAFile = secretFile(t, "ca.pem", string(srv.caPEM))
	if err := s3Probe(t, &cfg); err != nil {
		t.Fatalf("with the CA: %v", err)
	}
	if srv.requests() == 0 {
		t.Fatal("the S3 server saw no request")
	}
}

// s3Probe opens the store the way connect does and asks for a bucket.
func s3Probe(t *testing.T, cfg *Config) error {
	t.Helper()
	st, err := cfg.openStore()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return st.EnsureBucket(ctx, "scans")
}
