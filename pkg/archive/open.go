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
)

// Open reads an upload named name (the name is used in messages and for a
// single image's entry name only; the format comes from the first bytes)
// and sorts its files into pages, manifest, truth LAS and others. Zero
// fields of lim take the defaults of DefaultLimits. It is OpenWith with no
// manifest given.
//
// Errors: *UnsafeError (errors.Is ErrUnsafe) for anything that breaks the
// safety rules or the limits; ErrCorrupt for damaged input (an empty
// manifest included); ErrFormat for an upload of another kind; ErrAmbiguous
// for two manifests, two truth LAS files or two entries of the same name.
// Every message names the entry.
func Open(name string, r io.Reader, lim Limits) (*Contents, error) {
	return OpenWith(name, r, Options{Limits: lim})
}

// OpenWith is Open with options: see [Options]. When r is an
// io.ReaderAt with a Size method (*bytes.Reader, *io.SectionReader), a zip
// is read in place rather than copied.
func OpenWith(name string, r io.Reader, opt Options) (*Contents, error) {
	rd := &reader{lim: opt.Limits.withDefaults(), opt: opt, c: &Contents{},
		seen: map[string]bool{}}
	if err := rd.open(name, r); err != nil {
		return nil, fmt.Errorf("archive %s: %w", name, err)
	}
	if err := rd.checkManifest(); err != nil {
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
	opt     Options
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

// sizedReaderAt is an upload already in memory or on disk.
type sizedReaderAt interface {
	io.ReaderAt
	Size() int64
}

func (rd *reader) open(name string, r io.Reader) error {
	if sr, ok := r.(sizedReaderAt); ok {
		var head [4]byte
		if n, _ := sr.ReadAt(head[:], 0); n == 4 && sniff(head[:]) == kindZip {
			return rd.readZipAt(sr, sr.Size())
		}
	}
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
	rd.seen[base] = true
	return rd.image(base, base, r, -1)
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
