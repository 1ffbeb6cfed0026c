// Package auth checks bearer tokens and their scopes on HTTP requests.
package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/mlre-dev/mlre/internal/config"
	"github.com/mlre-dev/mlre/internal/httperr"
)

// Authenticator holds the configured tokens. Its token set can be replaced
// at run time (config reload) while requests are served.
type Authenticator struct {
	tokens atomic.Pointer[[]token]
}

type token struct {
	name   string
	hash   [sha256.Size]byte
	scopes map[config.Scope]bool
}

// New returns an Authenticator for cfg. With no tokens configured, every
// request is allowed.
func New(cfg config.AuthConfig) *Authenticator {
	a := &Authenticator{}
	a.Update(cfg)
	return a
}

// Update replaces the token set.
func (a *Authenticator) Update(cfg config.AuthConfig) {
	ts := make([]token, 0, len(cfg.Tokens))
	for _, t := range cfg.Tokens {
		tk := token{name: t.Name, hash: sha256.Sum256([]byte(t.Secret)), scopes: map[config.Scope]bool{}}
		for _, s := range t.Scopes {
			tk.scopes[s] = true
		}
		ts = append(ts, tk)
	}
	a.tokens.Store(&ts)
}

// Enabled reports whether any token is configured.
func (a *Authenticator) Enabled() bool { return len(*a.tokens.Load()) > 0 }

// Check returns the name of the token that authorises scope for r, or an
// HTTP status code (401 or 403) and message when none does.
func (a *Authenticator) Check(r *http.Request, scope config.Scope) (name string, code int, msg string) {
	ts := *a.tokens.Load()
	if len(ts) == 0 {
		return "", 0, ""
	}
	h := r.Header.Get("Authorization")
	scheme, secret, ok := strings.Cut(h, " ")
	if h == "" {
		return "", http.StatusUnauthorized, "missing bearer token: send the header 'Authorization: Bearer <token>'"
	}
	if !ok || !strings.EqualFold(scheme, "bearer") || secret == "" {
		return "", http.StatusUnauthorized, "malformed Authorization header: use 'Authorization: Bearer <token>'"
	}
	return a.CheckSecret(secret, scope)
}

// CheckSecret is Check for a token given directly (the web UI's login
// form and cookie) rather than in an Authorization header.
func (a *Authenticator) CheckSecret(secret string, scope config.Scope) (name string, code int, msg string) {
	ts := *a.tokens.Load()
	if len(ts) == 0 {
		return "", 0, ""
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	var found *token
	for i := range ts {
		if subtle.ConstantTimeCompare(sum[:], ts[i].hash[:]) == 1 {
			found = &ts[i]
		}
	}
	if found == nil {
		return "", http.StatusUnauthorized, "invalid bearer token"
	}
	if found.scopes[scope] || found.scopes[config.ScopeAdmin] {
		return found.name, 0, ""
	}
	return found.name, http.StatusForbidden, "token " + found.name + " lacks the " + string(scope) + " scope needed for this endpoint"
}

// Middleware returns h guarded by Check, with the scope chosen per request.
func (a *Authenticator) Middleware(scopeFor func(*http.Request) (config.Scope, bool), h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scope, needed := scopeFor(r)
		if needed {
			if _, code, msg := a.Check(r, scope); code != 0 {
				if code == http.StatusUnauthorized {
					w.Header().Set("WWW-Authenticate", `Bearer realm="mlre"`)
				}
				httperr.Write(w, code, httperr.TypeFor(code), msg)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}
