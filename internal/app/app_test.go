package app

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/prometheus/prompb"
	"github.com/stretchr/testify/require"
)

func gpuSeries(now time.Time, n int, value func(i int) float64) series {
	s := series{labels: map[string]string{"__name__": "DCGM_FI_DEV_GPU_UTIL", "gpu": "0", "Hostname": "node-1"}}
	for i := range n {
		s.samples = append(s.samples, prompb.Sample{Timestamp: now.Add(time.Duration(i-n) * time.Second).UnixMilli(), Value: value(i)})
	}
	return s
}

func TestRemoteWriteThenQuery(t *testing.T) {
	t.Parallel()
	a := startApp(t, "global: {scrape_interval: 1h}\n", t.TempDir())
	now := time.Now()
	code, body := postWrite(t, a.Addr(), "", encodeWrite(t, gpuSeries(now, 10, func(i int) float64 { return float64(10 * i) })))
	require.Equal(t, http.StatusNoContent, code, body)

	res := queryVector(t, a.Addr(), "", `DCGM_FI_DEV_GPU_UTIL{gpu="0"}`, now)
	require.Len(t, res, 1)
	require.Equal(t, "90", res[0].Value[1])
	require.Equal(t, "node-1", res[0].Metric["Hostname"])

	res = queryVector(t, a.Addr(), "", `sum_over_time(DCGM_FI_DEV_GPU_UTIL[1m])`, now)
	require.Len(t, res, 1)
	require.Equal(t, "450", res[0].Value[1], "0+10+…+90")
}

func TestRestartKeepsData(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := "global: {scrape_interval: 1h}\n"
	a := startApp(t, cfg, dir)
	now := time.Now()
	code, _ := postWrite(t, a.Addr(), "", encodeWrite(t, gpuSeries(now, 30, func(i int) float64 { return float64(i) })))
	require.Equal(t, http.StatusNoContent, code)
	require.NoError(t, a.Stop())

	b := startApp(t, cfg, dir)
	res := queryVector(t, b.Addr(), "", `count_over_time(DCGM_FI_DEV_GPU_UTIL[1m])`, now)
	require.Len(t, res, 1)
	require.Equal(t, "30", res[0].Value[1], "every acknowledged sample is back after a restart")
}

func TestBadInputIsRejectedAndStorageKeepsWorking(t *testing.T) {
	t.Parallel()
	a := startApp(t, "global: {scrape_interval: 1h}\nserver: {max_request_body_size: 64KiB}\n", t.TempDir())
	now := time.Now()
	good := encodeWrite(t, gpuSeries(now, 5, func(i int) float64 { return float64(i) }))
	code, _ := postWrite(t, a.Addr(), "", good)
	require.Equal(t, http.StatusNoContent, code)

	big := make([]byte, 200<<10)
	for _, tc := range []struct {
		name     string
		body     []byte
		wantCode int
		wantMsg  string
	}{
		{"not snappy", []byte("hello, not snappy"), 400, "corrupt input"},
		{"snappy of garbage", snappyOf("\xff\xff\xff garbage protobuf"), 400, ""},
		{"oversized", big, 413, "max_request_body_size (64KiB)"},
		{"out of order sample", encodeWrite(t, gpuSeries(now.Add(-30*time.Minute), 1, func(int) float64 { return 1 })), 400, "out of order sample"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := postWrite(t, a.Addr(), "", tc.body)
			require.Equal(t, tc.wantCode, code, body)
			require.True(t, strings.HasPrefix(body, `{"status":"error"`), body)
			require.Contains(t, body, tc.wantMsg)
		})
	}
	// Wrong content type.
	req, _ := http.NewRequest(http.MethodPost, "http://"+a.Addr()+"/api/v1/write", bytes.NewReader(good))
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))

	// Bad queries.
	for _, q := range []string{
		"/api/v1/query?query=" + "up%7B",
		"/api/v1/query_range?query=up&start=10&end=1&step=1",
		"/api/v1/query_range?query=up&start=1&end=10&step=0",
		"/api/v1/query_range?query=up&start=abc&end=10&step=1",
		"/api/v1/series",
	} {
		code, r := get(t, a.Addr(), "", q)
		require.Equal(t, http.StatusBadRequest, code, q)
		require.Equal(t, "error", r.Status, q)
		require.Equal(t, "bad_data", r.ErrorType, q)
		require.NotEmpty(t, r.Error, q)
	}

	// The good data is intact and the server still takes writes.
	res := queryVector(t, a.Addr(), "", `count_over_time(DCGM_FI_DEV_GPU_UTIL[1m])`, now)
	require.Len(t, res, 1)
	require.Equal(t, "5", res[0].Value[1])
	code, _ = postWrite(t, a.Addr(), "", encodeWrite(t, series{
		labels:  map[string]string{"__name__": "after_bad_input"},
		samples: []prompb.Sample{{Timestamp: now.UnixMilli(), Value: 7}},
	}))
	require.Equal(t, http.StatusNoContent, code)
}

func TestReloadRejectsBadConfigAndKeepsOld(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgPath := writeFile(t, dir, "mlre.yaml", "scrape_configs:\n  - job_name: first\n    static_configs: [{targets: ['127.0.0.1:1']}]\n")
	a := startAppFile(t, cfgPath, t.TempDir())
	require.Equal(t, 1.0, testutil.ToFloat64(a.reloadOK))

	// An invalid config: unknown key.
	writeFile(t, dir, "mlre.yaml", "scrape_configs:\n  - job_name: second\n    static_config: []\n")
	err := a.Reload()
	require.ErrorContains(t, err, "line 3: field static_config not found")
	require.Equal(t, 0.0, testutil.ToFloat64(a.reloadOK))
	require.Equal(t, "first", a.Config().Prometheus.ScrapeConfigs[0].JobName)

	// A config whose rule file does not parse is rejected as a whole.
	writeFile(t, dir, "bad.rules.yml", "groups:\n  - name: g\n    rules:\n      - record: x\n        expr: sum(\n")
	writeFile(t, dir, "mlre.yaml", "rule_files: [bad.rules.yml]\nscrape_configs:\n  - job_name: third\n    static_configs: [{targets: ['127.0.0.1:1']}]\n")
	resp, err := http.Post("http://"+a.Addr()+"/-/reload", "", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.Equal(t, "first", a.Config().Prometheus.ScrapeConfigs[0].JobName)

	// A changed listen address needs a restart: rejected.
	writeFile(t, dir, "mlre.yaml", "server: {listen: '127.0.0.1:1'}\n")
	a.opts.Listen = ""
	require.ErrorContains(t, a.Reload(), "takes a restart")
	a.opts.Listen = "127.0.0.1:0"

	// A valid config is applied, through the SIGHUP path.
	writeFile(t, dir, "mlre.yaml", "scrape_configs:\n  - job_name: fourth\n    static_configs: [{targets: ['127.0.0.1:1']}]\n")
	a.RequestReload()
	eventually(t, 10*time.Second, func() bool {
		return a.Config().Prometheus.ScrapeConfigs[0].JobName == "fourth"
	}, "reload through RequestReload")
	require.Equal(t, 1.0, testutil.ToFloat64(a.reloadOK))
	eventually(t, 10*time.Second, func() bool {
		_, ok := a.scrape.TargetsAll()["fourth"]
		return ok
	}, "scrape manager picks up the new job")
}

func TestAuth(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "writer.token", "write-0123456789abcdef\n")
	writeFile(t, dir, "reader.token", "read-0123456789abcdef\n")
	cfg := `
server:
  auth:
    tokens:
      - {name: grafana, token_file: ` + dir + `/reader.token, scopes: [read]}
      - {name: agent, token_file: ` + dir + `/writer.token, scopes: [write]}
`
	a := startApp(t, cfg, t.TempDir())
	addr := a.Addr()

	for _, p := range []string{"/-/healthy", "/-/ready"} {
		code, _ := get(t, addr, "", p)
		require.Equal(t, http.StatusOK, code, p)
	}
	code, r := get(t, addr, "", "/api/v1/query?query=1")
	require.Equal(t, http.StatusUnauthorized, code)
	require.Equal(t, "unauthorized", r.ErrorType)
	code, _ = get(t, addr, "", "/metrics")
	require.Equal(t, http.StatusUnauthorized, code)
	code, _ = get(t, addr, "read-0123456789abcdef", "/api/v1/query?query=1")
	require.Equal(t, http.StatusOK, code)
	code, _ = get(t, addr, "write-0123456789abcdef", "/api/v1/query?query=1")
	require.Equal(t, http.StatusForbidden, code)

	body := encodeWrite(t, series{labels: map[string]string{"__name__": "x"}, samples: []prompb.Sample{{Timestamp: time.Now().UnixMilli(), Value: 1}}})
	code, _ = postWrite(t, addr, "", body)
	require.Equal(t, http.StatusUnauthorized, code)
	code, _ = postWrite(t, addr, "read-0123456789abcdef", body)
	require.Equal(t, http.StatusForbidden, code)
	code, _ = postWrite(t, addr, "write-0123456789abcdef", body)
	require.Equal(t, http.StatusNoContent, code)

	resp, err := http.Post("http://"+addr+"/-/reload", "", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "reload needs the admin scope")
}

func TestDefaultConfigMonitorsItself(t *testing.T) {
	t.Parallel()
	a := startApp(t, "", t.TempDir())
	require.Equal(t, "mlre", a.Config().Prometheus.ScrapeConfigs[0].JobName)
	var res []vectorSample
	eventually(t, 40*time.Second, func() bool {
		res = queryVector(t, a.Addr(), "", `up{job="mlre"}`, time.Now())
		return len(res) == 1
	}, "mlre to scrape itself")
	require.Equal(t, "1", res[0].Value[1])
	require.Equal(t, a.Addr(), res[0].Metric["instance"])
	res = queryVector(t, a.Addr(), "", `mlre_config_last_reload_successful{job="mlre"}`, time.Now())
	require.Len(t, res, 1)
	require.Equal(t, "1", res[0].Value[1])
	require.NotEmpty(t, queryVector(t, a.Addr(), "", `scrape_duration_seconds{job="mlre"}`, time.Now()))
	require.NotEmpty(t, queryVector(t, a.Addr(), "", `prometheus_tsdb_head_series{job="mlre"}`, time.Now()))
	require.NotEmpty(t, queryVector(t, a.Addr(), "", `mlre_http_requests_total{job="mlre",handler="/api/v1/query"}`, time.Now()))
}

func TestNewFailsCleanly(t *testing.T) {
	t.Parallel()
	// Storage path is a file: New fails, and releases the port it bound.
	f := writeFile(t, t.TempDir(), "file", "x")
	_, err := New(Options{Listen: "127.0.0.1:0", DataDir: f})
	require.ErrorContains(t, err, "creating storage directory")

	_, err = New(Options{ConfigFile: "/does/not/exist.yml", Listen: "127.0.0.1:0", DataDir: t.TempDir()})
	require.ErrorContains(t, err, "reading /does/not/exist.yml")
	_ = os.Remove(f)
}

func snappyOf(s string) []byte {
	return snappyEncode([]byte(s))
}

func TestFileDiscoveryScrape(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	targets := writeFile(t, dir, "targets.json", "[]")
	cfg := `
global: {scrape_interval: 1s}
scrape_configs:
  - job_name: from-file
    file_sd_configs:
      - files: [` + targets + `]
        refresh_interval: 1s
`
	a := startApp(t, cfg, t.TempDir())
	writeFile(t, dir, "targets.json", `[{"targets": ["`+a.Addr()+`"], "labels": {"team": "ml-platform"}}]`)
	var res []vectorSample
	eventually(t, 30*time.Second, func() bool {
		res = queryVector(t, a.Addr(), "", `up{job="from-file"}`, time.Now())
		return len(res) == 1
	}, "a target found through file_sd_configs to be scraped")
	require.Equal(t, "1", res[0].Value[1])
	require.Equal(t, "ml-platform", res[0].Metric["team"], "labels from the file")
	require.NotEmpty(t, queryVector(t, a.Addr(), "", `scrape_samples_scraped{job="from-file"} > 10`, time.Now()))
}

func TestStartingHandler(t *testing.T) {
	rec := httptest.NewRecorder()
	startingHandler(rec, httptest.NewRequest(http.MethodGet, "/-/healthy", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	for _, p := range []string{"/-/ready", "/api/v1/query?query=up", "/api/v1/write"} {
		rec = httptest.NewRecorder()
		startingHandler(rec, httptest.NewRequest(http.MethodGet, p, nil))
		require.Equal(t, http.StatusServiceUnavailable, rec.Code, p)
		require.Contains(t, rec.Body.String(), `"errorType":"unavailable"`)
		require.Contains(t, rec.Body.String(), "replaying the write-ahead log")
	}
}

func TestCleanStopReportsNoError(t *testing.T) {
	t.Parallel()
	a, err := New(Options{Listen: "127.0.0.1:0", DataDir: t.TempDir()})
	require.NoError(t, err)
	require.NoError(t, a.Start())
	require.NoError(t, a.Stop())
	select {
	case err := <-a.Err():
		t.Fatalf("a clean stop reported %v", err)
	default:
	}
}

func TestNotifyDiscoveryStartsOnlyWithAlertmanagers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgPath := writeFile(t, dir, "mlre.yaml", "global: {scrape_interval: 1h}\n")
	a := startAppFile(t, cfgPath, t.TempDir())
	require.False(t, a.notifyRunning.Load(), "no Alertmanager configured: no discovery loop")

	writeFile(t, dir, "mlre.yaml", "global: {scrape_interval: 1h}\nalerting:\n  alertmanagers:\n    - static_configs: [{targets: ['127.0.0.1:9093']}]\n")
	require.NoError(t, a.Reload())
	require.True(t, a.notifyRunning.Load())
	eventually(t, 20*time.Second, func() bool { return len(a.notify.Alertmanagers()) == 1 }, "the Alertmanager to be discovered")
	require.Equal(t, "127.0.0.1:9093", a.notify.Alertmanagers()[0].Host)
}
