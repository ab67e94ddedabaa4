package las

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzRead feeds Read arbitrary bytes: it must return a file or an error,
// never panic, and a file it returns has one column per curve, all of one
// length. When Write accepts that file, Read must read it back with the
// same curves and rows. Run it with
//
//	go test ./pkg/las -run '^$' -fuzz FuzzRead -fuzztime 60s
func FuzzRead(f *testing.F) {
	seeds := []string{
		small,
		strings.Replace(small, "WRAP. NO", "WRAP. YES", 1) + "2\n4\n",
		small + "~C\n X.u :\n~A\n1 2 3\n",
		"~V\n VERS. 1.2 :\n~W\n WELL. : A-1\n~C\n DEPT.F :\n~A\n1\n2\n",
		"~C\n DEPT.M : d\n GR.  : g\n~O\nnote\n~A\n1,2\n2\t-999.25\n",
		"~V\n VERS. 3.0 :\n",
		"~A\n1\n",
		"~C\n~A\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lf, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		if len(lf.Data) != len(lf.Curves) {
			t.Fatalf("%d columns for %d curves", len(lf.Data), len(lf.Curves))
		}
		for i, col := range lf.Data {
			if len(col) != lf.Rows() {
				t.Fatalf("column %d has %d rows, index %d", i, len(col), lf.Rows())
			}
		}
		var buf bytes.Buffer
		if Write(&buf, lf) != nil {
			return
		}
		back, err := Read(&buf)
		if err != nil {
			t.Fatalf("Write's output does not read back: %v\n%s", err, buf.String())
		}
		if len(back.Curves) != len(lf.Curves) || back.Rows() != lf.Rows() {
			t.Fatalf("read back %d curves x %d rows, wrote %d x %d", len(back.Curves),
				back.Rows(), len(lf.Curves), lf.Rows())
		}
	})
}
