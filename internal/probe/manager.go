package probe

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Manager runs one loop per configured probe and keeps each probe's last
// result for its Collector.
type Manager struct {
	logger  *slog.Logger
	metrics *selfMetrics

	applyMu sync.Mutex // serialises ApplyConfig

	mu      sync.Mutex
	loops   map[string]*loop
	runCtx  context.Context // non-nil while Run is running
	cancel  context.CancelFunc
	stopped bool
	wg      sync.WaitGroup
}

// NewManager returns a Manager with no probes. Its self-metrics
// (mlre_probe_runs_total and others) are registered with reg unless reg is
// nil. logger may be nil.
func NewManager(logger *slog.Logger, reg prometheus.Registerer) *Manager {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Manager{
		logger:  logger,
		metrics: newSelfMetrics(reg, logger),
		loops:   map[string]*loop{},
	}
}

// ApplyConfig validates cfgs and makes the running probes match them: new
// probes start, removed ones stop, changed ones restart (losing their last
// result); unchanged probes keep running and keep their last result. It is
// safe to call before or while Run runs. On error nothing changes.
func (m *Manager) ApplyConfig(cfgs []Config) error {
	if err := Validate(cfgs); err != nil {
		return err
	}
	desired := make(map[string]Config, len(cfgs))
	for _, c := range cfgs {
		desired[c.Name] = withDefaults(c)
	}

	m.applyMu.Lock()
	defer m.applyMu.Unlock()

	// Stop removed and changed probes, and wait for them, so that a
	// restarted probe never overlaps its previous incarnation.
	m.mu.Lock()
	var old []*loop
	for name, l := range m.loops {
		c, ok := desired[name]
		if ok && fingerprint(c) == l.fingerprint {
			continue
		}
		l.stop()
		old = append(old, l)
		delete(m.loops, name)
		if !ok {
			m.metrics.forget(name)
		}
	}
	m.mu.Unlock()
	for _, l := range old {
		l.wait()
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	for name, c := range desired {
		if _, ok := m.loops[name]; ok {
			continue
		}
		l := newLoop(c, m.logger, m.metrics)
		m.loops[name] = l
		if m.runCtx != nil {
			m.startLocked(l)
		}
	}
	m.metrics.configured.Set(float64(len(m.loops)))
	return nil
}

// Run starts the loops of the applied configuration, and of configurations
// applied later, and blocks until ctx is done or Stop is called. The loops
// are stopped when it returns.
func (m *Manager) Run(ctx context.Context) {
	m.mu.Lock()
	if m.stopped || m.runCtx != nil {
		m.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	m.runCtx, m.cancel = ctx, cancel
	for _, l := range m.loops {
		m.startLocked(l)
	}
	m.mu.Unlock()

	<-ctx.Done()
	m.Stop()
}

// Stop stops all loops and waits for them. Run returns, and a later Run
// returns at once. Stop is idempotent.
func (m *Manager) Stop() {
	m.mu.Lock()
	m.stopped = true
	if m.cancel != nil {
		m.cancel()
	}
	m.runCtx = nil
	for _, l := range m.loops {
		l.stop()
	}
	m.mu.Unlock()
	m.wg.Wait()
}

func (m *Manager) startLocked(l *loop) {
	ctx, cancel := context.WithCancel(m.runCtx)
	l.cancel = cancel
	l.done = make(chan struct{})
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer close(l.done)
		l.run(ctx)
	}()
}

// Collector returns a collector of the last result of every probe; a probe
// that has not completed a run yet contributes nothing. Every series carries
// job (probe name), instance (target), probe_type and the probe's labels.
func (m *Manager) Collector() prometheus.Collector { return managerCollector{m} }

func (m *Manager) snapshot() []*loop {
	m.mu.Lock()
	defer m.mu.Unlock()
	loops := make([]*loop, 0, len(m.loops))
	for _, l := range m.loops {
		loops = append(loops, l)
	}
	slices.SortFunc(loops, func(a, b *loop) int {
		switch {
		case a.cfg.Name < b.cfg.Name:
			return -1
		case a.cfg.Name > b.cfg.Name:
			return 1
		}
		return 0
	})
	return loops
}

// fingerprint identifies a probe configuration; a probe restarts when it
// changes.
func fingerprint(c Config) string {
	b, err := json.Marshal(c)
	if err != nil { // cannot happen for these types
		return c.Name
	}
	return string(b)
}

// loop runs one probe on its interval.
type loop struct {
	cfg         Config // defaults applied
	fingerprint string
	fn          ProbeFn
	logger      *slog.Logger
	metrics     *selfMetrics

	cancel context.CancelFunc // set when started
	done   chan struct{}      // closed when the goroutine exits; nil if never started

	mu   sync.RWMutex
	last *Result
}

func newLoop(c Config, logger *slog.Logger, metrics *selfMetrics) *loop {
	return &loop{
		cfg:         c,
		fingerprint: fingerprint(c),
		fn:          probers[c.Type],
		logger:      logger.With("probe", c.Name),
		metrics:     metrics,
	}
}

func (l *loop) stop() {
	if l.cancel != nil {
		l.cancel()
	}
}

func (l *loop) wait() {
	if l.done != nil {
		<-l.done
	}
}

func (l *loop) result() *Result {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.last
}

// offset is how long to wait from now for the probe's first run: runs fall
// at a phase of the interval derived from a hash of the probe name, like
// Prometheus scrape offsets, so probes are spread out and keep their phase
// across restarts.
func (l *loop) offset(now time.Time) time.Duration {
	interval := time.Duration(l.cfg.Interval)
	h := fnv.New64a()
	_, _ = h.Write([]byte(l.cfg.Name))
	phase := time.Duration(h.Sum64() % uint64(interval))
	base := time.Duration(now.UnixNano() % int64(interval))
	return (phase - base + interval) % interval
}

func (l *loop) run(ctx context.Context) {
	timer := time.NewTimer(l.offset(time.Now()))
	select {
	case <-ctx.Done():
		timer.Stop()
		return
	case <-timer.C:
	}
	ticker := time.NewTicker(time.Duration(l.cfg.Interval))
	defer ticker.Stop()
	for {
		// Runs are sequential and bounded by the timeout (<= interval);
		// ticks missed meanwhile are dropped, so runs never overlap.
		l.runOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func (l *loop) runOnce(ctx context.Context) {
	res := runProbe(ctx, l.cfg, l.fn, l.logger)
	if ctx.Err() != nil {
		return // stopped mid-run: the result says nothing about the target
	}
	l.mu.Lock()
	prev := l.last
	l.last = res
	l.mu.Unlock()

	l.metrics.observe(l.cfg.Name, res)
	attrs := []any{"target", l.cfg.Target, "type", l.cfg.Type, "duration_seconds", res.Duration.Seconds()}
	switch {
	case !res.Success && (prev == nil || prev.Success):
		l.logger.Warn("Probe failed", append(attrs, "reason", res.FailureReason)...)
	case res.Success && prev != nil && !prev.Success:
		l.logger.Info("Probe recovered", attrs...)
	case !res.Success:
		l.logger.Debug("Probe still failing", append(attrs, "reason", res.FailureReason)...)
	default:
		l.logger.Debug("Probe succeeded", attrs...)
	}
}

// managerCollector replays the last gathered families of every probe with
// the probe's identifying labels added. It is unchecked: the set of series
// changes with the configuration.
type managerCollector struct{ m *Manager }

func (managerCollector) Describe(chan<- *prometheus.Desc) {}

func (c managerCollector) Collect(ch chan<- prometheus.Metric) {
	for _, l := range c.m.snapshot() {
		res := l.result()
		if res == nil {
			continue
		}
		extraNames := []string{"job", "instance", "probe_type"}
		extraValues := []string{l.cfg.Name, l.cfg.Target, l.cfg.Type}
		for _, k := range sortedKeys(l.cfg.Labels) {
			extraNames = append(extraNames, k)
			extraValues = append(extraValues, l.cfg.Labels[k])
		}
		for _, mf := range res.Families {
			for _, m := range mf.GetMetric() {
				ch <- constMetric(mf, m, extraNames, extraValues)
			}
		}
	}
}

func constMetric(mf *dto.MetricFamily, m *dto.Metric, extraNames, extraValues []string) prometheus.Metric {
	names := make([]string, 0, len(m.GetLabel())+len(extraNames))
	values := make([]string, 0, cap(names))
	for _, lp := range m.GetLabel() {
		if slices.Contains(extraNames, lp.GetName()) {
			continue // cannot happen: those names are reserved in Validate
		}
		names = append(names, lp.GetName())
		values = append(values, lp.GetValue())
	}
	names = append(names, extraNames...)
	values = append(values, extraValues...)
	desc := prometheus.NewDesc(mf.GetName(), mf.GetHelp(), names, nil)
	metric, err := prometheus.NewConstMetric(desc, prometheus.GaugeValue, metricValue(m), values...)
	if err != nil {
		return prometheus.NewInvalidMetric(desc, err)
	}
	return metric
}

// selfMetrics are the Manager's own metrics.
type selfMetrics struct {
	runs       *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	configured prometheus.Gauge
}

func newSelfMetrics(reg prometheus.Registerer, logger *slog.Logger) *selfMetrics {
	s := &selfMetrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlre_probe_runs_total",
			Help: "Probe runs by probe and result (success or failure).",
		}, []string{"probe", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mlre_probe_run_duration_seconds",
			Help:    "Duration of probe runs.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"probe"}),
		configured: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mlre_probes_configured",
			Help: "Number of probes in the applied configuration.",
		}),
	}
	if reg != nil {
		s.runs = register(reg, s.runs, logger)
		s.duration = register(reg, s.duration, logger)
		s.configured = register(reg, s.configured, logger)
	}
	return s
}

// register registers c, or returns the collector already registered in its
// place (so that two Managers may share a registry). Any other error is
// logged and c is used unregistered.
func register[C prometheus.Collector](reg prometheus.Registerer, c C, logger *slog.Logger) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		logger.Error("Registering probe self-metrics failed", "err", err)
	}
	return c
}

func (s *selfMetrics) observe(name string, res *Result) {
	result := "failure"
	if res.Success {
		result = "success"
	}
	s.runs.WithLabelValues(name, result).Inc()
	s.duration.WithLabelValues(name).Observe(res.Duration.Seconds())
}

func (s *selfMetrics) forget(name string) {
	s.runs.DeletePartialMatch(prometheus.Labels{"probe": name})
	s.duration.DeletePartialMatch(prometheus.Labels{"probe": name})
}
