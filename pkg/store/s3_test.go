package store_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/welllog/digitiser/pkg/stack"
	"github.com/welllog/digitiser/pkg/store"
	"github.com/welllog/digitiser/pkg/store/storetest"
)

// TestS3Conformance runs the suite against a real versitygw: one stack, a
// fresh bucket per check.
func TestS3Conformance(t *testing.T) {
	st := stack.StartForTest(t)
	var n atomic.Int32
	storetest.Run(t, func(t *testing.T) (store.Store, string) {
		s, err := store.NewS3(st.S3Endpoint, st.AccessKey, st.SecretKey, false)
		if err != nil {
			t.Fatal(err)
		}
		return s, fmt.Sprintf("conformance-%d", n.Add(1))
	})
}

func TestS3WrongSecret(t *testing.T) {
	st := stack.StartForTest(t)
	s, err := store.NewS3(st.S3Endpoint, st.AccessKey, "not-the-secret", false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Stat(context.Background(), stack.BucketInbox, "x")
	if err == nil {
		t.Fatal("stat with a wrong secret succeeded")
	}
	msg := err.Error()
	if strings.Contains(msg, st.SecretKey) || strings.Contains(msg, "not-the-secret") {
		t.Fatalf("error leaks a secret: %v", err)
	}
	if got := fmt.Sprint(s); strings.Contains(got, st.AccessKey) {
		t.Fatalf("String() shows the access key: %s", got)
	}
}

func BenchmarkS3PutGet(b *testing.B) {
	st := stack.StartForTest(b)
	s, err := st.Store()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	data := bytes.Repeat([]byte{0x5a}, 1<<20)
	b.SetBytes(2 * int64(len(data)))
	for b.Loop() {
		err := store.PutBytes(ctx, s, stack.BucketWork, "bench/page.png", data, "")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := store.GetBytes(ctx, s, stack.BucketWork, "bench/page.png"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMemoryPutGet(b *testing.B) {
	s := store.NewMemory()
	ctx := context.Background()
	if err := s.EnsureBucket(ctx, "work"); err != nil {
		b.Fatal(err)
	}
	data := bytes.Repeat([]byte{0x5a}, 1<<20)
	b.SetBytes(2 * int64(len(data)))
	for b.Loop() {
		if err := store.PutBytes(ctx, s, "work", "bench/page.png", data, ""); err != nil {
			b.Fatal(err)
		}
		if _, err := store.GetBytes(ctx, s, "work", "bench/page.png"); err != nil {
			b.Fatal(err)
		}
	}
}
