package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/welllog/digitiser/pkg/bus"
	"github.com/welllog/digitiser/pkg/pipeline"
	"github.com/welllog/digitiser/pkg/stack"
	"github.com/welllog/digitiser/pkg/store"
)

// Config is what every subcommand needs to reach the stack. Each field has
// a flag and a DIGITISE_* environment variable; flags win. Secrets have no
// flag (`ps` would show it): they come from a variable or, with the
// _FILE variant, a file (a mounted Secret). Unset connection fields are
// read from the stack file `serve --local` writes. Secrets are never
// logged: String and LogValue leave them out.
type Config struct {
	// NATSURL of the NATS servers, comma-separated; it may carry a user
	// and password. Env DIGITISE_NATS_URL.
	NATSURL string
	// NATSUser and NATSPassword log in to NATS. Env DIGITISE_NATS_USER,
	// DIGITISE_NATS_PASSWORD (or DIGITISE_NATS_PASSWORD_FILE).
	NATSUser, NATSPassword string
	// NATSNkeyFile is a user nkey seed file. Env DIGITISE_NATS_NKEY_FILE.
	NATSNkeyFile string
	// NATSCredsFile is a credentials file (JWT and seed). Env
	// DIGITISE_NATS_CREDS_FILE.
	NATSCredsFile string
	// NATSCAFile is the PEM CA bundle that signed the NATS servers'
	// certificates; it turns TLS on. Env DIGITISE_NATS_CA_FILE.
	NATSCAFile string
	// S3Endpoint is host:port of the S3 service. Env DIGITISE_S3_ENDPOINT.
	S3Endpoint string
	// S3AccessKey and S3SecretKey are its credentials (never logged). Env
	// DIGITISE_S3_ACCESS_KEY, DIGITISE_S3_SECRET_KEY, or the _FILE
	// variants.
	S3AccessKey, S3SecretKey string
	// NATSPasswordFile, S3AccessKeyFile and S3SecretKeyFile name files
	// holding those secrets (one line; a trailing newline is dropped),
	// read by Validate. Setting both a secret and its file is an error.
	NATSPasswordFile, S3AccessKeyFile, S3SecretKeyFile string
	// S3Secure uses HTTPS. Env DIGITISE_S3_SECURE.
	S3Secure bool
	// S3CAFile is the PEM CA bundle that signed the S3 service's
	// certificate, trusted besides the system's. Env DIGITISE_S3_CA_FILE.
	S3CAFile string
	// InboxBucket, WorkBucket and ModelsBucket. Defaults scans, work,
	// models. Env DIGITISE_INBOX_BUCKET, DIGITISE_WORK_BUCKET,
	// DIGITISE_MODELS_BUCKET.
	InboxBucket, WorkBucket, ModelsBucket string
	// StateDir holds the stack file, the local stack's data and the local
	// trace store. Default .stack. Env DIGITISE_STATE_DIR.
	StateDir string
	// LogJSON writes JSON logs; LogLevel is debug, info, warn or error
	// (default info). Env DIGITISE_LOG_JSON, DIGITISE_LOG_LEVEL.
	LogJSON  bool
	LogLevel string

	// uses are the settings the command reads (RegisterFor); zero: all.
	uses Uses
}

// envDefault returns $DIGITISE_<name> or def.
func envDefault(name, def string) string {
	if v, ok := os.LookupEnv("DIGITISE_" + name); ok {
		return v
	}
	return def
}

func envBool(name string) bool {
	b, _ := strconv.ParseBool(envDefault(name, "false"))
	return b
}

// Uses says which settings a command reads; each command registers and
// checks only those. The zero value means all of them.
type Uses uint8

// The groups of settings.
const (
	// UseNATS is the bus and the job records.
	UseNATS Uses = 1 << iota
	// UseS3 is the object store (endpoint, credentials, TLS).
	UseS3
	// UseInbox, UseWork and UseModels are the buckets.
	UseInbox
	UseWork
	UseModels
	// UseLog is the log format and level.
	UseLog
	// UseAll is every setting (serve, demo).
	UseAll = UseNATS | UseS3 | UseInbox | UseWork | UseModels | UseLog
)

// Register adds every setting's flag to fs (serve, demo).
func (c *Config) Register(fs *flag.FlagSet) { c.RegisterFor(fs, UseAll) }

// RegisterFor adds the flags of the settings in uses to fs, defaulted from
// the environment; --state-dir is always there (it locates the stack file).
// Settings without a flag still take their environment value.
func (c *Config) RegisterFor(fs *flag.FlagSet, uses Uses) {
	c.uses = uses
	c.NATSPassword = envDefault("NATS_PASSWORD", "")
	c.NATSPasswordFile = envDefault("NATS_PASSWORD_FILE", "")
	c.S3AccessKey = envDefault("S3_ACCESS_KEY", "")
	c.S3SecretKey = envDefault("S3_SECRET_KEY", "")
	c.S3AccessKeyFile = envDefault("S3_ACCESS_KEY_FILE", "")
	c.S3SecretKeyFile = envDefault("S3_SECRET_KEY_FILE", "")
	c.InboxBucket = envDefault("INBOX_BUCKET", stack.BucketInbox)
	c.WorkBucket = envDefault("WORK_BUCKET", stack.BucketWork)
	c.ModelsBucket = envDefault("MODELS_BUCKET", stack.BucketModels)
	c.LogJSON = envBool("LOG_JSON")
	c.LogLevel = envDefault("LOG_LEVEL", "info")
	if uses&UseNATS != 0 {
		c.registerNATS(fs)
	}
	if uses&UseS3 != 0 {
		c.registerS3(fs)
	}
	if uses&UseInbox != 0 {
		fs.StringVar(&c.InboxBucket, "inbox-bucket", c.InboxBucket,
			"bucket of uploaded archives (env DIGITISE_INBOX_BUCKET)")
	}
	if uses&UseWork != 0 {
		fs.StringVar(&c.WorkBucket, "work-bucket", c.WorkBucket,
			"bucket of job outputs (env DIGITISE_WORK_BUCKET)")
	}
	if uses&UseModels != 0 {
		fs.StringVar(&c.ModelsBucket, "models-bucket", c.ModelsBucket,
			"bucket of segmentation models (env DIGITISE_MODELS_BUCKET)")
	}
	fs.StringVar(&c.StateDir, "state-dir", envDefault("STATE_DIR", ".stack"),
		"local state: stack file, local stack data, trace store (env DIGITISE_STATE_DIR)")
	if uses&UseLog != 0 {
		fs.BoolVar(&c.LogJSON, "log-json", c.LogJSON, "JSON logs (env DIGITISE_LOG_JSON)")
		fs.StringVar(&c.LogLevel, "log-level", c.LogLevel,
			"log level: debug, info, warn, error (env DIGITISE_LOG_LEVEL)")
	}
}

func (c *Config) registerNATS(fs *flag.FlagSet) {
	fs.StringVar(&c.NATSURL, "nats", envDefault("NATS_URL", ""),
		"NATS URL (env DIGITISE_NATS_URL; default from the stack file)")
	fs.StringVar(&c.NATSUser, "nats-user", envDefault("NATS_USER", ""),
		"NATS user; the password comes from DIGITISE_NATS_PASSWORD[_FILE]")
	fs.StringVar(&c.NATSNkeyFile, "nats-nkey-file", envDefault("NATS_NKEY_FILE", ""),
		"NATS user nkey seed file")
	fs.StringVar(&c.NATSCredsFile, "nats-creds-file", envDefault("NATS_CREDS_FILE", ""),
		"NATS credentials file (JWT and nkey seed)")
	fs.StringVar(&c.NATSCAFile, "nats-ca-file", envDefault("NATS_CA_FILE", ""),
		"PEM CA bundle of the NATS servers' certificates (turns TLS on)")
}

func (c *Config) registerS3(fs *flag.FlagSet) {
	fs.StringVar(&c.S3Endpoint, "s3", envDefault("S3_ENDPOINT", ""),
		"S3 host:port (env DIGITISE_S3_ENDPOINT; default from the stack file); the keys "+
			"come from DIGITISE_S3_ACCESS_KEY and DIGITISE_S3_SECRET_KEY[_FILE]")
	fs.BoolVar(&c.S3Secure, "s3-secure", envBool("S3_SECURE"), "use HTTPS for S3")
	fs.StringVar(&c.S3CAFile, "s3-ca-file", envDefault("S3_CA_FILE", ""),
		"PEM CA bundle of the S3 service's certificate, besides the system's")
}

// using reports whether the command reads the settings of u.
func (c *Config) using(u Uses) bool { return c.uses == 0 || c.uses&u != 0 }

// Validate reads the secret files, fills connection fields from the stack
// file and checks them.
func (c *Config) Validate() error {
	if err := c.readSecretFiles(); err != nil {
		return err
	}
	if c.NATSURL == "" || c.S3Endpoint == "" || c.S3AccessKey == "" {
		if sf, err := readStackFile(c.StateDir); err == nil {
			c.fromStackFile(sf)
		}
	}
	var missing []string
	if c.using(UseNATS) && c.NATSURL == "" {
		missing = append(missing, "--nats (DIGITISE_NATS_URL)")
	}
	if c.using(UseS3) && c.S3Endpoint == "" {
		missing = append(missing, "--s3 (DIGITISE_S3_ENDPOINT)")
	}
	if c.using(UseS3) && (c.S3AccessKey == "" || c.S3SecretKey == "") {
		missing = append(missing, "DIGITISE_S3_ACCESS_KEY and DIGITISE_S3_SECRET_KEY")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: found no usable stack file at %s and no %s; start a stack with "+
			"`digitise serve --local`, or point at the state dir it was started with "+
			"(--state-dir DIR or DIGITISE_STATE_DIR=DIR)", ErrNoStack,
			stackFilePath(c.StateDir), strings.Join(missing, ", "))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	return nil
}

func (c *Config) fromStackFile(sf *stackFile) {
	if c.NATSURL == "" {
		c.NATSURL = sf.NATSURL
	}
	if c.S3Endpoint == "" {
		c.S3Endpoint = sf.S3Endpoint
	}
	if c.S3AccessKey == "" {
		c.S3AccessKey, c.S3SecretKey = sf.AccessKey, sf.SecretKey
	}
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("log level %q: use debug, info, warn or error", s)
	}
	return l, nil
}

// TraceDir is the local trace store.
func (c *Config) TraceDir() string { return filepath.Join(c.StateDir, "traces") }

// stackFile records a local stack for the other subcommands; it holds
// credentials, so it is written 0600.
type stackFile struct {
	NATSURL      string `json:"nats_url"`
	S3Endpoint   string `json:"s3_endpoint"`
	AccessKey    string `json:"access_key"`
	SecretKey    string `json:"secret_key"`
	EventSubject string `json:"event_subject"`
	PID          int    `json:"pid"`
}

func stackFilePath(dir string) string { return filepath.Join(dir, "stack.json") }

func readStackFile(dir string) (*stackFile, error) {
	data, err := os.ReadFile(stackFilePath(dir))
	if err != nil {
		return nil, err
	}
	var sf stackFile
	if err := json.Unmarshal(data, &sf); err != nil {
		return nil, fmt.Errorf("%s: %w", stackFilePath(dir), err)
	}
	return &sf, nil
}

func writeStackFile(dir string, st *stack.Stack) error {
	sf := stackFile{NATSURL: st.NATSURL, S3Endpoint: st.S3Endpoint, AccessKey: st.AccessKey,
		SecretKey: st.SecretKey, EventSubject: st.EventSubject, PID: os.Getpid()}
	data, err := json.MarshalIndent(sf, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(stackFilePath(dir), data, 0o600)
}

// Conn is an open connection to the bus, the job records and the store
// (nil for a command that does not use S3).
type Conn struct {
	Bus   *bus.Bus
	Jobs  *pipeline.Jobs
	Store store.Store
}

// connect opens the bus, the job records and the store.
func (c *Config) connect(ctx context.Context, name string) (*Conn, error) {
	b, err := bus.Dial(ctx, c.NATSURL, bus.ConnectOptions{Name: name, User: c.NATSUser,
		Password: c.NATSPassword, NkeySeedFile: c.NATSNkeyFile, CredsFile: c.NATSCredsFile,
		CAFile: c.NATSCAFile})
	if err != nil {
		return nil, err
	}
	jobs, err := pipeline.OpenJobs(ctx, b.JS)
	if err != nil {
		b.Close()
		return nil, err
	}
	conn := &Conn{Bus: b, Jobs: jobs}
	if c.using(UseS3) {
		if conn.Store, err = c.openStore(); err != nil {
			b.Close()
			return nil, err
		}
	}
	return conn, nil
}

// openStore returns the S3 store, trusting S3CAFile when set.
func (c *Config) openStore() (store.Store, error) {
	if c.S3CAFile != "" {
		if err := trustS3CA(c.S3CAFile); err != nil {
			return nil, err
		}
	}
	st, err := store.NewS3(c.S3Endpoint, c.S3AccessKey, c.S3SecretKey, c.S3Secure)
	if err != nil {
		return nil, fmt.Errorf("S3 at %s: %w", c.S3Endpoint, err)
	}
	return st, nil
}

// Close closes the bus connection.
func (c *Conn) Close() {
	if c != nil && c.Bus != nil {
		_ = c.Bus.Close()
	}
}

// ErrNoStack says no stack settings were given and no stack file was
// found.
var ErrNoStack = errors.New("no stack to talk to")

// errUsage marks a command-line mistake (exit status 2).
var errUsage = errors.New("usage")

// durationEnv parses $DIGITISE_<name> as a duration, or def.
func durationEnv(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(envDefault(name, "")); err == nil {
		return d
	}
	return def
}
