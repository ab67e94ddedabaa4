package ingest

import (
	"bytes"
	"fmt"
	"github.com/welllog/digitiser/pkg/pipeline"
	"path"
	"strings"

	"github.com/welllog/digitiser/pkg/archive"
	"github.com/welllog/digitiser/pkg/las"
	"github.com/welllog/digitiser/pkg/manifest"
	"github.com/welllog/digitiser/pkg/raster"
)

// orderPages returns the archive's pages in the order the manifest lists
// them, or as archived when it lists none. A listed name the archive lacks,
// a name listed twice or a page left out is a rejection saying which.
func orderPages(pages []archive.Entry, m *manifest.Manifest) ([]archive.Entry, error) {
	if len(m.Pages) == 0 {
		return pages, nil
	}
	names := make([]string, len(pages))
	for i, p := range pages {
		names[i] = p.Name
	}
	order, err := raster.OrderByList(names, m.Pages)
	if err != nil {
		return nil, pipeline.RejectInput(fmt.Errorf("manifest pages: %w", err))
	}
	out := make([]archive.Entry, len(order))
	for i, j := range order {
		out[i] = pages[j]
	}
	return out, nil
}

// truthEntry returns the truth LAS to copy: the one the manifest names
// (which must be in the archive), else the archive's, else nil. A truth
// LAS that cannot be scored against is a rejection (see checkTruth), so a
// bad one is found now rather than at the last stage.
func truthEntry(c *archive.Contents, m *manifest.Manifest) (*archive.Entry, error) {
	if m.Truth != "" && (c.Truth == nil || !strings.EqualFold(path.Base(c.Truth.Name),
		path.Base(m.Truth))) {
		holds := "no LAS file"
		if c.Truth != nil {
			holds = fmt.Sprintf("the LAS file %q", c.Truth.Name)
		}
		return nil, pipeline.RejectInput(fmt.Errorf("manifest truth: %q is not in the archive, which "+
			"holds %s; name that file in truth:, add %q, or drop truth:", m.Truth, holds,
			m.Truth))
	}
	if c.Truth == nil {
		return nil, nil
	}
	if err := checkTruth(c.Truth.Data, m); err != nil {
		return nil, pipeline.RejectInput(fmt.Errorf("truth LAS %s: %w; correct it or leave it out of "+
			"the archive", c.Truth.Name, err))
	}
	return c.Truth, nil
}

// checkTruth reads a truth LAS and checks that QA can score against it
// (las.CheckTruth): it parses, its first curve is a depth index over a depth
// interval in the manifest's depth unit, and it shares a curve holding
// values with the manifest.
func checkTruth(data []byte, m *manifest.Manifest) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return fmt.Errorf("%w: the file is empty", las.ErrTruth)
	}
	f, err := las.Read(bytes.NewReader(data))
	if err != nil {
		return err
	}
	if len(f.Curves) > 0 {
		got, want := las.DepthUnit(f.Curves[0].Unit), las.DepthUnit(m.Depth.Unit)
		if got != "" && want != "" && got != want {
			return fmt.Errorf("%w: its depth index %s is in %s but the manifest's depth "+
				"unit is %s: give the truth's depths in %s", las.ErrTruth,
				f.Curves[0].Mnemonic, got, want, want)
		}
	}
	var mnemonics []string
	for _, tc := range m.Curves() {
		mnemonics = append(mnemonics, tc.Curve.Mnemonic)
	}
	_, err = las.CheckTruth(f, mnemonics)
	return err
}
