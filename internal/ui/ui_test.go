package ui

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/rules"
	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/auth"
	"github.com/mlre-dev/mlre/internal/config"
	"github.com/mlre-dev/mlre/internal/drift"
	"github.com/mlre-dev/mlre/internal/monitor"
	"github.com/mlre-dev/mlre/internal/slo"
	"github.com/mlre-dev/mlre/internal/slostatus"
)

// series is 100 minutes of data, one sample a minute, that every page reads.
const series = `
load 1m
	slo:period_error_budget_remaining:ratio{slo="availability",service="fraud-scorer"} 1-0.01x100
	slo:sli_error:ratio_rate5m{slo="availability",service="fraud-scorer"} 0.02x100
	slo:sli_error:ratio_rate1h{slo="availability",service="fraud-scorer"} 0.015x100
	slo:period_error_budget_remaining:ratio{slo="latency",service="recommender"} 0.9x100
	slo:sli_error:ratio_rate5m{slo="latency",service="recommender"} 0x100
	slo:sli_error:ratio_rate1h{slo="latency",service="recommender"} 0x100
	ALERTS{alertname="FraudScorerAvailability",alertstate="firing",severity="page",slo="availability",service="fraud-scorer"} _x80 1x19
	DCGM_FI_DEV_GPU_UTIL{Hostname="gpu-a",UUID="GPU-0",gpu="0",modelName="NVIDIA H100 80GB HBM3",team="fraud"} 90x100
	DCGM_FI_DEV_GPU_UTIL{Hostname="gpu-a",UUID="GPU-1",gpu="1",modelName="NVIDIA H100 80GB HBM3"} 0x100
	DCGM_FI_DEV_GPU_UTIL{Hostname="gpu-a",UUID="GPU-2",gpu="2",modelName="NVIDIA H100 80GB HBM3"} 50x90
	DCGM_FI_DEV_GPU_TEMP{Hostname="gpu-a",UUID="GPU-0",gpu="0",modelName="NVIDIA H100 80GB HBM3"} 88x100
	DCGM_FI_DEV_FB_USED{Hostname="gpu-a",UUID="GPU-0",gpu="0",modelName="NVIDIA H100 80GB HBM3"} 40000x100
	DCGM_FI_DEV_FB_FREE{Hostname="gpu-a",UUID="GPU-0",gpu="0",modelName="NVIDIA H100 80GB HBM3"} 41040x100
	DCGM_FI_DEV_FB_RESERVED{Hostname="gpu-a",UUID="GPU-0",gpu="0",modelName="NVIDIA H100 80GB HBM3"} 480x100
	DCGM_FI_DEV_CLOCKS_EVENT_REASONS{Hostname="gpu-a",UUID="GPU-0",gpu="0",modelName="NVIDIA H100 80GB HBM3"} 32x100
	DCGM_FI_DEV_XID_ERRORS{Hostname="gpu-a",UUID="GPU-2",gpu="2",modelName="NVIDIA H100 80GB HBM3"} 0x90 79x5
	node_cpu_seconds_total{instance="host-1",cpu="0",mode="idle"} 0+45x100
	node_memory_MemAvailable_bytes{instance="host-1"} 4e9x100
	node_memory_MemTotal_bytes{instance="host-1"} 16e9x100
	probe_success{job="feature-store",instance="http://fs:8080/health"} 1x100
	probe_duration_seconds{job="feature-store",instance="http://fs:8080/health"} 1.5x100
	mlre_model_performance{model="churn",version="v1",metric="accuracy"} 0.9x100
`

// testEnd is the time of the last sample.
var testEnd = time.Unix(0, 0).Add(99 * time.Minute).UTC()

func newTestUI(t *testing.T, a *auth.Authenticator) *UI {
	t.Helper()
	st := promqltest.LoadedStorage(t, series)
	engine := promqltest.NewTestEngine(t, false, 5*time.Minute, 1e7)
	query := rules.EngineQueryFunc(engine, st)
	rangeQ := func(ctx context.Context, q string, start, end time.Time, step time.Duration) (promql.Matrix, error) {
		qry, err := engine.NewRangeQuery(ctx, st, nil, q, start, end, step)
		if err != nil {
			return nil, err
		}
		defer qry.Close()
		res := qry.Exec(ctx)
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Matrix()
	}
	slos, err := slo.ParseNative([]byte(`
slos:
  - name: availability
    service: fraud-scorer
    objective: 99.9
    sli: {events: {error_query: 'sum(rate(e[{{.window}}]))', total_query: 'sum(rate(t[{{.window}}]))'}}
    alerting: {name: FraudScorerAvailability}
  - name: latency
    service: recommender
    objective: 99
    sli: {events: {error_query: 'sum(rate(e[{{.window}}]))', total_query: 'sum(rate(t[{{.window}}]))'}}
`), "test")
	require.NoError(t, err)
	alertRules := []*rules.AlertingRule{
		alertRule(t, "FraudScorerAvailability", `slo:sli_error:ratio_rate5m{service="fraud-scorer"} > 0.0144`,
			labels.FromStrings("severity", "page", "slo", "availability", "service", "fraud-scorer"), labels.FromStrings("summary", "fraud-scorer burns its budget")),
		alertRule(t, "GPUXidRestartNode", `DCGM_FI_DEV_XID_ERRORS == 79`, labels.FromStrings("severity", "page"),
			labels.FromStrings("summary", "GPU 2 fell off the bus", "action", "Cordon and drain the node, then power-cycle it.")),
		alertRule(t, "GPUIdle", `DCGM_FI_DEV_GPU_UTIL > 1000`, labels.FromStrings("severity", "ticket"), labels.EmptyLabels()),
	}
	for _, r := range alertRules {
		_, err := r.Eval(context.Background(), 0, testEnd, query, nil, 0)
		require.NoError(t, err)
		r.SetEvaluationTimestamp(testEnd) // as the rule group does after each evaluation
	}
	svc := &slostatus.Service{Query: slostatus.QueryFunc(query), Alerts: func() []*rules.AlertingRule { return alertRules }, Now: func() time.Time { return testEnd }}
	u, err := New(Options{
		Query: QueryFunc(query),
		Range: rangeQ,
		SLOs: func(ctx context.Context) ([]slostatus.Status, error) {
			return svc.List(ctx, slos, time.Minute)
		},
		Models: func() []monitor.ModelDetail { return []monitor.ModelDetail{churnModel()} },
		Alerts: func() []*rules.AlertingRule { return alertRules },
		Auth:   a,
		Now:    func() time.Time { return testEnd },
		Demo: func() []DemoIncident {
			return []DemoIncident{{Name: "error-burst", Active: true, Ends: ptrTime(testEnd.Add(3 * time.Minute))}, {Name: "xid-79", Next: ptrTime(testEnd.Add(10 * time.Minute))}}
		},
		Version: "test",
	})
	require.NoError(t, err)
	return u
}

func ptrTime(t time.Time) *time.Time { return &t }

func alertRule(t *testing.T, name, expr string, ls, ann labels.Labels) *rules.AlertingRule {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	require.NoError(t, err)
	return rules.NewAlertingRule(name, e, 0, 0, ls, ann, labels.EmptyLabels(), "", true, nil)
}

func churnModel() monitor.ModelDetail {
	p := 0.001
	return monitor.ModelDetail{
		ModelSummary: monitor.ModelSummary{Name: "churn", Prediction: "probability", Window: "5m",
			Versions: []monitor.VersionSummary{{Version: "v1", Predictions: 1200, DatasetDrift: false}}},
		Evaluations: []monitor.Evaluation{{
			Model: "churn", Version: "v1", Window: "5m", Predictions: 1200, Labels: 900,
			Drift:       []drift.Result{{Name: "tenure_months", Method: "ks", Statistic: 0.3, PValue: &p, Threshold: 0.05, Drift: true}},
			Summary:     drift.Summary{Columns: 4, DriftedColumns: 1, DriftShare: 0.25},
			Performance: map[string]float64{"accuracy": 0.91},
			Fairness: map[string]monitor.Fairness{"region": {Metrics: map[string]float64{"demographic_parity_ratio": 0.6},
				Groups: map[string]map[string]float64{"north": {"selection_rate": 0.5}, "south": {"selection_rate": 0.3}}, FourFifthsViolated: true}},
			Quality:    []monitor.QualityCheck{{Feature: "plan", Check: "missing_share", Value: 0.12}},
			Histograms: []monitor.Histogram{{Feature: "tenure_months", Kind: "numerical", Bins: []monitor.HistogramBin{{Label: "0 – 12", Reference: 0.5, Current: 0.1}}}},
		}},
	}
}

func get(t *testing.T, h http.Handler, path string, mod ...func(*http.Request)) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for _, m := range mod {
		m(req)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func TestPagesRender(t *testing.T) {
	u := newTestUI(t, nil)
	for _, tc := range []struct {
		path string
		code int
		want []string
	}{
		{"/", 200, []string{
			"FraudScorerAvailability", "fraud-scorer burns its budget", // a firing alert
			`href="/slos/fraud-scorer/availability"`, "Paging: FraudScorerAvailability", // the worst SLO first
			"unfair by region (parity ratio 0.6)", "plan missing share 12.0%", // the model's problems
			`href="/infra#node-gpu-a"`, "2 of 3", "GPU lost", // a node with a lost GPU
			"error-burst", // the demo banner
		}},
		{"/slos", 200, []string{"fraud-scorer / availability", "recommender / latency", "1 burning or alerting"}},
		{"/slos/fraud-scorer/availability", 200, []string{
			"Error budget left", "Burn rate by window", "<td>20×</td>", // 2% errors over a 0.1% budget
			"<h3>History over 30d</h3>", "(still firing)", `"kind":"line"`,
			`{"label":"page over 1h (14.4×)","value":14.4}`, `{"label":"page over 6h (6×)","value":6}`}},
		{"/models", 200, []string{`href="/models/churn"`, "drift in tenure_months"}},
		{"/models/churn", 200, []string{"four-fifths rule violated", "tenure_months", `"kind":"bars"`, `"x_labels":["0 – 12"]`, "Performance (labelled predictions)", "<th scope=\"row\">accuracy</th><td>0.91</td>"}},
		{"/infra", 200, []string{"gpu-a", "GPU-0", "thermal (software)", "Cordon and drain the node", "GPUXidRestartNode; not responding", "Idle (15-minute average under 5%)", "host-1", "<td>25.0%</td><td>–</td><td>25.0%</td>", "feature-store", "1.5s"}},
		{"/alerts", 200, []string{"Firing (2)", "GPUXidRestartNode", "Alerting rules (3, 1 inactive)", "Inactive, not listed: 1 about gpu."}},
		{"/alerts?rules=all", 200, []string{"Alerting rules (3, 1 inactive)", "<th scope=\"row\">GPUIdle</th>"}},
		{"/query?expr=DCGM_FI_DEV_GPU_TEMP&range=1h", 200, []string{"1 series", "88", `"title":"DCGM_FI_DEV_GPU_TEMP"`}},
		{"/query?expr=sum(", 400, []string{"parse error"}},
		{"/query?expr=up&range=2y", 400, []string{"range &#34;2y&#34;: choose one of"}},
		{"/cost", 200, []string{"Cost tracking is off"}},
		{"/models/nope", 404, []string{"No model &#34;nope&#34;"}},
		{"/slos/a/b", 404, []string{"No SLO"}},
		{"/slos/fraud-scorer/availability?span=x", 400, []string{"span &#34;x&#34;"}},
		{"/nope", 404, []string{"no such page"}},
	} {
		res, body := get(t, u, tc.path)
		require.Equal(t, tc.code, res.StatusCode, "%s: %s", tc.path, body)
		require.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"), tc.path)
		for _, w := range tc.want {
			require.Contains(t, body, w, tc.path)
		}
		require.NotContains(t, body, "ZgotmplZ", "%s: a value the template escaper refused", tc.path)
	}
	_, body := get(t, u, "/alerts")
	require.NotContains(t, body, `<th scope="row">GPUIdle</th>`, "inactive rules are counted, not listed, unless asked for")
	res, body := get(t, u, "/static/uplot-1.6.32.min.js")
	require.Equal(t, 200, res.StatusCode)
	require.Contains(t, body, "uPlot")
}

func TestAuth(t *testing.T) {
	a := auth.New(config.AuthConfig{Tokens: []config.TokenConfig{
		{Name: "reader", Secret: "r-secret", Scopes: []config.Scope{config.ScopeRead}},
		{Name: "writer", Secret: "w-secret", Scopes: []config.Scope{config.ScopeWrite}},
	}})
	u := newTestUI(t, a)

	res, _ := get(t, u, "/slos?span=1h")
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	require.Equal(t, "/login?next=%2Fslos%3Fspan%3D1h", res.Header.Get("Location"))
	res, body := get(t, u, "/login?next=/slos")
	require.Equal(t, 200, res.StatusCode)
	require.Contains(t, body, `<label for="token">Access token</label>`)
	require.Contains(t, body, `name="next" value="/slos"`)

	post := func(form url.Values) *http.Response {
		req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		u.ServeHTTP(rec, req)
		return rec.Result()
	}
	for _, tc := range []struct {
		token string
		code  int
		msg   string
	}{
		{"", 400, "Enter a token"},
		{"wrong", 401, "invalid bearer token"},
		{"w-secret", 403, "lacks the read scope"},
	} {
		res := post(url.Values{"token": {tc.token}, "next": {"/slos"}})
		require.Equal(t, tc.code, res.StatusCode, tc.token)
		b, _ := io.ReadAll(res.Body)
		require.Contains(t, string(b), tc.msg)
		require.Empty(t, res.Cookies())
	}
	res = post(url.Values{"token": {"r-secret"}, "next": {"//evil.example/x"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	require.Equal(t, "/", res.Header.Get("Location"), "a redirect off the server is refused")
	cookies := res.Cookies()
	require.Len(t, cookies, 1)
	require.True(t, cookies[0].HttpOnly)
	require.Equal(t, http.SameSiteStrictMode, cookies[0].SameSite)

	res, _ = get(t, u, "/", func(r *http.Request) { r.AddCookie(cookies[0]) })
	require.Equal(t, 200, res.StatusCode)
	res, _ = get(t, u, "/", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: cookieName, Value: "wrong"}) })
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	res, _ = get(t, u, "/infra", func(r *http.Request) { r.Header.Set("Authorization", "Bearer r-secret") })
	require.Equal(t, 200, res.StatusCode)
	res, _ = get(t, u, "/infra", func(r *http.Request) { r.Header.Set("Authorization", "Bearer w-secret") })
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	res, body = get(t, u, "/static/mlre.css")
	require.Equal(t, 200, res.StatusCode, "static files need no login")
	require.Contains(t, body, "--fg")

	req := httptest.NewRequest(http.MethodPost, "/logout", nil)
	rec := httptest.NewRecorder()
	u.ServeHTTP(rec, req)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, -1, rec.Result().Cookies()[0].MaxAge)
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		unit string
		want string
	}{
		{0.9995, "ratio", "99.95%"},
		{0.99, "ratio", "99.0%"},
		{0.9999999, "ratio", "99.9999%"},
		{0.99999, "ratio", "99.999%"},
		{0.5, "ratio", "50.0%"},
		{0.0012, "ratio", "0.12%"},
		{-0.25, "ratio", "-25.0%"},
		{0.00001, "ratio", "0.001%"},
		{93, "percent", "93.0%"},
		{3.5, "seconds", "3.5s"},
		{0.25, "seconds", "250ms"},
		{90061, "seconds", "1d 1h"},
		{3600, "seconds", "1h"},
		{125, "seconds", "2m 5s"},
		{1234567.891, "dollars", "$1,234,567.89"},
		{-12, "dollars", "−$12.00"},
		{1536, "bytes", "1.5 KiB"},
		{40000, "mib", "39.1 GiB"},
		{14.4, "x", "14.4×"},
		{2.5, "x", "2.50×"},
		{123456, "", "123.5k"},
		{0.000123, "", "0.000123"},
	} {
		require.Equal(t, tc.want, formatUnit(tc.v, tc.unit), "%v %s", tc.v, tc.unit)
	}
	require.Equal(t, "/", safeNext("https://evil.example"))
	require.Equal(t, "/", safeNext("/\\evil.example"))
	require.Equal(t, "/models/churn?span=1h", safeNext("/models/churn?span=1h"))
}

func TestAlertSpans(t *testing.T) {
	step := time.Minute
	at := func(m int) promql.FPoint { return promql.FPoint{T: int64(m) * 60000, F: 1} }
	m := promql.Matrix{{Metric: labels.FromStrings("alertname", "A", "severity", "page"),
		Floats: []promql.FPoint{at(1), at(2), at(3), at(10), at(11)}}}
	spans := spansOf(m, step, time.Unix(11*60, 0))
	require.Len(t, spans, 2)
	require.Equal(t, 10*60, int(spans[0].From.Unix()), "latest first")
	require.True(t, spans[0].Ongoing)
	require.InDelta(t, 60, spans[0].Seconds, 1e-9)
	require.False(t, spans[1].Ongoing)
	require.InDelta(t, 120, spans[1].Seconds, 1e-9)
}

func TestMatrixChartAlignsPointsToSteps(t *testing.T) {
	start := time.Unix(1000, 0)
	m := promql.Matrix{{Metric: labels.FromStrings("gpu", "1"), Floats: []promql.FPoint{{T: 1000_000, F: 1}, {T: 1010_000, F: 2}}},
		{Metric: labels.FromStrings("gpu", "0"), Floats: []promql.FPoint{{T: 1005_000, F: 3}}}}
	c := matrixChart("t", "", m, start, start.Add(10*time.Second), 5*time.Second, labelLegend("gpu"))
	require.Equal(t, []float64{1000, 1005, 1010}, c.X)
	require.Equal(t, "0", c.Series[0].Label, "series sorted by legend")
	require.Nil(t, c.Series[0].Values[0])
	require.Equal(t, 3.0, *c.Series[0].Values[1])
	require.Equal(t, 2.0, *c.Series[1].Values[2])
	require.Nil(t, c.Series[1].Values[1], "a gap stays a gap")
	require.Contains(t, c.Summary, "0 3; 1 2")
	trimLeading(c)
	require.Len(t, c.X, 3, "data from the first point: nothing to trim")
}

// TestFittedChart: a 30-day span over 100 minutes of data is queried again
// over the minutes with data, at a step fine enough to draw them.
func TestFittedChart(t *testing.T) {
	u := newTestUI(t, nil)
	q := `slo:period_error_budget_remaining:ratio{slo="availability",service="fraud-scorer"}`
	coarse, err := u.rangeChart(context.Background(), "t", "ratio", q, 30*24*time.Hour, nil)
	require.NoError(t, err)
	fitted, err := u.fittedChart(context.Background(), "t", "ratio", q, 30*24*time.Hour, nil)
	require.NoError(t, err)
	points := func(c *Chart) int {
		n := 0
		for _, v := range c.Series[0].Values {
			if v != nil {
				n++
			}
		}
		return n
	}
	require.LessOrEqual(t, points(coarse), 2, "3-hour steps over 100 minutes")
	require.Greater(t, points(fitted), 50)
	require.GreaterOrEqual(t, fitted.X[0], float64(testEnd.Add(-105*time.Minute).Unix()), "the chart starts where the data does")
	require.Equal(t, float64(testEnd.Unix()), fitted.X[len(fitted.X)-1])
}
