package manifest

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on the strings a LAS header line carries.
const (
	// MaxMnemonicLen is the longest curve mnemonic, in bytes.
	MaxMnemonicLen = 32
	// MaxUnitLen is the longest curve unit, in bytes.
	MaxUnitLen = 32
	// MaxTextLen is the longest description or well field, in bytes.
	MaxTextLen = 256
)

// reservedMnemonics name the depth index, which BuildLog writes itself.
var reservedMnemonics = []string{"DEPT", "DEPTH", "INDEX"}

// CheckMnemonic checks a curve mnemonic: 1 to MaxMnemonicLen ASCII
// letters, digits, '_' or '-', and not DEPT, DEPTH or INDEX (any case),
// which name the depth index. The error says what to change.
func CheckMnemonic(s string) error {
	if s == "" {
		return fmt.Errorf("a curve has no mnemonic: give one, e.g. GR")
	}
	if len(s) > MaxMnemonicLen {
		return fmt.Errorf("mnemonic %q is longer than %d characters", s, MaxMnemonicLen)
	}
	for _, r := range s {
		if !isMnemonicRune(r) {
			return fmt.Errorf("mnemonic %q holds %q: use letters, digits, _ and - only",
				s, r)
		}
	}
	for _, r := range reservedMnemonics {
		if strings.EqualFold(s, r) {
			return fmt.Errorf("mnemonic %q names the depth index, which the log writes "+
				"itself: rename the curve", s)
		}
	}
	return nil
}

func isMnemonicRune(r rune) bool {
	return r == '_' || r == '-' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') ||
		(r >= '0' && r <= '9')
}

// CheckUnit checks a curve unit: empty, or up to MaxUnitLen bytes of
// printable UTF-8 without spaces, colons or control characters. In a LAS
// header line the unit follows the mnemonic's dot and ends at the first
// space, so a space would move the rest into the value, and a colon would
// split the line early; dots inside the unit (e.g. DEG.C) are fine. Write
// "v/v", not "v per v".
func CheckUnit(s string) error {
	if len(s) > MaxUnitLen {
		return fmt.Errorf("unit %q is longer than %d characters", s, MaxUnitLen)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("unit %q is not valid UTF-8 text", s)
	}
	for _, r := range s {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) || r == ':' {
			return fmt.Errorf("unit %q holds %q: a unit has no spaces, colons or "+
				"control characters (e.g. g/cm3, v/v, us/ft)", s, r)
		}
	}
	return nil
}

// CheckText checks a free-text field that ends up on one LAS header line
// (a well field, a track name): up to MaxTextLen bytes of valid UTF-8
// without newlines, tabs or other control characters. field names the
// field in the error.
func CheckText(field, s string) error {
	if len(s) > MaxTextLen {
		return fmt.Errorf("%s is longer than %d characters", field, MaxTextLen)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s %q is not valid UTF-8 text", field, s)
	}
	for _, r := range s {
		if unicode.IsControl(r) || (unicode.IsSpace(r) && r != ' ') {
			return fmt.Errorf("%s %q holds %q: keep it on one line, without tabs or "+
				"control characters", field, s, r)
		}
	}
	return nil
}

// CheckDescription checks a curve description: CheckText's rules, and no
// colon, which ends the value part of a LAS header line.
func CheckDescription(s string) error {
	if err := CheckText("description", s); err != nil {
		return err
	}
	if strings.ContainsRune(s, ':') {
		return fmt.Errorf("description %q holds a colon, which a LAS header line "+
			"cannot carry: use a dash", s)
	}
	return nil
}
