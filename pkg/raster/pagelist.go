package raster

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// ErrPageList is wrapped by OrderByList when the manifest's list of pages
// does not match the pages of the upload.
var ErrPageList = errors.New("the manifest's pages do not match the upload")

// maxNamesShown bounds how many page names an error message lists.
const maxNamesShown = 20

// OrderByList returns the indices of names in the order listed (the
// manifest's pages: the log order of the page images). A listed name
// matches a page of exactly that name, else the one page whose base name
// (the part after the last "/") is the same ignoring case. Every page must
// be listed once, so that no page is dropped or used twice.
//
// Errors wrap ErrPageList and say what to fix: a listed name no page has
// (with the names the upload holds), a name listed twice or matching
// several pages, a page not listed. An empty list is an error too: call it
// only when the manifest lists pages.
func OrderByList(names, listed []string) ([]int, error) {
	if len(listed) == 0 {
		return nil, fmt.Errorf("%w: the list is empty", ErrPageList)
	}
	order := make([]int, 0, len(listed))
	used := make([]bool, len(names))
	for _, want := range listed {
		i, err := findPage(names, want)
		if err != nil {
			return nil, err
		}
		if used[i] {
			return nil, fmt.Errorf("%w: page %q is listed twice in the manifest's pages; "+
				"list each page once", ErrPageList, names[i])
		}
		used[i] = true
		order = append(order, i)
	}

	var unlisted []string
	for i, u := range used {
		if !u {
			unlisted = append(unlisted, names[i])
		}
	}
	if len(unlisted) > 0 {
		return nil, fmt.Errorf("%w: the manifest's pages leave out %s; list every page "+
			"where it belongs in the log, or remove it from the upload", ErrPageList,
			nameList(unlisted))
	}
	return order, nil
}

// findPage returns the index of the page a listed name stands for.
func findPage(names []string, want string) (int, error) {
	for i, n := range names {
		if n == want {
			return i, nil
		}
	}
	found := -1
	var same []string
	for i, n := range names {
		if strings.EqualFold(path.Base(n), path.Base(want)) {
			found = i
			same = append(same, n)
		}
	}
	switch {
	case len(same) > 1:
		return 0, fmt.Errorf("%w: %q in the manifest's pages matches several pages, %s; "+
			"list each by its full path in the upload", ErrPageList, want,
			nameList(same))
	case found < 0:
		return 0, fmt.Errorf("%w: page %q in the manifest's pages is not in the upload, "+
			"which holds %s; list those names", ErrPageList, want, nameList(names))
	}
	return found, nil
}

// nameList quotes up to maxNamesShown names, joined by commas, with a
// count of the rest; "no page" when there are none.
func nameList(names []string) string {
	shown := names[:min(len(names), maxNamesShown)]
	quoted := make([]string, len(shown))
	for i, n := range shown {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	s := strings.Join(quoted, ", ")
	if rest := len(names) - len(shown); rest > 0 {
		s += fmt.Sprintf(" and %d more", rest)
	}
	if len(names) == 0 {
		s = "no page"
	}
	return s
}
