package ui

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/mlre-dev/mlre/internal/drift"
	"github.com/mlre-dev/mlre/internal/monitor"
)

// qualityWarn is the data-quality share from which a check is shown as a
// problem.
const qualityWarn = 0.05

// modelRow is one model in a list.
type modelRow struct {
	Name, Prediction, Window string
	Versions                 []monitor.VersionSummary
	Evaluated                *time.Time
	// Problems lists what is wrong in words; empty: healthy.
	Problems []string
	Alerts   int
	NoData   bool
}

// modelRows lists the models, those with firing alerts (from alerts, the
// active ones) first.
func (u *UI) modelRows(alerts []alertRow) ([]modelRow, []monitor.ModelDetail) {
	if u.o.Models == nil {
		return nil, nil
	}
	ds := u.o.Models()
	firing := map[string]int{}
	for _, a := range alerts {
		if a.Kind == "model" && a.State == "firing" {
			for _, l := range a.Labels {
				if l.Name == "model" {
					firing[l.Value]++
				}
			}
		}
	}
	rows := make([]modelRow, 0, len(ds))
	for _, d := range ds {
		row := modelRow{Name: d.Name, Prediction: d.Prediction, Window: d.Window, Versions: d.Versions, Evaluated: d.Evaluated,
			Alerts: firing[d.Name], Problems: modelProblems(d)}
		row.NoData = len(d.Evaluations) == 0
		rows = append(rows, row)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if (a.Alerts > 0) != (b.Alerts > 0) {
			return a.Alerts > 0
		}
		if len(a.Problems) != len(b.Problems) {
			return len(a.Problems) > len(b.Problems)
		}
		return a.Name < b.Name
	})
	return rows, ds
}

// modelProblems says what is wrong with a model's last evaluations.
func modelProblems(d monitor.ModelDetail) []string {
	var out []string
	for _, e := range d.Evaluations {
		v := ""
		if len(d.Evaluations) > 1 {
			v = e.Version + ": "
		}
		if e.Summary.DatasetDrift {
			out = append(out, fmt.Sprintf("%sdataset drift (%s of features)", v, formatUnit(e.Summary.DriftShare, "ratio")))
		} else if n := driftedFeatures(e.Drift); len(n) > 0 {
			out = append(out, v+"drift in "+strings.Join(n, ", "))
		}
		if e.PredictionDrift != nil && e.PredictionDrift.Drift {
			out = append(out, v+"prediction drift")
		}
		attrs := make([]string, 0, len(e.Fairness))
		for a, f := range e.Fairness {
			if f.FourFifthsViolated {
				attrs = append(attrs, a)
			}
		}
		sort.Strings(attrs)
		for _, a := range attrs {
			out = append(out, fmt.Sprintf("%sunfair by %s (parity ratio %s)", v, a, formatNum(e.Fairness[a].Metrics["demographic_parity_ratio"])))
		}
		for _, q := range e.Quality {
			if q.Value >= qualityWarn {
				out = append(out, fmt.Sprintf("%s%s %s %s", v, q.Feature, strings.ReplaceAll(q.Check, "_", " "), formatUnit(q.Value, "ratio")))
			}
		}
	}
	return out
}

func driftedFeatures(rs []drift.Result) []string {
	var out []string
	for _, r := range rs {
		if r.Drift {
			out = append(out, r.Name)
		}
	}
	return out
}

type modelListData struct {
	Models []modelRow
}

func (u *UI) modelList(*http.Request) (*view, error) {
	rows, _ := u.modelRows(u.activeAlerts())
	return &view{Page: "models", Title: "Models", Nav: "models", Data: modelListData{Models: rows}}, nil
}

type modelPageData struct {
	Model       modelRow
	Detail      monitor.ModelDetail
	Evaluations []evalView
	Performance *Chart
	Estimated   *Chart
	DriftChart  *Chart
	LabelDelay  *Chart
	Spans       []spanChoice
	Span        string
}

// evalView is one version's last evaluation, arranged for the page.
type evalView struct {
	monitor.Evaluation
	Histograms []*Chart
	Fairness   []fairnessView
	Metrics    []metricView
	Estimated  []metricView
	Quality    []monitor.QualityCheck
}

type metricView struct {
	Name  string
	Value float64
}

type fairnessView struct {
	Attribute string
	Violated  bool
	Metrics   []metricView
	Groups    []groupView
	// Columns are the group metrics shown, in order.
	Columns []string
}

type groupView struct {
	Group  string
	Values []*float64
}

func (u *UI) modelPage(r *http.Request) (*view, error) {
	name := r.PathValue("name")
	rows, details := u.modelRows(u.activeAlerts())
	var row *modelRow
	var det monitor.ModelDetail
	for i := range rows {
		if rows[i].Name == name {
			row = &rows[i]
		}
	}
	for _, d := range details {
		if d.Name == name {
			det = d
		}
	}
	if row == nil {
		return nil, errNotFound(fmt.Sprintf("No model %q. Models are configured under models: in mlre.yaml; the Models page lists them.", name))
	}
	span, spans, err := spanParam(r, 6*time.Hour)
	if err != nil {
		return nil, err
	}
	d := modelPageData{Model: *row, Detail: det, Spans: spans, Span: spanLabel(span)}
	for _, e := range det.Evaluations {
		d.Evaluations = append(d.Evaluations, evalViewOf(e))
	}
	ctx := r.Context()
	sel := fmt.Sprintf(`model=%q`, name)
	charts := []struct {
		dst          **Chart
		title, unit  string
		q            string
		legendLabels []string
	}{
		{&d.Performance, "Performance (labelled predictions)", "", `mlre_model_performance{` + sel + `,metric!="count"}`, []string{"version", "metric"}},
		{&d.Estimated, "Estimated performance (before labels)", "", `mlre_model_estimated_performance{` + sel + `,metric!="count"}`, []string{"version", "metric"}},
		{&d.DriftChart, "Share of features drifted", "ratio", `mlre_model_drifted_features_ratio{` + sel + `}`, []string{"version"}},
		{&d.LabelDelay, "Label delay", "seconds", `mlre_model_label_delay_seconds{` + sel + `}`, []string{"version"}},
	}
	for _, c := range charts {
		ch, err := u.fittedChart(ctx, c.title, c.unit, c.q, span, labelLegend(c.legendLabels...))
		if err != nil {
			return nil, err
		}
		*c.dst = ch
	}
	return &view{Page: "model", Title: "Model " + name, Nav: "models", Data: d}, nil
}

func spanLabel(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return strings.TrimSuffix(strings.TrimSuffix(d.String(), "0s"), "0m")
}

func evalViewOf(e monitor.Evaluation) evalView {
	v := evalView{Evaluation: e, Metrics: metricsOf(e.Performance), Estimated: metricsOf(e.Estimated), Quality: e.Quality}
	sort.SliceStable(v.Quality, func(i, j int) bool { return v.Quality[i].Value > v.Quality[j].Value })
	for _, h := range e.Histograms {
		c := &Chart{ID: chartID(e.Model, e.Version, h.Feature), Title: h.Feature, Unit: "ratio", Kind: "bars"}
		ref, cur := Series{Label: "reference"}, Series{Label: "window"}
		for i, b := range h.Bins {
			c.X = append(c.X, float64(i))
			c.XLabels = append(c.XLabels, b.Label)
			rv, cv := b.Reference, b.Current
			ref.Values = append(ref.Values, &rv)
			cur.Values = append(cur.Values, &cv)
		}
		c.Series = []Series{ref, cur}
		c.Empty = len(h.Bins) == 0
		c.Summary = histogramSummary(h)
		v.Histograms = append(v.Histograms, c)
	}
	attrs := make([]string, 0, len(e.Fairness))
	for a := range e.Fairness {
		attrs = append(attrs, a)
	}
	sort.Strings(attrs)
	for _, a := range attrs {
		f := e.Fairness[a]
		fv := fairnessView{Attribute: a, Violated: f.FourFifthsViolated, Metrics: metricsOf(f.Metrics)}
		cols := map[string]bool{}
		for _, g := range f.Groups {
			for k := range g {
				cols[k] = true
			}
		}
		for k := range cols {
			fv.Columns = append(fv.Columns, k)
		}
		sort.Slice(fv.Columns, func(i, j int) bool { return groupColumnLess(fv.Columns[i], fv.Columns[j]) })
		groups := make([]string, 0, len(f.Groups))
		for g := range f.Groups {
			groups = append(groups, g)
		}
		sort.Strings(groups)
		for _, g := range groups {
			gv := groupView{Group: g}
			for _, c := range fv.Columns {
				if x, ok := f.Groups[g][c]; ok {
					gv.Values = append(gv.Values, &x)
				} else {
					gv.Values = append(gv.Values, nil)
				}
			}
			fv.Groups = append(fv.Groups, gv)
		}
		v.Fairness = append(v.Fairness, fv)
	}
	return v
}

// groupColumnLess puts the counts and the selection rate first.
func groupColumnLess(a, b string) bool {
	order := map[string]int{"count": 0, "n": 0, "selection_rate": 1}
	ra, oka := order[a]
	rb, okb := order[b]
	switch {
	case oka && okb:
		return ra < rb
	case oka != okb:
		return oka
	}
	return a < b
}

func metricsOf(m map[string]float64) []metricView {
	out := make([]metricView, 0, len(m))
	for k, v := range m {
		out = append(out, metricView{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func histogramSummary(h monitor.Histogram) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Histogram of %s, share of values per bin, reference then window: ", h.Feature)
	for i, bin := range h.Bins {
		if i == 8 {
			fmt.Fprintf(&b, "and %d more bins", len(h.Bins)-8)
			break
		}
		fmt.Fprintf(&b, "%s: %s vs %s; ", bin.Label, formatUnit(bin.Reference, "ratio"), formatUnit(bin.Current, "ratio"))
	}
	return strings.TrimSuffix(strings.TrimSpace(b.String()), ";") + "."
}
