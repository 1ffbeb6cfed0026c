package report

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mlre-dev/mlre/internal/drift"
)

// ErrNoHistograms is returned by WriteHTML for a report compared without
// Options.Histograms.
var ErrNoHistograms = errors.New("the report has no histograms: compare with Options.Histograms set")

// WriteHTML writes r as one self-contained HTML page: no scripts, no
// external assets, CSS and SVG charts inline. The summary comes first, then
// a table of every column, then a histogram per column (drifted columns
// first) of the reference and current distributions.
func WriteHTML(w io.Writer, r *Report) error {
	if len(r.Histograms) != len(r.Columns) {
		return ErrNoHistograms
	}
	return htmlTemplate.Execute(w, newHTMLPage(r))
}

type htmlPage struct {
	Verdict          string
	Drift            bool
	Reference        string
	Current          string
	ReferenceRows    string
	CurrentRows      string
	Drifted, Total   int
	Share, Threshold string
	Adjusted         bool
	Rows             []htmlRow
	Charts           []htmlChart
}

type htmlRow struct {
	ID, Name, Type, Method      string
	Statistic, PValue, Adjusted string
	Threshold                   string
	Drift                       bool
}

// htmlChart is one column's SVG, laid out here so that the template only
// prints numbers.
type htmlChart struct {
	ID, Name, Type, Method, Statistic string
	Drift                             bool
	Label, Note                       string
	Width, Height                     int
	Bars                              []svgBar
	Texts                             []svgText
	Lines                             []svgLine
}

type svgBar struct {
	Title                  string
	RX, RY, RW, RH         string // reference
	CX, CY, CW, CH         string // current
	Other                  bool
	LabelX, LabelY, Label  string
	ValueX, ValueY, Values string
}

type svgText struct {
	X, Y, Anchor, Text string
}

type svgLine struct {
	X1, Y1, X2, Y2 string
}

func newHTMLPage(r *Report) *htmlPage {
	p := &htmlPage{
		Verdict:       "No dataset drift",
		Drift:         r.DatasetDrift,
		Reference:     r.ReferencePath,
		Current:       r.CurrentPath,
		ReferenceRows: count3(r.ReferenceRows),
		CurrentRows:   count3(r.CurrentRows),
		Drifted:       r.DriftedColumns,
		Total:         r.ColumnsTotal,
		Share:         strconv.FormatFloat(r.DriftShare, 'f', 3, 64),
		Threshold:     strconv.FormatFloat(r.DatasetDriftShare, 'g', -1, 64),
	}
	if r.DatasetDrift {
		p.Verdict = "Dataset drift detected"
	}
	for i, c := range r.Columns {
		row := htmlRow{
			ID: fmt.Sprintf("col-%d", i+1), Name: c.Name, Type: typeLabel(c.Type), Method: c.Method,
			Statistic: fmtNum(c.Statistic), PValue: "–", Adjusted: "–", Threshold: fmtNum(c.Threshold), Drift: c.Drift,
		}
		if c.PValue != nil {
			row.PValue = fmtNum(*c.PValue)
		}
		if c.PValueAdjusted != nil {
			row.Adjusted = fmtNum(*c.PValueAdjusted)
			p.Adjusted = true
		}
		p.Rows = append(p.Rows, row)
	}
	order := make([]int, len(r.Columns))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch da, db := r.Columns[a].Drift, r.Columns[b].Drift; {
		case da && !db:
			return -1
		case db && !da:
			return 1
		}
		return 0
	})
	for _, i := range order {
		c, row := r.Columns[i], p.Rows[i]
		ch := htmlChart{ID: row.ID, Name: c.Name, Type: row.Type, Method: c.Method, Statistic: row.Statistic, Drift: c.Drift}
		h := r.Histograms[i]
		if c.Type == drift.Numerical {
			layoutNumerical(&ch, h)
		} else {
			layoutCategorical(&ch, h)
		}
		p.Charts = append(p.Charts, ch)
	}
	return p
}

func typeLabel(t drift.Type) string {
	if t == drift.Numerical {
		return "numerical"
	}
	return "categorical"
}

// Chart geometry, in SVG user units (pixels).
const (
	chartWidth = 640
	numHeight  = 190
	numLeft    = 46
	numRight   = 10
	numTop     = 10
	numBottom  = 30
	catRow     = 18
	catLabel   = 170
	catValues  = 120
)

func layoutNumerical(ch *htmlChart, h Histogram) {
	ch.Width, ch.Height = chartWidth, numHeight
	ch.Label = fmt.Sprintf("Histogram of %s: reference and current shares over %d shared bins", ch.Name, len(h.Ref))
	ch.Note = fmt.Sprintf("%d shared bins; %s reference and %s current values", len(h.Ref), count3(h.RefN), count3(h.CurN))
	if len(h.Ref) == 0 {
		ch.Height = 40
		ch.Texts = append(ch.Texts, svgText{X: "10", Y: "24", Anchor: "start", Text: "no values"})
		return
	}
	plotW := float64(chartWidth - numLeft - numRight)
	plotH := float64(numHeight - numTop - numBottom)
	top := maxShare(h)
	bottom := float64(numTop) + plotH
	bw := plotW / float64(len(h.Ref))
	for i := range h.Ref {
		x := float64(numLeft) + float64(i)*bw
		rh, chh := h.Ref[i]/top*plotH, h.Cur[i]/top*plotH
		closing := ")"
		if i == len(h.Ref)-1 {
			closing = "]"
		}
		ch.Bars = append(ch.Bars, svgBar{
			Title: fmt.Sprintf("[%s, %s%s: reference %s, current %s", short(h.Edges[i]), short(h.Edges[i+1]), closing, pct(h.Ref[i]), pct(h.Cur[i])),
			RX:    px(x + 0.5), RY: px(bottom - rh), RW: px(max(bw-1, 0.5)), RH: px(rh),
			CX: px(x + bw/4), CY: px(bottom - chh), CW: px(max(bw/2, 0.5)), CH: px(chh),
		})
	}
	right := float64(chartWidth - numRight)
	ch.Lines = append(ch.Lines,
		svgLine{X1: px(numLeft), Y1: px(bottom), X2: px(right), Y2: px(bottom)},
		svgLine{X1: px(numLeft), Y1: px(numTop), X2: px(numLeft), Y2: px(bottom)},
	)
	labelY := px(bottom + 16)
	ch.Texts = append(ch.Texts,
		svgText{X: px(numLeft - 4), Y: px(numTop + 8), Anchor: "end", Text: pct(top)},
		svgText{X: px(numLeft - 4), Y: px(bottom), Anchor: "end", Text: "0%"},
		svgText{X: px(numLeft), Y: labelY, Anchor: "start", Text: short(h.Edges[0])},
		svgText{X: px(right), Y: labelY, Anchor: "end", Text: short(h.Edges[len(h.Edges)-1])},
	)
	if n := len(h.Ref); n >= 4 {
		mid := n / 2
		ch.Texts = append(ch.Texts, svgText{X: px(float64(numLeft) + float64(mid)*bw), Y: labelY, Anchor: "middle", Text: short(h.Edges[mid])})
	}
}

func layoutCategorical(ch *htmlChart, h Histogram) {
	n := len(h.Labels)
	ch.Width, ch.Height = chartWidth, 8+n*catRow+8
	ch.Label = fmt.Sprintf("Bar chart of %s: reference and current shares of %d categories", ch.Name, n)
	ch.Note = fmt.Sprintf("%s reference and %s current values", count3(h.RefN), count3(h.CurN))
	if h.Other {
		ch.Label += ", the last one adding up the less frequent categories"
		ch.Note = fmt.Sprintf("the %d most frequent categories and the rest as “other”; ", TopCategories) + ch.Note
	}
	if n == 0 {
		ch.Height = 40
		ch.Texts = append(ch.Texts, svgText{X: "10", Y: "24", Anchor: "start", Text: "no values"})
		return
	}
	top := maxShare(h)
	barW := float64(chartWidth - catLabel - catValues - 8)
	for i, name := range h.Labels {
		y := float64(8 + i*catRow)
		other := h.Other && i == n-1
		ch.Bars = append(ch.Bars, svgBar{
			Title: fmt.Sprintf("%s: reference %s, current %s", name, pct(h.Ref[i]), pct(h.Cur[i])),
			RX:    px(catLabel), RY: px(y + 2), RW: px(h.Ref[i] / top * barW), RH: "14",
			CX: px(catLabel), CY: px(y + 6), CW: px(h.Cur[i] / top * barW), CH: "6",
			Other:  other,
			LabelX: px(catLabel - 6), LabelY: px(y + 13), Label: truncate(name, 24),
			ValueX: px(chartWidth - catValues + 4), ValueY: px(y + 13), Values: pct(h.Ref[i]) + " → " + pct(h.Cur[i]),
		})
	}
	ch.Lines = append(ch.Lines, svgLine{X1: px(catLabel), Y1: "6", X2: px(catLabel), Y2: px(float64(ch.Height - 6))})
}

func maxShare(h Histogram) float64 {
	top := 0.0
	for i := range h.Ref {
		top = max(top, h.Ref[i], h.Cur[i])
	}
	if top == 0 {
		return 1
	}
	return top
}

// px formats a coordinate with at most one decimal.
func px(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

func pct(share float64) string {
	return strconv.FormatFloat(share*100, 'f', 1, 64) + "%"
}

// short formats a bin edge in at most 4 significant digits.
func short(v float64) string {
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// count3 writes n with thousands separators.
func count3(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

var htmlTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Verdict}}: {{.Drifted}} of {{.Total}} columns drifted · mlre drift</title>
<style>
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#fff;margin:0 auto;max-width:980px;padding:16px 20px 40px}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1.6em 0 .5em;border-bottom:1px solid #d0d0d0;padding-bottom:.2em}h3{font-size:1em;margin:0}
code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f2f2f2;padding:1px 4px;border-radius:3px;word-break:break-all}
.verdict{font-size:1.15em;font-weight:700;padding:10px 14px;border-radius:6px;border:2px solid #1e6b34;background:#eef8f0;color:#14532d}
.verdict.drift{border-color:#a4000f;background:#fdf0f0;color:#7f000b}
dl{display:grid;grid-template-columns:max-content auto;gap:4px 16px;margin:12px 0}dt{color:#444}dd{margin:0;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:14px}caption{text-align:left;color:#444;padding-bottom:6px}
th,td{padding:5px 8px;border-bottom:1px solid #e3e3e3;text-align:left}thead th{background:#f4f4f4;border-bottom:2px solid #bbb}
td.n{text-align:right;font-variant-numeric:tabular-nums}tbody th{font-weight:600}
tr.drift th,tr.drift td{background:#fdf0f0}.yes{color:#a4000f;font-weight:700}
a{color:#0b57a4}figure{margin:18px 0 26px}figcaption{margin-bottom:4px}.meta{color:#444;font-size:13px}
svg{display:block;max-width:100%;height:auto}svg text{font-size:11px;fill:#333}
.r{fill:#3b6ea8}.c{fill:#c2410c}.o .r{fill:#7d9cc4}.ax{stroke:#666;stroke-width:1}
.key{display:inline-block;vertical-align:middle;border-radius:2px;margin:0 4px 0 12px}
.key.r{width:22px;height:14px;background:#3b6ea8}.key.c{width:22px;height:6px;background:#c2410c}
</style>
</head>
<body>
<header>
<h1>Data drift report</h1>
<p class="meta">Reference <code>{{.Reference}}</code> compared with current <code>{{.Current}}</code>, column by column.</p>
</header>
<main>
<section id="summary" aria-labelledby="summary-h">
<h2 id="summary-h">Summary</h2>
<p class="verdict{{if .Drift}} drift{{end}}">{{.Verdict}}</p>
<dl>
<dt>Drifted columns</dt><dd>{{.Drifted}} of {{.Total}}</dd>
<dt>Share of drifted columns</dt><dd>{{.Share}} (the dataset drifts at {{.Threshold}})</dd>
<dt>Reference rows</dt><dd>{{.ReferenceRows}}</dd>
<dt>Current rows</dt><dd>{{.CurrentRows}}</dd>
</dl>
</section>
<section id="columns" aria-labelledby="columns-h">
<h2 id="columns-h">Columns</h2>
<table>
<caption>Drift test per column, in file order; drifted rows are highlighted.</caption>
<thead><tr><th scope="col">Column</th><th scope="col">Type</th><th scope="col">Method</th><th scope="col">Statistic</th><th scope="col">p-value</th>{{if .Adjusted}}<th scope="col">Adjusted p-value</th>{{end}}<th scope="col">Threshold</th><th scope="col">Drift</th></tr></thead>
<tbody>
{{- range .Rows}}
<tr{{if .Drift}} class="drift"{{end}}><th scope="row"><a href="#{{.ID}}">{{.Name}}</a></th><td>{{.Type}}</td><td>{{.Method}}</td><td class="n">{{.Statistic}}</td><td class="n">{{.PValue}}</td>{{if $.Adjusted}}<td class="n">{{.Adjusted}}</td>{{end}}<td class="n">{{.Threshold}}</td><td>{{if .Drift}}<span class="yes">Yes</span>{{else}}No{{end}}</td></tr>
{{- end}}
</tbody>
</table>
</section>
<section id="distributions" aria-labelledby="distributions-h">
<h2 id="distributions-h">Distributions</h2>
<p class="meta">Drifted columns first. Shares of each file's non-missing values: <span class="key r"></span>reference (wide bars) <span class="key c"></span>current (narrow bars). Hover a bar for its values.</p>
{{- range .Charts}}
<figure id="{{.ID}}">
<figcaption><h3>{{.Name}}{{if .Drift}} <span class="yes">drift</span>{{end}}</h3><span class="meta">{{.Type}} · {{.Method}} {{.Statistic}} · {{.Note}}</span></figcaption>
<svg role="img" aria-label="{{.Label}}" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}"><title>{{.Label}}</title>
{{- range .Bars}}
<g{{if .Other}} class="o"{{end}}><title>{{.Title}}</title><rect class="r" x="{{.RX}}" y="{{.RY}}" width="{{.RW}}" height="{{.RH}}"/><rect class="c" x="{{.CX}}" y="{{.CY}}" width="{{.CW}}" height="{{.CH}}"/>{{if .Label}}<text x="{{.LabelX}}" y="{{.LabelY}}" text-anchor="end">{{.Label}}</text><text x="{{.ValueX}}" y="{{.ValueY}}">{{.Values}}</text>{{end}}</g>
{{- end}}
{{- range .Lines}}
<line class="ax" x1="{{.X1}}" y1="{{.Y1}}" x2="{{.X2}}" y2="{{.Y2}}"/>
{{- end}}
{{- range .Texts}}
<text x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}">{{.Text}}</text>
{{- end}}
</svg>
</figure>
{{- end}}
</section>
</main>
</body>
</html>
`))
