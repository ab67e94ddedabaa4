// Package ingest is the first stage: it reads the uploaded scan archive
// safely (pkg/archive), refuses unsafe or unusable uploads with the reason,
// and copies the pages (in the order the manifest's pages list them), the
// manifest and any truth LAS (checked to be one QA can score against)
// under the job's ingest folder. Events.Run turns bucket events into jobs.
package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"

	"github.com/welllog/digitiser/pkg/archive"
	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/pipeline"
)

// Config of the ingest stage.
type Config struct {
	// Limits bound what an archive may hold; zero fields take
	// pkg/archive's defaults (see archive.Limits: 256 MiB an entry, 1 GiB
	// in all, 400 Mpx an image).
	Limits archive.Limits
}

// New returns the ingest handler.
func New(cfg Config) pipeline.Handler {
	return func(ctx context.Context, t *pipeline.Task) (map[string]string, error) {
		return run(ctx, t, cfg)
	}
}

func run(ctx context.Context, t *pipeline.Task, cfg Config) (map[string]string, error) {
	cmd := t.Cmd
	data, err := t.GetFrom(ctx, cmd.SourceBucket, cmd.SourceKey)
	if err != nil {
		return nil, err
	}
	_, span := t.Span(ctx, "archive.open")
	contents, err := archive.OpenWith(path.Base(cmd.SourceKey), bytes.NewReader(data),
		archive.Options{Limits: cfg.Limits, ManifestGiven: cmd.ManifestKey != ""})
	span.End()
	if err != nil {
		return nil, refuse(err)
	}
	if err := contents.CheckPages(); err != nil {
		return nil, pipeline.RejectInput(err)
	}

	m, err := readManifest(ctx, t, contents)
	if err != nil {
		return nil, err
	}
	ordered, err := orderPages(contents.Pages, m)
	if err != nil {
		return nil, err
	}
	truth, err := truthEntry(contents, m)
	if err != nil {
		return nil, err
	}

	out := map[string]string{}
	mdata, err := m.Marshal()
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	if out[pipeline.OutManifest], err = t.Put(ctx, "manifest.yaml", mdata,
		"application/yaml"); err != nil {
		return nil, err
	}

	pages := make([]pipeline.PageRef, 0, len(ordered))
	for i, p := range ordered {
		name := fmt.Sprintf("page-%03d.%s", i+1, ext(p.Format))
		key, err := t.Put(ctx, name, p.Data, "image/"+p.Format)
		if err != nil {
			return nil, err
		}
		pages = append(pages, pipeline.PageRef{Name: p.Name, Key: key, Format: p.Format})
	}
	if out[pipeline.OutPages], err = t.PutJSON(ctx, "pages.json", pages); err != nil {
		return nil, err
	}

	if truth != nil {
		if out[pipeline.OutTruth], err = t.Put(ctx, "truth.las", truth.Data,
			"text/plain"); err != nil {
			return nil, err
		}
	}
	t.Log.Debug("archive ingested", "pages", len(pages), "truth", out[pipeline.OutTruth] != "")
	return out, nil
}

// refuse turns archive errors into rejections a user can act on.
func refuse(err error) error {
	switch {
	case errors.Is(err, archive.ErrUnsafe):
		return pipeline.RejectInput(fmt.Errorf("refused: %w", err))
	case errors.Is(err, archive.ErrCorrupt), errors.Is(err, archive.ErrFormat),
		errors.Is(err, archive.ErrAmbiguous):
		return pipeline.RejectInput(fmt.Errorf("cannot read the upload: %w", err))
	}
	return err
}

// readManifest takes the manifest given to submit, else the archive's.
func readManifest(ctx context.Context, t *pipeline.Task,
	c *archive.Contents) (*manifest.Manifest, error) {
	name, data := "", []byte(nil)
	switch {
	case t.Cmd.ManifestKey != "":
		d, err := t.GetFrom(ctx, t.Cmd.SourceBucket, t.Cmd.ManifestKey)
		if err != nil {
			return nil, err
		}
		name, data = t.Cmd.ManifestKey, d
	case c.Manifest != nil:
		name, data = c.Manifest.Name, c.Manifest.Data
	default:
		return nil, pipeline.RejectInput(errors.New("no manifest: put manifest.yaml in the " +
			"archive or pass `submit --manifest FILE`"))
	}
	m, err := manifest.Parse(name, data)
	if err != nil {
		return nil, pipeline.RejectInput(fmt.Errorf("manifest: %w", err))
	}
	return m, nil
}

func ext(format string) string {
	switch format {
	case "tiff":
		return "tif"
	case "jpeg":
		return "jpg"
	case "":
		return "bin"
	}
	return format
}
