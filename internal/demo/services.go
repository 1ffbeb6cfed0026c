package demo

import (
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Latency buckets of the services' histograms (seconds).
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

// service is a simulated model service: its request counter and latency
// histogram, as a Go service instrumented with client_golang exposes them.
type service struct {
	name    string // the scrape job
	team    string
	rps     float64
	median  float64 // median latency, seconds
	errRate float64 // share of 5xx in calm times

	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  prometheus.Histogram
}

func newService(name, team string, rps, median, errRate float64) *service {
	s := &service{name: name, team: team, rps: rps, median: median, errRate: errRate, reg: prometheus.NewRegistry()}
	s.requests = promauto.With(s.reg).NewCounterVec(prometheus.CounterOpts{
		Name: "http_requests_total", Help: "Requests answered, by status code.",
	}, []string{"code"})
	s.latency = promauto.With(s.reg).NewHistogram(prometheus.HistogramOpts{
		Name: "http_request_duration_seconds", Help: "Time to answer a request.", Buckets: latencyBuckets,
	})
	// Both codes exist from the start, so rate() sees the first errors.
	s.requests.WithLabelValues("200")
	s.requests.WithLabelValues("500")
	return s
}

// serve simulates dt of traffic: errRate and extra latency are what the
// incidents running now make of them.
func (s *service) serve(rng *rand.Rand, dt time.Duration, errRate, extra float64) {
	n := poisson(rng, s.rps*dt.Seconds())
	for range n {
		lat := s.median*math.Exp(0.4*rng.NormFloat64()) + extra
		if extra > 0 {
			lat += 0.1 * extra * rng.Float64()
		}
		code := "200"
		if rng.Float64() < errRate {
			code = "500"
			lat *= 0.3 // errors fail fast
		}
		s.requests.WithLabelValues(code).Inc()
		s.latency.Observe(lat)
	}
}

// poisson draws a Poisson count of mean m (normal approximation above 30).
func poisson(rng *rand.Rand, m float64) int {
	if m > 30 {
		return max(0, int(math.Round(m+math.Sqrt(m)*rng.NormFloat64())))
	}
	l, k, p := math.Exp(-m), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// pipeline is a batch feature pipeline that records its last success.
type pipeline struct {
	name        string
	every       time.Duration
	reg         *prometheus.Registry
	lastSuccess prometheus.Gauge
	runs        *prometheus.CounterVec
	last        time.Time
}

func newPipeline(name string, every time.Duration) *pipeline {
	p := &pipeline{name: name, every: every, reg: prometheus.NewRegistry()}
	p.lastSuccess = promauto.With(p.reg).NewGauge(prometheus.GaugeOpts{
		Name: "feature_pipeline_last_success_timestamp_seconds", Help: "When the pipeline last finished successfully (Unix seconds).",
		ConstLabels: prometheus.Labels{"pipeline": name},
	})
	p.runs = promauto.With(p.reg).NewCounterVec(prometheus.CounterOpts{
		Name: "feature_pipeline_runs_total", Help: "Pipeline runs by result.", ConstLabels: prometheus.Labels{"pipeline": name},
	}, []string{"result"})
	return p
}

// tick runs the pipeline when it is due; a stale pipeline's runs fail.
func (p *pipeline) tick(now time.Time, stale bool) {
	if now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	if stale {
		p.runs.WithLabelValues("failure").Inc()
		return
	}
	p.runs.WithLabelValues("success").Inc()
	p.lastSuccess.Set(float64(now.UnixMilli()) / 1000)
}

// featureStore answers the feature store's health check, slowly while the
// slow-dependency incident runs.
func (f *Fleet) featureStore(w http.ResponseWriter, r *http.Request) {
	d := time.Duration(2+time.Now().UnixNano()%5) * time.Millisecond
	if f.active()[SlowDependency] {
		d = slowDependencyDelay
	}
	select {
	case <-time.After(d):
	case <-r.Context().Done():
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok","latency_ms":` + strconv.FormatInt(d.Milliseconds(), 10) + "}\n"))
}

// slowDependencyDelay is the feature store's answer time during the
// slow-dependency incident.
const slowDependencyDelay = 1500 * time.Millisecond
