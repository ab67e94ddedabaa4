package stack

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/welllog/digitiser/pkg/store"
)

func nextEvent(t *testing.T, sub *nats.Subscription) ObjectEvent {
	t.Helper()
	m, err := sub.NextMsg(10 * time.Second)
	if err != nil {
		t.Fatalf("waiting for an event on %s: %v", sub.Subject, err)
	}
	evs, err := ParseS3Event(m.Data)
	if err != nil || len(evs) != 1 {
		t.Fatalf("event %s: %d records, err %v", m.Data, len(evs), err)
	}
	return evs[0]
}

// TestStackInboxEvents puts objects into the work and inbox buckets and
// checks that only the inbox's arrive on EventSubject, with keys intact.
func TestStackInboxEvents(t *testing.T) {
	st := StartForTest(t)
	ctx := context.Background()

	nc, err := st.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	raw, _ := nc.SubscribeSync(RawEventSubject)
	inbox, _ := nc.SubscribeSync(st.EventSubject)
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}

	s3, err := st.Store()
	if err != nil {
		t.Fatal(err)
	}
	// The work object's event must reach the raw subject first, so the
	// relay has seen it before the inbox one.
	err = store.PutBytes(ctx, s3, BucketWork, "job1/strip.png", []byte("png"), "")
	if err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, raw); ev.Bucket != BucketWork {
		t.Fatalf("raw event for bucket %q, want %q", ev.Bucket, BucketWork)
	}

	for _, key := range []string{"well 7/a b+c%d&ü.tif", "plain.zip"} {
		data := []byte("scan bytes of " + key)
		if err := store.PutBytes(ctx, s3, BucketInbox, key, data, ""); err != nil {
			t.Fatal(err)
		}
		ev := nextEvent(t, inbox)
		if ev.Bucket != BucketInbox || ev.Key != key || !ev.Created() {
			t.Fatalf("inbox event = %+v, want created %s/%s", ev, BucketInbox, key)
		}
		if ev.Size != int64(len(data)) || ev.Source != "versitygw" {
			t.Errorf("event size %d source %q, want %d versitygw", ev.Size, ev.Source, len(data))
		}
		// The key in the event opens the object as uploaded.
		got, err := store.GetBytes(ctx, s3, ev.Bucket, ev.Key)
		if err != nil || string(got) != string(data) {
			t.Fatalf("get by event key: %q, %v", got, err)
		}
	}
}

// TestStackJetStream checks that the embedded server has JetStream on and
// that a stream bound to EventSubject stores inbox events.
func TestStackJetStream(t *testing.T) {
	st := StartForTest(t)
	ctx := context.Background()

	nc, err := st.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: "INBOX_EVENTS", Subjects: []string{st.EventSubject},
	})
	if err != nil {
		t.Fatalf("create stream: %v", err)
	}
	s3, _ := st.Store()
	if err := store.PutBytes(ctx, s3, BucketInbox, "a.tif", []byte("II*\x00"), ""); err != nil {
		t.Fatal(err)
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := cons.Next(jetstream.FetchMaxWait(10 * time.Second))
	if err != nil {
		t.Fatalf("no stored inbox event: %v", err)
	}
	evs, err := ParseS3Event(msg.Data())
	if err != nil || len(evs) != 1 || evs[0].Key != "a.tif" {
		t.Fatalf("stored event %s: %+v %v", msg.Data(), evs, err)
	}
}

func TestStackCloseRemovesTempDir(t *testing.T) {
	if _, err := FindVersityGW(""); err != nil {
		t.Fatalf("%v", err)
	}
	st, err := Start(context.Background(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	dir, pid := st.Dir, st.gw.cmd.Process.Pid
	if err := st.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temp dir %s still there after Close (err %v)", dir, err)
	}
	if _, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid))); err == nil {
		t.Errorf("versitygw pid %d still running after Close", pid)
	}
	if err := st.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestStackKeepsGivenDir(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := Start(ctx, Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s3, _ := st.Store()
	if err := store.PutBytes(ctx, s3, BucketModels, "m/v1.onnx", []byte("model"), ""); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// A second stack on the same Dir, with the same keys, sees the object.
	st2, err := Start(ctx, Config{Dir: dir, AccessKey: st.AccessKey, SecretKey: st.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	s3b, _ := st2.Store()
	got, err := store.GetBytes(ctx, s3b, BucketModels, "m/v1.onnx")
	if err != nil || string(got) != "model" {
		t.Fatalf("object after restart: %q, %v", got, err)
	}
}

// TestStackRelativeDir starts a stack on a relative Dir, as `digitise
// serve --local` does with its default state dir: versitygw refused it
// ("the root directory .../objects contains the directory .../sidecar").
func TestStackRelativeDir(t *testing.T) {
	bin, err := FindVersityGW("")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	st, err := Start(context.Background(), Config{Dir: filepath.Join(".stack", "data"),
		VersityGW: bin})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if !filepath.IsAbs(st.Dir) {
		t.Errorf("Dir %q, want it made absolute", st.Dir)
	}
}

func TestMissingBinary(t *testing.T) {
	_, err := Start(context.Background(), Config{VersityGW: "/nonexistent/versitygw"})
	if !errors.Is(err, ErrNoVersityGW) {
		t.Fatalf("err = %v, want ErrNoVersityGW", err)
	}
	t.Setenv("VERSITYGW", "/nonexistent/vgw")
	if _, err := FindVersityGW(""); !errors.Is(err, ErrNoVersityGW) {
		t.Fatalf("$VERSITYGW missing file: err = %v, want ErrNoVersityGW", err)
	}
}
