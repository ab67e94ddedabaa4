package reassemble

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/welllog/digitiser/pkg/pipeline"
	"github.com/welllog/digitiser/pkg/raster"
	"github.com/welllog/digitiser/pkg/store"
	pb "github.com/welllog/digitiser/proto/digitiser/v1"
)

const testManifest = `well: {name: TEST 1}
depth:
  unit: ft
  step: 0.5
  tie_points: [{row: 100, depth: 2000}, {row: 700, depth: 2060}]
tracks:
  - curves: [{mnemonic: GR, left: 0, right: 150}]
`

// splitLog draws a 300 x 800 px page of random ink blobs and cuts it into
// a top page (rows 0 to 500) and a bottom page (rows 350 to 800), sharing
// 150 rows.
func splitLog() (top, bottom *image.Gray) {
	const w, h = 300, 800
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 900; i++ {
		x, y := rng.IntN(w-8), rng.IntN(h-8)
		for dy := 0; dy < 2+rng.IntN(6); dy++ {
			for dx := 0; dx < 2+rng.IntN(6); dx++ {
				img.Pix[(y+dy)*w+x+dx] = 0
			}
		}
	}
	return img.SubImage(image.Rect(0, 0, w, 500)).(*image.Gray),
		img.SubImage(image.Rect(0, 350, w, h)).(*image.Gray)
}

// reassemble stores the pages under the given names, in that order, with
// a manifest listing pages, and runs the handler.
func reassemble(t testing.TB, names []string, pages []*image.Gray,
	listed string) (*image.Gray, error) {
	t.Helper()
	ctx := context.Background()
	st := store.NewMemory()
	if err := st.EnsureBucket(ctx, "work"); err != nil {
		t.Fatal(err)
	}
	put := func(key string, data []byte) {
		if err := store.PutBytes(ctx, st, "work", key, data, ""); err != nil {
			t.Fatal(err)
		}
	}
	var refs []pipeline.PageRef
	for i, p := range pages {
		var b bytes.Buffer
		if err := png.Encode(&b, p); err != nil {
			t.Fatal(err)
		}
		key := "j1/ingest/page-" + names[i]
		put(key, b.Bytes())
		refs = append(refs, pipeline.PageRef{Name: names[i], Key: key, Format: "png"})
	}
	data, err := json.Marshal(refs)
	if err != nil {
		t.Fatal(err)
	}
	put("j1/ingest/pages.json", data)
	put("j1/ingest/manifest.yaml", []byte(testManifest+listed))

	cmd := &pb.StageCommand{JobId: "j1", Stage: pipeline.StageReassemble, Bucket: "work",
		Prefix: "j1", Inputs: map[string]string{
			pipeline.OutPages:    "j1/ingest/pages.json",
			pipeline.OutManifest: "j1/ingest/manifest.yaml",
		}}
	task := pipeline.NewTask(cmd, &pb.Job{}, st, slog.New(slog.DiscardHandler))
	cfg := Config{Options: raster.ReassembleOptions{NoDeskew: true}}
	out, err := New(cfg)(ctx, task)
	if err != nil {
		return nil, err
	}
	stripPNG, err := store.GetBytes(ctx, st, "work", out[pipeline.OutStrip])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(stripPNG))
	if err != nil {
		t.Fatal(err)
	}
	return raster.ToGray(img), nil
}

// TestReassembleManifestOrder joins pages named against their order
// ("b.png" on top of "a.png") in the order the manifest lists them
// (issue 2/5 item 4): by name they would not join.
func TestReassembleManifestOrder(t *testing.T) {
	top, bottom := splitLog()
	names := []string{"a.png", "b.png"}
	pages := []*image.Gray{bottom, top} // as archived: a.png is the bottom page

	strip, err := reassemble(t, names, pages, "pages: [b.png, a.png]\n")
	if err != nil {
		t.Fatalf("pages listed top to bottom: %v", err)
	}
	if h := strip.Rect.Dy(); h < 795 || h > 805 {
		t.Errorf("strip %d rows, want the 800 of the log", h)
	}
	if _, err := reassemble(t, names, pages, ""); err == nil {
		t.Errorf("no pages listed: joined a.png above b.png; want no overlap found")
	}

	_, err = reassemble(t, names, pages, "pages: [b.png, c.png]\n")
	if !pipeline.IsRejected(err) || !strings.Contains(err.Error(), `"c.png"`) ||
		!strings.Contains(err.Error(), `"a.png", "b.png"`) {
		t.Errorf("an unknown page listed: %v; want a rejection naming it and the pages", err)
	}
}

// BenchmarkReassembleStage joins two 300 x 500 px pages in the listed order.
func BenchmarkReassembleStage(b *testing.B) {
	top, bottom := splitLog()
	for b.Loop() {
		if _, err := reassemble(b, []string{"a.png", "b.png"}, []*image.Gray{bottom, top},
			"pages: [b.png, a.png]\n"); err != nil {
			b.Fatal(err)
		}
	}
}
