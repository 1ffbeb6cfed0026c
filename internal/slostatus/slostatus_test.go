package slostatus

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/route"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/slo"
)

var sloSelector = regexp.MustCompile(`slo="([^"]*)",service="([^"]*)"`)

// fakeQuery answers the status queries from fixed recordings.
func fakeQuery(rec map[string]float64, periodTotal float64) QueryFunc {
	return func(_ context.Context, q string, _ time.Time) (promql.Vector, error) {
		// The series carry the labels of the SLO the query selects.
		m := sloSelector.FindStringSubmatch(q)
		if m == nil {
			return promql.Vector{}, nil // a list: TestList checks it
		}
		if strings.HasPrefix(q, "sum_over_time(") || strings.HasPrefix(q, slo.RecPeriodAll) {
			return promql.Vector{{Metric: labels.FromStrings("slo", m[1], "service", m[2]), F: periodTotal}}, nil
		}
		var v promql.Vector
		for name, f := range rec {
			v = append(v, promql.Sample{Metric: labels.FromStrings("__name__", name, "slo", m[1], "service", m[2]), F: f})
		}
		return v, nil
	}
}

func testSLOs(t *testing.T) []slo.SLO {
	t.Helper()
	slos, err := slo.ParseNative([]byte(`
slos:
  - name: availability
    service: api
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(e[{{.window}}]))
        total_query: sum(rate(t[{{.window}}]))
  - name: availability
    service: batch
    objective: 99
    sli:
      events:
        error_query: sum(rate(e[{{.window}}]))
        total_query: sum(rate(t[{{.window}}]))
  - name: fresh
    service: features
    objective: 99
    window: 7d
    sli:
      freshness: {query: ts, max_age: 1h}
`), "test")
	require.NoError(t, err)
	return slos
}

func TestStatusEventSLI(t *testing.T) {
	s := &Service{
		Query: fakeQuery(map[string]float64{
			"slo:sli_error:ratio_rate5m":              0.002,
			"slo:sli_error:ratio_rate1h":              0.0005,
			"slo:sli_error:ratio_rate3d":              math.NaN(),
			"slo:sli_error:ratio_rate30d":             0.0004,
			"slo:period_burn_rate:ratio":              0.4,
			"slo:period_error_budget_remaining:ratio": 0.6,
		}, 1000), // sum of the recorded 5m rates over the window
		SLOs: func() ([]slo.SLO, time.Duration) { return nil, 0 },
		Now:  time.Now,
	}
	slos := testSLOs(t)
	st, err := s.Status(context.Background(), &slos[0], 15*time.Second)
	require.NoError(t, err)
	require.InDelta(t, 0.998, *st.SLI, 1e-12)
	require.Equal(t, AlertWindow{Severity: "page", LongWindow: "1h", ShortWindow: "5m", BurnRate: 14.4}, st.AlertWindows[0],
		"the SRE Workbook's windows over 30 days")
	require.InDelta(t, 2, *st.BurnRate["5m"], 1e-9)
	require.InDelta(t, 0.5, *st.BurnRate["1h"], 1e-9)
	require.Nil(t, st.BurnRate["3d"], "NaN is null, not a number")
	require.Nil(t, st.BurnRate["6h"], "no recording is null")
	require.InDelta(t, 0.4, *st.BurnRate["period"], 1e-12)
	require.Equal(t, "events", st.ErrorBudget.Unit)
	// 1000 events/s summed over evaluations every 15 s is 15000 events; the
	// budget is 0.1% of them, and 60% of that is left.
	require.InDelta(t, 15, *st.ErrorBudget.Total, 1e-9)
	require.InDelta(t, 9, *st.ErrorBudget.Remaining, 1e-9)
	// 60% of a 30-day budget lasts 0.6 × 30d / 0.5 at half the sustainable burn.
	require.InDelta(t, 0.6*30*86400/0.5, *st.TimeToExhaustion, 1e-6)
}

func TestStatusTimeSLIAndExhausted(t *testing.T) {
	s := &Service{
		Query: fakeQuery(map[string]float64{
			"slo:sli_error:ratio_rate1h":              0.2,
			"slo:period_error_budget_remaining:ratio": -0.5,
		}, 0),
		Now: time.Now,
	}
	slos := testSLOs(t)
	st, err := s.Status(context.Background(), &slos[2], 15*time.Second)
	require.NoError(t, err)
	require.Equal(t, "seconds", st.ErrorBudget.Unit)
	require.InDelta(t, 0.01*7*86400, *st.ErrorBudget.Total, 1e-9)
	require.InDelta(t, -0.5*0.01*7*86400, *st.ErrorBudget.Remaining, 1e-9)
	require.Equal(t, 0.0, *st.TimeToExhaustion, "already spent")
	require.Nil(t, st.SLI)
}

func TestRoutes(t *testing.T) {
	slos := testSLOs(t)
	s := &Service{
		Query: fakeQuery(map[string]float64{}, 0),
		SLOs:  func() ([]slo.SLO, time.Duration) { return slos, 15 * time.Second },
		Now:   time.Now,
	}
	r := route.New()
	s.Register(r)
	for path, want := range map[string]int{
		"/slos":                  http.StatusOK,
		"/slos/fresh":            http.StatusOK,
		"/slos/api/availability": http.StatusOK,
		"/slos/availability":     http.StatusBadRequest, // two services have one
		"/slos/nope":             http.StatusNotFound,
	} {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		require.Equal(t, want, rec.Code, path)
		var body map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), path)
		if want != http.StatusOK {
			require.Equal(t, "error", body["status"])
			require.NotEmpty(t, body["error"])
		}
	}
}

// TestList checks that List reads every SLO with one query for the
// recordings and one per window length for the events, and gives each SLO
// its own series.
func TestList(t *testing.T) {
	slos := testSLOs(t)
	var queries []string
	s := &Service{
		Query: func(_ context.Context, q string, _ time.Time) (promql.Vector, error) {
			queries = append(queries, q)
			if strings.HasPrefix(q, slo.RecPeriodAll) {
				return promql.Vector{
					{Metric: labels.FromStrings("slo", "availability", "service", "api"), F: 1000},
					{Metric: labels.FromStrings("slo", "availability", "service", "batch"), F: 10},
				}, nil
			}
			rec := func(name, svc string, v float64) promql.Sample {
				return promql.Sample{Metric: labels.FromStrings("__name__", name, "slo", "availability", "service", svc), F: v}
			}
			return promql.Vector{
				rec("slo:period_error_budget_remaining:ratio", "api", 0.6),
				rec("slo:period_error_budget_remaining:ratio", "batch", -0.5),
				rec("slo:sli_error:ratio_rate5m", "batch", 0.05),
			}, nil
		},
		Now: time.Now,
	}
	out, err := s.List(context.Background(), slos, 15*time.Second)
	require.NoError(t, err)
	require.Len(t, queries, 2, "one query for the recordings, one for the windows' events: %q", queries)
	require.Len(t, out, 3)
	require.Equal(t, "api", out[0].Service)
	require.InDelta(t, 0.6, *out[0].ErrorBudget.RemainingRatio, 1e-12)
	require.InDelta(t, 0.001*1000*15*0.6, *out[0].ErrorBudget.Remaining, 1e-9)
	require.Nil(t, out[0].SLI)
	require.Equal(t, "batch", out[1].Service)
	require.InDelta(t, -0.5, *out[1].ErrorBudget.RemainingRatio, 1e-12)
	require.InDelta(t, 0.95, *out[1].SLI, 1e-12)
	require.InDelta(t, 0.01*10*15, *out[1].ErrorBudget.Total, 1e-9)
	require.NotNil(t, out[1].TimeToExhaustion, "a spent budget is exhausted, with or without a burn rate")
	require.Zero(t, *out[1].TimeToExhaustion)
	require.Equal(t, "fresh", out[2].Name)
	require.Nil(t, out[2].ErrorBudget.RemainingRatio, "no recordings for it")
	require.Equal(t, "seconds", out[2].ErrorBudget.Unit)
}
