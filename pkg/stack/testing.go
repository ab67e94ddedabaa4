package stack

import (
	"context"
	"errors"
	"testing"
	"time"
)

// StartForTest starts a stack with defaults under t.TempDir() and stops it
// with t.Cleanup. It fails the test, saying to run deploy/local/setup.sh,
// when the versitygw binary is missing, and on any other start error.
func StartForTest(t testing.TB) *Stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	st, err := Start(ctx, Config{Dir: t.TempDir()})
	if errors.Is(err, ErrNoVersityGW) {
		t.Fatalf("local stack: %v", err) // the message says to run setup.sh
	}
	if err != nil {
		t.Fatalf("start local stack: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("stop local stack: %v", err)
		}
	})
	return st
}
