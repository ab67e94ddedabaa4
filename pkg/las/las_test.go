package las

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/welllog/digitiser/pkg/realdata"
)

// realLAS returns the real LAS files under ../shared/realdata/las, found
// from the module root, or skips the test when they are absent.
func realLAS(t testing.TB) []string {
	t.Helper()
	dir, err := realdata.Dir()
	if err != nil {
		t.Skip("no go.mod above the test: cannot find ../shared/realdata")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "las", "*.las"))
	if len(files) == 0 {
		t.Skip("real LAS files absent: put them in ../shared/realdata/las")
	}
	return files
}

func readFile(t testing.TB, path string) *File {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Read(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	return f
}

func TestReadRealFiles(t *testing.T) {
	for _, path := range realLAS(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f := readFile(t, path)
			if f.Rows() == 0 || len(f.Curves) < 2 {
				t.Fatalf("%d rows, %d curves", f.Rows(), len(f.Curves))
			}
			for i, col := range f.Data {
				if len(col) != f.Rows() {
					t.Fatalf("curve %s: %d rows, index %d", f.Curves[i].Mnemonic,
						len(col), f.Rows())
				}
			}
			strt, err := strconv.ParseFloat(f.WellValue("STRT"), 64)
			if err != nil {
				t.Fatalf("STRT %q: %v", f.WellValue("STRT"), err)
			}
			if idx := f.Data[0]; idx[0] != strt {
				t.Errorf("first index %v, STRT %v", idx[0], strt)
			}
			checkMonotonic(t, f.Data[0])
			for _, col := range f.Data {
				for _, v := range col {
					if v == f.Null {
						t.Fatalf("NULL %v left in the data", f.Null)
					}
				}
			}
			checkRoundTrip(t, f)
		})
	}
}

func checkMonotonic(t *testing.T, idx []float64) {
	t.Helper()
	sign := math.Copysign(1, idx[len(idx)-1]-idx[0])
	for i := 1; i < len(idx); i++ {
		if (idx[i]-idx[i-1])*sign < 0 { // repeated rows occur in real files
			t.Fatalf("index not monotonic at row %d: %v then %v", i, idx[i-1], idx[i])
		}
	}
}

// checkRoundTrip writes f, reads it back and compares every value to the
// precision the writer keeps (six significant digits).
func checkRoundTrip(t *testing.T, f *File) {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, f); err != nil {
		t.Fatal(err)
	}
	g, err := Read(&buf)
	if err != nil {
		t.Fatalf("read back: %v\n%s", err, head(buf.String()))
	}
	if len(g.Curves) != len(f.Curves) || g.Rows() != f.Rows() {
		t.Fatalf("read back %d curves x %d rows, wrote %d x %d",
			len(g.Curves), g.Rows(), len(f.Curves), f.Rows())
	}
	for i, c := range f.Curves {
		if g.Curves[i].Mnemonic != c.Mnemonic || g.Curves[i].Unit != c.Unit {
			t.Errorf("curve %d: %s.%s back as %s.%s", i, c.Mnemonic, c.Unit,
				g.Curves[i].Mnemonic, g.Curves[i].Unit)
		}
		scale := 0.0
		for _, v := range f.Data[i] {
			if !math.IsNaN(v) {
				scale = math.Max(scale, math.Abs(v))
			}
		}
		for r, v := range f.Data[i] {
			w := g.Data[i][r]
			if math.IsNaN(v) != math.IsNaN(w) || math.Abs(v-w) > 1e-5*scale+1e-9 {
				t.Fatalf("curve %s row %d: wrote %v, read %v", c.Mnemonic, r, v, w)
			}
		}
	}
}

func head(s string) string {
	if len(s) > 2000 {
		return s[:2000]
	}
	return s
}

const las12 = "~VERSION INFORMATION\r\n" +
	" VERS.                  1.2:   CWLS LOG ASCII STANDARD -VERSION 1.2\r\n" +
	" WRAP.                  NO:   ONE LINE PER DEPTH STEP\r\n" +
	"~WELL INFORMATION BLOCK\r\n" +
	"#MNEM.UNIT       DATA TYPE    INFORMATION\r\n" +
	" STRT.M        1670.000000:\r\n" +
	" STOP.M        1669.750000:\r\n" +
	" STEP.M            -0.1250:\r\n" +
	" NULL.           -99999:\r\n" +
	" COMP.             COMPANY:   ANY OIL COMPANY LTD.\r\n" +
	" WELL.                WELL:   ANY ET AL OIL WELL #12\r\n" +
	"~CURVE INFORMATION\r\n" +
	" DEPT.M                      :  1  DEPTH\r\n" +
	" DT  .US/M                   :  2  SONIC TRANSIT TIME\r\n" +
	" GR  .                       :  3  GAMMA RAY\r\n" +
	"\r\n" +
	"~A  DEPTH     DT       GR\r\n" +
	"# a comment in the data\r\n" +
	"1670.000   123.450 -99999\r\n" +
	"1669.875   123.450   46.5\r\n" +
	"1669.750   -99999.0  47.0\r\n"

func TestRead12(t *testing.T) {
	f, err := Read(strings.NewReader(las12))
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != "1.2" || f.Wrap {
		t.Errorf("version %q wrap %v", f.Version, f.Wrap)
	}
	if got := f.WellValue("COMP"); got != "ANY OIL COMPANY LTD." {
		t.Errorf("COMP %q: LAS 1.2 value after the colon not swapped", got)
	}
	if f.Null != -99999 {
		t.Errorf("null %v", f.Null)
	}
	if f.Curves[2].Unit != "" || f.Curves[1].Unit != "US/M" {
		t.Errorf("units %q %q", f.Curves[1].Unit, f.Curves[2].Unit)
	}
	gr, dt := f.Curve("gr"), f.Curve("DT")
	if len(gr) != 3 || !math.IsNaN(gr[0]) || gr[2] != 47 || !math.IsNaN(dt[2]) {
		t.Errorf("GR %v DT %v", gr, dt)
	}
	if Step(f.Data[0]) != -0.125 {
		t.Errorf("step %v", Step(f.Data[0]))
	}
	checkRoundTrip(t, f)
}

func TestReadWrapped(t *testing.T) {
	src := "~V\nVERS. 2.0 :\nWRAP. YES :\n~W\nNULL. -999.25 :\n~C\n" +
		"DEPT.FT :\nA.    :\nB.    :\nC.    :\n~A\n" +
		"100.0\n1 2\n3\n100.5\n4\n5 -999.25\n"
	f, err := Read(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if !f.Wrap || f.Rows() != 2 {
		t.Fatalf("wrap %v rows %d", f.Wrap, f.Rows())
	}
	if c := f.Curve("C"); c[0] != 3 || !math.IsNaN(c[1]) {
		t.Errorf("C = %v", c)
	}
	if _, err := Read(strings.NewReader(src + "7\n")); err == nil {
		t.Error("a wrapped file with a stray value read without error")
	}
}

func TestReadErrors(t *testing.T) {
	cases := map[string]string{
		"no curves":    "~V\nVERS. 2.0:\n~W\nNULL. -999.25:\n",
		"short row":    "~V\nWRAP. NO:\n~C\nDEPT.M:\nGR.:\n~A\n1 2\n3\n",
		"not a number": "~V\nWRAP. NO:\n~C\nDEPT.M:\nGR.:\n~A\n1 x\n",
		"not LAS":      "hello\n",
		"bad wrap":     "~V\nWRAP. MAYBE:\n",
	}
	for name, src := range cases {
		if _, err := Read(strings.NewReader(src)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestWriteHeader(t *testing.T) {
	n := 2001
	depth := make([]float64, n)
	gr := make([]float64, n)
	for i := range depth {
		depth[i] = 250 + 0.5*float64(i)
		gr[i] = 40 + 30*math.Sin(float64(i)/17)
	}
	gr[7] = math.NaN()
	f := &File{
		Well: []Item{{Mnemonic: "WELL", Value: "D&K HEINEN 1-4"},
			{Mnemonic: "API", Value: "15-131-20215-00-00"}},
		Curves: []Item{{Mnemonic: "DEPT", Unit: "FT", Description: "DEPTH"},
			{Mnemonic: "GR", Unit: "GAPI", Description: "GAMMA RAY"}},
		Data: [][]float64{depth, gr},
	}
	var buf bytes.Buffer
	if err := Write(&buf, f); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"VERS", "WRAP", "COMP", "FLD", "LOC", "CTRY", "STAT",
		"CNTY", "SRVC", "DATE", "UWI", "~Curve", "~A"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in\n%s", want, head(out))
		}
	}
	g, err := Read(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	wantNum := map[string]float64{"STRT": 250, "STOP": 1250, "STEP": 0.5, "NULL": -999.25}
	for m, want := range wantNum {
		if got, err := strconv.ParseFloat(g.WellValue(m), 64); err != nil || got != want {
			t.Errorf("%s = %q, want %v", m, g.WellValue(m), want)
		}
	}
	wantWell := map[string]string{"WELL": "D&K HEINEN 1-4", "API": "15-131-20215-00-00"}
	for m, want := range wantWell {
		if got := g.WellValue(m); got != want {
			t.Errorf("%s = %q, want %q", m, got, want)
		}
	}
	if g.WellValue("STRT") == "" || g.Curves[0].Unit != "FT" {
		t.Errorf("STRT unit lost")
	}
	if !strings.Contains(out, "-999.25") || !math.IsNaN(g.Curve("GR")[7]) {
		t.Error("NaN not written as NULL")
	}
	checkRoundTrip(t, f)
}

func TestWriteWrapped(t *testing.T) {
	n := 30
	f := &File{Wrap: true, Curves: []Item{{Mnemonic: "DEPT", Unit: "M"}}}
	f.Data = [][]float64{make([]float64, 5)}
	for i := range 5 {
		f.Data[0][i] = 1000 - 0.1524*float64(i)
	}
	for c := range n {
		f.Curves = append(f.Curves, Item{Mnemonic: "C" + strconv.Itoa(c)})
		col := make([]float64, 5)
		for i := range col {
			col[i] = float64(c*100+i) + 0.123
		}
		f.Data = append(f.Data, col)
	}
	var buf bytes.Buffer
	if err := Write(&buf, f); err != nil {
		t.Fatal(err)
	}
	inData := false
	for _, line := range strings.Split(buf.String(), "\n") {
		if inData && len(line) > 80 {
			t.Fatalf("wrapped line of %d chars: %q", len(line), line)
		}
		inData = inData || strings.HasPrefix(line, "~A")
	}
	if !strings.Contains(buf.String(), "-0.1524") {
		t.Errorf("decreasing STEP not written:\n%s", head(buf.String()))
	}
	checkRoundTrip(t, f)
}

func TestWriteRejects(t *testing.T) {
	bad := []*File{
		{},
		{Curves: []Item{{Mnemonic: "DEPT"}}, Data: [][]float64{{1, math.NaN()}}},
		{Curves: []Item{{Mnemonic: "DEPT"}, {Mnemonic: "G R"}}, Data: [][]float64{{1}, {2}}},
		{Curves: []Item{{Mnemonic: "DEPT"}, {Mnemonic: "GR"}}, Data: [][]float64{{1}, {}}},
	}
	for i, f := range bad {
		if err := Write(&bytes.Buffer{}, f); err == nil {
			t.Errorf("case %d written without error", i)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	f := &File{Curves: []Item{{Mnemonic: "DEPT", Unit: "FT"}, {Mnemonic: "GR"}},
		Data: [][]float64{{10, 10.5}, {1.25, math.NaN()}}}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, f); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "DEPT[FT],GR\n10,1.25\n10.5,\n"; got != want {
		t.Errorf("csv %q, want %q", got, want)
	}
}

// TestWriteNullAsDeclared: NULL is written as the ~W NULL line declares it
// in every column, whatever that column's decimals (it once read -999.250
// in some columns and -999.25 in others).
func TestWriteNullAsDeclared(t *testing.T) {
	f := &File{Version: "2.0", Null: DefaultNull,
		Curves: []Item{{Mnemonic: "DEPT", Unit: "ft"}, {Mnemonic: "GR"}, {Mnemonic: "RHOB"}},
		Data:   [][]float64{{100, 100.5}, {math.NaN(), 45.125}, {2.3456, math.NaN()}}}
	var buf bytes.Buffer
	if err := Write(&buf, f); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	data := text[strings.Index(text, "~A"):]
	if strings.Contains(data, "-999.250") || strings.Count(data, "-999.25") != 2 {
		t.Errorf("NULL not written as declared (-999.25) in both columns:\n%s", data)
	}
	g, err := Read(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(g.Curve("GR")[0]) || !math.IsNaN(g.Curve("RHOB")[1]) ||
		g.Curve("RHOB")[0] != 2.3456 {
		t.Errorf("read back GR %v RHOB %v", g.Curve("GR"), g.Curve("RHOB"))
	}
}
