package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/prometheus/prompb"
	"github.com/stretchr/testify/require"
)

// startApp runs an App on a free loopback port with the given config text
// (empty for the built-in default config) and data dir.
func startApp(t *testing.T, cfgText, dataDir string) *App {
	t.Helper()
	cfgPath := ""
	if cfgText != "" {
		cfgPath = writeFile(t, t.TempDir(), "mlre.yaml", cfgText)
	}
	return startAppFile(t, cfgPath, dataDir)
}

// startAppFile runs an App with the config file at cfgPath (empty for the
// built-in default), for tests that rewrite the file and reload.
func startAppFile(t *testing.T, cfgPath, dataDir string) *App {
	t.Helper()
	a, err := New(Options{ConfigFile: cfgPath, Listen: "127.0.0.1:0", DataDir: dataDir})
	require.NoError(t, err)
	require.NoError(t, a.Start())
	t.Cleanup(func() { _ = a.Stop() })
	return a
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(text), 0o600))
	return p
}

// series is one series for a remote-write request.
type series struct {
	labels  map[string]string
	samples []prompb.Sample
}

func encodeWrite(t testing.TB, ss ...series) []byte {
	t.Helper()
	req := &prompb.WriteRequest{}
	for _, s := range ss {
		ts := prompb.TimeSeries{Samples: s.samples}
		for k, v := range s.labels {
			ts.Labels = append(ts.Labels, prompb.Label{Name: k, Value: v})
		}
		req.Timeseries = append(req.Timeseries, ts)
	}
	b, err := req.Marshal()
	require.NoError(t, err)
	return snappy.Encode(nil, b)
}

// postWrite sends a remote-write body and returns the status code and body.
func postWrite(t testing.TB, addr, token string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/write", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

type apiResponse struct {
	Status    string          `json:"status"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Data      json.RawMessage `json:"data"`
}

type vectorSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// get does a GET and decodes the Prometheus API envelope.
func get(t testing.TB, addr, token, path string) (int, apiResponse) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var r apiResponse
	b, _ := io.ReadAll(resp.Body)
	if len(b) > 0 && b[0] == '{' {
		require.NoError(t, json.Unmarshal(b, &r), string(b))
	}
	return resp.StatusCode, r
}

// queryVector runs an instant query at time at and returns its samples.
func queryVector(t testing.TB, addr, token, q string, at time.Time) []vectorSample {
	t.Helper()
	code, r := get(t, addr, token, "/api/v1/query?query="+url.QueryEscape(q)+fmt.Sprintf("&time=%.3f", float64(at.UnixMilli())/1000))
	require.Equal(t, http.StatusOK, code, "%+v", r)
	var d struct {
		ResultType string         `json:"resultType"`
		Result     []vectorSample `json:"result"`
	}
	require.NoError(t, json.Unmarshal(r.Data, &d))
	require.Equal(t, "vector", d.ResultType)
	return d.Result
}

func eventually(t *testing.T, timeout time.Duration, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", timeout, msg)
}

func snappyEncode(b []byte) []byte { return snappy.Encode(nil, b) }
