package archive

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/welllog/digitiser/pkg/manifest"
)

// Open reads an upload named name (the name is used in messages and for a
// single image's entry name only; the format comes from the first bytes)
// and sorts its files into pages, manifest, truth LAS and others. Zero
// fields of lim take the defaults of DefaultLimits.
//
// Errors: *UnsafeError (errors.Is ErrUnsafe) for anything that breaks the
// safety rules or the limits; ErrCorrupt for damaged input; ErrFormat for
// an upload of another kind; ErrAmbiguous for two manifests, two truth LAS
// files or two entries of the same name. Every message names the entry.
func Open(name string, r io.Reader, lim Limits) (*Contents, error) {
	rd := &reader{lim: lim.withDefaults(), c: &Contents{}, seen: map[string]bool{}}
	if err := rd.open(name, r); err != nil {
		return nil, fmt.Errorf("archive %s: %w", name, err)
	}
	return rd.c, nil
}

type kind int

const (
	kindUnknown kind = iota
	kindZip
	kindGzip
	kindTar
	kindImage
)

// sniff tells the upload's kind from its first bytes (up to 512).
func sniff(head []byte) kind {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return kindZip
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return kindGzip
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return kindTar
	case imageFormat(head) != "":
		return kindImage
	}
	return kindUnknown
}

// reader accumulates one upload's contents and the byte and entry counts the
// limits apply to.
type reader struct {
	lim     Limits
	c       *Contents
	total   int64
	entries int
	seen    map[string]bool
}

// streamLimit bounds a decompressed tar stream: the entries' bytes plus room
// for headers, padding and long names, so huge PAX headers cannot be used
// to make us decompress without end.
func (rd *reader) streamLimit() int64 {
	return rd.lim.MaxTotalBytes + int64(rd.lim.MaxEntries)*4096 + 1<<20
}

func (rd *reader) open(name string, r io.Reader) error {
	br := bufio.NewReaderSize(r, 4096)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read upload: %w", err)
	}
	if len(head) == 0 {
		return fmt.Errorf("%w: the upload is empty", ErrFormat)
	}

	switch sniff(head) {
	case kindZip:
		return rd.readZip(br)
	case kindTar:
		return rd.readTar(newLimitedStream(br, rd.streamLimit()))
	case kindGzip:
		return rd.readGzip(name, br)
	case kindImage:
		return rd.single(name, br)
	}
	return fmt.Errorf("%w: not a zip, tar, tar.gz, TIFF, PNG or JPEG (starts with % x)",
		ErrFormat, head[:min(len(head), 8)])
}

// readGzip opens a gzip stream holding a tar, or a single image.
func (rd *reader) readGzip(name string, r io.Reader) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("%w: gzip header: %w", ErrCorrupt, err)
	}
	defer gz.Close()

	br := bufio.NewReaderSize(newLimitedStream(gz, rd.streamLimit()), 4096)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) {
		return rd.streamErr("", err)
	}
	switch sniff(head) {
	case kindTar:
		return rd.readTar(br)
	case kindImage:
		return rd.single(strings.TrimSuffix(name, path.Ext(name)), br)
	}
	return fmt.Errorf("%w: gzip holds neither a tar nor an image", ErrFormat)
}

// single takes the whole upload as one page.
func (rd *reader) single(name string, r io.Reader) error {
	base := path.Base(strings.ReplaceAll(name, "\\", "/"))
	if base == "." || base == "/" || base == "" {
		base = "upload"
	}
	rd.entries = 1
	data, err := rd.readEntry(base, r)
	if err != nil {
		return err
	}
	return rd.add(base, data)
}

// readEntry reads one entry's bytes, counting what is actually decompressed
// against the per-entry and total limits.
func (rd *reader) readEntry(entry string, r io.Reader) ([]byte, error) {
	remaining := rd.lim.MaxTotalBytes - rd.total
	limit := min(rd.lim.MaxEntryBytes, remaining)
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, rd.streamErr(entry, err)
	}
	n := int64(len(data))
	switch {
	case n > rd.lim.MaxEntryBytes:
		return nil, unsafe(entry, "decompresses to more than %s, the per-entry limit",
			sizeText(rd.lim.MaxEntryBytes))
	case n > remaining:
		return nil, unsafe(entry, "the archive decompresses to more than %s in total, the limit",
			sizeText(rd.lim.MaxTotalBytes))
	}
	rd.total += n
	return data, nil
}

// streamErr turns a read failure into an unsafe error when the stream limit
// was hit and into a corrupt-archive error otherwise.
func (rd *reader) streamErr(entry string, err error) error {
	var over *overLimit
	if errors.As(err, &over) {
		return unsafe(entry, "the archive decompresses to more than %s, over the limits",
			sizeText(over.limit))
	}
	if entry == "" {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return fmt.Errorf("%w: entry %q: %w", ErrCorrupt, entry, err)
}

// countEntry applies the entry-count limit.
func (rd *reader) countEntry(entry string) error {
	rd.entries++
	if rd.entries > rd.lim.MaxEntries {
		return unsafe(entry, "the archive has more than %d entries, the limit", rd.lim.MaxEntries)
	}
	return nil
}

// add files one entry by role: manifest, truth LAS, page or other.
func (rd *reader) add(name string, data []byte) error {
	if rd.seen[name] {
		return fmt.Errorf("%w: entry %q appears twice", ErrAmbiguous, name)
	}
	rd.seen[name] = true

	switch {
	case isJunk(name):
		rd.c.Others = append(rd.c.Others, name)
	case manifest.IsManifestName(name):
		if rd.c.Manifest != nil {
			return fmt.Errorf("%w: two manifests, %q and %q; keep one",
				ErrAmbiguous, rd.c.Manifest.Name, name)
		}
		rd.c.Manifest = &Entry{Name: name, Data: data}
	case strings.EqualFold(path.Ext(name), ".las"):
		if rd.c.Truth != nil {
			return fmt.Errorf("%w: two LAS files, %q and %q; keep the one to score against",
				ErrAmbiguous, rd.c.Truth.Name, name)
		}
		rd.c.Truth = &Entry{Name: name, Data: data}
	case imageFormat(data) != "":
		page, err := rd.page(name, data)
		if err != nil {
			return err
		}
		rd.c.Pages = append(rd.c.Pages, page)
	default:
		rd.c.Others = append(rd.c.Others, name)
	}
	return nil
}

// page checks an image's header: it must decode, and every page (each IFD of
// a TIFF) must be within MaxPixels.
func (rd *reader) page(name string, data []byte) (Entry, error) {
	format := imageFormat(data)
	sizes, err := imageSizes(format, data)
	if err != nil {
		return Entry{}, fmt.Errorf("%w: entry %q: %s header does not decode: %w",
			ErrCorrupt, name, format, err)
	}
	for i, s := range sizes {
		if s.w <= 0 || s.h <= 0 {
			return Entry{}, fmt.Errorf("%w: entry %q: page %d is %dx%d px",
				ErrCorrupt, name, i+1, s.w, s.h)
		}
		if px := int64(s.w) * int64(s.h); px > rd.lim.MaxPixels {
			return Entry{}, unsafe(name, "page %d is %dx%d px = %.1f Mpx, over the %.1f Mpx limit",
				i+1, s.w, s.h, float64(px)/1e6, float64(rd.lim.MaxPixels)/1e6)
		}
	}
	return Entry{Name: name, Data: data, Format: format,
		Width: sizes[0].w, Height: sizes[0].h}, nil
}

// isJunk spots the metadata files desktop archivers add.
func isJunk(name string) bool {
	base := path.Base(name)
	return strings.HasPrefix(name, "__MACOSX/") || strings.HasPrefix(base, "._") ||
		base == ".DS_Store" || strings.EqualFold(base, "Thumbs.db")
}

// cleanName checks an entry name and returns it cleaned ("./a//b" -> "a/b").
// It returns "" for the archive root itself.
func cleanName(raw string) (string, error) {
	if strings.ContainsRune(raw, 0) {
		return "", unsafe(raw, "the name contains a NUL byte")
	}
	slashed := strings.ReplaceAll(raw, "\\", "/")
	if strings.HasPrefix(slashed, "/") {
		return "", unsafe(raw, "absolute path; entries must be relative")
	}
	if len(slashed) >= 2 && slashed[1] == ':' && isLetter(slashed[0]) {
		return "", unsafe(raw, "absolute Windows path; entries must be relative")
	}
	for _, seg := range strings.Split(slashed, "/") {
		if seg == ".." {
			return "", unsafe(raw, "path traversal: '..' leaves the archive")
		}
	}
	clean := path.Clean(slashed)
	if clean == "." {
		return "", nil
	}
	return clean, nil
}

func isLetter(b byte) bool { return (b|0x20) >= 'a' && (b|0x20) <= 'z' }

// sizeText prints a byte count in MiB or GiB.
func sizeText(n int64) string {
	if n >= 1<<30 && n%(1<<30) == 0 {
		return fmt.Sprintf("%d GiB", n>>30)
	}
	if n >= 1<<20 {
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}

// overLimit is the error a limitedStream returns past its limit.
type overLimit struct{ limit int64 }

func (e *overLimit) Error() string { return fmt.Sprintf("stream over %d bytes", e.limit) }

// limitedStream fails, rather than stopping silently, once more than limit
// bytes have been read: a tar reader must not mistake a cut for an end.
type limitedStream struct {
	r     io.Reader
	n     int64
	limit int64
}

func newLimitedStream(r io.Reader, limit int64) *limitedStream {
	return &limitedStream{r: r, limit: limit}
}

func (l *limitedStream) Read(p []byte) (int, error) {
	if l.n > l.limit {
		return 0, &overLimit{limit: l.limit}
	}
	if rest := l.limit + 1 - l.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}
