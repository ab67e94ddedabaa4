package archive

import (
	"archive/tar"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/welllog/digitiser/pkg/realdata"
)

// layout is the summary of Contents a test compares.
func layout(c *Contents) string {
	var parts []string
	for _, p := range c.Pages {
		parts = append(parts, "page:"+p.Name+":"+p.Format)
	}
	if c.Manifest != nil {
		parts = append(parts, "manifest:"+c.Manifest.Name)
	}
	if c.Truth != nil {
		parts = append(parts, "truth:"+c.Truth.Name)
	}
	for _, o := range c.Others {
		parts = append(parts, "other:"+o)
	}
	return strings.Join(parts, " ")
}

func TestOpenAccepts(t *testing.T) {
	p1, p2 := pngBytes(t, 40, 30), jpegBytes(t, 24, 16)
	tif := tiffPages([2]uint32{32, 20}, [2]uint32{32, 10})
	man := []byte("well:\n  name: X\n")
	las := []byte("~Version\n")
	mixed := []file{
		{name: "scan/p2.png", data: p1}, {name: "./scan/p1.tif", data: tif},
		{name: "scan/", mode: fs.ModeDir | 0o755}, {name: "manifest.yaml", data: man},
		{name: "truth/Well.LAS", data: las}, {name: "notes.txt", data: []byte("hi")},
		{name: "__MACOSX/scan/._p2.png", data: []byte{0, 5, 22, 7}},
		{name: "scan/p3.jpg", data: p2},
	}
	tarFiles := append([]file{}, mixed...)
	tarFiles[2] = file{name: "scan/", kind: tar.TypeDir}
	want := "page:scan/p2.png:png page:scan/p1.tif:tiff page:scan/p3.jpg:jpeg " +
		"manifest:manifest.yaml truth:truth/Well.LAS other:notes.txt other:__MACOSX/scan/._p2.png"

	tests := []struct {
		name, upload string
		data         []byte
		want         string
	}{
		{"zip", "a.zip", zipOf(t, mixed...), want},
		{"tar", "a.tar", tarOf(t, tarFiles...), want},
		{"tar.gz named oddly", "a.bin", gz(t, tarOf(t, tarFiles...)), want},
		{"single png", "dir/page.PNG", p1, "page:page.PNG:png"},
		{"single jpeg", "x.jpeg", p2, "page:x.jpeg:jpeg"},
		{"single multi-page tiff", "log.tif", tif, "page:log.tif:tiff"},
		{"gzipped tiff", "log.tif.gz", gz(t, tif), "page:log.tif:tiff"},
		{"empty zip", "e.zip", zipOf(t), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Open(tt.upload, bytes.NewReader(tt.data), Limits{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if got := layout(c); got != tt.want {
				t.Fatalf("contents\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

func TestOpenEntryData(t *testing.T) {
	p := pngBytes(t, 40, 30)
	c, err := Open("a.zip", bytes.NewReader(zipOf(t,
		file{name: "p.png", data: p}, file{name: "manifest.json", data: []byte(`{}`)})),
		Limits{})
	if err != nil {
		t.Fatal(err)
	}
	pg := c.Pages[0]
	if !bytes.Equal(pg.Data, p) || pg.Width != 40 || pg.Height != 30 {
		t.Fatalf("page %s: %d bytes %dx%d, want the %d bytes put, 40x30",
			pg.Name, len(pg.Data), pg.Width, pg.Height, len(p))
	}
	if string(c.Manifest.Data) != `{}` {
		t.Fatalf("manifest data %q", c.Manifest.Data)
	}
}

func TestOpenRefusesUnsafe(t *testing.T) {
	png := pngBytes(t, 8, 8)
	zeros := make([]byte, 3<<20)
	small := Limits{MaxEntryBytes: 1 << 20, MaxTotalBytes: 2 << 20, MaxEntries: 4}
	tests := []struct {
		name, entry, reason string
		data                []byte
		lim                 Limits
	}{
		{name: "zip traversal", entry: "../evil.png", reason: "path traversal",
			data: zipOf(t, file{name: "ok.png", data: png}, file{name: "../evil.png", data: png})},
		{name: "zip nested traversal", entry: "a/../../evil.png", reason: "path traversal",
			data: zipOf(t, file{name: "a/../../evil.png", data: png})},
		{name: "zip backslash traversal", entry: `a\..\..\evil.png`, reason: "path traversal",
			data: zipOf(t, file{name: `a\..\..\evil.png`, data: png})},
		{name: "zip absolute", entry: "/etc/cron.d/x", reason: "absolute path",
			data: zipOf(t, file{name: "/etc/cron.d/x", data: png})},
		{name: "zip windows drive", entry: `C:\x.png`, reason: "absolute Windows",
			data: zipOf(t, file{name: `C:\x.png`, data: png})},
		{name: "zip symlink", entry: "link.png", reason: "symbolic link",
			data: zipOf(t, file{name: "link.png", data: []byte("/etc/passwd"),
				mode: fs.ModeSymlink | 0o777})},
		{name: "zip device", entry: "dev", reason: "device file",
			data: zipOf(t, file{name: "dev", mode: fs.ModeDevice | 0o600})},
		{name: "tar traversal", entry: "../../x.tif", reason: "path traversal",
			data: tarOf(t, file{name: "../../x.tif", data: png})},
		{name: "tar absolute", entry: "/x.tif", reason: "absolute path",
			data: tarOf(t, file{name: "/x.tif", data: png})},
		{name: "tar symlink", entry: "p.png", reason: "symbolic link to \"/etc/shadow\"",
			data: tarOf(t, file{name: "p.png", kind: tar.TypeSymlink, link: "/etc/shadow"})},
		{name: "tar hardlink", entry: "h.png", reason: "hard link",
			data: tarOf(t, file{name: "h.png", kind: tar.TypeLink, link: "p.png"})},
		{name: "tar char device", entry: "tty", reason: "device file",
			data: tarOf(t, file{name: "tty", kind: tar.TypeChar})},
		{name: "tar fifo", entry: "fifo", reason: "named pipe",
			data: gz(t, tarOf(t, file{name: "fifo", kind: tar.TypeFifo}))},
		{name: "zip bomb entry", entry: "zeros.png", reason: "per-entry limit", lim: small,
			data: zipOf(t, file{name: "zeros.png", data: zeros})},
		{name: "tar.gz bomb entry", entry: "zeros.tif", reason: "per-entry limit", lim: small,
			data: gz(t, tarOf(t, file{name: "zeros.tif", data: zeros}))},
		{name: "zip total", entry: "c", reason: "in total", lim: small,
			data: zipOf(t, file{name: "a", data: zeros[:900_000]},
				file{name: "b", data: zeros[:900_000]}, file{name: "c", data: zeros[:900_000]})},
		{name: "zip too many entries", reason: "lists 5 entries", lim: small,
			data: zipOf(t, file{name: "1"}, file{name: "2"}, file{name: "3"},
				file{name: "4"}, file{name: "5"})},
		{name: "tar too many entries", entry: "5", reason: "more than 4 entries", lim: small,
			data: tarOf(t, file{name: "1"}, file{name: "2"}, file{name: "3"},
				file{name: "4"}, file{name: "5"})},
		{name: "tar.gz stream bomb", reason: "decompresses to more than", lim: small,
			data: gz(t, paxBomb(t, 4, 1_000_000))},
		{name: "png over pixel limit", entry: "huge.png", reason: "30000x20000 px = 600.0 Mpx",
			data: zipOf(t, file{name: "huge.png", data: pngHeader(30000, 20000)})},
		{name: "single png over pixel limit", entry: "big.png", reason: "over the 1.0 Mpx",
			lim: Limits{MaxPixels: 1_000_000}, data: pngHeader(2000, 1000)},
		{name: "tiff page 2 over pixel limit", entry: "log.tif", reason: "page 2 is 40000x20000",
			data: tiffPages([2]uint32{16, 16}, [2]uint32{40000, 20000})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := tt.entry
			if name == "" || strings.ContainsAny(name, `/\`) {
				name = "upload"
			}
			_, err := Open(name, bytes.NewReader(tt.data), tt.lim)
			if !errors.Is(err, ErrUnsafe) {
				t.Fatalf("err = %v, want ErrUnsafe", err)
			}
			var ue *UnsafeError
			if !errors.As(err, &ue) {
				t.Fatalf("err %T is not an *UnsafeError", err)
			}
			if ue.Entry != tt.entry || !strings.Contains(ue.Reason, tt.reason) {
				t.Fatalf("refused entry %q for %q; want entry %q, reason containing %q",
					ue.Entry, ue.Reason, tt.entry, tt.reason)
			}
		})
	}
}

func TestOpenRefusesBadInput(t *testing.T) {
	good := zipOf(t, file{name: "p.png", data: pngBytes(t, 64, 64)})
	tgz := gz(t, tarOf(t, file{name: "p.png", data: pngBytes(t, 64, 64)}))
	badPNG := append(pngHeader(10, 10)[:20], []byte("garbage")...)
	tests := []struct {
		name   string
		data   []byte
		target error
		text   string
	}{
		{"empty", nil, ErrFormat, "empty"},
		{"text", []byte("depth,gr\n100,50\n"), ErrFormat, "not a zip, tar"},
		{"gzip of text", gz(t, []byte("hello")), ErrFormat, "neither a tar nor an image"},
		{"truncated zip", good[:len(good)-30], ErrCorrupt, "zip directory"},
		{"truncated tar.gz", tgz[:len(tgz)/2], ErrCorrupt, "unexpected EOF"},
		{"broken png header", badPNG, ErrCorrupt, "png header does not decode"},
		{"two manifests", zipOf(t, file{name: "manifest.yaml"}, file{name: "x/manifest.yml"}),
			ErrAmbiguous, "two manifests"},
		{"two las", tarOf(t, file{name: "a.las"}, file{name: "b.LAS"}), ErrAmbiguous, "two LAS"},
		{"duplicate name", tarOf(t, file{name: "p.png", data: pngBytes(t, 4, 4)},
			file{name: "./p.png", data: pngBytes(t, 4, 4)}), ErrAmbiguous, "appears twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open("upload.zip", bytes.NewReader(tt.data), Limits{})
			if !errors.Is(err, tt.target) || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("err = %v, want %v containing %q", err, tt.target, tt.text)
			}
			if errors.Is(err, ErrUnsafe) {
				t.Fatalf("bad input reported as unsafe: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "archive upload.zip: ") {
				t.Fatalf("error %q does not name the upload", err)
			}
		})
	}
}

func TestCleanName(t *testing.T) {
	for raw, want := range map[string]string{
		"a/b.png": "a/b.png", "./a//b.png": "a/b.png", `dir\p.tif`: "dir/p.tif",
		"a/./b/../c": "", "./": "", "x..y/..z.png": "x..y/..z.png",
	} {
		got, err := cleanName(raw)
		if want == "" && raw == "a/./b/../c" {
			if !errors.Is(err, ErrUnsafe) {
				t.Errorf("cleanName(%q) err %v, want ErrUnsafe", raw, err)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("cleanName(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
}

// TestOpenRealScan opens the real 1-bit CCITT G4 scan as a single upload.
func TestOpenRealScan(t *testing.T) {
	path := realdata.Path(t, "scans", "kgs-15-131-20215-sonic.tif")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("real scan not available (%v)", err)
	}
	defer f.Close()
	c, err := Open(filepath.Base(path), f, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Pages) != 1 || c.Pages[0].Width != 1664 || c.Pages[0].Height != 17864 {
		t.Fatalf("real scan read as %s, %+v", layout(c), c.Pages)
	}
}

func BenchmarkOpenZip(b *testing.B) {
	var files []file
	for i := range 4 {
		files = append(files, file{name: "p" + string(rune('0'+i)) + ".png",
			data: pngBytes(b, 1000, 1500)})
	}
	data := zipOf(b, files...)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Open("b.zip", bytes.NewReader(data), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenTarGz(b *testing.B) {
	data := gz(b, tarOf(b, file{name: "log.tif",
		data: tiffPages([2]uint32{1000, 1000}, [2]uint32{1000, 1000})}))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Open("b.tgz", bytes.NewReader(data), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
