package bus

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go"
)

// ConnectOptions says how [Dial] reaches NATS beyond the URL. Credentials
// may also sit in the URL (nats://user:password@host:4222); these fields
// are for secrets that should not, read from their own variables or files.
// Use one way of logging in: User and Password, NkeySeedFile or
// CredsFile.
type ConnectOptions struct {
	// Name names the client in the server's connection list
	// ("digitise-serve").
	Name string
	// User and Password log in with a user of the server's
	// authorization block. Never logged, and scrubbed from errors.
	User, Password string
	// NkeySeedFile is a user nkey seed file (`nk -gen user`): the
	// client proves it holds the seed, which never leaves the process.
	NkeySeedFile string
	// CredsFile is a decentralised-auth credentials file (user JWT and
	// nkey seed, as `nsc generate creds` writes).
	CredsFile string
	// CAFile is a PEM file of the CA certificates that signed the
	// servers' TLS certificates; setting it turns TLS on. Empty means the
	// system's roots (tls:// URLs) or no TLS (nats:// URLs).
	CAFile string
	// RetryFor is how long the first connection is retried while no
	// server answers (a stack still starting). Default 10 s. Refused
	// credentials and untrusted certificates fail at once.
	RetryFor time.Duration
}

// ErrBadCredentials wraps a connection refused for its credentials: fix
// the NATS user, password, nkey or credentials file.
var ErrBadCredentials = errors.New("NATS refused the credentials")

// Connect dials url naming the client name, with credentials only from the
// URL; see [Dial].
func Connect(ctx context.Context, url, name string) (*Bus, error) {
	return Dial(ctx, url, ConnectOptions{Name: name})
}

// Dial connects to the NATS servers in url (several comma-separated;
// nats:// or tls://) with opt and returns the Bus. It retries the first
// connection for opt.RetryFor while no server answers and reconnects
// forever after. Its errors name the servers with passwords and tokens
// replaced by "xxxxx", and never hold opt.Password: they are safe to log.
func Dial(ctx context.Context, url string, opt ConnectOptions) (*Bus, error) {
	secrets := append(URLSecrets(url), opt.Password)
	nopts, err := opt.natsOptions()
	if err != nil {
		return nil, redact(fmt.Errorf("NATS at %s: %w", RedactURL(url), err), secrets...)
	}
	if opt.RetryFor <= 0 {
		opt.RetryFor = 10 * time.Second
	}
	deadline := time.Now().Add(opt.RetryFor)
	var nc *nats.Conn
	for {
		nc, err = nats.Connect(url, nopts...)
		if err == nil || permanent(err) || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	if err != nil {
		hint := "is the stack running?"
		if isAuthError(err) {
			hint = "check the NATS user, password, nkey or credentials file"
			err = fmt.Errorf("%w: %w", ErrBadCredentials, err)
		} else if isCertError(err) {
			hint = "check the CA file (DIGITISE_NATS_CA_FILE) and the server certificate"
		}
		return nil, redact(fmt.Errorf("connect to NATS at %s (%s): %w", RedactURL(url),
			hint, err), secrets...)
	}
	return New(nc)
}

// natsOptions turns opt into client options, checking the files it names
// first so that a wrong path fails with the path, before any dialling.
func (opt ConnectOptions) natsOptions() ([]nats.Option, error) {
	nopts := []nats.Option{nats.Name(opt.Name), nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond)}
	ways := 0
	if opt.User != "" || opt.Password != "" {
		if opt.User == "" || opt.Password == "" {
			return nil, errors.New("NATS user and password go together: set both")
		}
		ways++
		nopts = append(nopts, nats.UserInfo(opt.User, opt.Password))
	}
	if opt.NkeySeedFile != "" {
		ways++
		o, err := nats.NkeyOptionFromSeed(opt.NkeySeedFile)
		if err != nil {
			return nil, fmt.Errorf("nkey seed file %s: %w", opt.NkeySeedFile, err)
		}
		nopts = append(nopts, o)
	}
	if opt.CredsFile != "" {
		ways++
		if _, err := os.Stat(opt.CredsFile); err != nil {
			return nil, fmt.Errorf("credentials file: %w", err)
		}
		nopts = append(nopts, nats.UserCredentials(opt.CredsFile))
	}
	if ways > 1 {
		return nil, errors.New("more than one way of logging in to NATS: set a user " +
			"and password, an nkey seed file or a credentials file, not several")
	}
	if opt.CAFile != "" {
		if err := checkPEM(opt.CAFile); err != nil {
			return nil, fmt.Errorf("NATS CA file: %w", err)
		}
		nopts = append(nopts, nats.RootCAs(opt.CAFile))
	}
	return nopts, nil
}

// checkPEM reports whether path holds at least one PEM certificate.
func checkPEM(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !x509.NewCertPool().AppendCertsFromPEM(data) {
		return fmt.Errorf("%s holds no PEM certificate", path)
	}
	return nil
}

// permanent reports whether a connection error will not go away by
// dialling again.
func permanent(err error) bool {
	return isAuthError(err) || isCertError(err)
}

func isAuthError(err error) bool {
	return errors.Is(err, nats.ErrAuthorization) || errors.Is(err, nats.ErrAuthExpired) ||
		errors.Is(err, nats.ErrAuthRevoked)
}

func isCertError(err error) bool {
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var host x509.HostnameError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknown) || errors.As(err, &invalid) || errors.As(err, &host) ||
		errors.As(err, &verify)
}
