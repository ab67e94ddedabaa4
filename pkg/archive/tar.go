package archive

import (
	"archive/tar"
	"errors"
	"io"
)

// readTar walks a tar stream (already decompressed and bounded).
func (rd *reader) readTar(r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			return rd.streamErr("", err)
		}
		if err := rd.tarEntry(tr, hdr); err != nil {
			return err
		}
	}
}

func (rd *reader) tarEntry(tr *tar.Reader, hdr *tar.Header) error {
	if err := rd.countEntry(hdr.Name); err != nil {
		return err
	}
	name, err := cleanName(hdr.Name)
	if err != nil {
		return err
	}

	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeRegA:
	case tar.TypeDir:
		return nil
	case tar.TypeSymlink:
		return unsafe(hdr.Name, "symbolic link to %q; archives may hold regular files only",
			hdr.Linkname)
	case tar.TypeLink:
		return unsafe(hdr.Name, "hard link to %q; archives may hold regular files only",
			hdr.Linkname)
	case tar.TypeChar, tar.TypeBlock:
		return unsafe(hdr.Name, "device file; archives may hold regular files only")
	case tar.TypeFifo:
		return unsafe(hdr.Name, "named pipe; archives may hold regular files only")
	default:
		return unsafe(hdr.Name, "entry type %q is not a regular file", hdr.Typeflag)
	}
	if name == "" {
		return nil
	}

	return rd.entry(hdr.Name, name, tr, hdr.Size)
}
