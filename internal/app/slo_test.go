package app

import (
	"encoding/json"
	"net/http"
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

	// Ten minutes of a full outage: every request fails.
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
	require.Len(t, rules.Groups, 1)
	require.Equal(t, "mlre-slo-api-availability", rules.Groups[0].Name)
	require.Equal(t, GeneratedSLORules, rules.Groups[0].File)
	require.Equal(t, "APIHighErrorRate", rules.Groups[0].Rules[0].Name)

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
}
