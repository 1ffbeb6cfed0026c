// Package probe runs network latency probes (http, tcp, icmp, dns, grpc)
// configured under `probes:` in mlre.yaml, on an interval, and exposes their
// last results with blackbox_exporter's metric names and help strings.
//
// As in blackbox_exporter, each probe type is a ProbeFn that fills a fresh
// prometheus.Registry per run; a Manager keeps the last gathered families of
// every probe and replays them through its Collector with job, instance,
// probe_type and the user's labels added.
package probe

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// ErrUnknownType is returned for a probe type that has no prober.
var ErrUnknownType = errors.New("unknown probe type")

// ProbeFn runs one probe of target, registering its metrics in registry, and
// reports success. It must return when ctx is done.
type ProbeFn func(ctx context.Context, target string, cfg Config, registry *prometheus.Registry, logger *slog.Logger) bool

// probers maps a probe type to its ProbeFn. It is a read-only table.
var probers = map[string]ProbeFn{
	"http": probeHTTP,
	"tcp":  probeTCP,
	"icmp": probeICMP,
	"dns":  probeDNS,
	"grpc": probeGRPC,
}

// Result is the outcome of one probe run.
type Result struct {
	Success  bool
	Start    time.Time
	Duration time.Duration
	// FailureReason is the first warning or error a failed probe logged.
	FailureReason string
	// Families are the gathered metric families (all gauges), including
	// probe_success and probe_duration_seconds, without job/instance labels.
	Families []*dto.MetricFamily
}

// Value returns the value of the gauge name whose labels include the given
// name/value pairs, and whether it was found.
func (r *Result) Value(name string, labelPairs ...string) (float64, bool) {
	for _, mf := range r.Families {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labelPairs); i += 2 {
				if !hasLabel(m, labelPairs[i], labelPairs[i+1]) {
					continue metrics
				}
			}
			return metricValue(m), true
		}
	}
	return 0, false
}

func hasLabel(m *dto.Metric, name, value string) bool {
	for _, lp := range m.GetLabel() {
		if lp.GetName() == name {
			return lp.GetValue() == value
		}
	}
	return false
}

func metricValue(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	default:
		return m.GetUntyped().GetValue()
	}
}

// RunOnce applies defaults to cfg, validates it and runs the probe now,
// bounded by cfg.Timeout. A failed probe is a Result with Success false; the
// error is for an invalid configuration only. logger may be nil.
func RunOnce(ctx context.Context, cfg Config, logger *slog.Logger) (*Result, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = withDefaults(cfg)
	if errs := validateOne(-1, cfg); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	fn, ok := probers[cfg.Type]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownType, cfg.Type)
	}
	return runProbe(ctx, cfg, fn, logger), nil
}

// runProbe runs fn once with a fresh registry, the way blackbox_exporter's
// handler does. cfg must have its defaults applied.
func runProbe(ctx context.Context, cfg Config, fn ProbeFn, logger *slog.Logger) *Result {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(cfg.Timeout))
	defer cancel()

	probeSuccess := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "probe_success",
		Help: "Displays whether or not the probe was a success",
	})
	probeDuration := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "probe_duration_seconds",
		Help: "Returns how long the probe took to complete in seconds",
	})
	registry := prometheus.NewRegistry()
	registry.MustRegister(probeSuccess, probeDuration)

	capture := &captureHandler{next: logger.Handler(), state: &captureState{}}
	plog := slog.New(capture).With("probe", cfg.Name, "type", cfg.Type, "target", cfg.Target)

	start := time.Now()
	success := safeProbe(ctx, cfg, fn, registry, plog)
	duration := time.Since(start)

	probeDuration.Set(duration.Seconds())
	if success {
		probeSuccess.Set(1)
	}
	families, err := registry.Gather()
	if err != nil {
		logger.Error("Gathering probe metrics failed", "probe", cfg.Name, "err", err)
	}
	res := &Result{Success: success, Start: start, Duration: duration, Families: families}
	if !success {
		res.FailureReason = capture.state.reason()
		if res.FailureReason == "" {
			res.FailureReason = "probe failed"
		}
	}
	return res
}

// safeProbe runs fn, turning a panic into a failed probe.
func safeProbe(ctx context.Context, cfg Config, fn ProbeFn, registry *prometheus.Registry, logger *slog.Logger) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			logger.Error("Probe panicked", "panic", r, "stack", string(debug.Stack()))
			ok = false
		}
	}()
	return fn(ctx, cfg.Target, cfg, registry, logger)
}

// captureHandler forwards a probe's log records at debug level (a probe
// running every few seconds must not flood the log) and remembers the first
// warning or error, usually the root cause, which becomes
// Result.FailureReason.
type captureHandler struct {
	next  slog.Handler
	state *captureState
}

type captureState struct {
	mu    sync.Mutex
	first string
}

func (s *captureState) reason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.first
}

func (h *captureHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *captureHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn && h.state.reason() == "" {
		var b strings.Builder
		b.WriteString(r.Message)
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "err" {
				b.WriteString(": " + a.Value.String())
			}
			return true
		})
		h.state.mu.Lock()
		if h.state.first == "" {
			h.state.first = b.String()
		}
		h.state.mu.Unlock()
	}
	if !h.next.Enabled(ctx, slog.LevelDebug) {
		return nil
	}
	r2 := slog.NewRecord(r.Time, slog.LevelDebug, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool { r2.AddAttrs(a); return true })
	return h.next.Handle(ctx, r2)
}

func (h *captureHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &captureHandler{next: h.next.WithAttrs(attrs), state: h.state}
}

func (h *captureHandler) WithGroup(name string) slog.Handler {
	return &captureHandler{next: h.next.WithGroup(name), state: h.state}
}

// chooseProtocol resolves target, preferring the ipProtocol family ("ip4" or
// "ip6") and falling back to the other one, and registers
// probe_dns_lookup_time_seconds, probe_ip_protocol and probe_ip_addr_hash.
// It returns the address and the lookup time in seconds.
func chooseProtocol(ctx context.Context, ipProtocol, target string, registry *prometheus.Registry, logger *slog.Logger) (*net.IPAddr, float64, error) {
	lookupTime := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "probe_dns_lookup_time_seconds",
		Help: "Returns the time taken for probe dns lookup in seconds",
	})
	ipProtocolGauge := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "probe_ip_protocol",
		Help: "Specifies whether probe ip protocol is IP4 or IP6",
	})
	ipAddrHash := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "probe_ip_addr_hash",
		Help: "Specifies the hash of IP address. It's useful to detect if the IP address changes.",
	})
	registry.MustRegister(ipProtocolGauge, lookupTime, ipAddrHash)

	want4 := ipProtocol == "ip4"
	logger.Debug("Resolving target address", "ip_protocol", ipProtocol)
	start := time.Now()
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, target)
	elapsed := time.Since(start).Seconds()
	lookupTime.Set(elapsed)
	if err != nil {
		logger.Warn("Resolving target address failed", "err", err)
		return nil, elapsed, fmt.Errorf("resolving %q: %w", target, err)
	}
	if len(ips) == 0 {
		logger.Warn("Resolving target address failed", "err", "no addresses")
		return nil, elapsed, fmt.Errorf("resolving %q: no addresses", target)
	}
	// Preferred family first, then the fallback family, as blackbox_exporter
	// does with ip_protocol_fallback: true.
	i := slices.IndexFunc(ips, func(ip net.IPAddr) bool { return (ip.IP.To4() != nil) == want4 })
	if i < 0 {
		i = 0
	}
	ip := ips[i]
	if ip.IP.To4() != nil {
		ipProtocolGauge.Set(4)
	} else {
		ipProtocolGauge.Set(6)
	}
	ipAddrHash.Set(ipHash(ip.IP))
	logger.Debug("Resolved target address", "ip", ip.String())
	return &ip, elapsed, nil
}

func ipHash(ip net.IP) float64 {
	h := fnv.New32a()
	_, _ = h.Write(ip)
	return float64(h.Sum32())
}
