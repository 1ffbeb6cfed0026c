package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/prometheus/prompb"
	"github.com/stretchr/testify/require"
)

const sloConfig = `
global:
  evaluation_interval: 1s
slos:
  - name: availability
    service: api
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="api",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="api"}[{{.window}}]))
    alerting:
      name: APIHighErrorRate
`

// TestServeEvaluatesSLORules: the rules generated for the config's SLOs run
// in the embedded rule manager, show in /api/v1/rules, and a full outage
// written through remote_write raises the page.
func TestServeEvaluatesSLORules(t *testing.T) {
	a := startApp(t, sloConfig, t.TempDir())
	addr := a.Addr()

	writeOutage(t, addr)

	eventually(t, 20*time.Second, func() bool {
		return len(queryVector(t, addr, "", `slo:current_burn_rate:ratio{slo="availability"}`, time.Now())) == 1
	}, "the SLO's burn rate to be recorded")
	v := queryVector(t, addr, "", `slo:objective:ratio{slo="availability",service="api"}`, time.Now())
	require.Len(t, v, 1)
	require.Equal(t, "0.999", v[0].Value[1])

	code, r := get(t, addr, "", "/api/v1/rules?type=alert")
	require.Equal(t, http.StatusOK, code)
	var rules struct {
		Groups []struct {
			Name  string `json:"name"`
			File  string `json:"file"`
			Rules []struct {
				Name   string            `json:"name"`
				Labels map[string]string `json:"labels"`
			} `json:"rules"`
		} `json:"groups"`
	}
	require.NoError(t, json.Unmarshal(r.Data, &rules))
	var names []string
	for _, g := range rules.Groups {
		names = append(names, g.Name)
		require.Equal(t, GeneratedRules, g.File)
	}
	require.ElementsMatch(t, []string{"mlre-slo-api-availability", "mlre-health-gpu-v1", "mlre-health-host-v1", "mlre-health-probes-v1"}, names)
	for _, g := range rules.Groups {
		if g.Name == "mlre-slo-api-availability" {
			require.Equal(t, "APIHighErrorRate", g.Rules[0].Name)
		}
	}

	eventually(t, 20*time.Second, func() bool {
		_, r := get(t, addr, "", "/api/v1/alerts")
		var d struct {
			Alerts []struct {
				Labels map[string]string `json:"labels"`
				State  string            `json:"state"`
			} `json:"alerts"`
		}
		require.NoError(t, json.Unmarshal(r.Data, &d))
		for _, al := range d.Alerts {
			if al.Labels["alertname"] == "APIHighErrorRate" && al.Labels["severity"] == "page" && al.State == "firing" {
				return true
			}
		}
		return false
	}, "the page alert to fire")

	// The status API sees the same: everything fails, the budget is overspent.
	eventually(t, 20*time.Second, func() bool {
		_, r := get(t, addr, "", "/api/v1/slos/api/availability")
		var st struct {
			Alerts []struct{ Severity, State string } `json:"alerts"`
		}
		require.NoError(t, json.Unmarshal(r.Data, &st))
		for _, a := range st.Alerts {
			if a.Severity == "page" && a.State == "firing" {
				return true
			}
		}
		return false
	}, "the status API to show the page firing")
	code, r = get(t, addr, "", "/api/v1/slos")
	require.Equal(t, http.StatusOK, code)
	var list []struct {
		Name        string              `json:"name"`
		Service     string              `json:"service"`
		Objective   float64             `json:"objective"`
		Window      string              `json:"window"`
		SLI         *float64            `json:"sli"`
		ErrorRatio  map[string]*float64 `json:"error_ratio"`
		BurnRate    map[string]*float64 `json:"burn_rate"`
		ErrorBudget struct {
			Ratio          float64  `json:"ratio"`
			RemainingRatio *float64 `json:"remaining_ratio"`
			Unit           string   `json:"unit"`
			Total          *float64 `json:"total"`
			Remaining      *float64 `json:"remaining"`
		} `json:"error_budget"`
		TimeToExhaustion *float64 `json:"time_to_exhaustion_seconds"`
	}
	require.NoError(t, json.Unmarshal(r.Data, &list))
	require.Len(t, list, 1)
	st := list[0]
	require.Equal(t, "availability", st.Name)
	require.Equal(t, 99.9, st.Objective)
	require.Equal(t, "30d", st.Window)
	require.NotNil(t, st.SLI)
	require.InDelta(t, 0, *st.SLI, 1e-9, "every request failed")
	require.InDelta(t, 1000, *st.BurnRate["5m"], 1e-6)
	require.InDelta(t, 1000, *st.BurnRate["period"], 1e-6)
	require.Contains(t, st.ErrorRatio, "3d")
	require.Equal(t, 0.001, st.ErrorBudget.Ratio)
	require.Equal(t, "events", st.ErrorBudget.Unit)
	require.InDelta(t, -999, *st.ErrorBudget.RemainingRatio, 1e-6)
	require.NotNil(t, st.ErrorBudget.Total)
	require.Greater(t, *st.ErrorBudget.Total, 0.0)
	require.InDelta(t, -999**st.ErrorBudget.Total, *st.ErrorBudget.Remaining, 1e-6)
	require.Equal(t, 0.0, *st.TimeToExhaustion)

	code, _ = get(t, addr, "", "/api/v1/slos/nope")
	require.Equal(t, http.StatusNotFound, code)
}

// TestSLOPageSurvivesReceiverOutageAndRestart: the page for an SLO outage
// goes to a webhook receiver that is down; mlre restarts meanwhile; when the
// receiver comes back, the page arrives (Alertmanager's webhook payload).
func TestSLOPageSurvivesReceiverOutageAndRestart(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	got := make(chan map[string]any, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		got <- m
	}))
	defer hook.Close()
	dir := t.TempDir()
	cfg := writeFile(t, t.TempDir(), "mlre.yaml", sloConfig+`
notifications:
  route:
    receiver: oncall
    group_by: [alertname, slo]
    group_wait: 0s
    routes:
      - matchers: ['severity="ticket"']
        receiver: nobody
  receivers:
    - name: oncall
      webhook_configs: [{url: `+hook.URL+`}]
    - name: nobody
`)
	a := startAppFile(t, cfg, dir)
	writeOutage(t, a.Addr())
	eventually(t, 30*time.Second, func() bool {
		var n int
		_ = a.stateDB.QueryRow(`SELECT count(*) FROM outbox WHERE attempts > 0`).Scan(&n)
		return n > 0
	}, "the page to be queued and failing")
	require.NoError(t, a.Stop())

	down.Store(false)
	startAppFile(t, cfg, dir)
	select {
	case m := <-got:
		require.Equal(t, "4", m["version"])
		require.Equal(t, "oncall", m["receiver"])
		alerts := m["alerts"].([]any)
		labels := alerts[0].(map[string]any)["labels"].(map[string]any)
		require.Equal(t, "APIHighErrorRate", labels["alertname"])
		require.Equal(t, "page", labels["severity"])
	case <-time.After(30 * time.Second):
		t.Fatal("the page never arrived after the receiver came back")
	}
}

// writeOutage remote-writes ten minutes of a full outage of job "api".
func writeOutage(t *testing.T, addr string) {
	t.Helper()
	now := time.Now()
	var ok, bad []prompb.Sample
	for i := 40; i >= 0; i-- {
		ts := now.Add(-time.Duration(i) * 15 * time.Second).UnixMilli()
		ok = append(ok, prompb.Sample{Timestamp: ts, Value: 100})
		bad = append(bad, prompb.Sample{Timestamp: ts, Value: float64(100 * (41 - i))})
	}
	code, body := postWrite(t, addr, "", encodeWrite(t,
		series{labels: map[string]string{"__name__": "http_requests_total", "job": "api", "code": "200"}, samples: ok},
		series{labels: map[string]string{"__name__": "http_requests_total", "job": "api", "code": "500"}, samples: bad},
	))
	require.Equal(t, http.StatusNoContent, code, body)
}

// TestAlertForStateSurvivesRestart: an alert that had fired keeps its
// activeAt across a restart (Prometheus's ALERTS_FOR_STATE restore), instead
// of starting its `for` over as pending.
func TestAlertForStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	cdir := t.TempDir()
	writeFile(t, cdir, "always.rules.yml", "groups:\n  - name: g\n    rules:\n      - alert: Always\n        expr: vector(1)\n        for: 2s\n")
	cfg := writeFile(t, cdir, "mlre.yaml", "global:\n  evaluation_interval: 500ms\nrule_files: [always.rules.yml]\n")
	type alertJSON struct {
		Labels   map[string]string `json:"labels"`
		State    string            `json:"state"`
		ActiveAt time.Time         `json:"activeAt"`
	}
	alertState := func(addr string) (alertJSON, bool) {
		_, r := get(t, addr, "", "/api/v1/alerts")
		var d struct {
			Alerts []alertJSON `json:"alerts"`
		}
		require.NoError(t, json.Unmarshal(r.Data, &d))
		for _, al := range d.Alerts {
			if al.Labels["alertname"] == "Always" {
				return al, true
			}
			t.Logf("other alert: %v", al.Labels)
		}
		return alertJSON{}, false
	}
	a := startAppFile(t, cfg, dir)
	var before alertJSON
	eventually(t, 20*time.Second, func() bool {
		var ok bool
		before, ok = alertState(a.Addr())
		return ok && before.State == "firing"
	}, "the alert to fire")
	time.Sleep(time.Second) // a few more evaluations record the for-state
	require.NoError(t, a.Stop())

	b := startAppFile(t, cfg, dir)
	// The rule manager restores the for-state after its second evaluation;
	// from then on the alert is firing with the activeAt it had before. (A
	// restart that lost the state would show a new, later activeAt.)
	var after alertJSON
	eventually(t, 20*time.Second, func() bool {
		var ok bool
		after, ok = alertState(b.Addr())
		return ok && after.State == "firing" && after.ActiveAt.Unix() == before.ActiveAt.Unix()
	}, fmt.Sprintf("the alert to be firing since %v after the restart (last seen: %+v)", before.ActiveAt, after))
}

// TestBadSLOReloadKeepsRunningRules: a reload with an invalid SLO is
// rejected as a whole; the SLO rules in force keep running.
func TestBadSLOReloadKeepsRunningRules(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "mlre.yaml", sloConfig)
	a := startAppFile(t, cfg, t.TempDir())
	writeFile(t, dir, "mlre.yaml", strings.Replace(sloConfig, "objective: 99.9", "objective: 0.999", 1))
	err := a.Reload()
	require.ErrorContains(t, err, "slos[0] (api/availability): objective: 0.999 looks like a ratio")
	var sloGroups int
	for _, g := range a.rules.RuleGroups() {
		if strings.HasPrefix(g.Name(), "mlre-slo-") {
			sloGroups++
		}
	}
	require.Equal(t, 1, sloGroups, "the previous SLO rules still run")
	require.Equal(t, 99.9, a.Config().SLOs[0].Objective)
}
