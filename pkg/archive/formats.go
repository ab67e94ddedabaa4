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

// maxTIFFPages bounds the IFD chain walked in one TIFF.
const maxTIFFPages = 10000

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
		if seen[off] || len(sizes) >= maxTIFFPages {
			return nil, errors.New("TIFF directory chain loops or is too long")
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
			v := tiffValue(bo, e)
			switch bo.Uint16(e) {
			case 256:
				s.w = v
			case 257:
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

// tiffValue reads a SHORT or LONG single value from a 12-byte IFD entry.
func tiffValue(bo binary.ByteOrder, e []byte) int {
	switch bo.Uint16(e[2:]) {
	case 3:
		return int(bo.Uint16(e[8:]))
	case 4:
		return int(bo.Uint32(e[8:]))
	}
	return 0
}
