//go:build cgo

package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/api"
	"github.com/mlre-dev/mlre/internal/app"
)

// apiGet does a GET against mlre and decodes the API envelope's data.
func apiGet(t *testing.T, addr, path string, data any) {
	t.Helper()
	resp, err := http.Get("http://" + addr + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	require.NoError(t, json.Unmarshal(b, &env), string(b))
	require.NoError(t, json.Unmarshal(env.Data, data), string(b))
}

// count is how many series the instant query q returns now.
func count(t *testing.T, addr, q string) int {
	t.Helper()
	var d struct {
		Result []json.RawMessage `json:"result"`
	}
	apiGet(t, addr, "/api/v1/query?query="+url.QueryEscape(q), &d)
	return len(d.Result)
}

func post(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	resp, err := http.Post("http://"+addr+path, "application/json", nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDemoIncidentsRaiseTheirAlerts runs mlre with the demo fleet, checks
// that a calm fleet raises none of the incidents' alerts, then starts every
// incident at once and waits for each alert it is meant to raise to fire.
func TestDemoIncidentsRaiseTheirAlerts(t *testing.T) {
	if testing.Short() {
		t.Skip("runs mlre and the demo fleet for about 3 minutes")
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	f, err := New(Options{Dir: t.TempDir(), Seed: 1, Logger: logger.With("component", "demo"), Schedule: Schedule{Manual: true}})
	require.NoError(t, err)
	a, err := app.New(app.Options{ConfigFile: f.ConfigFile(), Listen: "127.0.0.1:0", Logger: logger, GPU: f.GPU(), APIs: []api.Registrar{f}})
	if err != nil {
		f.Stop()
		require.NoError(t, err)
	}
	t.Cleanup(func() {
		f.Stop()
		require.NoError(t, a.Stop())
	})
	require.NoError(t, a.Start())
	require.NoError(t, f.Start(context.Background(), a.Addr()))
	addr := a.Addr()
	start := time.Now()

	var alerts []Alert
	for _, in := range f.Incidents() {
		alerts = append(alerts, in.Alerts...)
	}
	require.Len(t, f.Incidents(), 7)
	firing := func() []string {
		var out []string
		for _, al := range alerts {
			if count(t, addr, al.Selector()) > 0 {
				out = append(out, al.Selector())
			}
		}
		return out
	}

	// Calm: until every detector has data to judge (1,000 predictions in
	// the models' windows, SLIs, probes and the three GPU nodes), and 15s
	// more, none of the alerts fires.
	ready := []string{
		`mlre_model_window_predictions{model="fraud"} >= 1000`,
		`mlre_model_window_predictions{model="churn"} >= 1000`,
		`mlre_model_fairness{model="churn", metric="demographic_parity_ratio"}`,
		`mlre_model_feature_drifted{model="fraud", feature="amount"}`,
		`slo:sli_error:ratio_rate5m{service="fraud-scorer", slo="availability"}`,
		`slo:sli_error:ratio_rate5m{service="recommender", slo="latency"}`,
		`slo:sli_error:ratio_rate5m{service="fraud-features", slo="freshness"}`,
		`probe_duration_seconds{job="feature-store"}`,
		`DCGM_FI_DEV_GPU_TEMP{Hostname="gpu-node-a"}`,
		`DCGM_FI_DEV_XID_ERRORS{Hostname="gpu-node-b"}`,
		`DCGM_FI_DEV_GPU_UTIL{Hostname="gpu-node-c", team="fraud"}`,
	}
	var readyAt time.Time
	for time.Since(start) < 2*time.Minute {
		require.Empty(t, firing(), "alerts fire in a calm fleet, %s after start", time.Since(start).Round(time.Second))
		if readyAt.IsZero() {
			n := 0
			for _, q := range ready {
				if count(t, addr, q) > 0 {
					n++
				}
			}
			if n == len(ready) {
				readyAt = time.Now()
				t.Logf("every detector has data %s after start", time.Since(start).Round(time.Second))
			}
		} else if time.Since(readyAt) > 15*time.Second {
			break
		}
		time.Sleep(2 * time.Second)
	}
	require.False(t, readyAt.IsZero(), "the detectors had no data after 2 minutes")

	code, body := post(t, addr, "/api/v1/demo/incidents/no-such-incident")
	require.Equal(t, http.StatusNotFound, code)
	require.Contains(t, body, `"errorType":"not_found"`)
	require.Contains(t, body, "error-burst")

	// Every incident at once.
	triggered := time.Now()
	for _, in := range f.Incidents() {
		code, body := post(t, addr, "/api/v1/demo/incidents/"+in.Name)
		require.Equal(t, http.StatusOK, code, body)
		require.Contains(t, body, `"active":true`)
	}
	var states []IncidentStatus
	apiGet(t, addr, "/api/v1/demo/incidents", &states)
	require.Len(t, states, 7)
	for _, s := range states {
		require.True(t, s.Active, s.Name)
		require.NotNil(t, s.Ends, s.Name)
		require.Nil(t, s.NextStart, "a manual schedule has no next start")
	}

	fired := map[string]time.Duration{}
	for time.Since(triggered) < 150*time.Second && len(fired) < len(alerts) {
		for _, al := range alerts {
			sel := al.Selector()
			if _, ok := fired[sel]; !ok && count(t, addr, sel) > 0 {
				fired[sel] = time.Since(triggered).Round(time.Second)
				t.Logf("%s fired %s after its incident started", sel, fired[sel])
			}
		}
		time.Sleep(2 * time.Second)
	}
	var missing []string
	for _, al := range alerts {
		if _, ok := fired[al.Selector()]; !ok {
			missing = append(missing, al.Selector())
		}
	}
	require.Empty(t, missing, "alerts that did not fire within 150s of their incident:\n%s\n%s",
		strings.Join(missing, "\n"), debugState(t, addr))
}

// debugState shows the detectors' series when an alert did not fire.
func debugState(t *testing.T, addr string) string {
	var b strings.Builder
	for _, q := range []string{
		`ALERTS`,
		`mlre_model_feature_drift_score{model="fraud"}`,
		`mlre_model_fairness{model="churn"}`,
		`slo:sli_error:ratio_rate1m`,
		`avg_over_time(probe_duration_seconds[5m])`,
	} {
		var d struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		}
		apiGet(t, addr, "/api/v1/query?query="+url.QueryEscape(q), &d)
		for _, r := range d.Result {
			fmt.Fprintf(&b, "%s %v = %v\n", q, r.Metric, r.Value[1])
		}
	}
	return b.String()
}
