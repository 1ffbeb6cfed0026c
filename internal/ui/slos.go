package ui

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"

	"github.com/mlre-dev/mlre/internal/slostatus"
)

// sloRow is one SLO in a list.
type sloRow struct {
	slostatus.Status
	// State is page, ticket, pending, burning, ok or nodata; StateText
	// says it in words (colour is never the only cue).
	State, StateText string
	Burn1h, Burn5m   *float64
}

func sloRowOf(st slostatus.Status) sloRow {
	r := sloRow{Status: st, Burn1h: st.BurnRate["1h"], Burn5m: st.BurnRate["5m"]}
	r.State, r.StateText = sloState(st)
	return r
}

// sloState sums up an SLO: its worst alert, else whether it burns.
func sloState(st slostatus.Status) (string, string) {
	pending := false
	for _, a := range st.Alerts {
		if a.State == "firing" {
			if a.Severity == "page" {
				return "page", "Paging: " + a.Name
			}
			return "ticket", "Ticket: " + a.Name
		}
		pending = pending || a.State == "pending"
	}
	switch {
	case pending:
		return "pending", "Alert pending"
	case st.ErrorBudget.RemainingRatio == nil && st.SLI == nil:
		return "nodata", "No data"
	case st.BurnRate["1h"] != nil && *st.BurnRate["1h"] > 1:
		return "burning", fmt.Sprintf("Burning %s× the sustainable rate", formatNum(*st.BurnRate["1h"]))
	case st.ErrorBudget.RemainingRatio != nil && *st.ErrorBudget.RemainingRatio <= 0:
		return "page", "Budget exhausted"
	}
	return "ok", "Within objective"
}

var stateRank = map[string]int{"page": 0, "ticket": 1, "pending": 2, "burning": 3, "nodata": 4, "ok": 5}

// sortSLOs puts the SLOs with the least budget left first, then those
// without data; ties by alert state, then name.
func sortSLOs(rows []sloRow) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		ra, rb := a.ErrorBudget.RemainingRatio, b.ErrorBudget.RemainingRatio
		switch {
		case ra != nil && rb != nil && *ra != *rb:
			return *ra < *rb
		case (ra == nil) != (rb == nil):
			return ra != nil
		case stateRank[a.State] != stateRank[b.State]:
			return stateRank[a.State] < stateRank[b.State]
		case a.Service != b.Service:
			return a.Service < b.Service
		}
		return a.Name < b.Name
	})
}

func (u *UI) sloRows(ctx context.Context) ([]sloRow, error) {
	if u.o.SLOs == nil {
		return nil, nil
	}
	sts, err := u.o.SLOs(ctx)
	if err != nil {
		return nil, err
	}
	rows := make([]sloRow, len(sts))
	for i, st := range sts {
		rows[i] = sloRowOf(st)
	}
	sortSLOs(rows)
	return rows, nil
}

type sloListData struct {
	SLOs    []sloRow
	Burning int
}

func (u *UI) sloList(r *http.Request) (*view, error) {
	rows, err := u.sloRows(r.Context())
	if err != nil {
		return nil, err
	}
	d := sloListData{SLOs: rows}
	for _, s := range rows {
		if s.State != "ok" && s.State != "nodata" {
			d.Burning++
		}
	}
	return &view{Page: "slos", Title: "SLOs", Nav: "slos", Data: d}, nil
}

type sloPageData struct {
	SLO     sloRow
	Windows []burnRow
	Budget  *Chart
	Burn    *Chart
	History []alertSpan
	Spans   []spanChoice
	Span    string
}

type burnRow struct {
	Window     string
	ErrorRatio *float64
	BurnRate   *float64
}

// spanChoice is a link to the same page over another time span.
type spanChoice struct {
	Label, Href string
	Current     bool
}

// alertSpan is one stretch of time an alert fired.
type alertSpan struct {
	Name, Severity string
	From, To       time.Time
	Ongoing        bool
	Seconds        float64
}

func (u *UI) sloPage(r *http.Request) (*view, error) {
	service, name := r.PathValue("service"), r.PathValue("name")
	rows, err := u.sloRows(r.Context())
	if err != nil {
		return nil, err
	}
	var row *sloRow
	for i := range rows {
		if rows[i].Service == service && rows[i].Name == name {
			row = &rows[i]
		}
	}
	if row == nil {
		return nil, errNotFound(fmt.Sprintf("No SLO %q in service %q. The SLOs page lists them all.", name, service))
	}
	window := 30 * 24 * time.Hour
	if d, err := model.ParseDuration(row.Window); err == nil {
		window = time.Duration(d)
	}
	span, spans, err := spanParam(r, window)
	if err != nil {
		return nil, err
	}
	d := sloPageData{SLO: *row, Spans: spans, Span: model.Duration(span).String()}
	keys := make([]string, 0, len(row.BurnRate))
	for k := range row.BurnRate {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return windowLess(keys[i], keys[j]) })
	for _, k := range keys {
		d.Windows = append(d.Windows, burnRow{Window: k, ErrorRatio: row.ErrorRatio[k], BurnRate: row.BurnRate[k]})
	}

	sel := fmt.Sprintf(`slo=%q,service=%q`, name, service)
	ctx := r.Context()
	d.Budget, err = u.fittedChart(ctx, "Error budget left", "ratio", `slo:period_error_budget_remaining:ratio{`+sel+`}`, span, func(labels.Labels) string { return "budget left" })
	if err != nil {
		return nil, err
	}
	zero := 0.0
	d.Budget.Lines = []RefLine{{Label: "exhausted", Value: zero}}
	// The SLO's windows up to 6 hours (5m, 30m, 1h, 2h, 6h by default).
	var short []string
	for _, w := range keys {
		if d, err := model.ParseDuration(w); err == nil && time.Duration(d) <= 6*time.Hour {
			short = append(short, regexp.QuoteMeta(w))
		}
	}
	burnQ := fmt.Sprintf(`label_replace({__name__=~"slo:sli_error:ratio_rate(%s)",%s}, "window", "$1", "__name__", "slo:sli_error:ratio_rate(.+)") / %s`,
		strings.Join(short, "|"), sel, strconv.FormatFloat(row.ErrorBudget.Ratio, 'g', -1, 64))
	if row.ErrorBudget.Ratio > 0 && len(short) > 0 {
		d.Burn, err = u.fittedChart(ctx, "Burn rate by window", "x", burnQ, min(span, 7*24*time.Hour), labelLegend("window"))
		if err != nil {
			return nil, err
		}
		d.Burn.Lines = burnLines(row.AlertWindows)
	}
	d.History, err = u.alertHistory(ctx, `ALERTS{alertstate="firing",`+sel+`}`, span)
	if err != nil {
		return nil, err
	}
	return &view{Page: "slo", Title: service + " / " + name, Nav: "slos", Data: d}, nil
}

// burnLines marks the sustainable rate and each burn rate the SLO pages on.
func burnLines(ws []slostatus.AlertWindow) []RefLine {
	out := []RefLine{{Label: "sustainable (1×)", Value: 1}}
	seen := map[float64]bool{}
	for _, w := range ws {
		if w.Severity == "page" && !seen[w.BurnRate] {
			seen[w.BurnRate] = true
			out = append(out, RefLine{Label: fmt.Sprintf("page over %s (%s)", w.LongWindow, formatUnit(w.BurnRate, "x")), Value: w.BurnRate})
		}
	}
	return out
}

// windowLess orders window keys by length, "period" last.
func windowLess(a, b string) bool {
	da, ea := model.ParseDuration(a)
	db, eb := model.ParseDuration(b)
	switch {
	case ea != nil && eb != nil:
		return a < b
	case ea != nil:
		return false
	case eb != nil:
		return true
	}
	return da < db
}

// spanParam reads ?span= (a duration), defaulting to def, and offers the
// usual choices up to def.
func spanParam(r *http.Request, def time.Duration) (time.Duration, []spanChoice, error) {
	span := def
	if v := r.URL.Query().Get("span"); v != "" {
		d, err := model.ParseDuration(v)
		if err != nil || d <= 0 {
			return 0, nil, errBadRequest(fmt.Sprintf("span %q: write a duration such as 1h, 6h, 1d or 30d", v))
		}
		span = min(time.Duration(d), 400*24*time.Hour)
	}
	var out []spanChoice
	for _, c := range []time.Duration{time.Hour, 6 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, def} {
		if c > def || (c == def && len(out) > 0 && out[len(out)-1].Label == model.Duration(c).String()) {
			continue
		}
		q := r.URL.Query()
		q.Set("span", model.Duration(c).String())
		out = append(out, spanChoice{Label: model.Duration(c).String(), Href: r.URL.Path + "?" + q.Encode(), Current: c == span})
	}
	return span, out, nil
}

// trimLeading drops the points before the first one with data, so that a
// chart over a long window that began recently shows what there is.
func trimLeading(c *Chart) {
	first := firstData(c)
	if first == len(c.X) || first < 2 {
		return
	}
	first-- // keep one empty point before the data
	c.X = c.X[first:]
	for i := range c.Series {
		c.Series[i].Values = c.Series[i].Values[first:]
	}
}

// alertHistory turns a range query of ALERTS into the spans each alert fired.
func (u *UI) alertHistory(ctx context.Context, q string, span time.Duration) ([]alertSpan, error) {
	end := u.o.Now()
	start := end.Add(-span)
	step := stepFor(span)
	m, err := u.o.Range(ctx, q, start, end, step)
	if err != nil {
		return nil, fmt.Errorf("alert history: %w", err)
	}
	return spansOf(m, step, end), nil
}

func spansOf(m promql.Matrix, step time.Duration, end time.Time) []alertSpan {
	var out []alertSpan
	for _, s := range m {
		var cur *alertSpan
		for _, p := range s.Floats {
			t := time.UnixMilli(p.T)
			if cur != nil && t.Sub(cur.To) <= step+step/2 {
				cur.To = t
				continue
			}
			if cur != nil {
				out = append(out, *cur)
			}
			cur = &alertSpan{Name: s.Metric.Get("alertname"), Severity: s.Metric.Get("severity"), From: t, To: t}
		}
		if cur != nil {
			cur.Ongoing = end.Sub(cur.To) <= step+step/2
			out = append(out, *cur)
		}
	}
	for i := range out {
		out[i].Seconds = math.Max(out[i].To.Sub(out[i].From).Seconds(), 0)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].From.After(out[j].From) })
	return out
}
