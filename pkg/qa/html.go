package qa

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
)

// Plot geometry in SVG user units.
const (
	plotW, plotH = 240.0, 640.0
	plotPad      = 36.0
)

// WriteHTML writes the report as one self-contained HTML page: the status,
// the per-class summary and, per curve, its scores, the reasons it needs
// review and an inline SVG plot of the digitised curve (and the truth,
// when given) across its track against depth. It returns the writer's
// error.
func WriteHTML(w io.Writer, r *Report) error {
	if err := pageTmpl.Execute(w, r); err != nil {
		return fmt.Errorf("qa: write html: %w", err)
	}
	return nil
}

var pageTmpl = template.Must(template.New("qa").Funcs(template.FuncMap{
	"num":  fmtNum,
	"pct":  fmtPct,
	"plot": plotSVG,
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>QA {{.Well}}</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;margin:8px 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3}.ok{color:#17752c}.needs_review{color:#b3261e}
.curve{display:inline-block;vertical-align:top;margin:0 24px 24px 0}
svg{background:#fff;border:1px solid #ddd}
</style></head><body>
<h1>QA report {{.Well}}: <span class="{{.Status}}">{{.Status}}</span></h1>
{{if .Reasons}}<ul>{{range .Reasons}}<li>{{.}}</li>{{end}}</ul>{{end}}
<table><tr><th>class</th><th>curves</th><th>median R²</th><th>median MAE</th>
<th>median coverage</th></tr>
{{range .Summary}}<tr><td>{{.Class}}</td><td>{{.Curves}}</td><td>{{num .MedianR2}}</td>
<td>{{num .MedianMAE}}</td><td>{{pct .MedianCov}}</td></tr>
{{end}}</table>
{{range .Curves}}<div class="curve"><h2>{{.Mnemonic}} <small>track {{.Track}}, {{.Style}}</small>:
<span class="{{.Status}}">{{.Status}}</span></h2>
{{if .Reasons}}<ul>{{range .Reasons}}<li>{{.}}</li>{{end}}</ul>{{end}}
<table><tr><th>coverage</th><td>{{pct .Coverage}}</td></tr>
<tr><th>mean confidence</th><td>{{num .MeanConf}}</td></tr>
<tr><th>low-confidence rows</th><td>{{pct .LowConfShare}}</td></tr>
<tr><th>flat rows</th><td>{{pct .FlatShare}}</td></tr>
<tr><th>clipped rows</th><td>{{pct .ClipShare}}</td></tr>
<tr><th>jumps</th><td>{{len .Jumps}}</td></tr>
{{with .Truth}}<tr><th>R²</th><td>{{num .R2}}</td></tr>
<tr><th>MAE</th><td>{{num .MAE}}</td></tr>
<tr><th>MSE</th><td>{{num .MSE}}</td></tr>
<tr><th>truth coverage</th><td>{{pct .Coverage}}</td></tr>{{end}}
</table>
{{plot .}}
</div>
{{end}}</body></html>
`))

func fmtNum(n Num) string {
	if math.IsNaN(float64(n)) {
		return "–"
	}
	return strconv.FormatFloat(float64(n), 'g', 4, 64)
}

func fmtPct(n Num) string {
	if math.IsNaN(float64(n)) {
		return "–"
	}
	return strconv.FormatFloat(100*float64(n), 'f', 1, 64) + "%"
}

// plotSVG draws one curve: fraction of the track width across, depth
// down, track borders as grey lines, truth in black under the digitised
// curve in its class colour.
func plotSVG(cr CurveReport) template.HTML {
	p := cr.Plot
	lo, hi := 0.0, 1.0
	dTop, dBot := math.Inf(1), math.Inf(-1)
	for i, d := range p.Depth {
		dTop, dBot = math.Min(dTop, d), math.Max(dBot, d)
		for _, s := range []Series{p.Digitised, p.Truth} {
			if i < len(s) && !math.IsNaN(s[i]) {
				lo, hi = math.Min(lo, s[i]), math.Max(hi, s[i])
			}
		}
	}
	if !(dBot > dTop) {
		dTop, dBot = 0, 1
	}
	x := func(f float64) float64 { return plotPad + (f-lo)/(hi-lo)*(plotW-2*plotPad) }
	y := func(d float64) float64 { return plotPad + (d-dTop)/(dBot-dTop)*(plotH-2*plotPad) }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" `+
		`viewBox="0 0 %g %g" role="img" aria-label="%s">`, plotW, plotH, plotW, plotH,
		template.HTMLEscapeString(cr.Mnemonic))
	for _, f := range []float64{0, 1} {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%g" x2="%.1f" y2="%g" stroke="#bbb"/>`,
			x(f), plotPad, x(f), plotH-plotPad)
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="20" font-size="10" text-anchor="middle">%s</text>`,
		x(0), template.HTMLEscapeString(fmtVal(p.Left)))
	fmt.Fprintf(&b, `<text x="%.1f" y="20" font-size="10" text-anchor="middle">%s %s</text>`,
		x(1), template.HTMLEscapeString(fmtVal(p.Right)), template.HTMLEscapeString(p.Unit))
	fmt.Fprintf(&b, `<text x="2" y="%g" font-size="10">%s</text>`, plotPad,
		fmtVal(dTop))
	fmt.Fprintf(&b, `<text x="2" y="%g" font-size="10">%s</text>`, plotH-plotPad+12,
		fmtVal(dBot))
	colour := "#dc1e1e"
	if cr.Class == 2 {
		colour = "#1e5ae6"
	}
	polylines(&b, p.Depth, p.Truth, x, y, "#000", 1)
	polylines(&b, p.Depth, p.Digitised, x, y, colour, 1.2)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from numbers and escaped text only
}

// polylines writes one polyline per run of defined values.
func polylines(b *strings.Builder, depth, v Series, x, y func(float64) float64,
	colour string, width float64) {
	open := false
	for i := range v {
		if math.IsNaN(v[i]) {
			if open {
				b.WriteString(`"/>`)
				open = false
			}
			continue
		}
		if !open {
			fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="%g" points="`,
				colour, width)
			open = true
		}
		fmt.Fprintf(b, "%.1f,%.1f ", x(v[i]), y(depth[i]))
	}
	if open {
		b.WriteString(`"/>`)
	}
}

func fmtVal(v float64) string { return strconv.FormatFloat(v, 'g', 5, 64) }
