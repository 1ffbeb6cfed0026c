package auth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/config"
)

const (
	readTok  = "read-token-0123456789abcdef"
	writeTok = "write-token-0123456789abcdef"
	adminTok = "admin-token-0123456789abcdef"
)

func testAuth() *Authenticator {
	return New(config.AuthConfig{Tokens: []config.TokenConfig{
		{Name: "grafana", Scopes: []config.Scope{config.ScopeRead}, Secret: readTok},
		{Name: "agent", Scopes: []config.Scope{config.ScopeWrite}, Secret: writeTok},
		{Name: "ops", Scopes: []config.Scope{config.ScopeAdmin}, Secret: adminTok},
	}})
}

func TestCheck(t *testing.T) {
	a := testAuth()
	for _, tc := range []struct {
		name     string
		header   string
		scope    config.Scope
		wantCode int
		wantName string
	}{
		{"no header", "", config.ScopeRead, 401, ""},
		{"basic auth", "Basic dXNlcjpwYXNz", config.ScopeRead, 401, ""},
		{"bearer without token", "Bearer ", config.ScopeRead, 401, ""},
		{"wrong token", "Bearer nope-nope-nope-nope", config.ScopeRead, 401, ""},
		{"read token reads", "Bearer " + readTok, config.ScopeRead, 0, "grafana"},
		{"scheme is case-insensitive", "bearer " + readTok, config.ScopeRead, 0, "grafana"},
		{"read token cannot write", "Bearer " + readTok, config.ScopeWrite, 403, "grafana"},
		{"write token writes", "Bearer " + writeTok, config.ScopeWrite, 0, "agent"},
		{"write token cannot read", "Bearer " + writeTok, config.ScopeRead, 403, "agent"},
		{"write token cannot admin", "Bearer " + writeTok, config.ScopeAdmin, 403, "agent"},
		{"admin implies read", "Bearer " + adminTok, config.ScopeRead, 0, "ops"},
		{"admin implies write", "Bearer " + adminTok, config.ScopeWrite, 0, "ops"},
		{"admin admins", "Bearer " + adminTok, config.ScopeAdmin, 0, "ops"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/v1/query", nil)
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			name, code, msg := a.Check(r, tc.scope)
			require.Equal(t, tc.wantCode, code, msg)
			require.Equal(t, tc.wantName, name)
			if code != 0 {
				require.NotEmpty(t, msg)
				require.NotContains(t, msg, readTok)
			}
		})
	}
}

func TestNoTokensAllowsAll(t *testing.T) {
	a := New(config.AuthConfig{})
	require.False(t, a.Enabled())
	_, code, _ := a.Check(httptest.NewRequest("GET", "/", nil), config.ScopeAdmin)
	require.Equal(t, 0, code)
}

func TestUpdateSwapsTokens(t *testing.T) {
	a := testAuth()
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+readTok)
	_, code, _ := a.Check(r, config.ScopeRead)
	require.Equal(t, 0, code)
	a.Update(config.AuthConfig{Tokens: []config.TokenConfig{{Name: "new", Scopes: []config.Scope{config.ScopeRead}, Secret: "another-token-0123456789"}}})
	_, code, _ = a.Check(r, config.ScopeRead)
	require.Equal(t, 401, code, "old token must stop working after reload")
}

func TestMiddlewareJSON(t *testing.T) {
	a := testAuth()
	h := a.Middleware(func(r *http.Request) (config.Scope, bool) {
		return config.ScopeWrite, r.URL.Path != "/-/healthy"
	}, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/write", nil))
	require.Equal(t, 401, rec.Code)
	require.Equal(t, `Bearer realm="mlre"`, rec.Header().Get("WWW-Authenticate"))
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var body map[string]string
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Equal(t, "error", body["status"])
	require.Equal(t, "unauthorized", body["errorType"])

	rec = httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/api/v1/write", nil)
	r.Header.Set("Authorization", "Bearer "+readTok)
	h.ServeHTTP(rec, r)
	require.Equal(t, 403, rec.Code)
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Equal(t, "forbidden", body["errorType"])
	require.Contains(t, body["error"], "token grafana lacks the write scope")

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/-/healthy", nil))
	require.Equal(t, 204, rec.Code)
}
