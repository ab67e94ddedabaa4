package segment

import (
	"bufio"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"image/color"
	"image/png"
	"io"

	"github.com/welllog/digitiser/pkg/raster"
)

// pngHead is the signature and IHDR chunk: 8 + 4 + 4 + 13 + 4 bytes.
const pngHead = 33

// errNotRGB8 sends a PNG other than 8-bit RGB without interlace to
// image/png.
var errNotRGB8 = errors.New("not an 8-bit RGB PNG")

// DecodeProbMap reads a PNG written by [EncodeProbMap]. An 8-bit RGB PNG
// without interlace (what EncodeProbMap writes, whatever the row filters)
// is decoded row by row straight into the map: memory is the map plus two
// rows. Any other PNG decodes through image/png: its red channel becomes
// class 1 and its green channel class 2 (8-bit values; 16-bit images
// keep the high byte). It fails when r is not a PNG or is cut short.
func DecodeProbMap(r io.Reader) (*raster.ProbMap, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head, err := br.Peek(pngHead)
	if err != nil && len(head) < pngHead {
		return nil, fmt.Errorf("decode probmap: not a PNG probability map: %w",
			io.ErrUnexpectedEOF)
	}
	w, h, err := rgb8Header(head)
	if errors.Is(err, errNotRGB8) {
		return decodeAny(br)
	}
	if err != nil {
		return nil, fmt.Errorf("decode probmap: not a PNG probability map: %w", err)
	}
	br.Discard(pngHead)
	pm := raster.NewProbMap(w, h)
	if err := decodeRows(pm, &idatReader{r: br, crc: crc32.NewIEEE()}); err != nil {
		return nil, fmt.Errorf("decode probmap: %w", err)
	}
	return pm, nil
}

// rgb8Header checks the signature and IHDR and returns the size; it
// returns errNotRGB8 for a well-formed PNG of another kind.
func rgb8Header(b []byte) (w, h int, err error) {
	if string(b[:8]) != "\x89PNG\r\n\x1a\n" || string(b[12:16]) != "IHDR" ||
		binary.BigEndian.Uint32(b[8:12]) != 13 {
		return 0, 0, errors.New("no PNG signature and header")
	}
	if crc32.ChecksumIEEE(b[12:29]) != binary.BigEndian.Uint32(b[29:33]) {
		return 0, 0, errors.New("PNG header checksum mismatch")
	}
	w, h = int(binary.BigEndian.Uint32(b[16:20])), int(binary.BigEndian.Uint32(b[20:24]))
	if w <= 0 || h <= 0 || w > 1<<24 || h > 1<<24 {
		return 0, 0, fmt.Errorf("PNG size %d x %d px", w, h)
	}
	if b[24] != 8 || b[25] != 2 || b[26] != 0 || b[27] != 0 || b[28] != 0 {
		return 0, 0, errNotRGB8
	}
	return w, h, nil
}

// decodeRows inflates the image data and undoes each row's filter,
// splitting R and G into the map's planes.
func decodeRows(pm *raster.ProbMap, idat io.Reader) error {
	zr, err := zlib.NewReader(idat)
	if err != nil {
		return fmt.Errorf("image data: %w", err)
	}
	defer zr.Close()
	n := 3 * pm.Width
	prev, cur := make([]byte, n+1), make([]byte, n+1)
	for y := 0; y < pm.Height; y++ {
		if _, err := io.ReadFull(zr, cur); err != nil {
			return fmt.Errorf("row %d: %w", y, err)
		}
		if err := unfilter(cur[0], cur[1:], prev[1:]); err != nil {
			return fmt.Errorf("row %d: %w", y, err)
		}
		row := cur[1:]
		p1 := pm.P[0][y*pm.Width : (y+1)*pm.Width]
		p2 := pm.P[1][y*pm.Width : (y+1)*pm.Width]
		for x := range p1 {
			p1[x], p2[x] = row[3*x], row[3*x+1]
		}
		prev, cur = cur, prev
	}
	// Read to the end so that the zlib and last chunk checksums are checked.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return fmt.Errorf("image data: %w", err)
	}
	return nil
}

// unfilter undoes PNG filter f on row (3 bytes a px) given the row above.
func unfilter(f byte, row, up []byte) error {
	const bpp = 3
	up = up[:len(row)]
	switch f {
	case 0:
	case 1:
		for i := bpp; i < len(row); i++ {
			row[i] += row[i-bpp]
		}
	case 2:
		for i := range row {
			row[i] += up[i]
		}
	case 3:
		for i := range row {
			var left byte
			if i >= bpp {
				left = row[i-bpp]
			}
			row[i] += byte((int(left) + int(up[i])) / 2)
		}
	case 4:
		for i := range row {
			var a, c byte
			if i >= bpp {
				a, c = row[i-bpp], up[i-bpp]
			}
			row[i] += paeth(a, up[i], c)
		}
	default:
		return fmt.Errorf("bad PNG filter type %d", f)
	}
	return nil
}

// paeth is the PNG Paeth predictor of left a, up b and up-left c.
func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// idatReader reads the data of consecutive IDAT chunks, checking each
// chunk's CRC, and ends at the first other chunk after them.
type idatReader struct {
	r    *bufio.Reader
	crc  hash.Hash32
	left int // bytes of the current chunk not yet read
	seen bool
	done bool
}

func (d *idatReader) Read(p []byte) (int, error) {
	for d.left == 0 {
		if d.done {
			return 0, io.EOF
		}
		if err := d.next(); err != nil {
			return 0, err
		}
	}
	n, err := d.r.Read(p[:min(len(p), d.left)])
	d.crc.Write(p[:n])
	d.left -= n
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// next checks the CRC of the chunk just read (if any) and moves to the
// next IDAT chunk, skipping ancillary chunks before the first one.
func (d *idatReader) next() error {
	var b [8]byte
	if d.seen {
		if _, err := io.ReadFull(d.r, b[:4]); err != nil {
			return fmt.Errorf("image data cut short: %w", io.ErrUnexpectedEOF)
		}
		if binary.BigEndian.Uint32(b[:4]) != d.crc.Sum32() {
			return errors.New("image data checksum mismatch")
		}
	}
	for {
		if _, err := io.ReadFull(d.r, b[:]); err != nil {
			return fmt.Errorf("image data cut short: %w", io.ErrUnexpectedEOF)
		}
		size, typ := int(binary.BigEndian.Uint32(b[:4])), string(b[4:])
		if typ == "IDAT" {
			d.crc.Reset()
			d.crc.Write(b[4:])
			d.left, d.seen = size, true
			return nil
		}
		if d.seen || typ == "IEND" {
			d.done = true
			return nil
		}
		if _, err := d.r.Discard(size + 4); err != nil {
			return fmt.Errorf("chunk %q cut short: %w", typ, io.ErrUnexpectedEOF)
		}
	}
}

// decodeAny decodes any PNG through image/png.
func decodeAny(r io.Reader) (*raster.ProbMap, error) {
	img, err := png.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("decode probmap: not a PNG probability map: %w", err)
	}
	b := img.Bounds()
	pm := raster.NewProbMap(b.Dx(), b.Dy())
	for y := 0; y < b.Dy(); y++ {
		row := y * pm.Width
		for x := 0; x < b.Dx(); x++ {
			c := color.RGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.RGBA)
			pm.P[0][row+x] = c.R
			pm.P[1][row+x] = c.G
		}
	}
	return pm, nil
}
