package las

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Read parses a LAS 1.2 or 2.0 file, wrapped or not. Comment lines (#) and
// blank lines are skipped anywhere; header lines are MNEM.UNIT VALUE :
// DESCRIPTION, split at the first dot, the first space after it and the
// last colon. In LAS 1.2 files the ~W items other than STRT, STOP, STEP
// and NULL carry their value after the colon, and Read swaps them back.
// Data values may be separated by spaces, tabs or commas.
// Values equal to the file's NULL (any value, e.g. -999.25 or -99999)
// become NaN in Data, and so does a value written as NaN. The index may
// increase or decrease. Each of ~Curve and ~A appears once and ~A last; a
// second ~Curve or ~A section, a section after ~A, a NULL that is not a
// finite number and an infinite data value are errors. Errors wrap
// ErrFormat and name the line to fix; Read never panics on bad input
// (FuzzRead checks it).
func Read(r io.Reader) (*File, error) {
	p := parser{f: &File{Version: "2.0", Null: DefaultNull}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		p.line++
		if err := p.feed(sc.Bytes()); err != nil {
			return nil, fmt.Errorf("read las: line %d: %w", p.line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read las: %w", err)
	}
	if err := p.finish(); err != nil {
		return nil, fmt.Errorf("read las: %w", err)
	}
	return p.f, nil
}

// parser holds Read's state between lines.
type parser struct {
	f       *File
	line    int
	section byte // 'V', 'W', 'C', 'P', 'O', 'A' or 0 before the first
	other   strings.Builder
	seenA   bool
	seenC   bool
	tokens  []float64 // wrapped data, flattened
}

func (p *parser) feed(raw []byte) error {
	if p.line == 1 {
		raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	}
	line := strings.TrimRight(string(raw), "\r\n")
	trim := strings.TrimSpace(line)
	if p.section == 'O' && !strings.HasPrefix(trim, "~") {
		p.other.WriteString(line + "\n")
		return nil
	}
	if trim == "" || strings.HasPrefix(trim, "#") {
		return nil
	}
	if strings.HasPrefix(trim, "~") {
		return p.startSection(trim)
	}
	switch p.section {
	case 'A':
		return p.data(trim)
	case 'V', 'W', 'C', 'P':
		return p.item(line)
	case 0:
		return fmt.Errorf("%w: text before the first ~ section: is this a LAS file?",
			ErrFormat)
	}
	return nil // a section we do not keep (e.g. LAS 3 sections)
}

// startSection opens a section. LAS 2.0 puts ~A last and each of ~C and
// ~A once; a file that breaks this is refused rather than guessed at.
func (p *parser) startSection(trim string) error {
	if len(trim) < 2 {
		return fmt.Errorf("%w: section line %q has no name", ErrFormat, trim)
	}
	name := strings.ToUpper(trim[1:2])[0]
	if p.seenA {
		return fmt.Errorf("%w: section %q after the ~A data section: ~A must be the "+
			"last section", ErrFormat, trim)
	}
	p.section = name
	switch name {
	case 'V', 'W', 'P', 'O':
	case 'C':
		if p.seenC {
			return fmt.Errorf("%w: a second ~Curve section: list every curve in one "+
				"~Curve section", ErrFormat)
		}
		p.seenC = true
	case 'A':
		if len(p.f.Curves) == 0 {
			return fmt.Errorf("%w: ~A before any ~Curve section", ErrFormat)
		}
		p.f.Data = make([][]float64, len(p.f.Curves))
		p.seenA = true
	default:
		p.section = '?'
	}
	return nil
}

// item parses one header line of the ~V, ~W, ~C or ~P section.
func (p *parser) item(line string) error {
	it, ok := parseItem(line)
	if !ok {
		if p.section == 'C' {
			return fmt.Errorf("%w: curve line %q has no MNEM.UNIT", ErrFormat, line)
		}
		return nil // tolerate stray text in other header sections
	}
	switch p.section {
	case 'V':
		return p.version(it)
	case 'W':
		if p.f.Version == "1.2" {
			switch strings.ToUpper(it.Mnemonic) {
			case "STRT", "STOP", "STEP", "NULL":
			default:
				it.Value, it.Description = it.Description, it.Value
			}
		}
		if strings.EqualFold(it.Mnemonic, "NULL") {
			v, err := strconv.ParseFloat(it.Value, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: NULL value %q is not a finite number", ErrFormat,
					it.Value)
			}
			p.f.Null = v
		}
		p.f.Well = append(p.f.Well, it)
	case 'C':
		p.f.Curves = append(p.f.Curves, it)
	case 'P':
		p.f.Params = append(p.f.Params, it)
	}
	return nil
}

func (p *parser) version(it Item) error {
	switch strings.ToUpper(it.Mnemonic) {
	case "VERS":
		v, err := strconv.ParseFloat(it.Value, 64)
		if err != nil {
			return fmt.Errorf("%w: VERS %q is not a number", ErrFormat, it.Value)
		}
		switch {
		case v < 2:
			p.f.Version = "1.2"
		case v < 3:
			p.f.Version = "2.0"
		default:
			return fmt.Errorf("%w: LAS version %s is not supported: save as LAS 2.0",
				ErrFormat, it.Value)
		}
	case "WRAP":
		switch strings.ToUpper(it.Value) {
		case "YES":
			p.f.Wrap = true
		case "NO":
			p.f.Wrap = false
		default:
			return fmt.Errorf("%w: WRAP %q: use YES or NO", ErrFormat, it.Value)
		}
	}
	return nil
}

// parseItem splits MNEM.UNIT VALUE : DESCRIPTION. It reports false when
// the line has no dot.
func parseItem(line string) (Item, bool) {
	dot := strings.IndexByte(line, '.')
	if dot < 0 {
		return Item{}, false
	}
	it := Item{Mnemonic: strings.TrimSpace(line[:dot])}
	if it.Mnemonic == "" {
		return Item{}, false
	}
	rest := line[dot+1:]
	if sp := strings.IndexAny(rest, " \t"); sp >= 0 {
		it.Unit, rest = rest[:sp], rest[sp:]
	} else if c := strings.IndexByte(rest, ':'); c >= 0 {
		it.Unit, rest = rest[:c], rest[c:]
	} else {
		it.Unit, rest = rest, ""
	}
	if c := strings.LastIndexByte(rest, ':'); c >= 0 {
		it.Value = strings.TrimSpace(rest[:c])
		it.Description = strings.TrimSpace(rest[c+1:])
	} else {
		it.Value = strings.TrimSpace(rest)
	}
	return it, true
}

// data parses one ~A line.
func (p *parser) data(trim string) error {
	fields := strings.FieldsFunc(trim, isDelim)
	vals := make([]float64, 0, len(fields))
	for _, s := range fields {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(v, 0) {
			return fmt.Errorf("%w: data value %q is not a finite number", ErrFormat, s)
		}
		if isNull(v, p.f.Null) {
			v = math.NaN()
		}
		vals = append(vals, v)
	}
	if p.f.Wrap {
		p.tokens = append(p.tokens, vals...)
		return nil
	}
	if len(vals) != len(p.f.Curves) {
		return fmt.Errorf("%w: %d values but %d curves in ~C: fix the row or set WRAP YES",
			ErrFormat, len(vals), len(p.f.Curves))
	}
	for i, v := range vals {
		p.f.Data[i] = append(p.f.Data[i], v)
	}
	return nil
}

// isDelim splits ~A values: spaces, tabs and commas (some writers emit
// comma-separated data in LAS 2.0 files).
func isDelim(r rune) bool { return r == ' ' || r == '\t' || r == ',' }

// isNull reports whether v is the file's NULL value.
func isNull(v, null float64) bool {
	return v == null || math.Abs(v-null) <= 1e-9*math.Abs(null)
}

func (p *parser) finish() error {
	p.f.Other = p.other.String()
	if len(p.f.Curves) == 0 {
		return fmt.Errorf("%w: no ~Curve section", ErrFormat)
	}
	if !p.seenA {
		p.f.Data = make([][]float64, len(p.f.Curves))
		return nil
	}
	if !p.f.Wrap {
		return nil
	}
	n := len(p.f.Curves)
	if len(p.tokens)%n != 0 {
		return fmt.Errorf("%w: wrapped data hold %d values, not a multiple of %d curves",
			ErrFormat, len(p.tokens), n)
	}
	rows := len(p.tokens) / n
	for i := range p.f.Data {
		p.f.Data[i] = make([]float64, rows)
	}
	for r := range rows {
		for i := range n {
			p.f.Data[i][r] = p.tokens[r*n+i]
		}
	}
	return nil
}
