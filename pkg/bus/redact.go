package bus

import (
	"net/url"
	"regexp"
	"strings"
)

// Redacted replaces a secret wherever [RedactURL] and the errors of
// [Dial] would show it.
const Redacted = "xxxxx"

// userinfo matches the user[:password]@ part of a URL that url.Parse
// refuses.
var userinfo = regexp.MustCompile(`//([^/@]*)@`)

// RedactURL returns a NATS server list (URLs separated by commas) fit for
// logs: each password, and each token (a user with no password), replaced
// by [Redacted].
func RedactURL(list string) string {
	parts := strings.Split(list, ",")
	for i, raw := range parts {
		parts[i] = redactOne(strings.TrimSpace(raw))
	}
	return strings.Join(parts, ",")
}

func redactOne(raw string) string {
	u, err := parseServer(raw)
	if err != nil {
		return userinfo.ReplaceAllString(raw, "//"+Redacted+"@")
	}
	if u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), Redacted)
	} else {
		u.User = url.User(Redacted)
	}
	return u.String()
}

// parseServer parses one server URL; one without a scheme is read as
// nats://, as the client does.
func parseServer(raw string) (*url.URL, error) {
	if !strings.Contains(raw, "://") {
		raw = "nats://" + raw
	}
	return url.Parse(raw)
}

// URLSecrets returns the passwords and tokens held in a NATS server list,
// as written and as decoded, for scrubbing text that may quote them.
func URLSecrets(list string) []string {
	var out []string
	for _, raw := range strings.Split(list, ",") {
		raw = strings.TrimSpace(raw)
		u, err := parseServer(raw)
		if err != nil {
			if m := userinfo.FindStringSubmatch(raw); m != nil {
				_, pw, ok := strings.Cut(m[1], ":")
				if !ok {
					pw = m[1]
				}
				out = append(out, pw)
			}
			continue
		}
		if u.User == nil {
			continue
		}
		pw, ok := u.User.Password()
		if !ok {
			pw = u.User.Username()
		}
		out = append(out, pw, url.PathEscape(pw), url.QueryEscape(pw))
	}
	return out
}

// redactedError is an error whose text has secrets scrubbed; errors.Is
// and errors.As still see the original.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact returns err with every non-empty secret in its text replaced by
// Redacted.
func redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, Redacted)
		}
	}
	return &redactedError{msg: msg, err: err}
}
