// Package reassemble is the page reassembly stage: it decodes every page the
// ingest stage copied (every page of a multi-page TIFF) and joins them into
// one strip (raster.Reassemble), written as strip.png with stitch.json.
// When the manifest lists its pages they are joined in that order
// (raster.ReassembleOptions.InOrder); otherwise by name or content.
package reassemble

import (
	"context"
	"fmt"
	"image"

	"go.opentelemetry.io/otel/attribute"

	"github.com/welllog/digitiser/pkg/pipeline"
	"github.com/welllog/digitiser/pkg/raster"
)

// Config of the reassemble stage.
type Config struct {
	// Options tune raster.Reassemble; the zero value is its defaults.
	Options raster.ReassembleOptions
}

// New returns the reassemble handler.
func New(cfg Config) pipeline.Handler {
	return func(ctx context.Context, t *pipeline.Task) (map[string]string, error) {
		var refs []pipeline.PageRef
		if err := t.GetJSON(ctx, pipeline.OutPages, &refs); err != nil {
			return nil, err
		}
		m, err := t.Manifest(ctx)
		if err != nil {
			return nil, err
		}
		opt := cfg.Options
		if len(m.Pages) > 0 {
			if refs, err = listedOrder(refs, m.Pages); err != nil {
				return nil, err
			}
			opt.InOrder = true
		}
		pages, names, err := decodePages(ctx, t, refs)
		if err != nil {
			return nil, err
		}

		_, span := t.Span(ctx, "compute.reassemble", attribute.Int("pages", len(pages)),
			attribute.Bool("in_order", opt.InOrder))
		strip, stitch, err := raster.Reassemble(pages, names, opt)
		span.End()
		if err != nil {
			return nil, pipeline.RejectInput(fmt.Errorf("reassemble %d pages: %w", len(pages), err))
		}

		out := map[string]string{}
		if out[pipeline.OutStrip], err = t.PutPNG(ctx, "strip.png", strip); err != nil {
			return nil, err
		}
		if out[pipeline.OutStitch], err = t.PutJSON(ctx, "stitch.json", stitch); err != nil {
			return nil, err
		}
		t.Log.Debug("strip reassembled", "pages", len(pages),
			"width", strip.Rect.Dx(), "rows", strip.Rect.Dy())
		return out, nil
	}
}

// listedOrder puts the pages in the order the manifest lists them (ingest
// already did for jobs it ingested; this also covers a manifest changed
// since). A mismatch is a rejection naming the pages.
func listedOrder(refs []pipeline.PageRef, listed []string) ([]pipeline.PageRef, error) {
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = r.Name
	}
	order, err := raster.OrderByList(names, listed)
	if err != nil {
		return nil, pipeline.RejectInput(fmt.Errorf("manifest pages: %w", err))
	}
	out := make([]pipeline.PageRef, len(order))
	for i, j := range order {
		out[i] = refs[j]
	}
	return out, nil
}

// decodePages decodes every page; a page that does not decode is a
// rejection naming it.
func decodePages(ctx context.Context, t *pipeline.Task, refs []pipeline.PageRef) (
	[]*image.Gray, []string, error) {
	var pages []*image.Gray
	var names []string
	for _, ref := range refs {
		data, err := t.Get(ctx, ref.Key)
		if err != nil {
			return nil, nil, err
		}
		_, span := t.Span(ctx, "compute.decode", attribute.String("page", ref.Name))
		imgs, err := raster.DecodePages(ref.Name, data)
		span.End()
		if err != nil {
			return nil, nil, pipeline.RejectInput(fmt.Errorf("page %s does not decode: %w: replace "+
				"it in the archive", ref.Name, err))
		}
		for i, img := range imgs {
			name := ref.Name
			if len(imgs) > 1 {
				name = fmt.Sprintf("%s#%d", ref.Name, i+1)
			}
			pages = append(pages, img)
			names = append(names, name)
		}
	}
	return pages, names, nil
}
