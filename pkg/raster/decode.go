package raster

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/bmp"
	"golang.org/x/image/webp"
)

// ErrUnsupportedFormat is wrapped by DecodePages when the data is not one of
// the image formats it reads.
var ErrUnsupportedFormat = errors.New("unsupported image format")

// Formats lists the page image formats DecodePages reads, by content (the
// file name is only used in error messages).
var Formats = []string{"tiff", "png", "jpeg", "bmp", "gif", "webp"}

// DecodePages decodes every page of one page image file to 8-bit grey, ink
// dark on light paper. The format is found from the content, not the name:
// TIFF (every IFD of a multi-page file, including CCITT Group 3/4 bilevel,
// LZW, deflate and PackBits), PNG, JPEG, BMP, WebP and GIF (first frame).
// Colour is reduced to luma; transparent pixels become white paper.
//
// Errors wrap ErrUnsupportedFormat for unknown data and name the file, the
// page and what to do.
func DecodePages(name string, data []byte) ([]*image.Gray, error) {
	format := sniffFormat(data)
	if format == "" {
		return nil, fmt.Errorf("decode %s: %w: convert the page to TIFF, PNG or JPEG",
			name, ErrUnsupportedFormat)
	}
	if format == "tiff" {
		pages, err := decodeTIFFPages(data)
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", name, err)
		}
		return pages, nil
	}

	img, err := decodeSingle(format, data)
	if err != nil {
		return nil, fmt.Errorf("decode %s as %s: %w: the file may be truncated or corrupt",
			name, format, err)
	}
	g := ToGray(img)
	if g.Bounds().Empty() {
		return nil, fmt.Errorf("decode %s: the image is empty (0 px)", name)
	}
	return []*image.Gray{g}, nil
}

// sniffFormat names the image format from the first bytes, or returns "".
func sniffFormat(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return "tiff"
	case bytes.HasPrefix(b, []byte("II+\x00")), bytes.HasPrefix(b, []byte("MM\x00+")):
		return "tiff" // BigTIFF: refused with a clear message by decodeTIFFPages
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "jpeg"
	case bytes.HasPrefix(b, []byte("BM")):
		return "bmp"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "gif"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "webp"
	}
	return ""
}

func decodeSingle(format string, data []byte) (image.Image, error) {
	r := bytes.NewReader(data)
	switch format {
	case "png":
		return png.Decode(r)
	case "jpeg":
		return jpeg.Decode(r)
	case "bmp":
		return bmp.Decode(r)
	case "gif":
		return gif.Decode(r)
	case "webp":
		return webp.Decode(r)
	}
	return nil, ErrUnsupportedFormat
}

// ToGray converts any image to an 8-bit grey image with its origin at 0, 0.
// An *image.Gray already at the origin is returned as is (not copied).
// Transparent pixels are composited over white.
func ToGray(img image.Image) *image.Gray {
	b := img.Bounds()
	if g, ok := img.(*image.Gray); ok && b.Min == (image.Point{}) {
		return g
	}
	out := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	switch src := img.(type) {
	case *image.Gray:
		for y := 0; y < b.Dy(); y++ {
			copy(out.Pix[y*out.Stride:y*out.Stride+b.Dx()], src.Pix[src.PixOffset(b.Min.X,
				b.Min.Y+y):])
		}
	case *image.YCbCr:
		for y := 0; y < b.Dy(); y++ {
			i := src.YOffset(b.Min.X, b.Min.Y+y)
			copy(out.Pix[y*out.Stride:y*out.Stride+b.Dx()], src.Y[i:i+b.Dx()])
		}
	case *image.Paletted:
		lut := paletteLuma(src.Palette)
		for y := 0; y < b.Dy(); y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			dst := out.Pix[y*out.Stride : y*out.Stride+b.Dx()]
			for x := range dst {
				dst[x] = lut[row[x]]
			}
		}
	default:
		for y := 0; y < b.Dy(); y++ {
			dst := out.Pix[y*out.Stride : y*out.Stride+b.Dx()]
			for x := range dst {
				dst[x] = lumaOverWhite(img.At(b.Min.X+x, b.Min.Y+y))
			}
		}
	}
	return out
}

// paletteLuma maps every palette index to its grey level over white.
func paletteLuma(p color.Palette) [256]uint8 {
	var lut [256]uint8
	for i := range lut {
		lut[i] = 255
	}
	for i, c := range p {
		if i < len(lut) {
			lut[i] = lumaOverWhite(c)
		}
	}
	return lut
}

// lumaOverWhite returns the Rec. 601 luma of c composited over white.
func lumaOverWhite(c color.Color) uint8 {
	r, g, b, a := c.RGBA() // premultiplied, 0..65535
	white := 65535 - a
	r, g, b = r+white, g+white, b+white
	y := (19595*r + 38470*g + 7471*b + 1<<15) >> 24
	if y > 255 {
		y = 255
	}
	return uint8(y)
}
