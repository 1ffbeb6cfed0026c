package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/route"
	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/auth"
	"github.com/mlre-dev/mlre/internal/config"
)

// routes stands in for Prometheus's API: handlers that behave like its
// remote-write handler (reads the body, answers with http.Error).
type routes struct{}

func (routes) Register(r *route.Router) {
	r.Post("/write", func(w http.ResponseWriter, req *http.Request) {
		if _, err := io.ReadAll(req.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	r.Get("/query", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"success","data":{}}`)
	})
	r.Get("/plainfail", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "something broke", http.StatusServiceUnavailable)
	})
}

func newHandler(t *testing.T, limit int64, ready bool) (http.Handler, *prometheus.Registry) {
	reg := prometheus.NewRegistry()
	h := New(Options{
		PromAPI:      routes{},
		Auth:         auth.New(config.AuthConfig{}),
		Registerer:   reg,
		Gatherer:     reg,
		MaxBodyBytes: func() int64 { return limit },
		Ready:        func() bool { return ready },
		Reload:       func() error { return nil },
		Logger:       slog.New(slog.DiscardHandler),
	})
	return h, reg
}

func do(h http.Handler, method, path, body string, contentLength int64) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentLength >= 0 {
		req.ContentLength = contentLength
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func errBody(t *testing.T, rec *httptest.ResponseRecorder) map[string]string {
	t.Helper()
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"), rec.Body.String())
	var m map[string]string
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m), rec.Body.String())
	require.Equal(t, "error", m["status"])
	return m
}

func TestBodyLimit(t *testing.T) {
	h, _ := newHandler(t, 10, true)
	for _, tc := range []struct {
		name          string
		body          string
		contentLength int64
		want          int
	}{
		{"under", "12345", -1, 204},
		{"exactly at the limit", "1234567890", -1, 204},
		{"declared too large", "12345678901", -1, 413},
		{"chunked, too large", "12345678901234567890", 0, 413},
		{"chunked, at the limit", "1234567890", 0, 204},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := tc.contentLength
			if cl == 0 {
				cl = -1 // unknown length: as a chunked request
			} else {
				cl = int64(len(tc.body))
			}
			req := httptest.NewRequest(http.MethodPost, "/api/v1/write", strings.NewReader(tc.body))
			req.ContentLength = cl
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, tc.want, rec.Code, rec.Body.String())
			if tc.want == 413 {
				m := errBody(t, rec)
				require.Equal(t, "too_large", m["errorType"])
				require.Contains(t, m["error"], "server.max_request_body_size (10B)")
			}
		})
	}
}

func TestPlainTextErrorsBecomeJSON(t *testing.T) {
	h, _ := newHandler(t, 1<<20, true)
	rec := do(h, http.MethodGet, "/api/v1/plainfail", "", -1)
	require.Equal(t, 503, rec.Code)
	m := errBody(t, rec)
	require.Equal(t, "unavailable", m["errorType"])
	require.Equal(t, "something broke", m["error"])

	rec = do(h, http.MethodGet, "/api/v1/query", "", -1)
	require.Equal(t, 200, rec.Code)
	require.JSONEq(t, `{"status":"success","data":{}}`, rec.Body.String())
}

func TestReadiness(t *testing.T) {
	h, _ := newHandler(t, 1<<20, false)
	require.Equal(t, 503, do(h, http.MethodGet, "/-/ready", "", -1).Code)
	require.Equal(t, 200, do(h, http.MethodGet, "/-/healthy", "", -1).Code)
	h, _ = newHandler(t, 1<<20, true)
	require.Equal(t, 200, do(h, http.MethodGet, "/-/ready", "", -1).Code)
	require.Equal(t, 200, do(h, http.MethodHead, "/-/ready", "", -1).Code)
}

func TestInstrumentation(t *testing.T) {
	h, reg := newHandler(t, 1<<20, true)
	for range 3 {
		do(h, http.MethodGet, "/api/v1/query", "", -1)
	}
	do(h, http.MethodGet, "/-/healthy", "", -1)
	n, err := testutil.GatherAndCount(reg, "mlre_http_requests_total")
	require.NoError(t, err)
	require.Equal(t, 2, n, "one series per handler")
	rec := do(h, http.MethodGet, "/metrics", "", -1)
	require.Contains(t, rec.Body.String(), `mlre_http_requests_total{code="200",handler="/api/v1/query",method="get"} 3`)
}

func TestScopeFor(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		want         config.Scope
		needed       bool
	}{
		{"GET", "/-/healthy", "", false},
		{"GET", "/-/ready", "", false},
		{"POST", "/-/reload", config.ScopeAdmin, true},
		{"POST", "/api/v1/admin/tsdb/snapshot", config.ScopeAdmin, true},
		{"POST", "/api/v1/write", config.ScopeWrite, true},
		{"POST", "/api/v1/otlp/v1/metrics", config.ScopeWrite, true},
		{"POST", "/api/v1/query", config.ScopeRead, true},
		{"GET", "/api/v1/series", config.ScopeRead, true},
		{"GET", "/metrics", config.ScopeRead, true},
		{"GET", "/", config.ScopeRead, true},
	} {
		s, needed := ScopeFor(httptest.NewRequest(tc.method, tc.path, nil))
		require.Equal(t, tc.needed, needed, tc.path)
		require.Equal(t, tc.want, s, tc.path)
	}
}

// TestUIMount: with a UI, every path outside /api/, /-/ and /metrics is
// the UI's (which checks its own logins), and the API keeps bearer auth.
func TestUIMount(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := auth.New(config.AuthConfig{Tokens: []config.TokenConfig{{Name: "r", Secret: "read-token-0123456789", Scopes: []config.Scope{config.ScopeRead}}}})
	ui := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusTeapot)
		_, _ = io.WriteString(w, "ui "+r.URL.Path)
	})
	h := New(Options{PromAPI: routes{}, Auth: a, Registerer: reg, Gatherer: reg, UI: ui,
		MaxBodyBytes: func() int64 { return 1 << 20 }, Ready: func() bool { return true },
		Reload: func() error { return nil }, Logger: slog.New(slog.DiscardHandler)})
	for _, tc := range []struct {
		path string
		code int
		body string
	}{
		{"/", http.StatusTeapot, "ui /"},
		{"/slos/a/b", http.StatusTeapot, "ui /slos/a/b"},
		{"/static/mlre.css", http.StatusTeapot, "ui /static/mlre.css"},
		{"/api/v1/query", http.StatusUnauthorized, "missing bearer token"},
		{"/metrics", http.StatusUnauthorized, "missing bearer token"},
		{"/-/healthy", http.StatusOK, "Healthy"},
	} {
		rec := do(h, http.MethodGet, tc.path, "", -1)
		require.Equal(t, tc.code, rec.Code, tc.path)
		require.Contains(t, rec.Body.String(), tc.body, tc.path)
	}
	fams, err := reg.Gather()
	require.NoError(t, err)
	ui418 := 0.0
	for _, f := range fams {
		if f.GetName() != "mlre_http_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			ls := map[string]string{}
			for _, l := range m.GetLabel() {
				ls[l.GetName()] = l.GetValue()
			}
			if ls["handler"] == "/ui" && ls["code"] == "418" {
				ui418 += m.GetCounter().GetValue()
			}
		}
	}
	require.Equal(t, 3.0, ui418, "UI requests are counted under one handler label")
}
