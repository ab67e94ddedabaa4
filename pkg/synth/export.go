package synth

import (
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
)

// WriteTileSet writes a training tile set under dir: images/000000.png
// (8-bit gray), masks/000000.png (8-bit gray, values 0, 1, 2) and
// stats.json ([TileStats]). Existing files of the same names are
// replaced.
func WriteTileSet(dir string, opt TileOptions) (*TileStats, error) {
	for _, sub := range []string{"images", "masks"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("write tiles: %w", err)
		}
	}
	st, err := Tiles(opt, func(t Tile) error {
		name := fmt.Sprintf("%06d.png", t.Index)
		if err := writePNGFile(filepath.Join(dir, "images", name), t.Image); err != nil {
			return err
		}
		return writePNGFile(filepath.Join(dir, "masks", name), t.Mask)
	})
	if err != nil {
		return nil, fmt.Errorf("write tiles: %w", err)
	}
	b, err := marshalStats(st)
	if err != nil {
		return nil, fmt.Errorf("write tiles: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "stats.json"), b, 0o644); err != nil {
		return nil, fmt.Errorf("write tiles: %w", err)
	}
	return st, nil
}

// pngEncoder writes fast, deterministic PNGs.
var pngEncoder = png.Encoder{CompressionLevel: png.DefaultCompression}

// EncodePNG writes img as PNG with the package's fixed settings, so that
// the same image always gives the same bytes.
func EncodePNG(w io.Writer, img image.Image) error {
	return pngEncoder.Encode(w, img)
}

func writePNGFile(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := EncodePNG(f, img); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

// marshalStats writes stats.json.
func marshalStats(st *TileStats) ([]byte, error) {
	b, err := json.MarshalIndent(st, "", "  ")
	return append(b, '\n'), err
}
