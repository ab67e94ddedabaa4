package segment

import (
	"bufio"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
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
