package archive

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// readZip reads the whole upload (zip needs random access), bounded by the
// same stream limit as a tar, then every entry.
func (rd *reader) readZip(r io.Reader) error {
	data, err := io.ReadAll(newLimitedStream(r, rd.streamLimit()))
	if err != nil {
		return rd.streamErr("", err)
	}
	return rd.readZipAt(bytes.NewReader(data), int64(len(data)))
}

// readZipAt reads a zip of size bytes in place.
func (rd *reader) readZipAt(r io.ReaderAt, size int64) error {
	if size > rd.streamLimit() {
		return unsafe("", "the upload is %s, over the limits", sizeText(size))
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return fmt.Errorf("%w: zip directory: %w", ErrCorrupt, err)
	}
	if len(zr.File) > rd.lim.MaxEntries {
		return unsafe("", "the archive lists %d entries, over the %d limit",
			len(zr.File), rd.lim.MaxEntries)
	}

	for _, f := range zr.File {
		if err := rd.zipEntry(f); err != nil {
			return err
		}
	}
	return nil
}

func (rd *reader) zipEntry(f *zip.File) error {
	if err := rd.countEntry(f.Name); err != nil {
		return err
	}
	name, err := cleanName(f.Name)
	if err != nil {
		return err
	}
	if err := checkMode(f.Name, f.Mode()); err != nil {
		return err
	}
	if name == "" || f.Mode().IsDir() {
		return nil
	}
	if f.Flags&0x1 != 0 {
		return fmt.Errorf("%w: entry %q is encrypted; upload it unencrypted", ErrFormat, f.Name)
	}

	rc, err := f.Open()
	if errors.Is(err, zip.ErrAlgorithm) {
		return fmt.Errorf("%w: entry %q uses compression method %d; use deflate or store",
			ErrFormat, f.Name, f.Method)
	}
	if err != nil {
		return fmt.Errorf("%w: entry %q: %w", ErrCorrupt, f.Name, err)
	}
	defer rc.Close()

	declared := int64(-1)
	if f.UncompressedSize64 <= 1<<62 {
		declared = int64(f.UncompressedSize64) // the zip reader stops at it
	}
	return rd.entry(f.Name, name, rc, declared)
}

// checkMode refuses links, devices, pipes and sockets.
func checkMode(entry string, m fs.FileMode) error {
	switch {
	case m&fs.ModeSymlink != 0:
		return unsafe(entry, "symbolic link; archives may hold regular files only")
	case m&(fs.ModeDevice|fs.ModeCharDevice) != 0:
		return unsafe(entry, "device file; archives may hold regular files only")
	case m&(fs.ModeNamedPipe|fs.ModeSocket|fs.ModeIrregular) != 0:
		return unsafe(entry, "special file; archives may hold regular files only")
	}
	return nil
}
