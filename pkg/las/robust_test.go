package las

import (
	"bytes"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// small is a minimal valid LAS 2.0 file the cases below break.
const small = "~V\n VERS. 2.0 :\n WRAP. NO :\n~W\n NULL. -999.25 :\n" +
	"~C\n DEPT.ft :\n GR.GAPI :\n~A\n1 2\n1.5 3\n"

func TestReadRefusesMalformedStructure(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"second ~C after ~A", small + "~C\n X.u :\n~A\n1 2 3\n", "after the ~A"},
		{"second ~C before ~A", "~V\n VERS. 2.0 :\n~C\n DEPT.ft :\n~C\n GR.GAPI :\n~A\n1 2\n",
			"a second ~Curve section"},
		{"second ~A", small + "~A\n2 4\n", "after the ~A"},
		{"~V after ~A turns wrap on", small + "~V\n WRAP. YES :\n2\n4\n", "after the ~A"},
		{"~A without curves", "~V\n VERS. 2.0 :\n~A\n1 2\n", "~A before any ~Curve"},
		{"NULL NaN", strings.Replace(small, "-999.25", "NaN", 1), "not a finite number"},
		{"NULL Inf", strings.Replace(small, "-999.25", "+Inf", 1), "not a finite number"},
		{"data Inf", strings.Replace(small, "1.5 3", "1.5 inf", 1), "not a finite number"},
		{"ragged row", small + "2 4 6\n", "3 values but 2 curves"},
		{"no section", "hello\n", "before the first ~ section"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Read(strings.NewReader(c.src))
			if err == nil {
				t.Fatalf("read without error: %d curves, %d rows", len(f.Curves), f.Rows())
			}
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q: want ErrFormat saying %q", err, c.want)
			}
		})
	}
}

func TestReadNaNTextIsMissing(t *testing.T) {
	f, err := Read(strings.NewReader(strings.Replace(small, "1.5 3", "1.5 nan", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if gr := f.Curve("GR"); len(gr) != 2 || gr[0] != 2 || !math.IsNaN(gr[1]) {
		t.Fatalf("GR = %v, want [2 NaN]", gr)
	}
}

func TestWriteRefusesUnsafeHeader(t *testing.T) {
	base := func() *File {
		return &File{Curves: []Item{{Mnemonic: "DEPT", Unit: "FT"}, {Mnemonic: "GR",
			Unit: "GAPI", Description: "gamma ray"}},
			Well: []Item{{Mnemonic: "WELL", Value: "A-1"}},
			Data: [][]float64{{1, 2}, {3, 4}}}
	}
	cases := []struct {
		name  string
		spoil func(f *File)
		want  string
	}{
		{"unit newline", func(f *File) { f.Curves[1].Unit = "GAPI\n~A 9 9" }, "unit"},
		{"unit space", func(f *File) { f.Curves[1].Unit = "v per v" }, "unit"},
		{"unit colon", func(f *File) { f.Curves[1].Unit = "a:b" }, "unit"},
		{"mnemonic newline", func(f *File) { f.Curves[1].Mnemonic = "X\nY" }, "mnemonic"},
		{"mnemonic dot", func(f *File) { f.Curves[1].Mnemonic = "G.R" }, "mnemonic"},
		{"mnemonic comment", func(f *File) { f.Curves[1].Mnemonic = "#GR" }, "mnemonic"},
		{"mnemonic section", func(f *File) { f.Curves[1].Mnemonic = "~A" }, "mnemonic"},
		{"description colon", func(f *File) { f.Curves[1].Description = "a: b" },
			"description"},
		{"description newline", func(f *File) { f.Curves[1].Description = "a\nb" },
			"description"},
		{"well value newline", func(f *File) { f.Well[0].Value = "A\n~A 1 2" }, "value"},
		{"value not UTF-8", func(f *File) { f.Well[0].Value = "\xff" }, "value"},
		{"param unit space", func(f *File) {
			f.Params = []Item{{Mnemonic: "BHT", Unit: "deg F", Value: "100"}}
		}, "unit"},
		{"two DEPT curves", func(f *File) { f.Curves[1].Mnemonic = "dept" }, "appears twice"},
		{"NULL NaN", func(f *File) { f.Null = math.NaN() }, "NULL"},
		{"other section line", func(f *File) { f.Other = "note\n ~A 1 2" }, "~Other"},
		{"index Inf", func(f *File) { f.Data[0][1] = math.Inf(1) }, "not a number"},
	}
	var buf bytes.Buffer
	if err := Write(&buf, base()); err != nil {
		t.Fatalf("base file refused: %v", err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := base()
			c.spoil(f)
			var buf bytes.Buffer
			err := Write(&buf, f)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v: want one naming the %s", err, c.want)
			}
			if buf.Len() != 0 {
				t.Fatalf("wrote %d bytes before refusing", buf.Len())
			}
		})
	}
}

// TestWriteUnitWithDotRoundTrips keeps the rule that dots inside a unit
// are fine: the unit still ends at the first space.
func TestWriteUnitWithDotRoundTrips(t *testing.T) {
	f := &File{Curves: []Item{{Mnemonic: "DEPT", Unit: "FT"}, {Mnemonic: "TEMP",
		Unit: "DEG.C", Description: "temperature"}}, Data: [][]float64{{1, 2}, {30, 31}}}
	checkRoundTrip(t, f)
}

func TestCheckTruth(t *testing.T) {
	mk := func(index Item, idx []float64, curves ...string) *File {
		f := &File{Curves: []Item{index}, Data: [][]float64{idx}}
		for _, c := range curves {
			f.Curves = append(f.Curves, Item{Mnemonic: c})
			f.Data = append(f.Data, slices.Repeat([]float64{1}, len(idx)))
		}
		return f
	}
	dept := Item{Mnemonic: "DEPT", Unit: "FT"}
	up := []float64{100, 100.5, 101}

	shared, err := CheckTruth(mk(dept, up, "CALI", "gr", "DT"), []string{"GR", "DT", "SP"})
	if err != nil || !slices.Equal(shared, []string{"GR", "DT"}) {
		t.Fatalf("shared %v, err %v; want [GR DT]", shared, err)
	}
	if _, err := CheckTruth(mk(Item{Mnemonic: "X", Unit: "M"}, up, "GR"),
		[]string{"GR"}); err != nil {
		t.Fatalf("an index in metres refused: %v", err)
	}

	allNull := mk(dept, up, "GR", "DT")
	allNull.Data[1] = []float64{math.NaN(), math.NaN(), math.NaN()}
	bad := []struct {
		name string
		f    *File
		want string
	}{
		{"nil", nil, "no curves"},
		{"no depth curve", mk(Item{Mnemonic: "GR", Unit: "GAPI"}, up, "DT"),
			"not a depth index"},
		{"one row", mk(dept, []float64{100}, "GR"), "at least two"},
		{"NULL depth", mk(dept, []float64{100, math.NaN(), 101}, "GR"), "NULL at data row 2"},
		{"index turns back", mk(dept, []float64{100, 101, 100.5}, "GR"), "turns back"},
		{"flat index", mk(dept, []float64{100, 100}, "GR"), "starts and ends"},
		{"nothing shared", mk(dept, up, "CALI", "RHOB"), "truth has CALI, RHOB"},
		{"shared curve all NULL", allNull, "hold no values, only NULL"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := CheckTruth(c.f, []string{"GR"})
			if !errors.Is(err, ErrTruth) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v: want ErrTruth saying %q", err, c.want)
			}
		})
	}
}

// TestCheckTruthRealFiles accepts every real LAS file as truth for its own
// curves.
func TestCheckTruthRealFiles(t *testing.T) {
	for _, path := range realLAS(t) {
		f := readFile(t, path)
		var names []string
		for _, c := range f.Curves[1:] {
			names = append(names, c.Mnemonic)
		}
		shared, err := CheckTruth(f, names)
		if err != nil || len(shared) == 0 {
			t.Errorf("%s: shared %v, err %v", filepath.Base(path), shared, err)
		}
	}
}
