package archive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/welllog/digitiser/pkg/raster"
)

// tiffLongPairSize is a one-page TIFF whose ImageWidth and ImageLength are
// LONG[2] arrays: their values lie at offsets 122 and 130, past the IFD,
// and hold w and h. A reader that ignores the count takes the offsets for
// the size.
func tiffLongPairSize(w, h uint32) []byte {
	le := binary.LittleEndian
	var b bytes.Buffer
	b.WriteString("II*\x00")
	binary.Write(&b, le, uint32(8))
	const nTags = 9
	arrays := uint32(8 + 2 + nTags*12 + 4) // 122
	type tag struct {
		id, typ uint16
		count   uint32
		value   uint32
	}
	tags := []tag{{256, 4, 2, arrays}, {257, 4, 2, arrays + 8}, {258, 3, 1, 8},
		{259, 3, 1, 1}, {262, 3, 1, 1}, {273, 4, 1, arrays + 16}, {277, 3, 1, 1},
		{278, 4, 1, h}, {279, 4, 1, 16}}
	binary.Write(&b, le, uint16(nTags))
	for _, tg := range tags {
		binary.Write(&b, le, tg.id)
		binary.Write(&b, le, tg.typ)
		binary.Write(&b, le, tg.count)
		binary.Write(&b, le, tg.value)
	}
	binary.Write(&b, le, uint32(0))
	binary.Write(&b, le, [4]uint32{w, w, h, h})
	b.Write(make([]byte, 16))
	return b.Bytes()
}

func TestTIFFSizeArrayIsReadAtItsOffset(t *testing.T) {
	data := tiffLongPairSize(100000, 100000)
	_, err := Open("bomb.tif", bytes.NewReader(data), Limits{})
	var ue *UnsafeError
	if !errors.As(err, &ue) || !strings.Contains(ue.Reason, "100000x100000 px") {
		t.Fatalf("a 100000x100000 px TIFF with LONG[2] sizes: err %v, want refused "+
			"naming 100000x100000 px", err)
	}

	c, err := Open("small.tif", bytes.NewReader(tiffLongPairSize(300, 200)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Pages[0]; p.Width != 300 || p.Height != 200 {
		t.Fatalf("LONG[2] sizes read as %dx%d, want 300x200", p.Width, p.Height)
	}
}

// TestTIFFPageLimitIsReassembles checks that ingest refuses exactly what
// reassembly would: more pages in one TIFF than raster.MaxTIFFPages.
func TestTIFFPageLimitIsReassembles(t *testing.T) {
	sizes := make([][2]uint32, raster.MaxTIFFPages+1)
	for i := range sizes {
		sizes[i] = [2]uint32{2, 2}
	}
	if _, err := Open("at.tif", bytes.NewReader(tiffPages(sizes[1:]...)), Limits{}); err != nil {
		t.Fatalf("%d pages: %v", raster.MaxTIFFPages, err)
	}
	_, err := Open("over.tif", bytes.NewReader(tiffPages(sizes...)), Limits{})
	var ue *UnsafeError
	if !errors.As(err, &ue) || ue.Entry != "over.tif" ||
		!strings.Contains(ue.Reason, "more than 1000 pages") {
		t.Fatalf("%d pages: err %v, want refused for more than %d pages",
			len(sizes), err, raster.MaxTIFFPages)
	}
}

// allocated returns the bytes allocated while f runs.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestBombsRefusedWithoutBuffering(t *testing.T) {
	const big = 48 << 20
	zeros := make([]byte, big)
	tiffZeros := append([]byte("II*\x00\x08\x00\x00\x00"), zeros[:big-8]...)
	small := Limits{MaxEntryBytes: 16 << 20}
	tests := []struct {
		name, upload, want string
		data               []byte
		lim                Limits
		accept             bool
	}{
		{name: "zip entry of zeros skipped unbuffered", upload: "a.zip", accept: true,
			data: zipOf(t, file{name: "zeros.png", data: zeros})},
		{name: "tar.gz tiff over the declared limit", upload: "a.tgz", lim: small,
			want: "per-entry limit",
			data: gz(t, tarOf(t, file{name: "zeros.tif", data: tiffZeros}))},
		{name: "zip tiff over the declared limit", upload: "a.zip", lim: small,
			want: "per-entry limit", data: zipOf(t, file{name: "z.tif", data: tiffZeros})},
		{name: "gzipped tiff without a directory", upload: "b.tif.gz",
			want: "no image directory", data: gz(t, append([]byte("II*\x00"), zeros...))},
		{name: "png header then junk", upload: "p.zip",
			want: "more than its png header of 10x10 px can use",
			data: zipOf(t, file{name: "p.png", data: append(pngHeader(10, 10), zeros...)})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			n := allocated(func() {
				_, err = Open(tt.upload, bytes.NewReader(tt.data), tt.lim)
			})
			switch {
			case tt.accept && err != nil:
				t.Fatalf("Open: %v", err)
			case !tt.accept && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err %v, want one containing %q", err, tt.want)
			}
			if n > 8<<20 {
				t.Fatalf("allocated %d MiB for a %d MiB entry; want it not buffered",
					n>>20, big>>20)
			}
		})
	}
}

func TestTotalLimitCountsSkippedEntries(t *testing.T) {
	zeros := make([]byte, 3<<20)
	data := zipOf(t, file{name: "a.bin", data: zeros}, file{name: "b.bin", data: zeros})
	_, err := Open("a.zip", bytes.NewReader(data),
		Limits{MaxEntryBytes: 4 << 20, MaxTotalBytes: 5 << 20})
	var ue *UnsafeError
	if !errors.As(err, &ue) || ue.Entry != "b.bin" || !strings.Contains(ue.Reason, "in total") {
		t.Fatalf("err %v, want b.bin refused for the total", err)
	}
}

// streamOnly hides a reader's ReaderAt, as a network body would.
type streamOnly struct{ io.Reader }

func TestSkippedEntriesNamed(t *testing.T) {
	inner := zipOf(t, file{name: "p.png", data: pngBytes(t, 8, 8)})
	data := zipOf(t, file{name: "inner.zip", data: inner}, file{name: "page-01.png"},
		file{name: "notes.txt", data: []byte("scanned 2024")})
	for _, r := range []io.Reader{bytes.NewReader(data), streamOnly{bytes.NewReader(data)}} {
		c, err := Open("up.zip", r, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		err = c.CheckPages()
		want := []string{"inner.zip (a nested archive; put its files in the upload itself)",
			"page-01.png (empty file, 0 bytes)", "notes.txt (not a TIFF, PNG or JPEG"}
		if !errors.Is(err, ErrNoPages) {
			t.Fatalf("CheckPages: %v, want ErrNoPages", err)
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("CheckPages: %q does not say %q", err, w)
			}
		}
	}
	c, err := Open("ok.zip", bytes.NewReader(inner), Limits{})
	if err != nil || c.CheckPages() != nil {
		t.Fatalf("an upload with a page: %v, %v", err, c.CheckPages())
	}
}

func TestManifestGivenWithTheJob(t *testing.T) {
	png := pngBytes(t, 8, 8)
	empty := zipOf(t, file{name: "p.png", data: png}, file{name: "manifest.yaml"})
	_, err := Open("e.zip", bytes.NewReader(empty), Limits{})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(),
		`the manifest "manifest.yaml" is empty`) {
		t.Fatalf("empty manifest: %v", err)
	}
	two := zipOf(t, file{name: "p.png", data: png},
		file{name: "manifest.yaml", data: []byte("well: {name: A}\n")},
		file{name: "x/manifest.json", data: []byte(`{}`)})
	if _, err := Open("t.zip", bytes.NewReader(two), Limits{}); !errors.Is(err, ErrAmbiguous) {
		t.Fatalf("two manifests, none given: %v, want ErrAmbiguous", err)
	}

	for name, data := range map[string][]byte{"empty": empty, "two": two} {
		c, err := OpenWith(name+".zip", bytes.NewReader(data), Options{ManifestGiven: true})
		if err != nil {
			t.Fatalf("%s, manifest given: %v", name, err)
		}
		if c.Manifest != nil || len(c.Pages) != 1 {
			t.Fatalf("%s, manifest given: kept manifest %v, %d pages", name, c.Manifest,
				len(c.Pages))
		}
		for _, s := range c.Skipped {
			if strings.HasPrefix(s.Name, "manifest.") &&
				!strings.Contains(s.Reason, "the one given with the job is used") {
				t.Errorf("%s: skipped %s for %q", name, s.Name, s.Reason)
			}
		}
	}
}
