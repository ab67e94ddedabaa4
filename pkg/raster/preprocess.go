package raster

import (
	"errors"
	"fmt"
	"image"
	"math"

	"github.com/welllog/digitiser/pkg/manifest"
)

// ErrNoLog is wrapped by Preprocess when no log body (a section ruled with
// long vertical lines) can be found on the strip.
var ErrNoLog = errors.New("no log body found")

// PreprocessOptions tunes Preprocess. The zero value is ready to use.
type PreprocessOptions struct {
	// MaxSkewDeg bounds the skew searched for, in degrees either way.
	// Default 5.
	MaxSkewDeg float64
	// NoDeskew skips skew estimation and removal.
	NoDeskew bool
	// NoContrast skips contrast normalisation.
	NoContrast bool
	// MinSectionRows is the shortest body or repeat section, in px.
	// Default 200 (1 in at 200 dpi).
	MinSectionRows int
	// Workers bounds the goroutines used; 0 means GOMAXPROCS.
	Workers int
}

func (o *PreprocessOptions) defaults() {
	if o.MaxSkewDeg <= 0 {
		o.MaxSkewDeg = 5
	}
	if o.MinSectionRows <= 0 {
		o.MinSectionRows = 200
	}
}

// Prepared is a deskewed, contrast-normalised strip and the layout found on
// it. Every later stage works in px of Image.
type Prepared struct {
	// Image is the deskewed, normalised strip, the same size as the input.
	Image *image.Gray
	// Layout is where the header, sections and tracks are on Image.
	Layout Layout
	// Transform maps px of the input strip to px of Image.
	Transform Transform
	// SkewEstimateDeg is the skew measured on the input in degrees, also
	// when it was too small to be worth removing (then Transform is the
	// identity).
	SkewEstimateDeg float64
}

// inkThreshold is the grey level below which a normalised px is ink.
const inkThreshold = 128

// Preprocess removes the skew of a reassembled strip, normalises its
// contrast and finds its layout: the header, the main pass (body), a repeat
// section after it, the depth track and the curve tracks, mapped onto m's
// tracks (pinned borders honoured; m may be nil). The strip is processed in
// row bands, so memory beyond the input and output images stays a few
// percent of the strip.
//
// Errors wrap ErrNoLog when no ruled log body is found and ErrTracks when
// the tracks found cannot be matched to the manifest; both say how to fix
// it.
func Preprocess(strip *image.Gray, m *manifest.Manifest, opt PreprocessOptions) (*Prepared,
	error) {
	opt.defaults()
	strip = ToGray(strip)
	w, h := strip.Rect.Dx(), strip.Rect.Dy()
	if w < 16 || h < 16 {
		return nil, fmt.Errorf("preprocess: strip is %d x %d px: too small to hold a log", w, h)
	}

	hist := histogram(strip, opt.Workers)
	p := &Prepared{Transform: Transform{CX: float64(w) / 2, CY: float64(h) / 2}}
	if !opt.NoDeskew {
		cm := newCoverMap(strip, otsu(hist), opt.Workers)
		p.SkewEstimateDeg = estimateSkew(cm, opt.MaxSkewDeg)
	}
	// Remove the skew only when it moves some px by half a px or more.
	reach := math.Hypot(float64(w), float64(h)) / 2
	if math.Abs(math.Sin(p.SkewEstimateDeg*math.Pi/180))*reach >= 0.5 {
		p.Transform.SkewDeg = p.SkewEstimateDeg
		p.Image = image.NewGray(image.Rect(0, 0, w, h))
		warp(p.Image, strip, p.Transform, opt.Workers)
	} else {
		p.Image = image.NewGray(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			copy(p.Image.Pix[y*w:(y+1)*w], strip.Pix[y*strip.Stride:])
		}
	}
	if !opt.NoContrast {
		normaliseContrast(p.Image, hist, opt.Workers)
	}

	lay, err := FindLayout(p.Image, m, p.Transform, opt)
	if err != nil {
		return nil, fmt.Errorf("preprocess: %w", err)
	}
	lay.SkewDeg = p.Transform.SkewDeg
	p.Layout = *lay
	return p, nil
}

// FindLayout finds the layout of a deskewed, normalised strip (ink below
// grey 128): see Preprocess. tf is the transform that produced img from the
// reassembled strip (of img's size, as Preprocess makes it), used to map
// the manifest's pinned track borders and to know which px of img came
// from the strip rather than the white fill around a rotated page.
func FindLayout(img *image.Gray, m *manifest.Manifest, tf Transform,
	opt PreprocessOptions) (*Layout, error) {
	opt.defaults()
	w, h := img.Rect.Dx(), img.Rect.Dy()
	lay := &Layout{Width: w, Height: h}
	cm := newLineCoverMap(img, inkThreshold, opt.Workers)

	cand := candidateLines(cm, opt.MinSectionRows)
	if len(cand) < 2 {
		return nil, fmt.Errorf("%w: fewer than two long vertical lines on the %d x %d px "+
			"strip; is it a ruled log, and is the whole strip one image?", ErrNoLog, w, h)
	}
	spans := sectionSpans(gridRows(img, cand, inkThreshold, opt.Workers), opt.MinSectionRows)
	lay.Body, lay.Repeat = pickSections(spans)
	if lay.Body.Len() == 0 {
		return nil, fmt.Errorf("%w: no section of %d px or more where the track lines run "+
			"together", ErrNoLog, opt.MinSectionRows)
	}
	lay.Header = headerSpan(img, lay.Body, inkThreshold)

	sections := []Span{lay.Body}
	if lay.Repeat != nil {
		sections = append(sections, *lay.Repeat)
	}
	lines := sectionLines(cm, sections, tf)
	for _, l := range lines {
		lay.GridLines = append(lay.GridLines, l.Band)
	}
	ruling := gapRuling(img, sections, lines, opt.Workers)
	d := depthGap(lines, ruling)
	mid := float64(lay.Body.Top+lay.Body.Bottom) / 2
	if err := checkPins(m, w, tf, mid); err != nil {
		return nil, err
	}
	tracks, depth, err := findTracks(lines, d, m, tf, mid)
	if err != nil {
		return nil, err
	}
	lay.DepthTrack = depth
	lay.Tracks = tracks
	return lay, nil
}
