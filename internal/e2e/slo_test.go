package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/prometheus/prompb"
	"github.com/stretchr/testify/require"
)

// TestSLOAlertsReachAlertmanager: a full outage on an SLO configured in
// mlre.yaml pages, and the page arrives in Debian's real Alertmanager with
// mlre's labels and annotations.
func TestSLOAlertsReachAlertmanager(t *testing.T) {
	amBin := needBinary(t, "prometheus-alertmanager")
	amCfg := filepath.Join(t.TempDir(), "alertmanager.yml")
	require.NoError(t, os.WriteFile(amCfg, []byte("route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n"), 0o600))
	amData := t.TempDir()
	am := startProcess(t, amBin, func(port int) []string {
		return []string{
			"--config.file=" + amCfg,
			"--storage.path=" + amData,
			fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port),
			"--cluster.listen-address=", // no gossip
		}
	}, "/-/ready")

	m := startMlre(t, fmt.Sprintf(`
global:
  evaluation_interval: 1s
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:%d']
slos:
  - name: availability
    service: api
    objective: 99.9
    labels: {team: ml}
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="api",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="api"}[{{.window}}]))
    alerting:
      name: APIHighErrorRate
      annotations:
        runbook_url: https://runbooks.example.com/api
`, am.port))

	// Alerts evaluated before mlre's notifier has discovered the
	// Alertmanager are dropped and resent only a minute later (Prometheus's
	// resend delay), so wait for discovery before causing the outage.
	waitFor(t, 30*time.Second, "mlre to discover the Alertmanager", func() (bool, string) {
		r, err := apiGet(m.url, "/api/v1/alertmanagers", nil)
		if err != nil {
			return false, err.Error()
		}
		var d struct {
			Active []struct {
				URL string `json:"url"`
			} `json:"activeAlertmanagers"`
		}
		if err := json.Unmarshal(r.Data, &d); err != nil {
			return false, err.Error()
		}
		return len(d.Active) == 1, string(r.Data)
	})

	// Ten minutes of a full outage.
	now := time.Now()
	var ok, bad []prompb.Sample
	for i := 40; i >= 0; i-- {
		ts := now.Add(-time.Duration(i) * 15 * time.Second)
		ok = append(ok, sample(ts, 100))
		bad = append(bad, sample(ts, float64(100*(41-i))))
	}
	remoteWrite(t, m.url,
		series("http_requests_total", []string{"job", "api", "code", "200"}, ok...),
		series("http_requests_total", []string{"job", "api", "code", "500"}, bad...),
	)

	type amAlert struct {
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
		Status      struct {
			State string `json:"state"`
		} `json:"status"`
	}
	var page amAlert
	waitFor(t, 60*time.Second, "the page to reach Alertmanager", func() (bool, string) {
		code, body, err := httpGet(am.url + "/api/v2/alerts?filter=alertname%3D%22APIHighErrorRate%22")
		if err != nil || code != 200 {
			return false, fmt.Sprintf("HTTP %d %v: %s", code, err, body)
		}
		var alerts []amAlert
		if err := json.Unmarshal(body, &alerts); err != nil {
			return false, err.Error()
		}
		for _, a := range alerts {
			if a.Labels["severity"] == "page" {
				page = a
				return true, ""
			}
		}
		return false, string(body)
	})
	require.Equal(t, "active", page.Status.State)
	require.Equal(t, map[string]string{
		"alertname": "APIHighErrorRate", "severity": "page", "slo": "availability", "service": "api", "team": "ml",
	}, page.Labels)
	require.Equal(t, "https://runbooks.example.com/api", page.Annotations["runbook_url"])
	require.Contains(t, page.Annotations["description"], "is burning its error budget at 1000.0x the sustainable rate")
	require.Contains(t, page.Annotations["summary"], "(page) api availability")
}
