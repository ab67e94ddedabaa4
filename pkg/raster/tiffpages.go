package raster

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"

	"golang.org/x/image/tiff"
)

// MaxTIFFPages bounds the pages read from one multi-page TIFF, so that a
// corrupt IFD chain cannot run away.
const MaxTIFFPages = 1000

// decodeTIFFPages decodes every IFD of a TIFF file. golang.org/x/image/tiff
// reads only the first IFD, so each page is decoded through a view of the
// file whose header points at that page's IFD; strip offsets in a TIFF are
// absolute, so nothing else needs to move.
func decodeTIFFPages(data []byte) ([]*image.Gray, error) {
	offsets, order, err := tiffIFDOffsets(data)
	if err != nil {
		return nil, err
	}
	pages := make([]*image.Gray, 0, len(offsets))
	for i, off := range offsets {
		v := &tiffPageView{data: data}
		copy(v.head[:], data[:8])
		order.PutUint32(v.head[4:], off)
		img, err := tiff.Decode(v)
		if err != nil {
			return nil, fmt.Errorf("TIFF page %d of %d: %w", i+1, len(offsets), err)
		}
		g := ToGray(img)
		if g.Bounds().Empty() {
			return nil, fmt.Errorf("TIFF page %d of %d is empty (0 px)", i+1, len(offsets))
		}
		if faxBlackIsZero(data, order, off) {
			invertGray(g) // g is freshly decoded: no one else holds it
		}
		pages = append(pages, g)
	}
	return pages, nil
}

// tiffIFDOffsets walks the IFD chain and returns every IFD's file offset.
func tiffIFDOffsets(data []byte) ([]uint32, binary.ByteOrder, error) {
	if len(data) < 8 {
		return nil, nil, errors.New("TIFF header truncated: the file is cut short")
	}
	var order binary.ByteOrder = binary.LittleEndian
	if data[0] == 'M' {
		order = binary.BigEndian
	}
	if order.Uint16(data[2:4]) == 43 {
		return nil, nil, fmt.Errorf("%w: BigTIFF; save the pages as standard TIFF",
			ErrUnsupportedFormat)
	}

	var offsets []uint32
	seen := map[uint32]bool{}
	off := order.Uint32(data[4:8])
	for off != 0 {
		if seen[off] {
			return nil, nil, fmt.Errorf("TIFF IFD chain loops back to offset %d: the file "+
				"is corrupt", off)
		}
		if len(offsets) == MaxTIFFPages {
			return nil, nil, fmt.Errorf("TIFF has more than %d pages: split the file",
				MaxTIFFPages)
		}
		if int64(off)+2 > int64(len(data)) {
			return nil, nil, fmt.Errorf("TIFF IFD %d at offset %d lies past the end of "+
				"the file (%d bytes): the file is truncated", len(offsets)+1, off, len(data))
		}
		seen[off] = true
		offsets = append(offsets, off)

		n := int64(order.Uint16(data[off : off+2]))
		next := int64(off) + 2 + 12*n
		if next+4 > int64(len(data)) {
			break // last IFD without a readable next pointer: stop here
		}
		off = order.Uint32(data[next : next+4])
	}
	if len(offsets) == 0 {
		return nil, nil, errors.New("TIFF has no pages (first IFD offset is 0)")
	}
	return offsets, order, nil
}

// tiffPageView is the TIFF file with its 8-byte header replaced, so that the
// first IFD pointer names the page to decode. It implements io.ReaderAt,
// which the TIFF decoder uses directly without buffering a copy.
type tiffPageView struct {
	data []byte
	head [8]byte
	pos  int64
}

// ReadAt reads len(p) bytes at off, the header bytes coming from head.
func (v *tiffPageView) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("tiff page view: negative offset")
	}
	if off >= int64(len(v.data)) {
		return 0, io.EOF
	}
	n := copy(p, v.data[off:])
	for i := off; i < int64(len(v.head)) && i < off+int64(n); i++ {
		p[i-off] = v.head[i]
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Read reads sequentially from the view.
func (v *tiffPageView) Read(p []byte) (int, error) {
	n, err := v.ReadAt(p, v.pos)
	v.pos += int64(n)
	return n, err
}

// TIFF tags and values read directly from an IFD.
const (
	tagCompression = 259
	tagPhotometric = 262
	photoBlackZero = 1
)

// faxBlackIsZero reports whether the IFD at off is CCITT-compressed
// (Group 3 or 4) with PhotometricInterpretation BlackIsZero. x/image/tiff
// reads fax runs by colour (a white run is white whatever the tag says),
// but libtiff, and the writers that use it, store the run bits as pixel
// values, so a white run is the 0 bit, which BlackIsZero shows black.
// Such pages come out of x/image/tiff inverted and are flipped back.
func faxBlackIsZero(data []byte, order binary.ByteOrder, off uint32) bool {
	comp, ok1 := ifdShort(data, order, off, tagCompression)
	photo, ok2 := ifdShort(data, order, off, tagPhotometric)
	return ok1 && ok2 && (comp == 3 || comp == 4) && photo == photoBlackZero
}

// ifdShort returns the value of a single SHORT or LONG entry of the IFD at
// off.
func ifdShort(data []byte, order binary.ByteOrder, off uint32, tag uint16) (uint32, bool) {
	n := int64(order.Uint16(data[off : off+2]))
	for i := int64(0); i < n; i++ {
		e := int64(off) + 2 + 12*i
		if e+12 > int64(len(data)) {
			return 0, false
		}
		if order.Uint16(data[e:e+2]) != tag || order.Uint32(data[e+4:e+8]) != 1 {
			continue
		}
		switch order.Uint16(data[e+2 : e+4]) {
		case 3: // SHORT
			return uint32(order.Uint16(data[e+8 : e+10])), true
		case 4: // LONG
			return order.Uint32(data[e+8 : e+12]), true
		}
		return 0, false
	}
	return 0, false
}

// invertGray turns black to white and white to black in place.
func invertGray(g *image.Gray) {
	w := g.Rect.Dx()
	for y := 0; y < g.Rect.Dy(); y++ {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		for x := range row {
			row[x] = 255 - row[x]
		}
	}
}
