package ui

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
)

// maxRows caps the instant query's table.
const maxRows = 200

type queryData struct {
	Expr    string
	Range   string
	Ranges  []string
	Rows    []queryRow
	More    int
	Chart   *Chart
	Error   string
	Ran     bool
	Elapsed string
}

type queryRow struct {
	Metric string
	Value  string
}

var queryRanges = []string{"5m", "15m", "1h", "6h", "1d", "7d"}

func (u *UI) query(r *http.Request) (*view, error) {
	q := r.URL.Query()
	d := queryData{Expr: strings.TrimSpace(q.Get("expr")), Range: q.Get("range"), Ranges: queryRanges}
	if d.Range == "" {
		d.Range = "1h"
	}
	span, err := parseSpan(d.Range)
	if err != nil {
		return nil, errBadRequest(err.Error())
	}
	v := &view{Page: "query", Title: "Query", Nav: "query", Data: &d}
	if d.Expr == "" {
		return v, nil
	}
	d.Ran = true
	start := time.Now()
	vec, err := u.o.Query(r.Context(), d.Expr, u.o.Now())
	if err != nil {
		d.Error = err.Error()
		v.Status = http.StatusBadRequest
		return v, nil
	}
	sort.Slice(vec, func(i, j int) bool { return labels.Compare(vec[i].Metric, vec[j].Metric) < 0 })
	for i, s := range vec {
		if i == maxRows {
			d.More = len(vec) - maxRows
			break
		}
		val := formatNum(s.F)
		if s.H != nil {
			val = s.H.String()
		}
		d.Rows = append(d.Rows, queryRow{Metric: s.Metric.String(), Value: val})
	}
	d.Chart, err = u.rangeChart(r.Context(), d.Expr, "", d.Expr, span, nil)
	if err != nil {
		d.Error = err.Error()
		v.Status = http.StatusBadRequest
		return v, nil
	}
	d.Elapsed = time.Since(start).Round(time.Millisecond).String()
	return v, nil
}

func parseSpan(s string) (time.Duration, error) {
	for _, r := range queryRanges {
		if r == s {
			d, _ := parseDuration(s)
			return d, nil
		}
	}
	return 0, fmt.Errorf("range %q: choose one of %s", s, strings.Join(queryRanges, ", "))
}
