package las

import "testing"

func TestDepthUnit(t *testing.T) {
	for in, want := range map[string]string{"ft": "ft", "F": "ft", " Feet ": "ft",
		"m": "m", "METRES": "m", "meter": "m", "ms": "", "": "", "us/ft": ""} {
		if got := DepthUnit(in); got != want {
			t.Errorf("DepthUnit(%q) = %q, want %q", in, got, want)
		}
	}
}
