package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io/fs"
	"testing"
)

// file is one entry of a crafted archive.
type file struct {
	name string
	data []byte
	mode fs.FileMode // 0: regular 0644
	link string      // tar link target
	kind byte        // tar type flag; 0: regular
}

func gray(w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetGray(x, y, color.Gray{Y: uint8((x * 7) ^ y)})
		}
	}
	return img
}

func pngBytes(t testing.TB, w, h int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, gray(w, h)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegBytes(t testing.TB, w, h int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, gray(w, h), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngHeader is a PNG signature and IHDR claiming w x h, with no pixels.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit gray
	chunk := append([]byte("IHDR"), ihdr...)
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

// tiffPages writes an uncompressed 8-bit gray little-endian TIFF with one IFD
// per size. Pixel strips are written only for pages of at most 1 Mpx; the
// others are headers that claim their size, enough for a header check.
func tiffPages(sizes ...[2]uint32) []byte {
	le := binary.LittleEndian
	var b bytes.Buffer
	b.WriteString("II*\x00")
	binary.Write(&b, le, uint32(8))
	for i, s := range sizes {
		w, h := s[0], s[1]
		const nTags = 9
		ifdLen := 2 + nTags*12 + 4
		dataOff := uint32(b.Len() + ifdLen)
		var strip uint32
		if uint64(w)*uint64(h) <= 1<<20 {
			strip = w * h
		}
		next := uint32(0)
		if i < len(sizes)-1 {
			next = dataOff + strip
		}
		tags := [][3]uint32{ // tag, type, value
			{256, 4, w}, {257, 4, h}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1},
			{273, 4, dataOff}, {277, 3, 1}, {278, 4, h}, {279, 4, w * h},
		}
		binary.Write(&b, le, uint16(nTags))
		for _, tg := range tags {
			binary.Write(&b, le, uint16(tg[0]))
			binary.Write(&b, le, uint16(tg[1]))
			binary.Write(&b, le, uint32(1))
			if tg[1] == 3 {
				binary.Write(&b, le, uint16(tg[2]))
				binary.Write(&b, le, uint16(0))
			} else {
				binary.Write(&b, le, tg[2])
			}
		}
		binary.Write(&b, le, next)
		b.Write(make([]byte, strip))
	}
	return b.Bytes()
}

func zipOf(t testing.TB, files ...file) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range files {
		hdr := &zip.FileHeader{Name: f.name, Method: zip.Deflate}
		mode := f.mode
		if mode == 0 {
			mode = 0o644
		}
		hdr.SetMode(mode)
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func tarOf(t testing.TB, files ...file) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)),
			Typeflag: tar.TypeReg, Linkname: f.link, Format: tar.FormatPAX}
		if f.kind != 0 {
			hdr.Typeflag, hdr.Size = f.kind, 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if hdr.Size > 0 {
			tw.Write(f.data)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gz(t testing.TB, data []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// paxBomb is a tar of n empty entries, each behind a PAX header carrying a
// comment of size bytes: little content, a lot to decompress.
func paxBomb(t testing.TB, n, size int) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	comment := string(bytes.Repeat([]byte{'z'}, size))
	for i := range n {
		hdr := &tar.Header{Name: string(rune('a' + i)), Mode: 0o644, Typeflag: tar.TypeReg,
			Format: tar.FormatPAX, PAXRecords: map[string]string{"comment": comment}}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
