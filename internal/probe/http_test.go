package probe

import (
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
)

func TestHTTPProbe(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte("s3cret\n"), 0o600))

	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux.HandleFunc("/error", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, "internal error")
	})
	mux.HandleFunc("/redirect2", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/redirect1", http.StatusFound) })
	mux.HandleFunc("/redirect1", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("X-Foo") != "bar" ||
			r.Header.Get("Authorization") != "Bearer s3cret" || string(body) != `{"ping":true}` || r.Host != "model.internal" {
			http.Error(w, fmt.Sprintf("unexpected request %s %q %q", r.Method, r.Header, body), http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, "pong")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	cases := []struct {
		name        string
		target      string
		http        *HTTPConfig
		wantSuccess bool
		want        map[string]float64
	}{
		{
			name:        "up",
			target:      srv.URL + "/ok",
			wantSuccess: true,
			want: map[string]float64{
				"probe_http_status_code":              200,
				"probe_http_content_length":           2,
				"probe_http_uncompressed_body_length": 2,
				"probe_http_version":                  1.1,
				"probe_http_ssl":                      0,
				"probe_http_redirects":                0,
				"probe_failed_due_to_regex":           0,
				"probe_ip_protocol":                   4,
			},
		},
		{
			name:        "down",
			target:      "http://" + closedAddr(t) + "/",
			wantSuccess: false,
			want:        map[string]float64{"probe_http_status_code": 0},
		},
		{
			name:        "500",
			target:      srv.URL + "/error",
			wantSuccess: false,
			want:        map[string]float64{"probe_http_status_code": 500},
		},
		{
			name:        "500 is a valid status code",
			target:      srv.URL + "/error",
			http:        &HTTPConfig{ValidStatusCodes: []int{500, 503}},
			wantSuccess: true,
			want:        map[string]float64{"probe_http_status_code": 500},
		},
		{
			name:        "200 is not a valid status code",
			target:      srv.URL + "/ok",
			http:        &HTTPConfig{ValidStatusCodes: []int{204}},
			wantSuccess: false,
			want:        map[string]float64{"probe_http_status_code": 200},
		},
		{
			name:        "body matches a failing regexp",
			target:      srv.URL + "/ok",
			http:        &HTTPConfig{FailIfBodyMatchesRegexp: []string{"^o"}},
			wantSuccess: false,
			want:        map[string]float64{"probe_failed_due_to_regex": 1, "probe_http_status_code": 200},
		},
		{
			name:        "body does not match a required regexp",
			target:      srv.URL + "/ok",
			http:        &HTTPConfig{FailIfBodyNotMatchesRegexp: []string{"ready"}},
			wantSuccess: false,
			want:        map[string]float64{"probe_failed_due_to_regex": 1},
		},
		{
			name:        "body matches the required regexp",
			target:      srv.URL + "/ok",
			http:        &HTTPConfig{FailIfBodyNotMatchesRegexp: []string{"o+k"}, FailIfBodyMatchesRegexp: []string{"error"}},
			wantSuccess: true,
			want:        map[string]float64{"probe_failed_due_to_regex": 0},
		},
		{
			name:        "redirects are followed and counted",
			target:      srv.URL + "/redirect2",
			wantSuccess: true,
			want:        map[string]float64{"probe_http_redirects": 2, "probe_http_status_code": 200},
		},
		{
			name:        "no_follow_redirects",
			target:      srv.URL + "/redirect2",
			http:        &HTTPConfig{NoFollowRedirects: true},
			wantSuccess: false,
			want:        map[string]float64{"probe_http_redirects": 1, "probe_http_status_code": 302},
		},
		{
			name:        "redirect loop",
			target:      srv.URL + "/loop",
			wantSuccess: false,
			want:        map[string]float64{"probe_http_redirects": 11, "probe_http_status_code": 302},
		},
		{
			name:        "fail_if_not_ssl",
			target:      srv.URL + "/ok",
			http:        &HTTPConfig{FailIfNotSSL: true},
			wantSuccess: false,
			want:        map[string]float64{"probe_http_status_code": 200, "probe_http_ssl": 0},
		},
		{
			name:   "method, headers, body and bearer token",
			target: srv.URL + "/echo",
			http: &HTTPConfig{
				Method:          http.MethodPost,
				Headers:         map[string]string{"X-Foo": "bar", "host": "model.internal"},
				Body:            `{"ping":true}`,
				BearerTokenFile: tokenFile,
			},
			wantSuccess: true,
			want:        map[string]float64{"probe_http_status_code": 200},
		},
		{
			name:        "missing bearer token file",
			target:      srv.URL + "/ok",
			http:        &HTTPConfig{BearerTokenFile: filepath.Join(t.TempDir(), "missing")},
			wantSuccess: false,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runProbeT(t, Config{Type: "http", Target: tc.target, HTTP: tc.http})
			requireSuccess(t, res, tc.wantSuccess)
			for name, want := range tc.want {
				require.Equal(t, want, requireValue(t, res, name), name)
			}
			for _, phase := range []string{"resolve", "connect", "tls", "processing", "transfer"} {
				v := requireValue(t, res, "probe_http_duration_seconds", "phase", phase)
				require.GreaterOrEqual(t, v, 0.0, phase)
			}
			if tc.wantSuccess {
				require.Positive(t, requireValue(t, res, "probe_http_duration_seconds", "phase", "processing"))
			} else {
				require.NotEmpty(t, res.FailureReason)
			}
		})
	}
}

func TestHTTPProbeTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(srv.Close)

	const timeout = 300 * time.Millisecond
	res := runProbeT(t, Config{Type: "http", Target: srv.URL, Timeout: model.Duration(timeout)})
	requireSuccess(t, res, false)
	require.InDelta(t, timeout.Seconds(), res.Duration.Seconds(), 0.25)
	require.Contains(t, res.FailureReason, "deadline exceeded")
}

func TestHTTPProbeTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // expected handshake failures
	srv.StartTLS()
	t.Cleanup(srv.Close)
	cert := srv.Certificate()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600))

	cases := []struct {
		name        string
		http        HTTPConfig
		wantSuccess bool
		wantReason  string
	}{
		{name: "unknown CA", wantSuccess: false, wantReason: "certificate"},
		{name: "insecure_skip_verify", http: HTTPConfig{TLSConfig: TLSConfig{InsecureSkipVerify: true}}, wantSuccess: true},
		{name: "ca_file", http: HTTPConfig{TLSConfig: TLSConfig{CAFile: caFile}}, wantSuccess: true},
		{name: "ca_file, wrong server_name", http: HTTPConfig{TLSConfig: TLSConfig{CAFile: caFile, ServerName: "other.test"}}, wantReason: "other.test"},
		{name: "fail_if_ssl", http: HTTPConfig{FailIfSSL: true, TLSConfig: TLSConfig{CAFile: caFile}}, wantReason: "SSL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runProbeT(t, Config{Type: "http", Target: srv.URL, HTTP: &tc.http})
			requireSuccess(t, res, tc.wantSuccess)
			if tc.wantReason != "" {
				require.Contains(t, res.FailureReason, tc.wantReason)
			}
			if !tc.wantSuccess && tc.name != "fail_if_ssl" {
				_, ok := res.Value("probe_ssl_earliest_cert_expiry")
				require.False(t, ok, "no TLS metrics without a TLS response")
				return
			}
			require.Equal(t, 1.0, requireValue(t, res, "probe_http_ssl"))
			require.Equal(t, float64(cert.NotAfter.Unix()), requireValue(t, res, "probe_ssl_earliest_cert_expiry"))
			require.Equal(t, 1.0, requireValue(t, res, "probe_tls_version_info", "version", "TLS 1.3"))
			require.Positive(t, requireValue(t, res, "probe_http_duration_seconds", "phase", "tls"))
			if !tc.http.TLSConfig.InsecureSkipVerify {
				require.Equal(t, float64(cert.NotAfter.Unix()), requireValue(t, res, "probe_ssl_last_chain_expiry_timestamp_seconds"))
			}
		})
	}
}
