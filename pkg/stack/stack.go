// Package stack starts a real local stack for the demo and the tests: an
// embedded NATS server with JetStream and a versitygw S3 gateway (POSIX
// backend) whose bucket events arrive on NATS. Everything binds 127.0.0.1.
package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/welllog/digitiser/pkg/store"
)

// Buckets the stack creates.
const (
	// BucketInbox receives uploaded scan archives; its object-created events
	// are published on Stack.EventSubject.
	BucketInbox = "scans"
	// BucketWork holds every job's intermediate and final outputs.
	BucketWork = "work"
	// BucketModels holds the segmentation models.
	BucketModels = "models"
)

// Subjects the stack's event path uses.
const (
	// DefaultEventSubject carries object-created events of BucketInbox, one
	// S3 event JSON document per message (see ParseS3Event).
	DefaultEventSubject = "digitiser.s3.scans"
	// RawEventSubject is where versitygw publishes every bucket's events;
	// the stack relays the inbox's object-created ones to EventSubject.
	RawEventSubject = "digitiser.s3.raw"
)

// ErrNoVersityGW is returned, wrapped, when the versitygw binary is missing.
var ErrNoVersityGW = errors.New("versitygw binary not found: run deploy/local/setup.sh")

// Config sets up a stack. The zero value is a valid config.
type Config struct {
	// Dir is the data root: NATS's JetStream store, the S3 objects and the
	// gateway's log live under it. Default: a new temporary directory that
	// Close removes. A given Dir is kept, so a demo can be inspected.
	Dir string
	// NATSPort and S3Port are the loopback ports; 0 picks a free port.
	NATSPort, S3Port int
	// VersityGW is the gateway binary. Default: $VERSITYGW, else
	// <repo>/.cache/bin/versitygw, the repo found by walking up to go.mod.
	VersityGW string
	// AccessKey and SecretKey are the gateway's root credentials. Default:
	// random keys generated per stack.
	AccessKey, SecretKey string
	// EventSubject is where inbox events are published. Default
	// DefaultEventSubject.
	EventSubject string
	// StartTimeout bounds the wait for both servers to answer. Default 30 s.
	StartTimeout time.Duration
	// Logger receives one line per server started or stopped. Default: a
	// logger that discards.
	Logger *slog.Logger
}

// Stack is a running local stack. Close stops it.
type Stack struct {
	// NATSURL is the embedded server's client URL, nats://127.0.0.1:port.
	NATSURL string
	// S3Endpoint is the gateway's host:port, plain HTTP.
	S3Endpoint string
	// AccessKey and SecretKey are the gateway's root credentials.
	AccessKey, SecretKey string
	// EventSubject carries object-created events of BucketInbox.
	EventSubject string
	// Dir is the data root in use.
	Dir string

	cfg     Config
	ns      *server.Server
	gw      *gateway
	relay   *nats.Conn
	tempDir bool
	log     *slog.Logger

	closeOnce sync.Once
	closeErr  error
}

// Start runs NATS, then versitygw with its NATS event options aimed at it,
// waits until both answer, creates the buckets and starts the event relay.
// On any error everything already started is stopped. The ctx bounds the
// start only; the stack runs until Close.
func Start(ctx context.Context, cfg Config) (*Stack, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	st := &Stack{
		AccessKey: cfg.AccessKey, SecretKey: cfg.SecretKey,
		EventSubject: cfg.EventSubject, cfg: cfg, log: cfg.Logger,
	}
	if err := st.start(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("stack: %w", err)
	}
	return st, nil
}

func (st *Stack) start(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, st.cfg.StartTimeout)
	defer cancel()

	if err := st.makeDir(); err != nil {
		return err
	}
	if err := st.startNATS(); err != nil {
		return err
	}
	relay, err := st.startRelay()
	if err != nil {
		return err
	}
	st.relay = relay

	// Listen for the gateway's start-up test event before it starts, so
	// the wait below proves the event path end to end.
	probe, err := relay.SubscribeSync(RawEventSubject)
	if err != nil {
		return fmt.Errorf("subscribe %s: %w", RawEventSubject, err)
	}
	defer probe.Unsubscribe()

	gw, err := startGateway(ctx, st.cfg, st.Dir, st.NATSURL)
	if err != nil {
		return err
	}
	st.gw = gw
	st.S3Endpoint = gw.endpoint
	st.log.Info("versitygw started", "endpoint", gw.endpoint, "pid", gw.cmd.Process.Pid)

	if err := st.waitReady(ctx, probe); err != nil {
		return err
	}
	return st.createBuckets(ctx)
}

func (st *Stack) makeDir() error {
	st.Dir = st.cfg.Dir
	if st.Dir == "" {
		d, err := os.MkdirTemp("", "digitiser-stack-")
		if err != nil {
			return fmt.Errorf("make data dir: %w", err)
		}
		st.Dir, st.tempDir = d, true
	}
	// versitygw is given the objects and sidecar directories; relative
	// paths confuse its check that the sidecar is not under the objects.
	abs, err := filepath.Abs(st.Dir)
	if err != nil {
		return fmt.Errorf("make data dir: %w", err)
	}
	st.Dir = abs
	for _, sub := range []string{"nats", "objects", "sidecar"} {
		if err := os.MkdirAll(filepath.Join(st.Dir, sub), 0o755); err != nil {
			return fmt.Errorf("make data dir: %w", err)
		}
	}
	return nil
}

func (st *Stack) startNATS() error {
	port := st.cfg.NATSPort
	if port == 0 {
		port = server.RANDOM_PORT
	}
	opts := &server.Options{
		ServerName: "digitiser-local",
		Host:       "127.0.0.1",
		Port:       port,
		JetStream:  true,
		StoreDir:   filepath.Join(st.Dir, "nats"),
		NoSigs:     true,
		NoLog:      true,
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return fmt.Errorf("nats server: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return fmt.Errorf("nats server on 127.0.0.1:%d not ready after 10s", st.cfg.NATSPort)
	}
	st.ns = ns
	st.NATSURL = ns.ClientURL()
	st.log.Info("nats started", "url", st.NATSURL, "store_dir", opts.StoreDir)
	return nil
}

// waitReady polls the gateway with a signed ListBuckets until it answers and
// waits for its start-up test event on NATS.
func (st *Stack) waitReady(ctx context.Context, probe *nats.Subscription) error {
	s3, err := st.Store()
	if err != nil {
		return err
	}
	for {
		_, err := s3.Client().ListBuckets(ctx)
		if err == nil {
			break
		}
		if exit := st.gw.exited(); exit != nil {
			return fmt.Errorf("versitygw exited: %v\n%s", exit, st.gw.logTail())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("versitygw at %s not answering: %w (last: %v)\n%s",
				st.S3Endpoint, ctx.Err(), err, st.gw.logTail())
		case <-time.After(50 * time.Millisecond):
		}
	}

	msg, err := probe.NextMsgWithContext(ctx)
	if err != nil {
		return fmt.Errorf("no start-up event from versitygw on %s: %w\n%s",
			RawEventSubject, err, st.gw.logTail())
	}
	st.log.Debug("versitygw event path up", "subject", msg.Subject)
	return nil
}

func (st *Stack) createBuckets(ctx context.Context) error {
	s3, err := st.Store()
	if err != nil {
		return err
	}
	for _, b := range []string{BucketInbox, BucketWork, BucketModels} {
		if err := s3.EnsureBucket(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

// Store returns an S3 store client for this stack's gateway.
func (st *Stack) Store() (*store.S3, error) {
	return store.NewS3(st.S3Endpoint, st.AccessKey, st.SecretKey, false)
}

// Connect returns a NATS connection to the embedded server; the caller closes
// it.
func (st *Stack) Connect(opts ...nats.Option) (*nats.Conn, error) {
	nc, err := nats.Connect(st.NATSURL, opts...)
	if err != nil {
		return nil, fmt.Errorf("stack: connect %s: %w", st.NATSURL, err)
	}
	return nc, nil
}

// Close stops the relay, the gateway (SIGTERM, then SIGKILL after 5 s) and
// the NATS server, and removes Dir when Start made it. It is safe to call
// more than once; later calls return the first result.
func (st *Stack) Close() error {
	st.closeOnce.Do(func() {
		var errs []error
		if st.relay != nil {
			st.relay.Close()
		}
		if st.gw != nil {
			errs = append(errs, st.gw.stop(5*time.Second))
		}
		if st.ns != nil {
			st.ns.Shutdown()
			st.ns.WaitForShutdown()
		}
		if st.tempDir {
			errs = append(errs, os.RemoveAll(st.Dir))
		}
		st.log.Info("stack stopped", "dir", st.Dir)
		st.closeErr = errors.Join(errs...)
	})
	return st.closeErr
}

func (c *Config) fill() error {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.EventSubject == "" {
		c.EventSubject = DefaultEventSubject
	}
	if c.EventSubject == RawEventSubject {
		return fmt.Errorf("stack: EventSubject must differ from %s", RawEventSubject)
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = 30 * time.Second
	}
	if c.AccessKey == "" {
		c.AccessKey = "digitiser" + randomHex(6)
	}
	if c.SecretKey == "" {
		c.SecretKey = randomHex(20)
	}
	bin, err := FindVersityGW(c.VersityGW)
	if err != nil {
		return err
	}
	c.VersityGW = bin
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("stack: crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}
