package telemetry

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// FormatTree prints spans as an indented tree, children under their parent
// in start order, each line with the span's duration, its start offset from
// the trace's first span and its service; failed spans end with their error.
// A span whose parent is not among spans is printed as a root. Write errors
// are returned.
func FormatTree(w io.Writer, spans []SpanRecord) error {
	if len(spans) == 0 {
		_, err := fmt.Fprintln(w, "(no spans)")
		return err
	}
	ids := map[string]bool{}
	t0 := spans[0].Start
	for _, s := range spans {
		ids[s.SpanID] = true
		if s.Start.Before(t0) {
			t0 = s.Start
		}
	}
	children := map[string][]SpanRecord{}
	var roots []SpanRecord
	for _, s := range spans {
		if s.ParentID == "" || !ids[s.ParentID] {
			roots = append(roots, s)
			continue
		}
		children[s.ParentID] = append(children[s.ParentID], s)
	}
	byStart := func(list []SpanRecord) {
		sort.SliceStable(list, func(i, j int) bool { return list[i].Start.Before(list[j].Start) })
	}
	byStart(roots)
	for _, list := range children {
		byStart(list)
	}

	tw := &treeWriter{w: w, t0: t0, children: children, width: nameWidth(spans)}
	for _, r := range roots {
		tw.line("", "", r)
		tw.walk("", r.SpanID)
	}
	return tw.err
}

type treeWriter struct {
	w        io.Writer
	t0       time.Time
	children map[string][]SpanRecord
	width    int
	err      error
}

func (tw *treeWriter) walk(indent, parent string) {
	kids := tw.children[parent]
	for i, k := range kids {
		branch, next := "├─ ", "│  "
		if i == len(kids)-1 {
			branch, next = "└─ ", "   "
		}
		tw.line(indent, branch, k)
		tw.walk(indent+next, k.SpanID)
	}
}

func (tw *treeWriter) line(indent, branch string, s SpanRecord) {
	if tw.err != nil {
		return
	}
	label := indent + branch + s.Name
	pad := tw.width - len([]rune(label))
	if pad < 1 {
		pad = 1
	}
	text := fmt.Sprintf("%s%s%9s  +%-9s %s", label, strings.Repeat(" ", pad),
		FormatDuration(s.Duration()), FormatDuration(s.Start.Sub(tw.t0)), s.Service)
	if s.Status == "error" {
		text += "  ERROR: " + s.StatusMessage
	}
	_, tw.err = fmt.Fprintln(tw.w, strings.TrimRight(text, " "))
}

// nameWidth is the label column's width: the deepest indent plus the longest
// name, plus two spaces.
func nameWidth(spans []SpanRecord) int {
	longest := 0
	for _, s := range spans {
		longest = max(longest, len([]rune(s.Name)))
	}
	return longest + 3*depthBound(spans) + 2
}

// depthBound returns the tree's depth (roots are depth 0).
func depthBound(spans []SpanRecord) int {
	parent := map[string]string{}
	for _, s := range spans {
		parent[s.SpanID] = s.ParentID
	}
	deepest := 0
	for _, s := range spans {
		d := 0
		for p := s.ParentID; p != "" && d <= len(spans); p = parent[p] {
			if _, ok := parent[p]; !ok {
				break
			}
			d++
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// FormatDuration prints d with three significant figures: "850µs", "12.3ms",
// "4.56s", "2m05s".
func FormatDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "-" + FormatDuration(-d)
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", d.Nanoseconds())
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	case d < time.Minute:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}
