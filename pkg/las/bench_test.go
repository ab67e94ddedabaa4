package las

import (
	"bytes"
	"io"
	"math"
	"testing"
)

// benchFile is a 1:240 log of 870 ft at 0.5 ft (the real scan's interval)
// with five curves, the size BuildLog produces for one pass.
func benchFile() *File {
	n := 1741
	f := &File{Curves: []Item{{Mnemonic: "DEPT", Unit: "FT"}}}
	depth := make([]float64, n)
	for i := range depth {
		depth[i] = 250 + 0.5*float64(i)
	}
	f.Data = append(f.Data, depth)
	for _, m := range []string{"GR", "CALI", "DT", "SPHI", "LTEN"} {
		col := make([]float64, n)
		for i := range col {
			col[i] = 100 + 50*math.Sin(float64(i)/13+float64(len(m)))
		}
		f.Curves = append(f.Curves, Item{Mnemonic: m})
		f.Data = append(f.Data, col)
	}
	return f
}

func BenchmarkWrite(b *testing.B) {
	f := benchFile()
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(io.Discard, f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(f.Rows()*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkRead(b *testing.B) {
	var buf bytes.Buffer
	if err := Write(&buf, benchFile()); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
