// Package e2e tests mlre against the real programs it works with: promtool,
// Prometheus 2.x (remote write both ways), node_exporter, and the HTTP calls
// Grafana's Prometheus data source makes.
//
// A test whose program is not installed is skipped; with MLRE_INTEGRATION=1
// it fails instead.
package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/prompb"
	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/version"
)

// TestPromtoolQuery writes known samples into mlre over remote write and reads
// them back with promtool's query subcommands.
func TestPromtoolQuery(t *testing.T) {
	promtool := needBinary(t, "promtool")
	m := startMlre(t, "global:\n  scrape_interval: 1s\n")

	// Seven samples 10s apart on whole seconds, the last one at base.
	base := time.Now().Truncate(time.Second)
	var blue, red []prompb.Sample
	for i := 0; i < 7; i++ {
		ts := base.Add(time.Duration(i-6) * 10 * time.Second)
		blue = append(blue, sample(ts, 40+float64(i)*0.5)) // 40 … 43
		red = append(red, sample(ts, -float64(i)))         // 0 … -6
	}
	remoteWrite(t, m.url,
		series("e2e_promtool_metric", []string{"job", "e2e", "instance", "writer", "color", "blue"}, blue...),
		series("e2e_promtool_metric", []string{"job", "e2e", "instance", "writer", "color", "red"}, red...),
		series("e2e_promtool_other", []string{"job", "e2e", "instance", "writer"}, sample(base, 1)),
	)
	server := m.url
	at := strconv.FormatInt(base.Unix(), 10)

	t.Run("instant", func(t *testing.T) {
		out := runTool(t, promtool, "query", "instant", "--time="+at, server, `e2e_promtool_metric{color="blue"}`)
		require.Contains(t, out, `e2e_promtool_metric{color="blue", instance="writer", job="e2e"} => 43 @[`+at+`]`)
		require.NotContains(t, out, `color="red"`)

		// An earlier evaluation time sees the sample in force then.
		earlier := strconv.FormatInt(base.Add(-25*time.Second).Unix(), 10)
		out = runTool(t, promtool, "query", "instant", "--time="+earlier, server, `e2e_promtool_metric{color="red"}`)
		require.Contains(t, out, `e2e_promtool_metric{color="red", instance="writer", job="e2e"} => -3 @[`+earlier+`]`)

		// PromQL runs in mlre, not in promtool.
		out = runTool(t, promtool, "query", "instant", "--time="+at, server, `sum(e2e_promtool_metric)`)
		require.Contains(t, out, `{} => 37 @[`+at+`]`) // 43 + -6

		// JSON output decodes into the same vector.
		out = runTool(t, promtool, "query", "instant", "-o", "json", "--time="+at, server, `e2e_promtool_metric`)
		var v model.Vector
		require.NoError(t, json.Unmarshal([]byte(out), &v), out)
		require.Len(t, v, 2)
		got := map[string]float64{}
		for _, s := range v {
			got[string(s.Metric["color"])] = float64(s.Value)
			require.Equal(t, model.Time(base.UnixMilli()), s.Timestamp)
		}
		require.Equal(t, map[string]float64{"blue": 43, "red": -6}, got)
	})

	t.Run("range", func(t *testing.T) {
		start := strconv.FormatInt(base.Add(-60*time.Second).Unix(), 10)
		out := runTool(t, promtool, "query", "range", "--start="+start, "--end="+at, "--step=10s", server, `e2e_promtool_metric{color="blue"}`)
		require.Contains(t, out, `e2e_promtool_metric{color="blue", instance="writer", job="e2e"} =>`)
		for i := 0; i < 7; i++ {
			ts := base.Add(time.Duration(i-6) * 10 * time.Second).Unix()
			require.Contains(t, out, fmt.Sprintf("%v @[%d]", 40+float64(i)*0.5, ts))
		}

		out = runTool(t, promtool, "query", "range", "-o", "json", "--start="+start, "--end="+at, "--step=10s", server, `e2e_promtool_metric{color="red"} * 2`)
		var mat model.Matrix
		require.NoError(t, json.Unmarshal([]byte(out), &mat), out)
		require.Len(t, mat, 1)
		require.Equal(t, model.LabelValue("red"), mat[0].Metric["color"])
		require.Len(t, mat[0].Values, 7)
		for i, p := range mat[0].Values {
			require.Equal(t, model.Time(base.Add(time.Duration(i-6)*10*time.Second).UnixMilli()), p.Timestamp)
			require.Equal(t, model.SampleValue(-2*float64(i)), p.Value)
		}
	})

	t.Run("series", func(t *testing.T) {
		out := runTool(t, promtool, "query", "series", "--match=e2e_promtool_metric", server)
		lines := nonEmptyLines(out)
		require.ElementsMatch(t, []string{
			`{__name__="e2e_promtool_metric", color="blue", instance="writer", job="e2e"}`,
			`{__name__="e2e_promtool_metric", color="red", instance="writer", job="e2e"}`,
		}, lines, out)

		out = runTool(t, promtool, "query", "series", `--match={job="e2e", color=""}`, server)
		require.Equal(t, []string{`{__name__="e2e_promtool_other", instance="writer", job="e2e"}`}, nonEmptyLines(out))
	})

	t.Run("labels", func(t *testing.T) {
		out := runTool(t, promtool, "query", "labels", server, "color")
		require.Equal(t, []string{"blue", "red"}, nonEmptyLines(out))

		out = runTool(t, promtool, "query", "labels", server, "__name__")
		require.Equal(t, []string{"e2e_promtool_metric", "e2e_promtool_other"}, nonEmptyLines(out))

		out = runTool(t, promtool, "query", "labels", `--match=e2e_promtool_metric{color="red"}`, server, "color")
		require.Equal(t, []string{"red"}, nonEmptyLines(out))
	})
}

// TestPrometheusRemoteWriteIntoMlre has a real Prometheus scrape itself and
// remote-write everything into mlre, then checks that mlre holds the same
// samples Prometheus does.
func TestPrometheusRemoteWriteIntoMlre(t *testing.T) {
	prom := needBinary(t, "prometheus")
	m := startMlre(t, "global:\n  scrape_interval: 1s\n")

	dir := t.TempDir()
	p := startProcess(t, prom, func(port int) []string {
		cfg := fmt.Sprintf(`
global:
  scrape_interval: 1s
  evaluation_interval: 1s
  external_labels:
    e2e: prom-to-mlre
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:%d']
remote_write:
  - url: %s/api/v1/write
    queue_config:
      batch_send_deadline: 1s
      min_backoff: 100ms
      max_backoff: 1s
`, port, m.url)
		cfgPath := filepath.Join(dir, fmt.Sprintf("prometheus-%d.yml", port))
		require.NoError(t, os.WriteFile(cfgPath, []byte(cfg), 0o600))
		return []string{
			"--config.file=" + cfgPath,
			"--storage.tsdb.path=" + filepath.Join(dir, fmt.Sprintf("data-%d", port)),
			fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port),
			"--log.level=info",
		}
	}, "/-/ready")

	// What Prometheus says about itself.
	promInfo := waitVector(t, p.url, `prometheus_build_info{job="prometheus"}`, 1)[0]
	bi, err := apiGet(p.url, "/api/v1/status/buildinfo", nil)
	require.NoError(t, err)
	var build struct{ Version, Revision string }
	require.NoError(t, json.Unmarshal(bi.Data, &build))
	require.NotEmpty(t, build.Version)
	require.Equal(t, model.LabelValue(build.Version), promInfo.Metric["version"])

	// The same series in mlre, arrived by remote write with the external label.
	got := waitVector(t, m.url, `prometheus_build_info{job="prometheus"}`, 1)[0]
	want := promInfo.Metric.Clone()
	want["e2e"] = "prom-to-mlre"
	require.Equal(t, want, got.Metric)
	require.Equal(t, model.SampleValue(1), got.Value)
	require.Equal(t, model.LabelValue(build.Version), got.Metric["version"])
	require.Equal(t, model.LabelValue(build.Revision), got.Metric["revision"])

	up := waitVector(t, m.url, `up{job="prometheus", e2e="prom-to-mlre"} == 1`, 1)
	require.Equal(t, model.LabelValue(fmt.Sprintf("127.0.0.1:%d", p.port)), up[0].Metric["instance"])

	// Raw samples of a changing series over a closed window in the past are
	// identical in both: same timestamps, same values.
	var ref model.Matrix
	q := `prometheus_http_requests_total{job="prometheus", handler="/metrics", code="200"}[15s]`
	var at time.Time
	waitFor(t, pollTimeout, "Prometheus to hold 5 scrapes", func() (bool, string) {
		at = time.Now().Add(-2 * time.Second)
		ref, err = queryMatrix(p.url, q, at)
		if err != nil {
			return false, err.Error()
		}
		return len(ref) == 1 && len(ref[0].Values) >= 5, fmt.Sprint(ref)
	})
	waitFor(t, pollTimeout, "mlre to hold the same samples as Prometheus", func() (bool, string) {
		mat, err := queryMatrix(m.url, q, at)
		if err != nil {
			return false, err.Error()
		}
		if len(mat) != 1 {
			return false, fmt.Sprintf("want 1 series, got %v", mat)
		}
		return equalPoints(ref[0].Values, mat[0].Values), fmt.Sprintf("Prometheus has %v, mlre has %v", ref[0].Values, mat[0].Values)
	})
}

// TestScrapeNodeExporter has mlre scrape a real node_exporter.
func TestScrapeNodeExporter(t *testing.T) {
	ne := needBinary(t, "prometheus-node-exporter")
	memTotal := procMemTotalBytes(t)

	n := startProcess(t, ne, func(port int) []string {
		return []string{
			fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port),
			"--collector.disable-defaults",
			"--collector.meminfo",
			"--collector.loadavg",
		}
	}, "/metrics")

	m := startMlre(t, fmt.Sprintf(`
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:%d']
        labels:
          env: e2e
`, n.port))
	instance := model.LabelValue(fmt.Sprintf("127.0.0.1:%d", n.port))

	up := waitVector(t, m.url, `up{job="node"} == 1`, 1)
	require.Equal(t, instance, up[0].Metric["instance"])
	require.Equal(t, model.LabelValue("e2e"), up[0].Metric["env"])

	mem := waitVector(t, m.url, `node_memory_MemTotal_bytes{job="node"}`, 1)[0]
	require.Equal(t, model.LabelSet{
		"__name__": "node_memory_MemTotal_bytes", "job": "node", "instance": instance, "env": "e2e",
	}, model.LabelSet(mem.Metric))
	require.Equal(t, memTotal, float64(mem.Value), "MemTotal in mlre vs /proc/meminfo")

	dur := waitVector(t, m.url, `scrape_duration_seconds{job="node"}`, 1)[0]
	require.Equal(t, instance, dur.Metric["instance"])
	require.Greater(t, float64(dur.Value), 0.0)
	require.Less(t, float64(dur.Value), 1.0)

	scraped := waitVector(t, m.url, `scrape_samples_scraped{job="node"}`, 1)[0]
	require.Greater(t, float64(scraped.Value), 10.0, "node_exporter exposes dozens of samples")

	// The load average collector was on, and the disabled ones are absent.
	waitVector(t, m.url, `node_load1{job="node"}`, 1)
	none, err := queryVector(m.url, `node_cpu_seconds_total`, time.Time{})
	require.NoError(t, err)
	require.Empty(t, none)

	// The target API reports the target as up.
	r, err := apiGet(m.url, "/api/v1/targets", url.Values{"state": {"active"}})
	require.NoError(t, err)
	var targets struct {
		ActiveTargets []struct {
			ScrapePool string            `json:"scrapePool"`
			ScrapeURL  string            `json:"scrapeUrl"`
			Health     string            `json:"health"`
			Labels     map[string]string `json:"labels"`
		} `json:"activeTargets"`
	}
	require.NoError(t, json.Unmarshal(r.Data, &targets))
	require.Len(t, targets.ActiveTargets, 1)
	tg := targets.ActiveTargets[0]
	require.Equal(t, "node", tg.ScrapePool)
	require.Equal(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", n.port), tg.ScrapeURL)
	require.Equal(t, "up", tg.Health)
	require.Equal(t, string(instance), tg.Labels["instance"])
}

// TestRemoteWriteOutToPrometheus has mlre remote-write what it stores, both
// scraped and remote-written samples, to a real Prometheus.
func TestRemoteWriteOutToPrometheus(t *testing.T) {
	prom := needBinary(t, "prometheus")
	dir := t.TempDir()
	p := startProcess(t, prom, func(port int) []string {
		cfgPath := filepath.Join(dir, "prometheus.yml")
		require.NoError(t, os.WriteFile(cfgPath, []byte("global:\n  scrape_interval: 1s\n"), 0o600))
		return []string{
			"--config.file=" + cfgPath,
			"--storage.tsdb.path=" + filepath.Join(dir, fmt.Sprintf("data-%d", port)),
			fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port),
			"--web.enable-remote-write-receiver",
		}
	}, "/-/ready")

	rw := fmt.Sprintf(`
global:
  scrape_interval: 1s
  external_labels:
    source: mlre
remote_write:
  - url: %s/api/v1/write
    queue_config:
      batch_send_deadline: 1s
      min_backoff: 100ms
      max_backoff: 1s
`, p.url)
	m := startMlre(t, rw)
	m.reload(t, rw+selfScrapeConfig(m.addr))

	// A remote-written sample is forwarded with its timestamp and value.
	ts := time.Now()
	remoteWrite(t, m.url, series("e2e_forwarded_metric", []string{"job", "e2e", "instance", "writer"}, sample(ts, 7.25)))
	fw := waitVector(t, p.url, `e2e_forwarded_metric`, 1)[0]
	require.Equal(t, model.Metric{"__name__": "e2e_forwarded_metric", "job": "e2e", "instance": "writer", "source": "mlre"}, fw.Metric)
	require.Equal(t, model.SampleValue(7.25), fw.Value)
	raw, err := queryMatrix(p.url, `e2e_forwarded_metric[1m]`, time.Now())
	require.NoError(t, err)
	require.Len(t, raw, 1)
	require.Equal(t, []model.SamplePair{{Timestamp: model.Time(ts.UnixMilli()), Value: 7.25}}, raw[0].Values)

	// mlre's scrape of itself is forwarded too.
	local := waitVector(t, m.url, `mlre_build_info{job="mlre"}`, 1)[0]
	require.Equal(t, model.LabelValue(version.Get().Version), local.Metric["version"])
	remote := waitVector(t, p.url, `mlre_build_info{job="mlre"}`, 1)[0]
	want := local.Metric.Clone()
	want["source"] = "mlre"
	require.Equal(t, want, remote.Metric)
	require.Equal(t, model.SampleValue(1), remote.Value)
	upRemote := waitVector(t, p.url, `up{job="mlre", source="mlre"} == 1`, 1)[0]
	require.Equal(t, model.LabelValue(m.addr), upRemote.Metric["instance"])
}

// TestGrafanaStyleQueries makes the HTTP calls Grafana's Prometheus data
// source makes, the way it makes them, and checks shape and content.
func TestGrafanaStyleQueries(t *testing.T) {
	m := startMlre(t, "global:\n  scrape_interval: 1s\n")
	m.reload(t, "global:\n  scrape_interval: 1s\n"+selfScrapeConfig(m.addr))

	// Two counters over the last five minutes, one sample every 15s: code 200
	// grows by 10 a step, code 500 by 1.
	end := time.Now().Truncate(time.Second)
	start := end.Add(-5 * time.Minute)
	var ok, bad []prompb.Sample
	for i := 0; i <= 20; i++ {
		ts := start.Add(time.Duration(i) * 15 * time.Second)
		ok = append(ok, sample(ts, 1000+10*float64(i)))
		bad = append(bad, sample(ts, 50+float64(i)))
	}
	remoteWrite(t, m.url,
		series("grafana_e2e_requests_total", []string{"job", "api", "instance", "a:80", "code", "200"}, ok...),
		series("grafana_e2e_requests_total", []string{"job", "api", "instance", "a:80", "code", "500"}, bad...),
	)
	// Metadata comes from scrapes: wait for mlre's scrape of itself.
	waitVector(t, m.url, `up{job="mlre"} == 1`, 1)

	startS, endS := strconv.FormatInt(start.Unix(), 10), strconv.FormatInt(end.Unix(), 10)

	t.Run("query_range", func(t *testing.T) {
		r, err := apiPostForm(m.url, "/api/v1/query_range", url.Values{
			"query": {`sum by (code) (rate(grafana_e2e_requests_total{job="api"}[1m]))`},
			"start": {strconv.FormatInt(start.Add(time.Minute).Unix(), 10)},
			"end":   {endS},
			"step":  {"15"},
		})
		require.NoError(t, err)
		var d struct {
			ResultType string       `json:"resultType"`
			Result     model.Matrix `json:"result"`
		}
		require.NoError(t, json.Unmarshal(r.Data, &d))
		require.Equal(t, "matrix", d.ResultType)
		require.Len(t, d.Result, 2)
		sort.Slice(d.Result, func(i, j int) bool { return d.Result[i].Metric["code"] < d.Result[j].Metric["code"] })
		for i, want := range map[int]float64{0: 10.0 / 15, 1: 1.0 / 15} {
			s := d.Result[i]
			require.Len(t, s.Metric, 1, "sum by (code) keeps only code: %v", s.Metric)
			require.Len(t, s.Values, 17, "4 minutes at 15s steps, both ends included")
			for _, p := range s.Values {
				require.InDelta(t, want, float64(p.Value), 1e-9, "rate of %v at %v", s.Metric, p.Timestamp)
			}
		}
		require.Equal(t, model.LabelValue("200"), d.Result[0].Metric["code"])
		require.Equal(t, model.Time(end.UnixMilli()), d.Result[0].Values[16].Timestamp)
	})

	t.Run("query", func(t *testing.T) {
		r, err := apiPostForm(m.url, "/api/v1/query", url.Values{
			"query": {`grafana_e2e_requests_total{code="500"}`},
			"time":  {endS},
		})
		require.NoError(t, err)
		var d struct {
			ResultType string       `json:"resultType"`
			Result     model.Vector `json:"result"`
		}
		require.NoError(t, json.Unmarshal(r.Data, &d))
		require.Equal(t, "vector", d.ResultType)
		require.Len(t, d.Result, 1)
		require.Equal(t, model.SampleValue(70), d.Result[0].Value)
	})

	t.Run("labels", func(t *testing.T) {
		r, err := apiGet(m.url, "/api/v1/labels", url.Values{"start": {startS}, "end": {endS}})
		require.NoError(t, err)
		var names []string
		require.NoError(t, json.Unmarshal(r.Data, &names))
		require.Subset(t, names, []string{"__name__", "code", "instance", "job"})
		require.True(t, sort.StringsAreSorted(names), "%v", names)

		r, err = apiGet(m.url, "/api/v1/labels", url.Values{"match[]": {"grafana_e2e_requests_total"}, "start": {startS}, "end": {endS}})
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(r.Data, &names))
		require.Equal(t, []string{"__name__", "code", "instance", "job"}, names)
	})

	t.Run("label_values", func(t *testing.T) {
		r, err := apiGet(m.url, "/api/v1/label/__name__/values", url.Values{"start": {startS}, "end": {formatTime(time.Now().Add(time.Second))}})
		require.NoError(t, err)
		var names []string
		require.NoError(t, json.Unmarshal(r.Data, &names))
		require.Subset(t, names, []string{"grafana_e2e_requests_total", "mlre_build_info", "up", "scrape_duration_seconds"})

		r, err = apiGet(m.url, "/api/v1/label/code/values", url.Values{"match[]": {`grafana_e2e_requests_total{job="api"}`}})
		require.NoError(t, err)
		var codes []string
		require.NoError(t, json.Unmarshal(r.Data, &codes))
		require.Equal(t, []string{"200", "500"}, codes)
	})

	t.Run("series", func(t *testing.T) {
		r, err := apiGet(m.url, "/api/v1/series", url.Values{
			"match[]": {`grafana_e2e_requests_total{code="500"}`, `up{job="mlre"}`},
			"start":   {startS},
			"end":     {formatTime(time.Now().Add(time.Second))},
		})
		require.NoError(t, err)
		var got []map[string]string
		require.NoError(t, json.Unmarshal(r.Data, &got))
		require.ElementsMatch(t, []map[string]string{
			{"__name__": "grafana_e2e_requests_total", "job": "api", "instance": "a:80", "code": "500"},
			{"__name__": "up", "job": "mlre", "instance": m.addr},
		}, got)
	})

	t.Run("metadata", func(t *testing.T) {
		r, err := apiGet(m.url, "/api/v1/metadata", nil)
		require.NoError(t, err)
		var md map[string][]struct{ Type, Help, Unit string }
		require.NoError(t, json.Unmarshal(r.Data, &md))
		require.Contains(t, md, "mlre_build_info")
		require.Equal(t, "gauge", md["mlre_build_info"][0].Type)
		require.Equal(t, "A metric with a constant '1' value labeled by version, revision and goversion of mlre.", md["mlre_build_info"][0].Help)
		// Scraped as OpenMetrics, a counter's metadata is keyed by its family
		// name, without _total (as in Prometheus itself); accept either.
		reqs, found := md["mlre_http_requests_total"]
		if !found {
			reqs, found = md["mlre_http_requests"]
		}
		require.True(t, found, "no metadata for mlre_http_requests_total or mlre_http_requests")
		require.Equal(t, "counter", reqs[0].Type)
		require.Equal(t, "HTTP requests served, by handler, method and status code.", reqs[0].Help)
		hist, found := md["mlre_http_request_duration_seconds"]
		require.True(t, found)
		require.Equal(t, "histogram", hist[0].Type)

		r, err = apiGet(m.url, "/api/v1/metadata", url.Values{"metric": {"go_goroutines"}})
		require.NoError(t, err)
		md = nil
		require.NoError(t, json.Unmarshal(r.Data, &md))
		require.Len(t, md, 1)
		require.Equal(t, "gauge", md["go_goroutines"][0].Type)
		require.NotEmpty(t, md["go_goroutines"][0].Help)
	})

	t.Run("buildinfo", func(t *testing.T) {
		r, err := apiGet(m.url, "/api/v1/status/buildinfo", nil)
		require.NoError(t, err)
		var bi map[string]string
		require.NoError(t, json.Unmarshal(r.Data, &bi))
		want := version.Get()
		require.Equal(t, want.Version, bi["version"])
		require.Equal(t, want.GoVersion, bi["goVersion"])
		for _, k := range []string{"version", "revision", "branch", "buildUser", "buildDate", "goVersion"} {
			require.Contains(t, bi, k)
		}
	})
}

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// equalPoints reports whether two sample lists are identical.
func equalPoints(a, b []model.SamplePair) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(&b[i]) {
			return false
		}
	}
	return true
}

// procMemTotalBytes reads MemTotal from /proc/meminfo, as node_exporter does.
func procMemTotalBytes(t *testing.T) float64 {
	t.Helper()
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		if integration() {
			t.Fatalf("reading /proc/meminfo: %v", err)
		}
		t.Skipf("no /proc/meminfo to compare node_exporter's MemTotal with: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 3 && fields[0] == "MemTotal:" && fields[2] == "kB" {
			kb, err := strconv.ParseFloat(fields[1], 64)
			require.NoError(t, err)
			return kb * 1024
		}
	}
	require.NoError(t, sc.Err())
	t.Fatal("no MemTotal line in /proc/meminfo")
	return 0
}
