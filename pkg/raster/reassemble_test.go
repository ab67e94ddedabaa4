package raster

import (
	"errors"
	"image"
	"testing"
)

// realPages cuts four overlapping pages from the real scan: page 2 fed
// 7 px to the left, page 3 rotated 0.3 degrees clockwise, page 4 fed 5 px
// to the right. It returns the pages and the scan px (x, y) of each page's
// top-left corner before any rotation.
func realPages(t *testing.T) ([]*image.Gray, [][2]int) {
	_, scan := loadRealScan(t)
	w := scan.Rect.Dx()
	at := [][2]int{{0, 0}, {7, 4400}, {0, 9100}, {-5, 13300}}
	heights := []int{5000, 5400, 4900, 4564}
	pages := make([]*image.Gray, len(at))
	for i, a := range at {
		pages[i] = cutPage(scan, a[0], a[1], w, heights[i])
	}
	pages[2] = Rotate(pages[2], 0.3, 0)
	return pages, at
}

func TestReassembleRealPages(t *testing.T) {
	pages, at := realPages(t)
	_, scan := loadRealScan(t)
	names := []string{"log_p1.tif", "log_p2.tif", "log_p3.tif", "log_p10.tif"}
	// Hand the pages over out of order: natural name order must fix it.
	shuffled := []*image.Gray{pages[3], pages[1], pages[0], pages[2]}
	shufNames := []string{names[3], names[1], names[0], names[2]}
	strip, st, err := Reassemble(shuffled, shufNames, ReassembleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.OrderedBy != OrderNames {
		t.Errorf("ordered by %q, want names", st.OrderedBy)
	}
	checkOffsets(t, st, names, at)

	// Rows across the first join (pages cut without rotation) must be the
	// scan's own rows: no seam.
	x0 := st.Offsets[0].X
	for y := 4400; y < 5000; y++ {
		for x := 10; x < scan.Rect.Dx()-10; x++ {
			if got, want := strip.GrayAt(x+x0, y).Y, scan.GrayAt(x, y).Y; got != want {
				t.Fatalf("strip px (%d, %d) = %d across the first join, scan has %d",
					x, y, got, want)
			}
		}
	}
	if got := absf(inkFraction(strip) - inkFraction(scan)); got > 0.002 {
		t.Errorf("strip ink fraction differs from the scan's by %.4f", got)
	}
}

// checkOffsets compares the recovered page placements with the cuts.
func checkOffsets(t *testing.T, st Stitch, names []string, at [][2]int) {
	t.Helper()
	if len(st.Offsets) != len(at) {
		t.Fatalf("%d offsets, want %d", len(st.Offsets), len(at))
	}
	minX := 0
	for _, a := range at {
		minX = min(minX, a[0])
	}
	for i, o := range st.Offsets {
		if o.Name != names[i] {
			t.Errorf("page %d is %q, want %q", i+1, o.Name, names[i])
			continue
		}
		wantX, wantY := at[i][0]-minX, at[i][1]
		if abs(o.X-wantX) > 1 || abs(o.Y-wantY) > 1 {
			t.Errorf("page %q at (%d, %d), want (%d, %d)", o.Name, o.X, o.Y, wantX, wantY)
		}
		if i > 0 && o.Confidence < 0.6 {
			t.Errorf("page %q joins with confidence %.2f, want >= 0.6", o.Name, o.Confidence)
		}
		t.Logf("page %q at (%d, %d) skew %.3f overlap %d confidence %.3f", o.Name, o.X, o.Y,
			o.SkewDeg, o.Overlap, o.Confidence)
	}
	if s := st.Offsets[2].SkewDeg; absf(s-0.3) > 0.05 {
		t.Errorf("rotated page's skew estimated %.3f deg, want 0.3", s)
	}
}

func TestReassembleByContent(t *testing.T) {
	pages, at := realPages(t)
	names := []string{"scan", "scan", "scan", "scan"} // names that say nothing
	shuffled := []*image.Gray{pages[2], pages[0], pages[3], pages[1]}
	_, st, err := Reassemble(shuffled, names, ReassembleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.OrderedBy != OrderContent {
		t.Errorf("ordered by %q, want content", st.OrderedBy)
	}
	want := []int{1, 3, 0, 2} // input index of each page, top to bottom
	for i, o := range st.Offsets {
		if o.Page != want[i] {
			t.Fatalf("page order %v, want %v", st.Offsets, want)
		}
	}
	checkOffsets(t, st, names, at)
}

func TestReassembleRefusesDisjointPages(t *testing.T) {
	_, scan := loadRealScan(t)
	w := scan.Rect.Dx()
	up := cutPage(scan, 0, 3000, w, 4000)
	lo := cutPage(scan, 0, 7500, w, 4000) // 500 px of log missing between them
	_, _, err := Reassemble([]*image.Gray{up, lo}, []string{"a1", "a2"}, ReassembleOptions{})
	if !errors.Is(err, ErrNoOverlap) {
		t.Fatalf("err = %v, want ErrNoOverlap", err)
	}
	t.Log(err)
}

func TestNaturalLess(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"p2.tif", "p10.tif", true},
		{"p10.tif", "p2.tif", false},
		{"Page_01", "page_2", true},
		{"a", "b", true},
		{"scan", "scan1", true},
		{"x007", "x7a", true},
	}
	for _, tc := range tests {
		if got := naturalLess(tc.a, tc.b); got != tc.want {
			t.Errorf("naturalLess(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestReassembleInOrder hands over pages whose names sort backwards, in
// log order as a manifest's pages list would: the order must be kept.
func TestReassembleInOrder(t *testing.T) {
	pages, at := realPages(t)
	_, st, err := Reassemble(pages[:2], []string{"z.tif", "a.tif"},
		ReassembleOptions{InOrder: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.OrderedBy != OrderGiven || st.Offsets[1].Page != 1 {
		t.Fatalf("ordered by %q as %+v, want the given order", st.OrderedBy, st.Offsets)
	}
	if got, want := st.Offsets[1].Y, at[1][1]; abs(got-want) > 1 {
		t.Errorf("second page at row %d, want %d", got, want)
	}
}

// TestJoinRange joins two pages cut from the real scan across the range of
// overlaps, shifts and turns the defaults allow.
func TestJoinRange(t *testing.T) {
	_, scan := loadRealScan(t)
	w := scan.Rect.Dx()
	tests := []struct {
		overlap, shift int
		deg            float64
	}{
		{60, 0, 0},
		{150, -40, -0.5},
		{300, 45, 1.0},
		{2000, 20, 0},
	}
	for _, tc := range tests {
		up := cutPage(scan, 0, 3000, w, 3500)
		lo := cutPage(scan, tc.shift, 3000+3500-tc.overlap, w, 3500)
		if tc.deg != 0 {
			lo = Rotate(lo, tc.deg, 0)
		}
		_, st, err := Reassemble([]*image.Gray{up, lo}, []string{"1", "2"},
			ReassembleOptions{})
		if err != nil {
			t.Errorf("%+v: %v", tc, err)
			continue
		}
		o := st.Offsets
		if got := o[1].X - o[0].X; abs(got-tc.shift) > 1 || abs(o[1].Overlap-tc.overlap) > 1 {
			t.Errorf("%+v: joined with shift %d, overlap %d", tc, got, o[1].Overlap)
		}
		t.Logf("%+v: confidence %.3f", tc, o[1].Confidence)
	}
}
