// Package las reads and writes LAS 2.0 files (CWLS): ~Version, ~Well,
// ~Curve, ~Parameter, ~Other and ~ASCII sections, wrapped or not.
package las

// File is one LAS file in memory. Data[i] is curve i's column; the first
// curve is the index (depth).
type File struct {
	Version string // "2.0"
	Wrap    bool
	Null    float64 // default -999.25
	Well    []Item  // STRT, STOP, STEP, NULL are derived on write
	Curves  []Item  // Mnemonic, Unit, Description
	Params  []Item
	Other   string
	Data    [][]float64
}

// Item is one header line: MNEM.UNIT VALUE : DESCRIPTION.
type Item struct {
	Mnemonic    string
	Unit        string
	Value       string
	Description string
}
