package segment

import (
	"bufio"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"

	"github.com/welllog/digitiser/pkg/raster"
)

// idatChunk is the most bytes written to one IDAT chunk.
const idatChunk = 1 << 16

// EncodeProbMap writes pm as an 8-bit RGB PNG: R holds class 1 (solid), G
// class 2 (dashed), B is zero. The file opens in any viewer for review,
// and [DecodeProbMap] reads it back exactly. Rows are streamed: memory
// stays at a few rows whatever the map's size. It fails when pm's planes
// do not match its size or when w fails.
func EncodeProbMap(w io.Writer, pm *raster.ProbMap) error {
	if pm == nil || pm.Width <= 0 || pm.Height <= 0 ||
		len(pm.P[0]) != pm.Width*pm.Height || len(pm.P[1]) != len(pm.P[0]) {
		return fmt.Errorf("encode probmap: map is nil, empty or its planes do not match its size")
	}
	if err := writePNG(w, pm); err != nil {
		return fmt.Errorf("encode probmap: %w", err)
	}
	return nil
}

// writePNG writes signature, IHDR, IDAT chunks and IEND.
func writePNG(w io.Writer, pm *raster.ProbMap) error {
	bw := bufio.NewWriterSize(w, idatChunk+12)
	if _, err := bw.WriteString("\x89PNG\r\n\x1a\n"); err != nil {
		return err
	}
	var hdr [13]byte
	binary.BigEndian.PutUint32(hdr[0:], uint32(pm.Width))
	binary.BigEndian.PutUint32(hdr[4:], uint32(pm.Height))
	hdr[8], hdr[9] = 8, 2 // 8 bits a sample, truecolour; no interlace
	if err := writeChunk(bw, "IHDR", hdr[:]); err != nil {
		return err
	}

	cw := &chunkWriter{w: bw}
	zw, err := zlib.NewWriterLevel(cw, zlib.BestSpeed)
	if err != nil {
		return err
	}
	line := make([]byte, 1+3*pm.Width) // filter byte 0 (none), then RGB
	for y := 0; y < pm.Height; y++ {
		p1 := pm.P[0][y*pm.Width : (y+1)*pm.Width]
		p2 := pm.P[1][y*pm.Width : (y+1)*pm.Width]
		for x := range p1 {
			line[1+3*x], line[2+3*x] = p1[x], p2[x]
		}
		if _, err := zw.Write(line); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := cw.flush(); err != nil {
		return err
	}
	if err := writeChunk(bw, "IEND", nil); err != nil {
		return err
	}
	return bw.Flush()
}

// writeChunk writes one PNG chunk: length, type, data, CRC of type+data.
func writeChunk(w io.Writer, typ string, data []byte) error {
	var head [8]byte
	binary.BigEndian.PutUint32(head[:4], uint32(len(data)))
	copy(head[4:], typ)
	crc := crc32.NewIEEE()
	crc.Write(head[4:])
	crc.Write(data)
	var tail [4]byte
	binary.BigEndian.PutUint32(tail[:], crc.Sum32())
	for _, b := range [][]byte{head[:], data, tail[:]} {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// chunkWriter collects the zlib stream into IDAT chunks of idatChunk bytes.
type chunkWriter struct {
	w   io.Writer
	buf []byte
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		room := idatChunk - len(c.buf)
		if room > len(p) {
			room = len(p)
		}
		c.buf = append(c.buf, p[:room]...)
		p = p[room:]
		if len(c.buf) == idatChunk {
			if err := c.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (c *chunkWriter) flush() error {
	if len(c.buf) == 0 {
		return nil
	}
	err := writeChunk(c.w, "IDAT", c.buf)
	c.buf = c.buf[:0]
	return err
}

// DecodeProbMap reads a PNG written by [EncodeProbMap]. Any PNG decodes:
// its red channel becomes class 1 and its green channel class 2 (8-bit
// values; 16-bit images keep the high byte). It fails when r is not a PNG.
//
// TODO(#5): decode rows in a stream like EncodeProbMap does; image/png
// holds a 4-byte RGBA copy of the whole map (480 MB for 2000 x 60000 px).
func DecodeProbMap(r io.Reader) (*raster.ProbMap, error) {
	img, err := png.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("decode probmap: not a PNG probability map: %w", err)
	}
	b := img.Bounds()
	pm := raster.NewProbMap(b.Dx(), b.Dy())
	if rgba, ok := img.(*image.RGBA); ok {
		decodeRGBA(pm, rgba)
		return pm, nil
	}
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

// decodeRGBA copies R and G of an opaque RGBA image (what image/png makes
// of an 8-bit RGB file) into pm without per-pixel interface calls.
func decodeRGBA(pm *raster.ProbMap, img *image.RGBA) {
	for y := 0; y < pm.Height; y++ {
		off := y * img.Stride
		src := img.Pix[off : off+4*pm.Width]
		p1 := pm.P[0][y*pm.Width : (y+1)*pm.Width]
		p2 := pm.P[1][y*pm.Width : (y+1)*pm.Width]
		for x := range p1 {
			p1[x] = src[4*x]
			p2[x] = src[4*x+1]
		}
	}
}
