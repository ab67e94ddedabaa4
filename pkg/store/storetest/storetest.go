// Package storetest is the conformance suite every store.Store must pass: the
// in-memory store and the S3 store against a real versitygw both run it, so
// logic tested on one holds on the other.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"sync"
	"testing"

	"github.com/welllog/digitiser/pkg/store"
)

// Factory returns an empty store and the name of a bucket the suite may use;
// the bucket need not exist yet. It is called once per subtest.
type Factory func(t *testing.T) (s store.Store, bucket string)

// Run runs every conformance check against stores made by newStore.
func Run(t *testing.T, newStore Factory) {
	checks := []struct {
		name string
		fn   func(t *testing.T, s store.Store, bucket string)
	}{
		{"RoundTrip", testRoundTrip},
		{"UnknownSize", testUnknownSize},
		{"Overwrite", testOverwrite},
		{"Stat", testStat},
		{"Missing", testMissing},
		{"MissingBucket", testMissingBucket},
		{"List", testList},
		{"Delete", testDelete},
		{"OddKeys", testOddKeys},
		{"EnsureBucketTwice", testEnsureTwice},
		{"Concurrent", testConcurrent},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			s, bucket := newStore(t)
			if err := s.EnsureBucket(context.Background(), bucket); err != nil {
				t.Fatalf("EnsureBucket(%q): %v", bucket, err)
			}
			c.fn(t, s, bucket)
		})
	}
}

// payload returns n pseudo-random bytes, every byte value likely present.
func payload(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

func mustPut(t *testing.T, s store.Store, bucket, key string, data []byte) {
	t.Helper()
	err := store.PutBytes(context.Background(), s, bucket, key, data, "image/png")
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func mustGet(t *testing.T, s store.Store, bucket, key string) []byte {
	t.Helper()
	data, err := store.GetBytes(context.Background(), s, bucket, key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	return data
}

func testRoundTrip(t *testing.T, s store.Store, bucket string) {
	want := payload(300_000, 1)
	mustPut(t, s, bucket, "job/1/page.png", want)
	if got := mustGet(t, s, bucket, "job/1/page.png"); !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes back, want the %d put (content differs)", len(got), len(want))
	}
	empty := []byte{}
	mustPut(t, s, bucket, "empty", empty)
	if got := mustGet(t, s, bucket, "empty"); len(got) != 0 {
		t.Fatalf("empty object read back as %d bytes", len(got))
	}
}

func testUnknownSize(t *testing.T, s store.Store, bucket string) {
	want := payload(70_000, 2)
	// A reader that hides its length, as a pipe from an encoder would.
	r := io.MultiReader(bytes.NewReader(want[:1000]), bytes.NewReader(want[1000:]))
	err := s.Put(context.Background(), bucket, "stream.bin", r, -1, "")
	if err != nil {
		t.Fatalf("put with size -1: %v", err)
	}
	if got := mustGet(t, s, bucket, "stream.bin"); !bytes.Equal(got, want) {
		t.Fatalf("streamed object: got %d bytes, want %d", len(got), len(want))
	}
	info, err := s.Stat(context.Background(), bucket, "stream.bin")
	if err != nil {
		t.Fatal(err)
	}
	if info.ContentType != store.DefaultContentType {
		t.Errorf("content type %q, want default %q", info.ContentType, store.DefaultContentType)
	}
}

func testOverwrite(t *testing.T, s store.Store, bucket string) {
	mustPut(t, s, bucket, "k", []byte("first version, longer"))
	mustPut(t, s, bucket, "k", []byte("second"))
	if got := string(mustGet(t, s, bucket, "k")); got != "second" {
		t.Fatalf("after overwrite read %q, want %q", got, "second")
	}
}

func testStat(t *testing.T, s store.Store, bucket string) {
	data := payload(1234, 3)
	mustPut(t, s, bucket, "a/b.png", data)
	info, err := s.Stat(context.Background(), bucket, "a/b.png")
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	if info.Key != "a/b.png" || info.Size != 1234 || info.ContentType != "image/png" {
		t.Fatalf("stat = %+v, want key a/b.png, 1234 bytes, image/png", info)
	}
	if info.ETag == "" || strings.Contains(info.ETag, `"`) {
		t.Errorf("etag %q: want non-empty and unquoted", info.ETag)
	}
	if info.LastModified.IsZero() {
		t.Errorf("last modified is zero")
	}
}

func testMissing(t *testing.T, s store.Store, bucket string) {
	ctx := context.Background()
	if _, err := s.Get(ctx, bucket, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get missing: err %v, want ErrNotFound", err)
	}
	if _, err := s.Stat(ctx, bucket, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Stat missing: err %v, want ErrNotFound", err)
	}
	if _, err := store.GetBytes(ctx, s, bucket, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetBytes missing: err %v, want ErrNotFound", err)
	}
}

func testMissingBucket(t *testing.T, s store.Store, bucket string) {
	ctx := context.Background()
	other := bucket + "-absent"
	if _, err := s.Get(ctx, other, "k"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get in missing bucket: err %v, want ErrNotFound", err)
	}
	if _, err := s.List(ctx, other, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("List of missing bucket: err %v, want ErrNotFound", err)
	}
	err := store.PutBytes(ctx, s, other, "k", []byte("x"), "")
	if err == nil {
		t.Errorf("Put into missing bucket %q succeeded; want an error", other)
	}
}

func testList(t *testing.T, s store.Store, bucket string) {
	keys := []string{"job2/x", "job1/seg/prob.png", "job1/a.png", "job1/z/deep/er.txt", "job10/a"}
	for i, k := range keys {
		mustPut(t, s, bucket, k, payload(10+i, int64(i)))
	}
	infos, err := s.List(context.Background(), bucket, "job1/")
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	var got []string
	for _, in := range infos {
		got = append(got, fmt.Sprintf("%s:%d", in.Key, in.Size))
	}
	want := "job1/a.png:12 job1/seg/prob.png:11 job1/z/deep/er.txt:13"
	if strings.Join(got, " ") != want {
		t.Fatalf("List(job1/) = %v, want %s", got, want)
	}
	all, err := s.List(context.Background(), bucket, "")
	if err != nil || len(all) != len(keys) {
		t.Fatalf("List(\"\") = %d objects, err %v; want %d", len(all), err, len(keys))
	}
	none, err := s.List(context.Background(), bucket, "nothing/")
	if err != nil || len(none) != 0 {
		t.Fatalf("List(nothing/) = %v, %v; want empty, nil", none, err)
	}
}

func testDelete(t *testing.T, s store.Store, bucket string) {
	ctx := context.Background()
	mustPut(t, s, bucket, "gone", []byte("x"))
	mustPut(t, s, bucket, "kept", []byte("y"))
	if err := s.Delete(ctx, bucket, "gone"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := s.Stat(ctx, bucket, "gone"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after delete Stat err %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, bucket, "gone"); err != nil {
		t.Fatalf("second delete of the same key: %v, want nil", err)
	}
	if got := string(mustGet(t, s, bucket, "kept")); got != "y" {
		t.Fatalf("neighbour object changed to %q", got)
	}
}

// testOddKeys covers keys that URL-encoding and event payloads mangle.
func testOddKeys(t *testing.T, s store.Store, bucket string) {
	keys := []string{
		"inbox/with space.tif", "inbox/plus+sign.zip", "inbox/per%cent.png",
		"inbox/ünï/cødé.tgz", "inbox/q?mark&amp=1.tar", "inbox/#hash.jpg",
	}
	for i, k := range keys {
		mustPut(t, s, bucket, k, []byte(k))
		if got := string(mustGet(t, s, bucket, k)); got != k {
			t.Errorf("key %d %q read back %q", i, k, got)
		}
	}
	infos, err := s.List(context.Background(), bucket, "inbox/")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, in := range infos {
		seen[in.Key] = true
	}
	for _, k := range keys {
		if !seen[k] {
			t.Errorf("List lost key %q (got %d keys)", k, len(infos))
		}
	}
}

func testEnsureTwice(t *testing.T, s store.Store, bucket string) {
	mustPut(t, s, bucket, "survivor", []byte("still here"))
	if err := s.EnsureBucket(context.Background(), bucket); err != nil {
		t.Fatalf("EnsureBucket on an existing bucket: %v", err)
	}
	if got := string(mustGet(t, s, bucket, "survivor")); got != "still here" {
		t.Fatalf("EnsureBucket disturbed contents: %q", got)
	}
}

func testConcurrent(t *testing.T, s store.Store, bucket string) {
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("c/%d", i)
			data := payload(5000, int64(i))
			errs <- store.PutBytes(context.Background(), s, bucket, key, data, "")
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent put: %v", err)
		}
	}
	for i := range n {
		got := mustGet(t, s, bucket, fmt.Sprintf("c/%d", i))
		if !bytes.Equal(got, payload(5000, int64(i))) {
			t.Fatalf("object c/%d corrupted by concurrent writers", i)
		}
	}
}
