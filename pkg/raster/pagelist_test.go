package raster

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestOrderByList orders pages as the manifest lists them and refuses a
// list that does not match the upload, naming what to fix (issue 2/5
// item 4).
func TestOrderByList(t *testing.T) {
	names := []string{"scan/b.png", "scan/a.png", "c.tif"}
	tests := []struct {
		listed []string
		want   []int
		errHas []string // nil: no error
	}{
		{[]string{"scan/b.png", "scan/a.png", "c.tif"}, []int{0, 1, 2}, nil},
		{[]string{"c.tif", "A.PNG", "b.png"}, []int{2, 1, 0}, nil},
		{[]string{"b.png", "nope.png", "c.tif"}, nil,
			[]string{`"nope.png"`, "not in the upload", `"scan/b.png"`, `"scan/a.png"`,
				`"c.tif"`}},
		{[]string{"b.png", "scan/b.png", "a.png", "c.tif"}, nil,
			[]string{"listed twice", `"scan/b.png"`}},
		{[]string{"a.png", "b.png"}, nil, []string{"leave out", `"c.tif"`}},
		{nil, nil, []string{"empty"}},
	}
	for _, tc := range tests {
		got, err := OrderByList(names, tc.listed)
		if tc.errHas == nil {
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("list %q: %v, %v; want %v", tc.listed, got, err, tc.want)
			}
			continue
		}
		if !errors.Is(err, ErrPageList) {
			t.Errorf("list %q: %v, %v; want ErrPageList", tc.listed, got, err)
			continue
		}
		for _, s := range tc.errHas {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("list %q: %q does not say %s", tc.listed, err, s)
			}
		}
	}

	twins := []string{"run1/p.png", "run2/p.png"}
	if _, err := OrderByList(twins, []string{"p.png", "run2/p.png"}); !errors.Is(err,
		ErrPageList) || !strings.Contains(err.Error(), "full path") {
		t.Errorf("a base name two pages share: %v; want ErrPageList asking for the full path",
			err)
	}
	if got, err := OrderByList(twins, []string{"run2/p.png", "run1/p.png"}); err != nil ||
		!slices.Equal(got, []int{1, 0}) {
		t.Errorf("full paths of twins: %v, %v; want [1 0]", got, err)
	}
}
