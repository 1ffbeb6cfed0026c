// Package api serves mlre's HTTP endpoints: the Prometheus HTTP API (query,
// metadata, remote_write receiver) from Prometheus's own web/api/v1 package,
// the lifecycle endpoints (/-/healthy, /-/ready, /-/reload) and /metrics,
// behind bearer-token auth, a request body limit and instrumentation.
package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/alecthomas/units"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/route"

	"github.com/mlre-dev/mlre/internal/auth"
	"github.com/mlre-dev/mlre/internal/config"
	"github.com/mlre-dev/mlre/internal/httperr"
)

// Registrar is the part of Prometheus's *v1.API that this package needs.
type Registrar interface {
	Register(r *route.Router)
}

// Options are the dependencies of the handler.
type Options struct {
	// PromAPI serves /api/v1/*.
	PromAPI Registrar
	// MlreAPIs add mlre's own routes under /api/v1 (slos, …).
	MlreAPIs []Registrar
	Auth     *auth.Authenticator
	// Registerer receives the HTTP metrics; Gatherer is served at /metrics.
	Registerer prometheus.Registerer
	Gatherer   prometheus.Gatherer
	// Sources returns the in-process collectors' gatherers by name (node,
	// gpu, probes), served at /metrics/<name> for another Prometheus to
	// scrape; may be nil.
	Sources func() map[string]prometheus.Gatherer
	// MaxBodyBytes returns the current request body limit.
	MaxBodyBytes func() int64
	// Ready reports whether storage is open and the server serves queries.
	Ready func() bool
	// Reload reloads the configuration; /-/reload calls it.
	Reload func() error
	// UI serves every path outside /api/, /-/ and /metrics (the web UI,
	// which checks its own logins); nil: / redirects to the build info.
	UI     http.Handler
	Logger *slog.Logger
}

// New returns the root handler.
func New(o Options) http.Handler {
	durations := promauto.With(o.Registerer).NewHistogramVec(prometheus.HistogramOpts{
		Name:                            "mlre_http_request_duration_seconds",
		Help:                            "Latency of HTTP requests, by handler.",
		Buckets:                         []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		NativeHistogramBucketFactor:     1.1,
		NativeHistogramMaxBucketNumber:  100,
		NativeHistogramMinResetDuration: time.Hour,
	}, []string{"handler"})
	requests := promauto.With(o.Registerer).NewCounterVec(prometheus.CounterOpts{
		Name: "mlre_http_requests_total",
		Help: "HTTP requests served, by handler, method and status code.",
	}, []string{"handler", "method", "code"})
	instrument := func(name string, h http.HandlerFunc) http.HandlerFunc {
		return promhttp.InstrumentHandlerDuration(durations.MustCurryWith(prometheus.Labels{"handler": name}),
			promhttp.InstrumentHandlerCounter(requests.MustCurryWith(prometheus.Labels{"handler": name}), h))
	}

	r := route.New().WithInstrumentation(instrument)
	// As Prometheus does: the API gets its own router, instrumented with the
	// full path, mounted under /api/v1.
	apiRouter := route.New().WithInstrumentation(func(name string, h http.HandlerFunc) http.HandlerFunc {
		return instrument("/api/v1"+name, h)
	})
	o.PromAPI.Register(apiRouter)
	for _, x := range o.MlreAPIs {
		x.Register(apiRouter)
	}

	r.Get("/-/healthy", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "mlre is Healthy.\n")
	})
	r.Head("/-/healthy", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	ready := func(w http.ResponseWriter, req *http.Request) {
		if !o.Ready() {
			w.WriteHeader(http.StatusServiceUnavailable)
			if req.Method != http.MethodHead {
				_, _ = io.WriteString(w, "mlre is not ready.\n")
			}
			return
		}
		w.WriteHeader(http.StatusOK)
		if req.Method != http.MethodHead {
			_, _ = io.WriteString(w, "mlre is Ready.\n")
		}
	}
	r.Get("/-/ready", ready)
	r.Head("/-/ready", ready)
	reload := func(w http.ResponseWriter, _ *http.Request) {
		if err := o.Reload(); err != nil {
			httperr.Write(w, http.StatusInternalServerError, httperr.TypeBadData, "reload failed, the previous config keeps running: "+err.Error())
			return
		}
		w.WriteHeader(http.StatusOK)
	}
	r.Post("/-/reload", reload)
	r.Put("/-/reload", reload)
	r.Get("/metrics", promhttp.InstrumentMetricHandler(o.Registerer,
		promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{EnableOpenMetrics: true, ErrorLog: slogAdapter{o.Logger}})).ServeHTTP)
	r.Get("/metrics/:source", func(w http.ResponseWriter, req *http.Request) {
		name := route.Param(req.Context(), "source")
		var g prometheus.Gatherer
		if o.Sources != nil {
			g = o.Sources()[name]
		}
		if g == nil {
			var names []string
			if o.Sources != nil {
				for n := range o.Sources() {
					names = append(names, n)
				}
			}
			sort.Strings(names)
			httperr.Write(w, http.StatusNotFound, httperr.TypeNotFound,
				fmt.Sprintf("no collector %q is running; running: %s (see collectors: and probes: in the config)", name, strings.Join(names, ", ")))
			return
		}
		promhttp.HandlerFor(g, promhttp.HandlerOpts{EnableOpenMetrics: true, ErrorLog: slogAdapter{o.Logger}}).ServeHTTP(w, req)
	})
	if o.UI == nil {
		r.Get("/", func(w http.ResponseWriter, req *http.Request) {
			http.Redirect(w, req, "/api/v1/status/buildinfo", http.StatusFound)
		})
	}

	mux := http.NewServeMux()
	mux.Handle("/api/v1/", http.StripPrefix("/api/v1", apiRouter))
	mux.Handle("/", r)

	var h http.Handler = mux
	h = jsonErrors(h)
	h = o.Auth.Middleware(ScopeFor, h)
	if o.UI != nil {
		outer := http.NewServeMux()
		for _, p := range []string{"/api/", "/-/", "/metrics", "/metrics/"} {
			outer.Handle(p, h)
		}
		outer.Handle("/", instrument("/ui", o.UI.ServeHTTP))
		h = outer
	}
	h = limitBody(o.MaxBodyBytes, h)
	return h
}

// ScopeFor says which scope a request needs, if any.
func ScopeFor(r *http.Request) (config.Scope, bool) {
	p := r.URL.Path
	switch {
	case p == "/-/healthy" || p == "/-/ready":
		return "", false
	case p == "/-/reload" || strings.HasPrefix(p, "/api/v1/admin/"):
		return config.ScopeAdmin, true
	case p == "/api/v1/write" || strings.HasPrefix(p, "/api/v1/otlp/"):
		return config.ScopeWrite, true
	case r.Method == http.MethodPost && strings.HasPrefix(p, "/api/v1/models/"):
		// Model ingest: predictions, labels, KServe's payload logger.
		return config.ScopeWrite, true
	default:
		return config.ScopeRead, true
	}
}

// limitBody rejects bodies over the limit with 413 and a JSON error.
func limitBody(limit func() int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		max := limit()
		if r.ContentLength > max {
			httperr.Write(w, http.StatusRequestEntityTooLarge, httperr.TypeTooLarge, tooLargeMsg(max))
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			lr := &limitedBody{rc: r.Body, left: max, max: max}
			r.Body = lr
			h.ServeHTTP(&bodyLimitWriter{ResponseWriter: w, body: lr}, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func tooLargeMsg(max int64) string {
	return "request body is larger than server.max_request_body_size (" + units.Base2Bytes(max).String() + "); send smaller batches or raise the limit"
}

// errBodyTooLarge is returned by limitedBody past the limit.
var errBodyTooLarge = errors.New("request body too large")

type limitedBody struct {
	rc       io.ReadCloser
	left     int64
	max      int64
	exceeded bool
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// Probe one byte to tell "exactly at the limit" from "over it".
		var one [1]byte
		n, err := l.rc.Read(one[:])
		if n > 0 {
			l.exceeded = true
			return 0, errBodyTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.rc.Read(p)
	l.left -= int64(n)
	return n, err
}

func (l *limitedBody) Close() error { return l.rc.Close() }

// bodyLimitWriter turns any error response written after the body limit was
// hit into a 413.
type bodyLimitWriter struct {
	http.ResponseWriter
	body *limitedBody
	done bool
}

func (b *bodyLimitWriter) WriteHeader(code int) {
	if b.body.exceeded && code >= 400 && !b.done {
		b.done = true
		httperr.Write(b.ResponseWriter, http.StatusRequestEntityTooLarge, httperr.TypeTooLarge, tooLargeMsg(b.body.max))
		return
	}
	b.ResponseWriter.WriteHeader(code)
}

func (b *bodyLimitWriter) Write(p []byte) (int, error) {
	if b.done {
		return len(p), nil
	}
	return b.ResponseWriter.Write(p)
}

func (b *bodyLimitWriter) Unwrap() http.ResponseWriter { return b.ResponseWriter }

// jsonErrors rewrites plain-text error responses (Prometheus's remote-write
// and remote-read handlers write them with http.Error) as JSON errors in the
// query API's shape, so every 4xx/5xx from mlre is JSON.
func jsonErrors(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		jw := &jsonErrorWriter{ResponseWriter: w}
		h.ServeHTTP(jw, r)
		jw.finish()
	})
}

type jsonErrorWriter struct {
	http.ResponseWriter
	code    int
	capture bool
	buf     bytes.Buffer
}

func (j *jsonErrorWriter) WriteHeader(code int) {
	if j.code != 0 {
		return
	}
	j.code = code
	ct := j.Header().Get("Content-Type")
	if code >= 400 && !strings.HasPrefix(ct, "application/json") {
		j.capture = true
		return
	}
	j.ResponseWriter.WriteHeader(code)
}

func (j *jsonErrorWriter) Write(p []byte) (int, error) {
	if j.code == 0 {
		j.WriteHeader(http.StatusOK)
	}
	if j.capture {
		if j.buf.Len() < 4096 {
			j.buf.Write(p)
		}
		return len(p), nil
	}
	return j.ResponseWriter.Write(p)
}

func (j *jsonErrorWriter) Flush() {
	if f, ok := j.ResponseWriter.(http.Flusher); ok && !j.capture {
		f.Flush()
	}
}

func (j *jsonErrorWriter) Unwrap() http.ResponseWriter { return j.ResponseWriter }

func (j *jsonErrorWriter) finish() {
	if !j.capture {
		return
	}
	msg := strings.TrimSpace(j.buf.String())
	if msg == "" {
		msg = http.StatusText(j.code)
	}
	j.Header().Del("X-Content-Type-Options")
	httperr.Write(j.ResponseWriter, j.code, httperr.TypeFor(j.code), msg)
}

type slogAdapter struct{ l *slog.Logger }

func (s slogAdapter) Println(v ...any) {
	if s.l != nil {
		s.l.Error("metrics handler", "err", v)
	}
}
