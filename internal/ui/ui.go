// Package ui serves mlre's web UI: server-rendered HTML pages (overview,
// SLOs, models, GPUs and hosts, alerts, cost, a PromQL query page) over the
// same data the HTTP API serves, with charts drawn in the browser by the
// vendored uPlot library. Everything it needs is compiled in, so the UI
// works offline, and no build step stands between a user and it.
package ui

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/rules"

	"github.com/mlre-dev/mlre/internal/auth"
	"github.com/mlre-dev/mlre/internal/config"
	"github.com/mlre-dev/mlre/internal/coststatus"
	"github.com/mlre-dev/mlre/internal/monitor"
	"github.com/mlre-dev/mlre/internal/slostatus"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// QueryFunc runs an instant PromQL query.
type QueryFunc func(ctx context.Context, q string, t time.Time) (promql.Vector, error)

// RangeFunc runs a range PromQL query.
type RangeFunc func(ctx context.Context, q string, start, end time.Time, step time.Duration) (promql.Matrix, error)

// Cost is what the cost page reads; nil Enabled means cost is off.
type Cost interface {
	// Enabled reports whether the config has a cost: section.
	Enabled() bool
	Budgets(ctx context.Context) ([]coststatus.BudgetStatus, error)
	// Spend is the spend by the owner label by (team when empty) over
	// [from, to].
	Spend(ctx context.Context, by string, from, to time.Time) (coststatus.Spend, error)
	Recommend(ctx context.Context) (coststatus.Recommendations, error)
}

// DemoIncident is one incident of the demo fleet's schedule.
type DemoIncident struct {
	Name        string
	Description string
	Alerts      []string
	Active      bool
	Ends        *time.Time
	Next        *time.Time
}

// Options are the UI's data sources.
type Options struct {
	Query QueryFunc
	Range RangeFunc
	// SLOs returns the status of every SLO.
	SLOs func(ctx context.Context) ([]slostatus.Status, error)
	// Models returns every monitored model with its last evaluations.
	Models func() []monitor.ModelDetail
	// Alerts returns the rule manager's alerting rules.
	Alerts func() []*rules.AlertingRule
	Cost   Cost
	// Demo returns the demo fleet's incidents; nil outside the demo.
	Demo func() []DemoIncident
	// Auth checks the token a user enters once (kept in a cookie).
	Auth   *auth.Authenticator
	Logger *slog.Logger
	Now    func() time.Time
	// Version is shown in the footer.
	Version string
}

// UI is the web UI's handler.
type UI struct {
	o      Options
	pages  map[string]*template.Template
	static http.Handler
	mux    *http.ServeMux
}

// cookieName holds the token a user entered on the login page.
const cookieName = "mlre_token"

// New parses the templates and returns the UI.
func New(o Options) (*UI, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	u := &UI{o: o, pages: map[string]*template.Template{}}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("parsing the UI layout: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("parsing the UI page %s: %w", n, err)
		}
		u.pages[base] = t
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	u.static = http.StripPrefix("/static/", cacheForever(http.FileServerFS(sub)))

	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", u.page(u.overview))
	m.HandleFunc("GET /slos", u.page(u.sloList))
	m.HandleFunc("GET /slos/{service}/{name}", u.page(u.sloPage))
	m.HandleFunc("GET /models", u.page(u.modelList))
	m.HandleFunc("GET /models/{name}", u.page(u.modelPage))
	m.HandleFunc("GET /infra", u.page(u.infra))
	m.HandleFunc("GET /alerts", u.page(u.alerts))
	m.HandleFunc("GET /query", u.page(u.query))
	m.HandleFunc("GET /cost", u.page(u.cost))
	m.HandleFunc("GET /login", u.loginForm)
	m.HandleFunc("POST /login", u.login)
	m.HandleFunc("POST /logout", u.logout)
	m.Handle("GET /static/", u.static)
	m.HandleFunc("/", u.page(func(*http.Request) (*view, error) {
		return nil, errNotFound("no such page")
	}))
	u.mux = m
	return u, nil
}

// ServeHTTP serves the UI.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// The pages load nothing from elsewhere, and run only their own scripts.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	u.mux.ServeHTTP(w, r)
}

// cacheForever lets browsers keep the static files: their names carry
// their version.
func cacheForever(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		h.ServeHTTP(w, r)
	})
}

// view is a rendered page's data.
type view struct {
	Page   string // the template
	Title  string
	Nav    string // the highlighted navigation entry
	Data   any
	Status int // 0: 200
}

// pageError is an error page with its status code.
type pageError struct {
	code int
	msg  string
}

func (e *pageError) Error() string { return e.msg }

func errNotFound(msg string) error   { return &pageError{http.StatusNotFound, msg} }
func errBadRequest(msg string) error { return &pageError{http.StatusBadRequest, msg} }

// layoutData is what layout.html reads.
type layoutData struct {
	Title    string
	Nav      string
	Data     any
	Auth     bool // auth is on: show the log-out button
	Version  string
	Now      time.Time
	Demo     []DemoIncident
	Error    string
	NavItems []navItem
}

type navItem struct {
	Key, Label, Href string
}

var navItems = []navItem{
	{"overview", "Overview", "/"},
	{"slos", "SLOs", "/slos"},
	{"models", "Models", "/models"},
	{"infra", "GPUs & hosts", "/infra"},
	{"alerts", "Alerts", "/alerts"},
	{"cost", "Cost", "/cost"},
	{"query", "Query", "/query"},
}

// page wraps a page's builder with authentication and rendering.
func (u *UI) page(build func(*http.Request) (*view, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !u.authorized(r) {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		v, err := build(r)
		if err != nil {
			code := http.StatusInternalServerError
			var pe *pageError
			if errors.As(err, &pe) {
				code = pe.code
			} else {
				u.o.Logger.Warn("rendering a UI page", "path", r.URL.Path, "err", err)
			}
			u.render(w, code, &view{Page: "error", Title: http.StatusText(code), Data: err.Error()})
			return
		}
		code := v.Status
		if code == 0 {
			code = http.StatusOK
		}
		u.render(w, code, v)
	}
}

func (u *UI) render(w http.ResponseWriter, code int, v *view) {
	t := u.pages[v.Page]
	d := layoutData{Title: v.Title, Nav: v.Nav, Data: v.Data, Auth: u.o.Auth != nil && u.o.Auth.Enabled(),
		Version: u.o.Version, Now: u.o.Now(), NavItems: navItems}
	if v.Page == "error" {
		d.Error, d.Data = v.Data.(string), nil
	}
	if u.o.Demo != nil {
		d.Demo = u.o.Demo()
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", d); err != nil {
		u.o.Logger.Error("executing a UI template", "page", v.Page, "err", err)
		http.Error(w, "mlre: rendering the page failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = buf.WriteTo(w)
}

// authorized reports whether r may read: auth is off, or r carries a token
// with the read scope, in its Authorization header or the login cookie.
func (u *UI) authorized(r *http.Request) bool {
	a := u.o.Auth
	if a == nil || !a.Enabled() {
		return true
	}
	if r.Header.Get("Authorization") != "" {
		_, code, _ := a.Check(r, config.ScopeRead)
		return code == 0
	}
	c, err := r.Cookie(cookieName)
	if err != nil {
		return false
	}
	_, code, _ := a.CheckSecret(c.Value, config.ScopeRead)
	return code == 0
}

type loginData struct {
	Next    string
	Message string
}

func (u *UI) loginForm(w http.ResponseWriter, r *http.Request) {
	if u.o.Auth == nil || !u.o.Auth.Enabled() {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	u.render(w, http.StatusOK, &view{Page: "login", Title: "Log in", Data: loginData{Next: safeNext(r.URL.Query().Get("next"))}})
}

func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	if u.o.Auth == nil || !u.o.Auth.Enabled() {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		u.render(w, http.StatusBadRequest, &view{Page: "login", Title: "Log in", Data: loginData{Message: "The form could not be read: " + err.Error()}})
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	token := strings.TrimSpace(r.PostForm.Get("token"))
	if token == "" {
		u.render(w, http.StatusBadRequest, &view{Page: "login", Title: "Log in", Data: loginData{Next: next, Message: "Enter a token: one of server.auth.tokens in mlre.yaml, with the read scope."}})
		return
	}
	name, code, msg := u.o.Auth.CheckSecret(token, config.ScopeRead)
	if code != 0 {
		u.render(w, code, &view{Page: "login", Title: "Log in", Data: loginData{Next: next, Message: "Not logged in: " + msg + "."}})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: "/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode, MaxAge: 30 * 24 * 3600})
	u.o.Logger.Info("UI login", "token", name)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (u *UI) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", HttpOnly: true, MaxAge: -1, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a post-login redirect on this server.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

// chartID makes an element id from a chart's title.
func chartID(parts ...string) string {
	s := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return "c" + hex.EncodeToString(s[:6])
}
