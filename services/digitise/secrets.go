package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/minio/minio-go/v7"

	"github.com/welllog/digitiser/pkg/bus"
)

// readSecretFiles loads the secrets named by their _FILE settings; each
// file is read once, then its setting is cleared.
func (c *Config) readSecretFiles() error {
	for _, s := range []struct {
		value, file *string
		name        string
	}{
		{&c.NATSPassword, &c.NATSPasswordFile, "DIGITISE_NATS_PASSWORD"},
		{&c.S3AccessKey, &c.S3AccessKeyFile, "DIGITISE_S3_ACCESS_KEY"},
		{&c.S3SecretKey, &c.S3SecretKeyFile, "DIGITISE_S3_SECRET_KEY"},
	} {
		v, err := readSecret(*s.value, *s.file, s.name)
		if err != nil {
			return err
		}
		*s.value, *s.file = v, ""
	}
	return nil
}

// readSecret returns value, or the content of file when file is set (one
// line: trailing newlines dropped). Its errors name the setting and the
// file, never the content.
func readSecret(value, file, name string) (string, error) {
	if file == "" {
		return value, nil
	}
	if value != "" {
		return "", fmt.Errorf("both %s and %s_FILE are set: keep one", name, name)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s_FILE: %w", name, err)
	}
	v := strings.TrimRight(string(data), "\r\n")
	if v == "" {
		return "", fmt.Errorf("%s_FILE: %s is empty", name, file)
	}
	return v, nil
}

// String describes the config without its secrets.
func (c Config) String() string {
	return fmt.Sprintf("nats=%s nats_user=%q s3=%s s3_secure=%t state_dir=%s",
		bus.RedactURL(c.NATSURL), c.NATSUser, c.S3Endpoint, c.S3Secure, c.StateDir)
}

// LogValue logs the config without its secrets.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("nats", bus.RedactURL(c.NATSURL)),
		slog.String("nats_user", c.NATSUser), slog.String("s3", c.S3Endpoint),
		slog.Bool("s3_secure", c.S3Secure), slog.String("state_dir", c.StateDir))
}

// s3Transport guards minio-go's transport factory, which trustS3CA wraps.
var s3Transport struct {
	sync.Mutex
	base func(secure bool) (*http.Transport, error)
}

// trustS3CA makes the S3 client trust the CA certificates in file besides
// the system's.
//
// TODO(#6): pkg/store.NewS3 takes no transport, so this wraps minio-go's
// process-wide DefaultTransport; a CA option of the store belongs there.
func trustS3CA(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("DIGITISE_S3_CA_FILE: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(data) {
		return fmt.Errorf("DIGITISE_S3_CA_FILE: %s holds no PEM certificate", file)
	}
	s3Transport.Lock()
	defer s3Transport.Unlock()
	if s3Transport.base == nil {
		s3Transport.base = minio.DefaultTransport
	}
	base := s3Transport.base
	minio.DefaultTransport = func(secure bool) (*http.Transport, error) {
		tr, err := base(secure)
		if err != nil {
			return nil, err
		}
		if tr.TLSClientConfig == nil {
			tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		tr.TLSClientConfig.RootCAs = pool
		return tr, nil
	}
	return nil
}
