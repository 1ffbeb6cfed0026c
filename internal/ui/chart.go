package ui

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
)

// Chart is what static/mlre.js draws with uPlot: a line chart over time
// (X in Unix seconds) or a bar chart over labelled bins.
type Chart struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Unit formats the values: ratio (as percent), percent, seconds,
	// dollars, bytes, celsius, watts, or "" for plain numbers.
	Unit    string    `json:"unit"`
	Kind    string    `json:"kind"` // line or bars
	X       []float64 `json:"x"`
	XLabels []string  `json:"x_labels,omitempty"`
	Series  []Series  `json:"series"`
	// Min and Max fix the y axis's range when set.
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// Lines draws horizontal reference lines (a threshold, an objective).
	Lines []RefLine `json:"lines,omitempty"`
	// Summary describes the chart in words, for screen readers.
	Summary string `json:"-"`
	// Empty is set when no series had data.
	Empty bool `json:"-"`
}

// Series is one line or one set of bars; nil values are gaps.
type Series struct {
	Label  string     `json:"label"`
	Values []*float64 `json:"values"`
}

// RefLine is a horizontal line across a chart.
type RefLine struct {
	Label string  `json:"label"`
	Value float64 `json:"value"`
}

// maxSeries caps the lines on one chart: the rest are left out and the
// summary says so.
const maxSeries = 24

// rangeChart runs q over [end-span, end] and returns it as a line chart,
// one series per result series named by legend (labels → text).
func (u *UI) rangeChart(ctx context.Context, title, unit, q string, span time.Duration, legend func(labels.Labels) string) (*Chart, error) {
	end := u.o.Now()
	start := end.Add(-span)
	step := stepFor(span)
	m, err := u.o.Range(ctx, q, start, end, step)
	if err != nil {
		return nil, fmt.Errorf("chart %q: %w", title, err)
	}
	return matrixChart(title, unit, m, start, end, step, legend), nil
}

// fittedChart is rangeChart for a span that may reach back before the data
// begins (a day-long window of an SLO that started ten minutes ago): when
// the data covers under a quarter of the span, it queries again over just
// the part with data, at a finer step, so the chart is not two points.
func (u *UI) fittedChart(ctx context.Context, title, unit, q string, span time.Duration, legend func(labels.Labels) string) (*Chart, error) {
	c, err := u.rangeChart(ctx, title, unit, q, span, legend)
	if err != nil || c.Empty {
		return c, err
	}
	first := firstData(c)
	if first*4 > len(c.X)*3 && first > 0 {
		covered := time.Duration(c.X[len(c.X)-1]-c.X[first-1]) * time.Second
		if fine, err := u.rangeChart(ctx, title, unit, q, max(covered, 5*time.Minute), legend); err == nil && !fine.Empty {
			c = fine
		}
	}
	trimLeading(c)
	return c, nil
}

// firstData is the index of the first point with data on any series.
func firstData(c *Chart) int {
	first := len(c.X)
	for _, s := range c.Series {
		for i, v := range s.Values {
			if v != nil {
				first = min(first, i)
				break
			}
		}
	}
	return first
}

// stepFor picks a step for about 240 points over span, at least 5 seconds.
func stepFor(span time.Duration) time.Duration {
	step := (span / 240).Round(time.Second)
	return max(step, 5*time.Second)
}

// matrixChart lays a range query's result on a grid of steps.
func matrixChart(title, unit string, m promql.Matrix, start, end time.Time, step time.Duration, legend func(labels.Labels) string) *Chart {
	n := int(end.Sub(start)/step) + 1
	c := &Chart{ID: chartID(title), Title: title, Unit: unit, Kind: "line", X: make([]float64, n)}
	for i := range c.X {
		c.X[i] = float64(start.Add(time.Duration(i) * step).Unix())
	}
	if legend == nil {
		legend = func(l labels.Labels) string { return l.String() }
	}
	sort.SliceStable(m, func(i, j int) bool { return legend(m[i].Metric) < legend(m[j].Metric) })
	left := 0
	for _, s := range m {
		if len(c.Series) == maxSeries {
			left++
			continue
		}
		vals := make([]*float64, n)
		for _, p := range s.Floats {
			i := int(math.Round(float64(p.T-start.UnixMilli()) / float64(step.Milliseconds())))
			if i >= 0 && i < n && !math.IsNaN(p.F) && !math.IsInf(p.F, 0) {
				v := p.F
				vals[i] = &v
			}
		}
		c.Series = append(c.Series, Series{Label: legend(s.Metric), Values: vals})
	}
	c.Empty = len(c.Series) == 0
	c.Summary = summarize(c, left)
	return c
}

// summarize describes a line chart in words: each series's last value.
func summarize(c *Chart, left int) string {
	if c.Empty {
		return c.Title + ": no data in this range."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %d series. Latest values: ", c.Title, len(c.Series))
	for i, s := range c.Series {
		if i == 6 {
			fmt.Fprintf(&b, "and %d more", len(c.Series)-6)
			break
		}
		last := "no data"
		for j := len(s.Values) - 1; j >= 0; j-- {
			if s.Values[j] != nil {
				last = formatUnit(*s.Values[j], c.Unit)
				break
			}
		}
		fmt.Fprintf(&b, "%s %s; ", s.Label, last)
	}
	if left > 0 {
		fmt.Fprintf(&b, " (%d more series not drawn)", left)
	}
	return strings.TrimSuffix(strings.TrimSpace(b.String()), ";") + "."
}

// labelLegend names a series by the values of the given labels.
func labelLegend(names ...string) func(labels.Labels) string {
	return func(l labels.Labels) string {
		var parts []string
		for _, n := range names {
			if v := l.Get(n); v != "" {
				parts = append(parts, v)
			}
		}
		if len(parts) == 0 {
			return l.String()
		}
		return strings.Join(parts, " ")
	}
}
