package synth

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"image"
	"io"
	"math"
	"time"

	"github.com/welllog/digitiser/pkg/las"
)

// ArchiveOptions say how a log is cut into pages and packed.
type ArchiveOptions struct {
	// Pages splits the strip into this many page images. Default 1.
	Pages int
	// Overlap is the rows two neighbouring pages share, px. Default 200.
	Overlap int
	// ShiftPx is the largest shift of a page after the first against the
	// strip, px, each axis. Default 0.
	ShiftPx float64
	// RotDeg is the largest rotation of a page after the first, degrees.
	// Default 0.
	RotDeg float64
	// Seed draws the page shifts and rotations.
	Seed uint64
}

// Page is one page image cut from the strip.
type Page struct {
	Name  string      `json:"name"`
	Image image.Image `json:"-"`
	// Top is the strip row of the page's first row before its shift;
	// DX, DY and RotDeg are the page's shift (px) and rotation (degrees,
	// about its centre) against the strip.
	Top    int     `json:"top"`
	DX     float64 `json:"dx"`
	DY     float64 `json:"dy"`
	RotDeg float64 `json:"rot_deg"`
}

// Pages cuts the strip into page images. The first page is an exact crop;
// later pages are shifted and rotated a little, as pages fed by hand
// through a scanner are.
func (l *Log) Pages(opt ArchiveOptions) ([]Page, error) {
	if opt.Pages == 0 {
		opt.Pages = 1
	}
	if opt.Overlap == 0 && opt.Pages > 1 {
		opt.Overlap = 200
	}
	h := l.Image.Rect.Dy()
	if opt.Pages < 1 || opt.Pages > 50 || opt.Overlap < 0 {
		return nil, fmt.Errorf("%w: pages %d, overlap %d: use 1..50 pages and overlap >= 0",
			ErrConfig, opt.Pages, opt.Overlap)
	}
	pageH := (h + (opt.Pages-1)*opt.Overlap + opt.Pages - 1) / opt.Pages
	if pageH <= opt.Overlap+100 {
		return nil, fmt.Errorf("%w: %d pages of %d rows with %d overlap: use fewer pages",
			ErrConfig, opt.Pages, pageH, opt.Overlap)
	}
	g := newRNG(opt.Seed, 77)
	var src image.Image = l.Image
	if l.Color != nil {
		src = l.Color
	}
	var out []Page
	for k := 0; k < opt.Pages; k++ {
		top := k * (pageH - opt.Overlap)
		bot := min(h, top+pageH)
		pg := Page{Name: fmt.Sprintf("page-%02d.png", k+1), Top: top}
		if k > 0 {
			pg.DX = g.between(-opt.ShiftPx, opt.ShiftPx)
			pg.DY = g.between(-opt.ShiftPx, opt.ShiftPx)
			pg.RotDeg = g.between(-opt.RotDeg, opt.RotDeg)
		}
		pg.Image = cutPage(src, top, bot, pg.DX, pg.DY, pg.RotDeg)
		out = append(out, pg)
	}
	return out, nil
}

// cutPage resamples strip rows [top, bot) shifted by (dx, dy) and rotated
// by rot degrees about the page centre, nearest neighbour; what falls off
// the strip is white paper.
func cutPage(src image.Image, top, bot int, dx, dy, rot float64) image.Image {
	w := src.Bounds().Dx()
	h := bot - top
	s, c := math.Sincos(rot * math.Pi / 180)
	cx, cy := float64(w)/2, float64(h)/2
	at := func(x, y int) (int, int, bool) {
		vx, vy := float64(x)-cx-dx, float64(y)-cy-dy
		sx := cx + c*vx + s*vy
		sy := cy - s*vx + c*vy + float64(top)
		ix, iy := int(math.Floor(sx+0.5)), int(math.Floor(sy+0.5))
		return ix, iy, ix >= 0 && iy >= 0 && ix < w && iy < src.Bounds().Dy()
	}
	switch im := src.(type) {
	case *image.Gray:
		dst := image.NewGray(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v := uint8(255)
				if ix, iy, ok := at(x, y); ok {
					v = im.Pix[iy*im.Stride+ix]
				}
				dst.Pix[y*dst.Stride+x] = v
			}
		}
		return dst
	case *image.RGBA:
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				p := []uint8{255, 255, 255, 255}
				if ix, iy, ok := at(x, y); ok {
					p = im.Pix[iy*im.Stride+4*ix : iy*im.Stride+4*ix+4]
				}
				copy(dst.Pix[y*dst.Stride+4*x:], p)
			}
		}
		return dst
	}
	return src
}

// TruthLAS returns the truth as a LAS file: depth at the manifest step
// over the body, one column per curve in manifest order, values on the
// curves' own scales (backup-scale values where wrapped).
func (l *Log) TruthLAS() *las.File {
	m := l.Manifest
	f := &las.File{Version: "2.0", Null: las.DefaultNull,
		Well: []las.Item{
			{Mnemonic: "COMP", Value: m.Well.Company}, {Mnemonic: "WELL", Value: m.Well.Name},
			{Mnemonic: "FLD", Value: m.Well.Field}, {Mnemonic: "CNTY", Value: m.Well.County},
			{Mnemonic: "STAT", Value: m.Well.State}, {Mnemonic: "CTRY", Value: m.Well.Country},
			{Mnemonic: "SRVC", Value: m.Well.Service}, {Mnemonic: "UWI", Value: m.Well.UWI},
		},
		Curves: []las.Item{{Mnemonic: "DEPT", Unit: l.Unit, Description: "Depth"}},
		Data:   [][]float64{append([]float64(nil), l.SampleDepth...)},
	}
	for i, tc := range m.Curves() {
		f.Curves = append(f.Curves, las.Item{Mnemonic: tc.Mnemonic, Unit: tc.Unit,
			Description: tc.Description})
		f.Data = append(f.Data, append([]float64(nil), l.Samples[i]...))
	}
	f.Other = fmt.Sprintf("Synthetic truth rendered by %s, tier %s, seed %d.",
		Version, l.Config.Tier, l.Config.Seed)
	return f
}

// WriteArchive writes a tar.gz the pipeline accepts: the page images (PNG),
// manifest.yaml (listing the pages in order) and truth.las. The bytes
// depend only on the log and opt.
func (l *Log) WriteArchive(w io.Writer, opt ArchiveOptions) error {
	pages, err := l.Pages(opt)
	if err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	m := *l.Manifest
	m.Pages = nil
	for _, pg := range pages {
		m.Pages = append(m.Pages, pg.Name)
	}
	gz, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
	tw := tar.NewWriter(gz)
	add := func(name string, data []byte) error {
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)),
			ModTime: time.Unix(0, 0).UTC(), Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	// TODO(#3): write bilevel pages as CCITT G4 TIFF, as archives hold
	// them; PNG for now, as no G4 encoder is in the module's dependencies.
	for _, pg := range pages {
		var buf bytes.Buffer
		if err := EncodePNG(&buf, pg.Image); err != nil {
			return fmt.Errorf("write archive: page %s: %w", pg.Name, err)
		}
		if err := add(pg.Name, buf.Bytes()); err != nil {
			return fmt.Errorf("write archive: %w", err)
		}
	}
	man, err := m.Marshal()
	if err != nil {
		return fmt.Errorf("write archive: manifest: %w", err)
	}
	var lb bytes.Buffer
	if err := las.Write(&lb, l.TruthLAS()); err != nil {
		return fmt.Errorf("write archive: truth: %w", err)
	}
	for _, e := range []struct {
		name string
		data []byte
	}{{"manifest.yaml", man}, {TruthLASName, lb.Bytes()}} {
		if err := add(e.name, e.data); err != nil {
			return fmt.Errorf("write archive: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	return gz.Close()
}

// readTarGz returns the files of a tar.gz by name.
func readTarGz(r io.Reader) (map[string][]byte, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(gz)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		out[h.Name] = b
	}
}
