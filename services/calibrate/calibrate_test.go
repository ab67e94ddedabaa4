package calibrate

import "testing"

func TestFileBase(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"D&K Heinen No. 1-4", "D-K-Heinen-No.-1-4"},
		{"../../etc/passwd", "etc-passwd"},
		{"  ", "well"},
		{"SYNTH-21-3", "SYNTH-21-3"},
	} {
		if got := FileBase(c.in); got != c.want {
			t.Errorf("FileBase(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
