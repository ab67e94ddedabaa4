package las

import (
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Header lines are MNEM.UNIT VALUE : DESCRIPTION on one line, and Read
// splits them at the first dot, the first space after it and the last
// colon. checkFile refuses what would not come back the same way: a
// mnemonic with a space, dot or colon (or starting with # or ~, which
// would read as a comment or a section), a unit with a space or colon, a
// description with a colon, a newline or other control character anywhere
// (a tab only in values and descriptions), text that is not UTF-8, two
// curves with one mnemonic, a NULL that is not finite and an ~Other line
// starting with ~.
func checkFile(f *File) error {
	if math.IsNaN(f.Null) || math.IsInf(f.Null, 0) {
		return fmt.Errorf("NULL value %v: use a finite number such as %v", f.Null,
			DefaultNull)
	}
	sections := []struct {
		name  string
		items []Item
	}{{"~Well", f.Well}, {"~Curve", f.Curves}, {"~Parameter", f.Params}}
	for _, s := range sections {
		for i, it := range s.items {
			if err := checkItem(it); err != nil {
				return fmt.Errorf("%s item %d: %w", s.name, i+1, err)
			}
		}
	}
	seen := map[string]bool{}
	for _, c := range f.Curves {
		m := strings.ToUpper(c.Mnemonic)
		if seen[m] {
			return fmt.Errorf("curve %s appears twice: give each curve its own mnemonic",
				c.Mnemonic)
		}
		seen[m] = true
	}
	for _, line := range strings.Split(f.Other, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "~") {
			return fmt.Errorf("~Other line %q starts with ~, which would open a section",
				line)
		}
	}
	return nil
}

// checkItem checks one header item against the rules of checkFile.
func checkItem(it Item) error {
	m := it.Mnemonic
	if m == "" || strings.ContainsAny(m, ".:") || strings.HasPrefix(m, "#") ||
		strings.HasPrefix(m, "~") || !safeText(m, false) {
		return fmt.Errorf("mnemonic %q: give a non-empty mnemonic without spaces, dots, "+
			"colons or control characters, not starting with # or ~", m)
	}
	if strings.ContainsRune(it.Unit, ':') || !safeText(it.Unit, false) {
		return fmt.Errorf("%s: unit %q: a unit has no spaces, colons or control "+
			"characters (e.g. g/cm3, v/v)", m, it.Unit)
	}
	if !safeText(it.Value, true) {
		return fmt.Errorf("%s: value %q: keep it on one line without control characters",
			m, it.Value)
	}
	if strings.ContainsRune(it.Description, ':') || !safeText(it.Description, true) {
		return fmt.Errorf("%s: description %q: keep it on one line without colons or "+
			"control characters", m, it.Description)
	}
	return nil
}

// safeText reports whether s is UTF-8 without control characters; spaces
// (and tabs) are allowed only when spaces is set.
func safeText(s string, spaces bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == ' ' || r == '\t':
			if !spaces {
				return false
			}
		case unicode.IsControl(r) || unicode.IsSpace(r):
			return false
		}
	}
	return true
}
