package ingest

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"log/slog"
	"strings"
	"testing"

	"github.com/welllog/digitiser/pkg/pipeline"
	"github.com/welllog/digitiser/pkg/store"
	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

// testManifest is a valid manifest with curves GR and RES; extra is
// appended (pages:, truth:).
func testManifest(extra string) string {
	return `well: {name: TEST 1}
depth:
  unit: ft
  step: 0.5
  tie_points: [{row: 100, depth: 2000}, {row: 1100, depth: 2100}]
tracks:
  - curves: [{mnemonic: GR, left: 0, right: 150}]
  - grid: log
    curves: [{mnemonic: RES, left: 0.2, right: 2000, scale: log}]
` + extra
}

// pagePNG is a small page image whose pixel (0, 0) is shade, so that
// the copies ingest makes can be told apart.
func pagePNG(t testing.TB, shade uint8) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	img.Pix[0] = shade
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// tarOf archives name, data pairs in the order given.
func tarOf(t testing.TB, files ...[2]string) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f[0], Mode: 0o644,
			Size: int64(len(f[1])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// ingest runs the handler on an upload in a memory store and returns the
// store, the outputs and the error.
func ingest(t testing.TB, upload []byte) (store.Store, map[string]string, error) {
	t.Helper()
	ctx := context.Background()
	st := store.NewMemory()
	for _, b := range []string{"inbox", "work"} {
		if err := st.EnsureBucket(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.PutBytes(ctx, st, "inbox", "up.tar", upload, "application/x-tar"); err != nil {
		t.Fatal(err)
	}
	cmd := &pb.StageCommand{JobId: "j1", Stage: pipeline.StageIngest, Bucket: "work",
		Prefix: "j1", SourceBucket: "inbox", SourceKey: "up.tar"}
	task := pipeline.NewTask(cmd, &pb.Job{}, st, slog.New(slog.DiscardHandler))
	out, err := New(Config{})(ctx, task)
	return st, out, err
}

// goodTruth shares GR with the manifest.
const goodTruth = "~V\n VERS. 2.0 :\n WRAP. NO :\n~C\n DEPT.ft :\n GR.GAPI :\n~A\n" +
	"2000 50\n2000.5 55\n2001 60\n"

// TestIngestPagesInManifestOrder copies the pages in the order the
// manifest's pages list them, not the archive's (issue 2/5 item 4).
func TestIngestPagesInManifestOrder(t *testing.T) {
	upload := tarOf(t, [2]string{"b.png", string(pagePNG(t, 10))},
		[2]string{"a.png", string(pagePNG(t, 20))},
		[2]string{"manifest.yaml", testManifest("pages: [a.png, b.png]\n")})
	st, out, err := ingest(t, upload)
	if err != nil {
		t.Fatal(err)
	}
	data, err := store.GetBytes(context.Background(), st, "work", out[pipeline.OutPages])
	if err != nil {
		t.Fatal(err)
	}
	var refs []pipeline.PageRef
	if err := json.Unmarshal(data, &refs); err != nil {
		t.Fatal(err)
	}
	if len(refs) != 2 || refs[0].Name != "a.png" || refs[1].Name != "b.png" {
		t.Fatalf("pages %+v, want a.png then b.png", refs)
	}
	for i, shade := range []uint8{20, 10} {
		page, err := store.GetBytes(context.Background(), st, "work", refs[i].Key)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(page))
		if err != nil {
			t.Fatal(err)
		}
		if got := img.(*image.Gray).Pix[0]; got != shade {
			t.Errorf("page %d (%s) holds shade %d, want %d: copied out of order", i+1,
				refs[i].Name, got, shade)
		}
	}
}

// TestIngestRejects refuses uploads a later stage would trip on, at
// ingest, with a rejection saying what to fix (issue 2/5 items 4, 13, 14).
func TestIngestRejects(t *testing.T) {
	pages := [][2]string{{"p1.png", string(pagePNG(t, 0))}, {"p2.png", string(pagePNG(t, 0))}}
	with := func(extra ...[2]string) []byte {
		return tarOf(t, append(append([][2]string(nil), pages...), extra...)...)
	}
	man := func(extra string) [2]string { return [2]string{"manifest.yaml", testManifest(extra)} }
	truth := func(body string) [2]string { return [2]string{"truth.las", body} }
	tests := []struct {
		name   string
		upload []byte
		want   []string
	}{
		{"unknown page", with(man("pages: [p1.png, nope.png]\n")),
			[]string{`"nope.png"`, "not in the upload", `"p1.png", "p2.png"`}},
		{"page left out", with(man("pages: [p2.png]\n")),
			[]string{"leave out", `"p1.png"`}},
		{"malformed truth", with(man(""), truth("this is not a las file\n")),
			[]string{"truth LAS truth.las", "malformed LAS"}},
		{"second curve section", with(man(""), truth("~V\n VERS. 2.0 :\n WRAP. NO :\n"+
			"~C\n DEPT.ft :\n GR.GAPI :\n~A\n2000 50\n~C\n RES.ohmm :\n~A\n2000.5 50 1\n")),
			[]string{"truth LAS truth.las"}},
		{"no depth index", with(man(""), truth("~V\n VERS. 2.0 :\n WRAP. NO :\n~C\n"+
			" GR.GAPI :\n RES.ohmm :\n~A\n50 1\n55 2\n")),
			[]string{"truth LAS truth.las", "not a depth index"}},
		{"no shared curve", with(man(""), truth("~V\n VERS. 2.0 :\n WRAP. NO :\n~C\n"+
			" DEPT.ft :\n FOO.x :\n~A\n2000 1\n2001 2\n")),
			[]string{"shares no curve", "FOO", "GR, RES"}},
		{"truth in metres, manifest in feet", with(man(""), truth("~V\n VERS. 2.0 :\n"+
			" WRAP. NO :\n~C\n DEPT.M :\n GR.GAPI :\n~A\n609.6 50\n609.75 55\n")),
			[]string{"truth LAS truth.las", "DEPT is in m", "depth unit is ft",
				"give the truth's depths in ft"}},
		{"empty truth", with(man(""), truth(" \n")),
			[]string{"truth LAS truth.las", "the file is empty"}},
		{"truth all null", with(man(""), truth("~V\n VERS. 2.0 :\n WRAP. NO :\n"+
			" NULL. -999.25 :\n~C\n DEPT.ft :\n GR.GAPI :\n~A\n2000 -999.25\n2001 -999.25\n")),
			[]string{"truth LAS truth.las", "(GR) hold no values, only NULL"}},
		{"truth named but absent", with(man("truth: absent.las\n"), truth(goodTruth)),
			[]string{`"absent.las" is not in the archive`, `"truth.las"`}},
		{"truth named, no LAS", with(man("truth: absent.las\n")),
			[]string{`"absent.las" is not in the archive`, "no LAS file"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, out, err := ingest(t, tc.upload)
			if !pipeline.IsRejected(err) {
				t.Fatalf("outputs %v, err %v; want a rejection", out, err)
			}
			msg := err.Error()
			for _, s := range append(tc.want, "submit a corrected archive") {
				if !strings.Contains(msg, s) {
					t.Errorf("%q does not say %s", msg, s)
				}
			}
		})
	}

	_, out, err := ingest(t, with(man("truth: truth.las\n"), truth(goodTruth)))
	if err != nil || out[pipeline.OutTruth] == "" {
		t.Errorf("a good truth LAS: outputs %v, err %v; want it copied", out, err)
	}
}

// BenchmarkIngest ingests a two-page upload with a listed page order and a
// truth LAS to check.
func BenchmarkIngest(b *testing.B) {
	upload := tarOf(b, [2]string{"b.png", string(pagePNG(b, 10))},
		[2]string{"a.png", string(pagePNG(b, 20))}, [2]string{"truth.las", goodTruth},
		[2]string{"manifest.yaml", testManifest("pages: [b.png, a.png]\n")})
	for b.Loop() {
		if _, _, err := ingest(b, upload); err != nil {
			b.Fatal(err)
		}
	}
}
