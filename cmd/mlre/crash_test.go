package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/prometheus/prompb"
	"github.com/stretchr/testify/require"
)

// TestKill9KeepsAcknowledgedSamples runs the real binary, writes samples
// through remote_write, kills the process with SIGKILL and starts it again on
// the same data directory: every sample that got a 2xx must be there (WAL replay).
func TestKill9KeepsAcknowledgedSamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the mlre binary")
	}
	bin := filepath.Join(t.TempDir(), "mlre")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	dataDir := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "mlre.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("global: {scrape_interval: 1h}\n"), 0o600))
	addr := freeAddr(t)

	start := func() *exec.Cmd {
		logs, err := os.CreateTemp(t.TempDir(), "mlre-*.log")
		require.NoError(t, err)
		cmd := exec.Command(bin, "serve", "--config", cfg, "--listen", addr, "--storage.path", dataDir)
		cmd.Stdout, cmd.Stderr = logs, logs
		require.NoError(t, cmd.Start())
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			_ = logs.Close()
			if t.Failed() {
				b, _ := os.ReadFile(logs.Name())
				t.Logf("mlre output:\n%s", b)
			}
		})
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, err := http.Get("http://" + addr + "/-/ready")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return cmd
				}
			}
			require.True(t, time.Now().Before(deadline), "mlre did not become ready")
			time.Sleep(50 * time.Millisecond)
		}
	}

	cmd := start()
	now := time.Now()
	const seriesN, perReq, reqs = 50, 5, 4
	for r := range reqs {
		req := &prompb.WriteRequest{}
		for s := range seriesN {
			ts := prompb.TimeSeries{Labels: []prompb.Label{
				{Name: "__name__", Value: "crash_test_samples"},
				{Name: "series", Value: fmt.Sprint(s)},
			}}
			for i := range perReq {
				ts.Samples = append(ts.Samples, prompb.Sample{
					Timestamp: now.Add(time.Duration(r*perReq+i-reqs*perReq) * time.Second).UnixMilli(),
					Value:     float64(r*perReq + i),
				})
			}
			req.Timeseries = append(req.Timeseries, ts)
		}
		b, err := req.Marshal()
		require.NoError(t, err)
		hr, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/write", bytes.NewReader(snappy.Encode(nil, b)))
		hr.Header.Set("Content-Type", "application/x-protobuf")
		hr.Header.Set("Content-Encoding", "snappy")
		resp, err := http.DefaultClient.Do(hr)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusNoContent, resp.StatusCode)
	}

	require.NoError(t, cmd.Process.Kill()) // SIGKILL: no shutdown, no flush
	_ = cmd.Wait()

	start()
	q := url.QueryEscape(`sum(count_over_time(crash_test_samples[10m]))`)
	resp, err := http.Get(fmt.Sprintf("http://%s/api/v1/query?query=%s&time=%d", addr, q, now.Unix()))
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var r struct {
		Data struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(body, &r), string(body))
	require.Len(t, r.Data.Result, 1, string(body))
	require.Equal(t, fmt.Sprint(seriesN*perReq*reqs), r.Data.Result[0].Value[1], "acknowledged samples lost after kill -9")
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}
