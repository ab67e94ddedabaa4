package synth

import (
	"bytes"
	"fmt"
	"image"
	"path"
)

// File is one generated file: its path relative to the repository root and
// its bytes.
type File struct {
	Path string
	Data []byte
}

// fixtureLog is one log of the fixture set.
type fixtureLog struct {
	name   string
	tier   Tier
	seed   uint64
	w, h   int
	pages  int
	sample bool // the demo archive: needs 2 tracks, both classes and a wrap
}

var fixtureLogs = []fixtureLog{
	{name: "testdata/synth/easy-1", tier: TierEasy, seed: 1, w: 800, h: 1000, pages: 1},
	{name: "testdata/synth/hard-1", tier: TierHard, seed: 1, w: 800, h: 1200, pages: 2},
	{name: "testdata/sample/sample-hard", tier: TierHard, seed: 100, w: 1400, h: 3000,
		pages: 2, sample: true},
}

// Fixtures renders the project's fixtures: testdata/synth/{easy-1,hard-1}
// (archive, mask and truth), a small tile set under testdata/synth/tiles,
// testdata/sample/sample-hard.tar.gz (the demo's input: two pages, two
// tracks, solid and dashed curves, a wrap) and the docs picture
// docs/img/synth-sample.png. The bytes depend only on Version.
func Fixtures() ([]File, error) {
	var out []File
	for _, fx := range fixtureLogs {
		files, err := fixtureFiles(fx)
		if err != nil {
			return nil, fmt.Errorf("fixture %s: %w", fx.name, err)
		}
		out = append(out, files...)
	}
	tiles, err := fixtureTiles()
	if err != nil {
		return nil, err
	}
	return append(out, tiles...), nil
}

func fixtureFiles(fx fixtureLog) ([]File, error) {
	lg, err := fixtureLogFor(fx)
	if err != nil {
		return nil, err
	}
	opt := ArchiveOptions{Pages: fx.pages, Overlap: 150, ShiftPx: 4, RotDeg: 0.2,
		Seed: lg.Config.Seed}
	pages, err := lg.Pages(opt)
	if err != nil {
		return nil, err
	}
	var arc, mask, truth bytes.Buffer
	if err := lg.WriteArchive(&arc, opt); err != nil {
		return nil, err
	}
	if err := EncodePNG(&mask, lg.Mask); err != nil {
		return nil, err
	}
	if err := lg.WriteTruthJSON(&truth, pages); err != nil {
		return nil, err
	}
	files := []File{{fx.name + ".tar.gz", arc.Bytes()}}
	if !fx.sample {
		files = append(files, File{fx.name + ".mask.png", mask.Bytes()},
			File{fx.name + ".truth.json", truth.Bytes()})
		return files, nil
	}
	var pic bytes.Buffer
	if err := EncodePNG(&pic, sideBySide(lg, 900)); err != nil {
		return nil, err
	}
	return append(files, File{path.Join("docs/img", "synth-sample.png"), pic.Bytes()}), nil
}

// fixtureLogFor renders a fixture log; the sample takes the first seed
// from fx.seed whose log has two tracks, both classes and a wrap.
func fixtureLogFor(fx fixtureLog) (*Log, error) {
	k := EasyKnobs()
	if fx.tier == TierHard {
		k = HardKnobs()
	}
	k.LASDir = ""     // fixtures must not depend on files outside the repo
	k.BilevelProb = 1 // the archive look, and small files
	if fx.sample {
		k.Tracks = Range{2, 2}
		k.CurvesPerTrack = Range{2, 3}
		k.TiePointsProb = 1
		k.SkewDeg = 1
		k.Scales, k.MetricProb = []float64{240}, 0
	}
	for seed := fx.seed; seed < fx.seed+200; seed++ {
		lg, err := Generate(Config{Tier: fx.tier, Seed: seed, Width: fx.w, Height: fx.h,
			Knobs: &k})
		if err != nil {
			return nil, err
		}
		if !fx.sample || sampleWorthy(lg) {
			return lg, nil
		}
	}
	return nil, fmt.Errorf("no seed from %d gives a sample with a wrap and both classes",
		fx.seed)
}

func sampleWorthy(lg *Log) bool {
	var classes [3]bool
	wrap := false
	for _, ct := range lg.Truth {
		classes[ct.Class] = true
		for _, w := range ct.Wrap {
			wrap = wrap || w != 0
		}
	}
	return classes[1] && classes[2] && wrap
}

// fixtureTiles renders a small tile set (8 mixed tiles of 128 px).
func fixtureTiles() ([]File, error) {
	opt := TileOptions{N: 8, Tile: 128, Tier: TierMixed, Seed: 1, PerLog: 4,
		NoRealLAS: true}
	var files []File
	st, err := Tiles(opt, func(t Tile) error {
		for _, im := range []struct {
			dir string
			img image.Image
		}{{"images", t.Image}, {"masks", t.Mask}} {
			var b bytes.Buffer
			if err := EncodePNG(&b, im.img); err != nil {
				return err
			}
			files = append(files, File{fmt.Sprintf("testdata/synth/tiles/%s/%06d.png",
				im.dir, t.Index), b.Bytes()})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fixture tiles: %w", err)
	}
	js, err := marshalStats(st)
	if err != nil {
		return nil, err
	}
	return append(files, File{"testdata/synth/tiles/stats.json", js}), nil
}

// sideBySide returns the top of the log (h rows) beside its mask, the mask
// drawn black on white with class 2 in gray, for the docs.
func sideBySide(lg *Log, h int) *image.Gray {
	w := lg.Image.Rect.Dx()
	h = min(h, lg.Image.Rect.Dy())
	out := image.NewGray(image.Rect(0, 0, 2*w+16, h))
	for i := range out.Pix {
		out.Pix[i] = 160
	}
	for y := 0; y < h; y++ {
		copy(out.Pix[y*out.Stride:], lg.Image.Pix[y*lg.Image.Stride:y*lg.Image.Stride+w])
		for x := 0; x < w; x++ {
			v := uint8(255)
			switch lg.Mask.Pix[y*lg.Mask.Stride+x] {
			case 1:
				v = 0
			case 2:
				v = 110
			}
			out.Pix[y*out.Stride+w+16+x] = v
		}
	}
	return out
}
