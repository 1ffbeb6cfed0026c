package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/prompb"
	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/app"
	"github.com/mlre-dev/mlre/internal/testbin"
)

// pollTimeout bounds every wait for data to show up somewhere.
const pollTimeout = 45 * time.Second

func integration() bool { return testbin.Integration() }

func needBinary(t *testing.T, name string) string { t.Helper(); return testbin.Need(t, name) }

// freePort returns a loopback TCP port that was free a moment ago. Callers
// that hand it to another process must retry if the port is taken meanwhile.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return port
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (mlre's logger).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// mlreServer is an in-process mlre.
type mlreServer struct {
	app     *app.App
	addr    string // host:port
	url     string // http://host:port
	cfgPath string
}

// startMlre runs mlre in-process on a free loopback port with cfg as its
// config file and a fresh data directory. It is stopped in t.Cleanup, and its
// log is printed if the test failed.
func startMlre(t *testing.T, cfg string) *mlreServer {
	t.Helper()
	if !strings.Contains(cfg, "collectors:") {
		// These tests compare what they wrote or scraped with what a
		// query returns; mlre's own collectors would add series.
		cfg += "\ncollectors: {host: {enabled: false}, gpu: {enabled: false}}\n"
	}
	cfgPath := filepath.Join(t.TempDir(), "mlre.yaml")
	require.NoError(t, os.WriteFile(cfgPath, []byte(cfg), 0o600))
	logs := &syncBuffer{}
	a, err := app.New(app.Options{
		ConfigFile: cfgPath,
		Listen:     "127.0.0.1:0",
		DataDir:    t.TempDir(),
		Logger:     slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	require.NoError(t, err, "starting mlre with config:\n%s", cfg)
	t.Cleanup(func() {
		began := time.Now()
		if err := a.Stop(); err != nil {
			t.Errorf("stopping mlre: %v", err)
		}
		t.Logf("mlre stopped in %v", time.Since(began).Round(time.Millisecond))
		if t.Failed() {
			t.Logf("mlre log:\n%s", logs.String())
		}
	})
	require.NoError(t, a.Start())
	m := &mlreServer{app: a, addr: a.Addr(), url: "http://" + a.Addr(), cfgPath: cfgPath}
	waitFor(t, 10*time.Second, "mlre to be ready", func() (bool, string) {
		code, body, err := httpGet(m.url + "/-/ready")
		if err != nil {
			return false, err.Error()
		}
		return code == http.StatusOK, fmt.Sprintf("HTTP %d: %s", code, body)
	})
	return m
}

// reload rewrites mlre's config file and applies it. This is how a test adds
// a job that scrapes mlre itself, whose address is only known after New.
func (m *mlreServer) reload(t *testing.T, cfg string) {
	t.Helper()
	require.NoError(t, os.WriteFile(m.cfgPath, []byte(cfg), 0o600))
	require.NoError(t, m.app.Reload(), "reloading mlre with config:\n%s", cfg)
}

// selfScrapeConfig is a scrape_configs section with one job, "mlre", that
// scrapes mlre's own /metrics every second.
func selfScrapeConfig(addr string) string {
	return fmt.Sprintf(`
scrape_configs:
  - job_name: mlre
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: [%q]
`, addr)
}

// process is an external program started by a test.
type process struct {
	port    int
	url     string
	logPath string
}

// startProcess starts bin with the arguments args(port) returns for a free
// loopback port, and waits until GET readyPath on that port answers 200. If
// the program dies first (typically because the port was taken meanwhile)
// it is retried on another port. The process is killed in t.Cleanup, and its
// output, written to a file, is printed if the test failed.
func startProcess(t *testing.T, bin string, args func(port int) []string, readyPath string) *process {
	t.Helper()
	name := filepath.Base(bin)
	var lastErr error
	for attempt := 1; attempt <= 3; attempt++ {
		port := freePort(t)
		logPath := filepath.Join(t.TempDir(), fmt.Sprintf("%s-%d.log", name, attempt))
		logFile, err := os.Create(logPath)
		require.NoError(t, err)
		t.Cleanup(func() {
			if t.Failed() {
				b, _ := os.ReadFile(logPath)
				t.Logf("%s output (attempt %d, port %d):\n%s", name, attempt, port, b)
			}
		})
		argv := args(port)
		cmd := exec.Command(bin, argv...)
		cmd.Stdout = logFile
		cmd.Stderr = logFile
		setDeathSignal(cmd)
		started, exited := make(chan error, 1), make(chan error, 1)
		go func() {
			// The parent-death signal fires when the OS thread that started
			// the child ends, so start it from a locked thread that lives
			// until the child is gone.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			if err := cmd.Start(); err != nil {
				started <- err
				return
			}
			started <- nil
			exited <- cmd.Wait()
			_ = logFile.Close()
		}()
		if err := <-started; err != nil {
			_ = logFile.Close()
			t.Fatalf("starting %s %s: %v", bin, strings.Join(argv, " "), err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				t.Errorf("%s (pid %d) did not exit after SIGKILL", name, cmd.Process.Pid)
			}
		})

		p := &process{port: port, url: fmt.Sprintf("http://127.0.0.1:%d", port), logPath: logPath}
		if lastErr = waitReady(p.url+readyPath, exited); lastErr == nil {
			return p
		}
		b, _ := os.ReadFile(logPath)
		lastErr = fmt.Errorf("%s on port %d: %w; output:\n%s", name, port, lastErr, b)
		if !errors.Is(lastErr, errExited) {
			t.Fatal(lastErr)
		}
		t.Logf("attempt %d: %v", attempt, lastErr)
	}
	t.Fatalf("could not start %s: %v", name, lastErr)
	return nil
}

// errExited is returned by waitReady when the process died first.
var errExited = errors.New("exited before it was ready")

// waitReady polls u until it answers 200 or the process reports on exited
// (which it then refills, for the cleanup). Each probe has a short timeout,
// so a port that was taken by a silent listener does not stall the retry.
func waitReady(u string, exited chan error) error {
	probe := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("%w (%v)", errExited, err)
		default:
		}
		resp, err := probe.Get(u)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				select {
				case err := <-exited: // the 200 came from someone else
					exited <- err
					return fmt.Errorf("%w (%v)", errExited, err)
				default:
					return nil
				}
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no 200 from %s within 30s (last: %s)", u, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitFor polls cond every 200ms until it returns true, failing the test with
// cond's last explanation after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	began := time.Now()
	deadline := began.Add(timeout)
	for {
		ok, why := cond()
		if ok {
			t.Logf("waited %v for %s", time.Since(began).Round(time.Millisecond), what)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s; last state: %s", timeout, what, why)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

func httpGet(u string) (int, []byte, error) {
	resp, err := httpClient.Get(u)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// apiResponse is the envelope of every Prometheus HTTP API answer.
type apiResponse struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Warnings  []string        `json:"warnings"`
	Infos     []string        `json:"infos"`
}

// apiGet calls GET base+path?params and decodes the envelope; a non-success
// answer is an error.
func apiGet(base, path string, params url.Values) (*apiResponse, error) {
	u := base + path
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	resp, err := httpClient.Get(u)
	if err != nil {
		return nil, err
	}
	return decodeAPI(resp)
}

// apiPostForm calls POST base+path with a form body, as Grafana does.
func apiPostForm(base, path string, form url.Values) (*apiResponse, error) {
	resp, err := httpClient.PostForm(base+path, form)
	if err != nil {
		return nil, err
	}
	return decodeAPI(resp)
}

func decodeAPI(resp *http.Response) (*apiResponse, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return nil, fmt.Errorf("%s: HTTP %d with Content-Type %q: %s", resp.Request.URL, resp.StatusCode, ct, b)
	}
	var r apiResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: HTTP %d, decoding %q: %w", resp.Request.URL, resp.StatusCode, b, err)
	}
	if resp.StatusCode != http.StatusOK || r.Status != "success" {
		return &r, fmt.Errorf("%s: HTTP %d, status %q, %s: %s", resp.Request.URL, resp.StatusCode, r.Status, r.ErrorType, r.Error)
	}
	return &r, nil
}

// queryVector runs an instant query (at ts, or now if ts is zero) and
// returns its vector result.
func queryVector(base, q string, ts time.Time) (model.Vector, error) {
	params := url.Values{"query": {q}}
	if !ts.IsZero() {
		params.Set("time", formatTime(ts))
	}
	r, err := apiGet(base, "/api/v1/query", params)
	if err != nil {
		return nil, err
	}
	var d struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return nil, err
	}
	if d.ResultType != "vector" {
		return nil, fmt.Errorf("query %q: resultType %q, want vector", q, d.ResultType)
	}
	var v model.Vector
	if err := json.Unmarshal(d.Result, &v); err != nil {
		return nil, err
	}
	return v, nil
}

// queryMatrix runs an instant query whose result is a range vector, such as
// `metric[1m]`, and returns the raw samples.
func queryMatrix(base, q string, ts time.Time) (model.Matrix, error) {
	r, err := apiGet(base, "/api/v1/query", url.Values{"query": {q}, "time": {formatTime(ts)}})
	if err != nil {
		return nil, err
	}
	var d struct {
		ResultType string       `json:"resultType"`
		Result     model.Matrix `json:"result"`
	}
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return nil, err
	}
	if d.ResultType != "matrix" {
		return nil, fmt.Errorf("query %q: resultType %q, want matrix", q, d.ResultType)
	}
	return d.Result, nil
}

// waitVector polls an instant query until it returns exactly n samples.
func waitVector(t *testing.T, base, q string, n int) model.Vector {
	t.Helper()
	var v model.Vector
	waitFor(t, pollTimeout, fmt.Sprintf("%d series from %q on %s", n, q, base), func() (bool, string) {
		var err error
		v, err = queryVector(base, q, time.Time{})
		if err != nil {
			return false, err.Error()
		}
		return len(v) == n, fmt.Sprintf("got %d series: %v", len(v), v)
	})
	return v
}

// formatTime writes t as the API's Unix seconds with milliseconds.
func formatTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64)
}

// series builds a remote-write time series from a metric name, label pairs
// and samples.
func series(name string, labelPairs []string, samples ...prompb.Sample) prompb.TimeSeries {
	ls := []prompb.Label{{Name: "__name__", Value: name}}
	for i := 0; i+1 < len(labelPairs); i += 2 {
		ls = append(ls, prompb.Label{Name: labelPairs[i], Value: labelPairs[i+1]})
	}
	return prompb.TimeSeries{Labels: ls, Samples: samples}
}

func sample(ts time.Time, v float64) prompb.Sample {
	return prompb.Sample{Timestamp: ts.UnixMilli(), Value: v}
}

// remoteWrite sends series to base/api/v1/write with remote-write 1.0, as
// Prometheus does, and requires a 2xx answer.
func remoteWrite(t *testing.T, base string, ts ...prompb.TimeSeries) {
	t.Helper()
	req := &prompb.WriteRequest{Timeseries: ts}
	raw, err := req.Marshal()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/write", bytes.NewReader(snappy.Encode(nil, raw)))
	require.NoError(t, err)
	hreq.Header.Set("Content-Type", "application/x-protobuf")
	hreq.Header.Set("Content-Encoding", "snappy")
	hreq.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	hreq.Header.Set("User-Agent", "mlre-e2e-test")
	resp, err := httpClient.Do(hreq)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	require.True(t, resp.StatusCode/100 == 2, "remote write to %s: HTTP %d: %s", base, resp.StatusCode, body)
}

// runTool runs a command with a deadline and returns its combined output,
// failing the test if it does not exit 0.
func runTool(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("%s %s timed out; output:\n%s", bin, strings.Join(args, " "), out)
	}
	require.NoError(t, err, "%s %s; output:\n%s", bin, strings.Join(args, " "), out)
	return string(out)
}

// writeFile writes content to name in a new temporary directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}
