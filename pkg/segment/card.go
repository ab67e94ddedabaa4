package segment

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// CardName is the model card's file name, beside model.onnx.
const CardName = "model.card.json"

// ErrBadCard is wrapped by every model card error.
var ErrBadCard = errors.New("bad model card")

// Card is the model card (model.card.json) the training export writes
// beside the ONNX file. pkg/segment reads the fields below and ignores
// the rest (loss, data version, metrics). docs/segmentation.md lists them.
type Card struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Classes names the output channels in order; it must be background,
	// solid, dashed (3 classes).
	Classes []string `json:"classes"`
	// InputName and OutputName are the graph's tensor names; empty means
	// the graph's first input and output.
	InputName  string `json:"input_name,omitempty"`
	OutputName string `json:"output_name,omitempty"`
	// Output is "logits" (default; softmax is applied here) or "softmax"
	// (the graph already outputs probabilities).
	Output string `json:"output,omitempty"`
	// Normalisation maps grey pixels 0..255 to the network input.
	Normalisation Normalisation `json:"normalisation"`
	// TileSize is the training tile in px; informative, inference tiles
	// are [ONNXOptions.Tile].
	TileSize int `json:"tile_size,omitempty"`
	// StrideMultiple is the network's total downsampling (2^levels): tile
	// sizes and starts are multiples of it. Default 1.
	StrideMultiple int `json:"stride_multiple"`
	// ReceptiveField is the network's receptive field in px; overlapping
	// tiles by it makes tiled inference match whole-image inference. Zero
	// means unknown (overlap defaults to 64 px).
	ReceptiveField int `json:"receptive_field,omitempty"`
	// Parity lists tiles the export ran through PyTorch, for checking
	// ONNX Runtime against it; may be empty.
	Parity []ParityTile `json:"parity,omitempty"`
}

// ParityTile is one grey tile and PyTorch's probabilities for it, paths
// relative to the card, the probabilities as an [EncodeProbMap] PNG.
type ParityTile struct {
	Image  string `json:"image"`
	Prob   string `json:"prob"`
	Height int    `json:"height"`
	Width  int    `json:"width"`
}

// Normalisation says how a grey pixel p (0 black ink .. 255 white paper)
// becomes the network input: q = 255 - p when Invert, else p; then
// x = (q*Scale - Mean) / Std.
type Normalisation struct {
	Invert bool `json:"invert,omitempty"`
	// Scale defaults to 1/255.
	Scale float64 `json:"scale,omitempty"`
	// Mean defaults to 0.
	Mean float64 `json:"mean,omitempty"`
	// Std defaults to 1; it must not be negative.
	Std float64 `json:"std,omitempty"`
}

// LoadCard reads and checks the card beside modelPath
// (dir/model.onnx -> dir/model.card.json). A missing card is an error:
// without it the input normalisation is unknown.
func LoadCard(modelPath string) (*Card, error) {
	path := filepath.Join(filepath.Dir(modelPath), CardName)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: read %s (the training export writes it beside the model): %w",
			ErrBadCard, path, err)
	}
	var c Card
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("%w: parse %s: %w", ErrBadCard, path, err)
	}
	if err := c.normalise(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

// normalise fills defaults and checks the fields this package uses.
func (c *Card) normalise() error {
	if len(c.Classes) != 3 {
		return fmt.Errorf("%w: classes has %d entries, want 3 "+
			"(background, solid, dashed)", ErrBadCard, len(c.Classes))
	}
	if c.StrideMultiple == 0 {
		c.StrideMultiple = 1
	}
	if c.StrideMultiple < 0 || c.StrideMultiple > 1024 {
		return fmt.Errorf("%w: stride_multiple %d out of 1..1024", ErrBadCard, c.StrideMultiple)
	}
	switch strings.ToLower(c.Output) {
	case "", "logits":
		c.Output = "logits"
	case "softmax", "probabilities":
		c.Output = "softmax"
	default:
		return fmt.Errorf("%w: output %q, want logits or softmax", ErrBadCard, c.Output)
	}
	n := &c.Normalisation
	if n.Scale == 0 {
		n.Scale = 1.0 / 255
	}
	if n.Std == 0 {
		n.Std = 1
	}
	if n.Std < 0 {
		return fmt.Errorf("%w: normalisation std %g is negative", ErrBadCard, n.Std)
	}
	return nil
}

// lut returns the network input for each grey level 0..255.
func (n Normalisation) lut() [256]float32 {
	var t [256]float32
	for p := range t {
		q := float64(p)
		if n.Invert {
			q = 255 - q
		}
		t[p] = float32((q*n.Scale - n.Mean) / n.Std)
	}
	return t
}
