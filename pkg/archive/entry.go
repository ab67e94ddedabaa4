package archive

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/welllog/digitiser/pkg/manifest"
)

// headSize is how much of an entry is looked at before it is kept: enough
// for the header of a PNG or JPEG and the first directory of most TIFFs.
const headSize = 64 << 10

// entry reads one regular file of the archive and files it by role:
// manifest, truth LAS, page or skipped. raw is the name as stored (for
// messages), name the cleaned one. declared is the size the archive's
// header gives, or -1; the tar and zip readers stop at it, so a declared
// size over a limit is refused before anything is decompressed.
func (rd *reader) entry(raw, name string, r io.Reader, declared int64) error {
	if rd.seen[name] {
		return fmt.Errorf("%w: entry %q appears twice", ErrAmbiguous, name)
	}
	rd.seen[name] = true

	switch {
	case isJunk(name):
		return rd.skip(raw, name, r, "metadata a desktop archiver adds")
	case manifest.IsManifestName(name):
		return rd.manifest(raw, name, r, declared)
	case strings.EqualFold(path.Ext(name), ".las"):
		data, err := rd.read(raw, r, rd.lim.MaxLASBytes, declared)
		if err != nil {
			return err
		}
		if rd.c.Truth != nil {
			return fmt.Errorf("%w: two LAS files, %q and %q; keep the one to score against",
				ErrAmbiguous, rd.c.Truth.Name, name)
		}
		rd.c.Truth = &Entry{Name: name, Data: data}
		return nil
	}
	return rd.image(raw, name, r, declared)
}

// manifest keeps the archive's manifest, or skips it when the job brings
// its own.
func (rd *reader) manifest(raw, name string, r io.Reader, declared int64) error {
	if rd.opt.ManifestGiven {
		return rd.skip(raw, name, r, "a manifest; the one given with the job is used")
	}
	data, err := rd.read(raw, r, rd.lim.MaxManifestBytes, declared)
	if err != nil {
		return err
	}
	if rd.c.Manifest != nil {
		return fmt.Errorf("%w: two manifests, %q and %q; keep one, or pass the one to "+
			"use with submit --manifest", ErrAmbiguous, rd.c.Manifest.Name, name)
	}
	rd.c.Manifest = &Entry{Name: name, Data: data}
	return nil
}

// checkManifest refuses an empty manifest, once the whole archive is read
// (two manifests are reported first).
func (rd *reader) checkManifest() error {
	m := rd.c.Manifest
	if m == nil || len(bytes.TrimSpace(m.Data)) > 0 {
		return nil
	}
	return fmt.Errorf("%w: the manifest %q is empty; write the well, depth and tracks "+
		"into it, or leave it out and pass submit --manifest", ErrCorrupt, m.Name)
}

// image keeps an entry that starts like a page image after checking its
// header, and skips any other entry without keeping its bytes.
func (rd *reader) image(raw, name string, r io.Reader, declared int64) error {
	if err := rd.checkDeclared(raw, declared, rd.lim.MaxEntryBytes); err != nil {
		return err
	}
	br := bufio.NewReaderSize(r, headSize)
	head, err := br.Peek(headSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return rd.streamErr(raw, err)
	}
	format := imageFormat(head)
	if format == "" {
		return rd.skip(raw, name, br, whyNotPage(head))
	}

	whole := len(head) < headSize
	bound, dims, err := rd.checkHead(name, format, head, whole)
	if err != nil {
		return err
	}
	limit := min(rd.lim.MaxEntryBytes, rd.lim.MaxTotalBytes-rd.total)
	data, err := rd.read(raw, br, min(rd.lim.MaxEntryBytes, bound), declared)
	if err != nil {
		if bound < limit && errors.Is(err, ErrUnsafe) {
			return unsafe(raw, "holds more than %s, more than its %s header of %s px "+
				"can use; re-save the image", sizeText(bound), format, dims)
		}
		return err
	}
	page, err := rd.page(name, data)
	if err != nil {
		return err
	}
	rd.c.Pages = append(rd.c.Pages, page)
	return nil
}

// checkHead reads a PNG or JPEG size from the entry's first bytes and
// refuses it over MaxPixels before the rest is decompressed; it returns
// the most bytes such an image can sensibly take (8 bytes a px, plus a
// MiB) and the size as text, or no bound. A TIFF whose first directory
// offset is 0 is refused as corrupt. whole says head is the entire entry.
func (rd *reader) checkHead(name, format string, head []byte,
	whole bool) (int64, string, error) {
	const noBound = int64(1) << 62
	switch format {
	case "tiff":
		if len(head) >= 8 && tiffFirstIFD(head) == 0 {
			return 0, "", fmt.Errorf("%w: entry %q: tiff header does not decode: "+
				"no image directory", ErrCorrupt, name)
		}
		return noBound, "", nil
	case "png", "jpeg":
	default:
		return noBound, "", nil
	}
	sizes, err := imageSizes(format, head)
	if err != nil {
		if whole {
			return 0, "", fmt.Errorf("%w: entry %q: %s header does not decode: %w",
				ErrCorrupt, name, format, err)
		}
		// A JPEG frame header, or a PNG palette, may follow large metadata:
		// the whole entry is checked once read.
		return noBound, "", nil
	}
	s := sizes[0]
	if err := rd.checkPixels(name, 0, s); err != nil {
		return 0, "", err
	}
	bound := int64(s.w)*int64(s.h)*8 + int64(s.h) + 1<<20
	return bound, fmt.Sprintf("%dx%d", s.w, s.h), nil
}

// skip records an entry that is not kept, counting its bytes against the
// limits without holding them.
func (rd *reader) skip(raw, name string, r io.Reader, reason string) error {
	limit := min(rd.lim.MaxEntryBytes, rd.lim.MaxTotalBytes-rd.total)
	n, err := io.Copy(io.Discard, io.LimitReader(r, limit+1))
	if err != nil {
		return rd.streamErr(raw, err)
	}
	if n > limit {
		return rd.overError(raw, rd.lim.MaxEntryBytes)
	}
	rd.total += n
	rd.c.Others = append(rd.c.Others, name)
	rd.c.Skipped = append(rd.c.Skipped, Skipped{Name: name, Reason: reason})
	return nil
}

// whyNotPage says why an entry that is not a page image was skipped.
func whyNotPage(head []byte) string {
	switch sniff(head) {
	case kindZip, kindGzip, kindTar:
		return "a nested archive; put its files in the upload itself"
	}
	if len(head) == 0 {
		return "empty file, 0 bytes"
	}
	return "not a TIFF, PNG or JPEG image, a manifest or a .las file"
}

// checkDeclared refuses an entry whose declared size is over roleLimit or
// what is left of the total, before anything is decompressed.
func (rd *reader) checkDeclared(raw string, declared, roleLimit int64) error {
	if declared > min(roleLimit, rd.lim.MaxTotalBytes-rd.total) {
		return rd.overError(raw, roleLimit)
	}
	return nil
}

// overError refuses an entry that passed roleLimit or, when what is left
// of the total is smaller, the total.
func (rd *reader) overError(raw string, roleLimit int64) error {
	if roleLimit <= rd.lim.MaxTotalBytes-rd.total {
		return unsafe(raw, "decompresses to more than %s, the per-entry limit",
			sizeText(roleLimit))
	}
	return unsafe(raw, "the archive decompresses to more than %s in total, the limit",
		sizeText(rd.lim.MaxTotalBytes))
}

// read keeps one entry's bytes, at most roleLimit and what is left of the
// total; a longer entry is refused as soon as it passes the limit, and one
// that declares more before anything is decompressed. declared (when known
// and within the limit) sizes the buffer, so that it is allocated once.
func (rd *reader) read(raw string, r io.Reader, roleLimit, declared int64) ([]byte,
	error) {
	if err := rd.checkDeclared(raw, declared, roleLimit); err != nil {
		return nil, err
	}
	limit := min(roleLimit, rd.lim.MaxTotalBytes-rd.total)
	hint := int64(512)
	if declared >= 0 {
		hint = declared
	}
	data, err := readAll(io.LimitReader(r, limit+1), hint)
	if err != nil {
		return nil, rd.streamErr(raw, err)
	}
	if int64(len(data)) > limit {
		return nil, rd.overError(raw, roleLimit)
	}
	rd.total += int64(len(data))
	return data, nil
}

// readAll is io.ReadAll starting from a buffer of capacity hint+1.
func readAll(r io.Reader, hint int64) ([]byte, error) {
	b := make([]byte, 0, hint+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// page checks an image's header: it must decode, and every page (each IFD of
// a TIFF) must be within MaxPixels.
func (rd *reader) page(name string, data []byte) (Entry, error) {
	format := imageFormat(data)
	sizes, err := imageSizes(format, data)
	if err != nil {
		var ue *UnsafeError
		if errors.As(err, &ue) {
			ue.Entry = name
			return Entry{}, ue
		}
		return Entry{}, fmt.Errorf("%w: entry %q: %s header does not decode: %w",
			ErrCorrupt, name, format, err)
	}
	for i, s := range sizes {
		if err := rd.checkPixels(name, i, s); err != nil {
			return Entry{}, err
		}
	}
	return Entry{Name: name, Data: data, Format: format,
		Width: sizes[0].w, Height: sizes[0].h}, nil
}

// checkPixels refuses page i (from 0) of an image when empty or over
// MaxPixels.
func (rd *reader) checkPixels(name string, i int, s size) error {
	if s.w <= 0 || s.h <= 0 {
		return fmt.Errorf("%w: entry %q: page %d is %dx%d px", ErrCorrupt, name, i+1, s.w, s.h)
	}
	if px := int64(s.w) * int64(s.h); px > rd.lim.MaxPixels {
		return unsafe(name, "page %d is %dx%d px = %.1f Mpx, over the %.1f Mpx limit",
			i+1, s.w, s.h, float64(px)/1e6, float64(rd.lim.MaxPixels)/1e6)
	}
	return nil
}

// isJunk spots the metadata files desktop archivers add.
func isJunk(name string) bool {
	base := path.Base(name)
	return strings.HasPrefix(name, "__MACOSX/") || strings.HasPrefix(base, "._") ||
		base == ".DS_Store" || strings.EqualFold(base, "Thumbs.db")
}
