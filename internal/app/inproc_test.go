//go:build cgo

package app

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/gpu"
	"github.com/mlre-dev/mlre/internal/gpu/gpusim"
)

// TestInProcessCollectors runs serve with a simulated DGX H100, the host
// collector and an HTTP probe, and checks their series reach the TSDB
// under the ecosystem's names, that a GPU falling off the bus disappears
// at once, and that /metrics/<source> serves each for another Prometheus.
func TestInProcessCollectors(t *testing.T) {
	var unhealthy atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if unhealthy.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()

	node := gpusim.NewDGXH100("gpu-node-1")
	node.GPU(0).Update(func(s *gpusim.State) { s.Util, s.FBUsedMiB = 93, 70000 })
	g, err := gpu.New(gpu.Options{Library: node.Lib(), Hostname: "gpu-node-1", XIDWait: 20 * time.Millisecond})
	require.NoError(t, err)

	cfg := writeFile(t, t.TempDir(), "mlre.yaml", fmt.Sprintf(`
global: {evaluation_interval: 1h}
collectors: {interval: 200ms, instance: gpu-node-1}
probes:
  - {name: model-api, type: http, target: %q, interval: 200ms, timeout: 150ms, labels: {team: ml}}
`, srv.URL+"/healthz"))
	a, err := New(Options{ConfigFile: cfg, Listen: "127.0.0.1:0", DataDir: t.TempDir(), GPU: g})
	require.NoError(t, err)
	require.NoError(t, a.Start())
	t.Cleanup(func() { _ = a.Stop() })

	// Let the first collections create their series before querying:
	// Prometheus's TSDB repairs the order of a postings list in place when
	// two appenders create series at once, and a query reading that list
	// meanwhile is a data race the race detector reports
	// (prometheus/prometheus#15317, open; the fix #15141 was reverted).
	time.Sleep(time.Second)
	has := func(q string, n int) func() bool {
		return func() bool { return len(queryVector(t, a.Addr(), "", q, time.Now())) == n }
	}
	eventually(t, 10*time.Second, has(`DCGM_FI_DEV_GPU_UTIL{job="mlre-gpu", instance="gpu-node-1", Hostname="gpu-node-1", modelName="NVIDIA H100 80GB HBM3"}`, 8), "8 GPUs stored")
	res := queryVector(t, a.Addr(), "", `DCGM_FI_DEV_FB_USED{gpu="0"}`, time.Now())
	require.Equal(t, "70000", res[0].Value[1])
	eventually(t, 10*time.Second, has(`node_memory_MemTotal_bytes{job="mlre-node", instance="gpu-node-1"} > 0`, 1), "host memory stored")
	eventually(t, 10*time.Second, has(`up{job="mlre-node"} == 1`, 1), "up for the host collector")
	eventually(t, 10*time.Second, has(`probe_success{job="model-api", instance="`+srv.URL+`/healthz", team="ml", probe_type="http"} == 1`, 1), "the probe succeeding")

	// The GPU falls off the bus: its telemetry is gone at the next
	// collection (a staleness marker, not five minutes of lookback) and its
	// last XID stays, so GPUMissing and GPUXidRestartNode can fire.
	eventually(t, 10*time.Second, func() bool {
		node.GPU(6).InjectXID(31) // until the collector listens for events
		return len(queryVector(t, a.Addr(), "", `DCGM_EXP_XID_ERRORS_TOTAL{gpu="6", xid="31"}`, time.Now())) == 1
	}, "XIDs counted")
	node.GPU(4).InjectXID(79)
	eventually(t, 10*time.Second, has(`DCGM_FI_DEV_GPU_UTIL`, 7), "the lost GPU to vanish")
	eventually(t, 10*time.Second, has(`DCGM_FI_DEV_XID_ERRORS{gpu="4"} == 79`, 1), "XID 79 kept")
	eventually(t, 10*time.Second, has(`increase(DCGM_EXP_XID_ERRORS_TOTAL{gpu="6", xid="31"}[1m]) > 0`, 1), "increase() to see the first XIDs of a code")

	unhealthy.Store(true)
	eventually(t, 10*time.Second, has(`probe_success{job="model-api"} == 0`, 1), "the probe failing")
	res = queryVector(t, a.Addr(), "", `probe_http_status_code{job="model-api"}`, time.Now())
	require.Equal(t, "503", res[0].Value[1])

	for src, want := range map[string]string{"gpu": "DCGM_FI_DEV_GPU_UTIL{", "node": "node_cpu_seconds_total{", "probes": "probe_success{"} {
		resp, err := http.Get("http://" + a.Addr() + "/metrics/" + src)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, src)
		require.Contains(t, string(b), want, src)
	}
	resp, err := http.Get("http://" + a.Addr() + "/metrics/dcgm")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.True(t, strings.HasPrefix(string(b), `{"status":"error"`), string(b))
	require.Contains(t, string(b), "running: gpu, node, probes")

	// Turning the host collector off by reload stops it and marks its
	// series stale; the GPU and the probe keep going.
	writeFile(t, strings.TrimSuffix(cfg, "/mlre.yaml"), "mlre.yaml", fmt.Sprintf(`
global: {evaluation_interval: 1h}
collectors: {interval: 200ms, instance: gpu-node-1, host: {enabled: false}}
probes:
  - {name: model-api, type: http, target: %q, interval: 200ms, timeout: 150ms}
`, srv.URL+"/healthz"))
	require.NoError(t, a.Reload())
	eventually(t, 10*time.Second, has(`node_memory_MemTotal_bytes`, 0), "host series to go stale")
	eventually(t, 10*time.Second, has(`probe_success{job="model-api", team=""}`, 1), "the probe without its old label")
	require.Len(t, queryVector(t, a.Addr(), "", `DCGM_FI_DEV_GPU_UTIL`, time.Now()), 7)
}
