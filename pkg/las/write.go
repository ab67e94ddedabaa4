package las

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// wellOrder lists the ~W items a CWLS LAS 2.0 file carries after STRT,
// STOP, STEP and NULL, with the descriptions written when the caller gives
// none. Items missing from File.Well are written with an empty value.
var wellOrder = []Item{
	{Mnemonic: "COMP", Description: "COMPANY"},
	{Mnemonic: "WELL", Description: "WELL"},
	{Mnemonic: "FLD", Description: "FIELD"},
	{Mnemonic: "LOC", Description: "LOCATION"},
	{Mnemonic: "CNTY", Description: "COUNTY"},
	{Mnemonic: "STAT", Description: "STATE"},
	{Mnemonic: "CTRY", Description: "COUNTRY"},
	{Mnemonic: "SRVC", Description: "SERVICE COMPANY"},
	{Mnemonic: "DATE", Description: "LOG DATE"},
	{Mnemonic: "UWI", Description: "UNIQUE WELL ID"},
	{Mnemonic: "API", Description: "API NUMBER"},
}

// wrapWidth is the longest data line written when File.Wrap is set.
const wrapWidth = 80

// Write writes f as a CWLS LAS 2.0 file. STRT, STOP and STEP come from
// the index column (STEP is 0 when its spacing varies), NULL from f.Null
// (DefaultNull when zero), and NaN values are written as NULL. The ~W
// section always holds COMP, WELL, FLD, LOC, CNTY, STAT, CTRY, SRVC, DATE,
// UWI and API (empty when f.Well lacks them). Data are written one line
// per depth step unless f.Wrap is set. Write fails when f has no curves,
// when Data and Curves disagree in number or length, when the index holds
// NaN or Inf, and when a header item would not read back as written: a
// mnemonic that is empty or holds a space, dot or colon, a unit with a
// space or colon, a description with a colon, a newline in any item, two
// curves with one mnemonic, a non-finite NULL (see checkFile). The error
// names the item; nothing is written then.
func Write(w io.Writer, f *File) error {
	if err := check(f); err != nil {
		return fmt.Errorf("write las: %w", err)
	}
	bw := bufio.NewWriter(w)
	cols := layoutColumns(f)

	writeVersion(bw, f)
	writeWell(bw, f, cols[0])
	writeSection(bw, "~Curve Information", "API CODE", f.Curves)
	if len(f.Params) > 0 {
		writeSection(bw, "~Parameter Information", "VALUE", f.Params)
	}
	if strings.TrimSpace(f.Other) != "" {
		bw.WriteString("~Other Information\n")
		bw.WriteString(strings.TrimRight(f.Other, "\n") + "\n")
	}
	writeASCII(bw, f, cols)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write las: %w", err)
	}
	return nil
}

// check reports what makes f unwritable.
func check(f *File) error {
	if len(f.Curves) == 0 {
		return fmt.Errorf("no curves: give at least the depth index curve")
	}
	if len(f.Data) != len(f.Curves) {
		return fmt.Errorf("%d curves but %d data columns", len(f.Curves), len(f.Data))
	}
	if err := checkFile(f); err != nil {
		return err
	}
	for i, c := range f.Curves {
		if len(f.Data[i]) != len(f.Data[0]) {
			return fmt.Errorf("curve %s has %d rows, index has %d",
				c.Mnemonic, len(f.Data[i]), len(f.Data[0]))
		}
	}
	for r, d := range f.Data[0] {
		if math.IsNaN(d) || math.IsInf(d, 0) {
			return fmt.Errorf("index curve %s is not a number at row %d",
				f.Curves[0].Mnemonic, r)
		}
	}
	return nil
}

// column is the print format of one data column.
type column struct {
	decimals int
	width    int
}

// layoutColumns picks decimals and width for each column: the index gets
// the fewest decimals (up to 6) that print it exactly; value columns keep
// about six significant digits of their largest magnitude, at least two
// decimals so that the NULL value prints as is.
func layoutColumns(f *File) []column {
	null := f.null()
	cols := make([]column, len(f.Data))
	for i, data := range f.Data {
		var d int
		if i == 0 {
			d = max(exactDecimals(data, 6), 1)
		} else {
			d = max(valueDecimals(data), exactDecimals([]float64{null}, 6))
		}
		width := len(f.Curves[i].Mnemonic)
		for _, v := range data {
			if math.IsNaN(v) {
				v = null
			}
			width = max(width, len(strconv.FormatFloat(v, 'f', d, 64)))
		}
		cols[i] = column{decimals: d, width: width + 2}
	}
	return cols
}

// exactDecimals returns the fewest decimals, up to limit, that print every
// finite value in vs to within 1e-9 of itself.
func exactDecimals(vs []float64, limit int) int {
	for d := 0; d < limit; d++ {
		p := math.Pow(10, float64(d))
		ok := true
		for _, v := range vs {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			if math.Abs(math.Round(v*p)/p-v) > 1e-9*math.Max(1, math.Abs(v)) {
				ok = false
				break
			}
		}
		if ok {
			return d
		}
	}
	return limit
}

// valueDecimals keeps about six significant digits of the column's
// largest magnitude, between 2 and 8 decimals.
func valueDecimals(vs []float64) int {
	m := 0.0
	for _, v := range vs {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			m = math.Max(m, math.Abs(v))
		}
	}
	if m == 0 {
		return 2
	}
	d := 5 - int(math.Floor(math.Log10(m)))
	return min(max(d, 2), 8)
}

func writeVersion(w *bufio.Writer, f *File) {
	wrap := "NO"
	wrapDesc := "ONE LINE PER DEPTH STEP"
	if f.Wrap {
		wrap, wrapDesc = "YES", "MULTIPLE LINES PER DEPTH STEP"
	}
	writeSection(w, "~Version Information", "VALUE", []Item{
		{Mnemonic: "VERS", Value: "2.0", Description: "CWLS LOG ASCII STANDARD - VERSION 2.0"},
		{Mnemonic: "WRAP", Value: wrap, Description: wrapDesc},
	})
}

func writeWell(w *bufio.Writer, f *File, idx column) {
	index := f.Data[0]
	unit := f.Curves[0].Unit
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', idx.decimals, 64) }
	var strt, stop, step float64
	if n := len(index); n > 0 {
		strt, stop = index[0], index[n-1]
		step = Step(index)
	}
	items := []Item{
		{Mnemonic: "STRT", Unit: unit, Value: num(strt), Description: "START DEPTH"},
		{Mnemonic: "STOP", Unit: unit, Value: num(stop), Description: "STOP DEPTH"},
		{Mnemonic: "STEP", Unit: unit, Value: num(step), Description: "STEP"},
		{Mnemonic: "NULL", Value: strconv.FormatFloat(f.null(), 'f', -1, 64),
			Description: "NULL VALUE"},
	}
	given := map[string]Item{}
	for _, it := range f.Well {
		given[strings.ToUpper(it.Mnemonic)] = it
	}
	done := map[string]bool{"STRT": true, "STOP": true, "STEP": true, "NULL": true}
	for _, std := range wellOrder {
		it := std
		if g, ok := given[std.Mnemonic]; ok {
			it.Unit, it.Value = g.Unit, g.Value
			if g.Description != "" {
				it.Description = g.Description
			}
		}
		items = append(items, it)
		done[std.Mnemonic] = true
	}
	for _, it := range f.Well {
		if !done[strings.ToUpper(it.Mnemonic)] {
			items = append(items, it)
		}
	}
	writeSection(w, "~Well Information", "DATA", items)
}

// writeSection writes a section title, a comment naming the columns and
// the items aligned in columns.
func writeSection(w *bufio.Writer, title, valueHead string, items []Item) {
	mw, uw, vw := 4, 4, len(valueHead)
	for _, it := range items {
		mw = max(mw, len(it.Mnemonic))
		uw = max(uw, len(it.Unit))
		vw = max(vw, len(clean(it.Value)))
	}
	fmt.Fprintf(w, "%s\n", title)
	fmt.Fprintf(w, "#%-*s.%-*s %*s : DESCRIPTION\n", mw, "MNEM", uw, "UNIT", vw, valueHead)
	for _, it := range items {
		fmt.Fprintf(w, " %-*s.%-*s %*s : %s\n", mw, it.Mnemonic, uw, it.Unit,
			vw, clean(it.Value), clean(it.Description))
	}
}

// clean flattens a header value to one line.
func clean(s string) string {
	return strings.TrimSpace(strings.NewReplacer("\r", " ", "\n", " ").Replace(s))
}

func writeASCII(w *bufio.Writer, f *File, cols []column) {
	null := f.null()
	nullText := strconv.FormatFloat(null, 'f', -1, 64) // as ~W NULL declares it
	w.WriteString("~A")
	for i, c := range f.Curves {
		width := cols[i].width
		if i == 0 {
			width -= 2
		}
		fmt.Fprintf(w, "%*s", width, c.Mnemonic)
	}
	w.WriteString("\n")

	var line []byte
	for r := range f.Rows() {
		line = line[:0]
		for i, col := range cols {
			v := f.Data[i][r]
			s := nullText
			if !math.IsNaN(v) && !math.IsInf(v, 0) && v != null {
				s = strconv.FormatFloat(v, 'f', col.decimals, 64)
			}
			if f.Wrap && i > 0 && len(line)+col.width > wrapWidth {
				w.Write(line)
				w.WriteString("\n")
				line = line[:0]
			}
			for range col.width - len(s) {
				line = append(line, ' ')
			}
			line = append(line, s...)
			if f.Wrap && i == 0 {
				w.Write(line)
				w.WriteString("\n")
				line = line[:0]
			}
		}
		if len(line) > 0 {
			w.Write(line)
			w.WriteString("\n")
		}
	}
}

// WriteCSV writes f's data as CSV: a header row of MNEMONIC[UNIT] names
// (just MNEMONIC when the unit is blank), then one row per depth step with
// NaN written as an empty cell.
func WriteCSV(w io.Writer, f *File) error {
	if err := check(f); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	bw := bufio.NewWriter(w)
	for i, c := range f.Curves {
		if i > 0 {
			bw.WriteByte(',')
		}
		name := c.Mnemonic
		if c.Unit != "" {
			name += "[" + c.Unit + "]"
		}
		bw.WriteString(csvField(name))
	}
	bw.WriteByte('\n')
	var buf []byte
	for r := range f.Rows() {
		buf = buf[:0]
		for i := range f.Data {
			if i > 0 {
				buf = append(buf, ',')
			}
			if v := f.Data[i][r]; !math.IsNaN(v) && !math.IsInf(v, 0) {
				buf = strconv.AppendFloat(buf, v, 'g', -1, 64)
			}
		}
		buf = append(buf, '\n')
		bw.Write(buf)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// csvField quotes a header cell that holds a comma or quote.
func csvField(s string) string {
	if !strings.ContainsAny(s, ",\"\n") {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
