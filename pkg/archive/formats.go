package archive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // register JPEG for image.DecodeConfig
	_ "image/png"  // register PNG for image.DecodeConfig

	_ "golang.org/x/image/tiff" // register TIFF for image.DecodeConfig

	"github.com/welllog/digitiser/pkg/raster"
)

// imageFormat names the image format by magic bytes, or returns "".
func imageFormat(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return "tiff"
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(head, []byte{0xff, 0xd8, 0xff}):
		return "jpeg"
	}
	return ""
}

type size struct{ w, h int }

// maxTIFFPages bounds the IFD chain walked in one TIFF: the pages the
// reassemble stage decodes from one file, so that ingest refuses what
// reassembly would.
const maxTIFFPages = raster.MaxTIFFPages

// imageSizes reads the size of every page from the headers only: the decoder's
// DecodeConfig for the first, and for TIFF a walk of the IFD chain for the
// rest, since a multi-page TIFF is decoded page by page downstream.
func imageSizes(format string, data []byte) ([]size, error) {
	cfg, got, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if got != format {
		return nil, fmt.Errorf("decoded as %s", got)
	}
	if format != "tiff" {
		return []size{{cfg.Width, cfg.Height}}, nil
	}
	sizes, err := tiffSizes(data)
	if err != nil {
		return nil, err
	}
	return sizes, nil
}

// tiffSizes walks the IFD chain of a classic (not Big) TIFF and returns each
// directory's ImageWidth x ImageLength.
func tiffSizes(data []byte) ([]size, error) {
	var bo binary.ByteOrder = binary.LittleEndian
	if data[0] == 'M' {
		bo = binary.BigEndian
	}
	var sizes []size
	seen := map[uint32]bool{}
	for off := bo.Uint32(data[4:8]); off != 0; {
		if seen[off] {
			return nil, errors.New("TIFF directory chain loops")
		}
		if len(sizes) >= maxTIFFPages {
			return nil, &UnsafeError{Reason: fmt.Sprintf("the TIFF has more than %d "+
				"pages, the limit; split it into files of fewer pages", maxTIFFPages)}
		}
		seen[off] = true
		if int64(off)+2 > int64(len(data)) {
			return nil, fmt.Errorf("TIFF directory at %d is past the end", off)
		}
		n := int64(bo.Uint16(data[off:]))
		end := int64(off) + 2 + 12*n
		if end+4 > int64(len(data)) {
			return nil, fmt.Errorf("TIFF directory at %d is truncated", off)
		}

		var s size
		for i := range n {
			e := data[int64(off)+2+12*i:]
			tag := bo.Uint16(e)
			if tag != 256 && tag != 257 {
				continue
			}
			v, err := tiffValue(bo, e, data)
			if err != nil {
				return nil, fmt.Errorf("TIFF page %d: %w", len(sizes)+1, err)
			}
			if tag == 256 {
				s.w = v
			} else {
				s.h = v
			}
		}
		sizes = append(sizes, s)
		off = bo.Uint32(data[end:])
	}
	if len(sizes) == 0 {
		return nil, errors.New("TIFF has no image directory")
	}
	return sizes, nil
}

// tiffFirstIFD returns the offset of a TIFF's first directory from its
// 8-byte header.
func tiffFirstIFD(head []byte) uint32 {
	if head[0] == 'M' {
		return binary.BigEndian.Uint32(head[4:8])
	}
	return binary.LittleEndian.Uint32(head[4:8])
}

// tiffValue reads the first value of a BYTE, SHORT or LONG IFD entry e as
// golang.org/x/image/tiff does: from the entry itself when count values fit
// in its 4 value bytes, else from the offset those bytes hold. Counting
// only the value bytes would let a LONG[2] width show a small offset to
// this check and a huge width to the decoder.
func tiffValue(bo binary.ByteOrder, e, data []byte) (int, error) {
	var width uint64
	switch bo.Uint16(e[2:]) {
	case 1: // BYTE
		width = 1
	case 3: // SHORT
		width = 2
	case 4: // LONG
		width = 4
	default:
		return 0, fmt.Errorf("size tag %d has type %d; want BYTE, SHORT or LONG",
			bo.Uint16(e), bo.Uint16(e[2:]))
	}
	count := uint64(bo.Uint32(e[4:]))
	if count == 0 {
		return 0, fmt.Errorf("size tag %d holds no value", bo.Uint16(e))
	}
	v := e[8:12]
	if count*width > 4 {
		off := uint64(bo.Uint32(e[8:]))
		if off+width > uint64(len(data)) {
			return 0, fmt.Errorf("size tag %d points past the end", bo.Uint16(e))
		}
		v = data[off : off+width]
	}
	switch width {
	case 1:
		return int(v[0]), nil
	case 2:
		return int(bo.Uint16(v)), nil
	}
	return int(bo.Uint32(v)), nil
}
