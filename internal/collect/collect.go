// Package collect stores series that mlre gathers in-process — its GPU and
// host collectors and its probes — in the TSDB on an interval, as a scrape
// would: with job and instance labels, up and scrape_duration_seconds, and
// staleness markers for series that disappear (a GPU that fell off the bus
// stops being returned at once, not five minutes later).
package collect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/storage"
)

// Source is one set of series gathered in-process.
type Source struct {
	// Job and Instance label every series that does not carry its own
	// (like a scrape with honor_labels: true).
	Job      string
	Instance string
	Gatherer prometheus.Gatherer
	Interval time.Duration
}

// Runner gathers its sources on their intervals and appends to storage.
type Runner struct {
	app    storage.Appendable
	logger *slog.Logger

	duration *prometheus.SummaryVec
	samples  *prometheus.GaugeVec
	failures *prometheus.CounterVec

	mu     sync.Mutex
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a Runner that appends to app; reg (may be nil) gets its own
// metrics.
func New(app storage.Appendable, logger *slog.Logger, reg prometheus.Registerer) *Runner {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	r := &Runner{
		app: app, logger: logger,
		duration: prometheus.NewSummaryVec(prometheus.SummaryOpts{
			Name:       "mlre_collector_duration_seconds",
			Help:       "Time from the start of an in-process collection to its commit to storage.",
			Objectives: map[float64]float64{0.5: 0.05, 0.9: 0.01, 0.99: 0.001},
		}, []string{"job"}),
		samples: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "mlre_collector_samples",
			Help: "Samples stored by the last in-process collection.",
		}, []string{"job"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mlre_collector_failures_total",
			Help: "In-process collections that failed to gather or to store.",
		}, []string{"job"}),
	}
	if reg != nil {
		reg.MustRegister(r.duration, r.samples, r.failures)
	}
	return r
}

// Apply replaces the running sources with srcs (nil stops them all). Each
// stopped source marks its series stale.
func (r *Runner) Apply(ctx context.Context, srcs []Source) {
	r.Stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx, r.cancel = context.WithCancel(ctx)
	for _, s := range srcs {
		if s.Interval <= 0 {
			s.Interval = 15 * time.Second
		}
		l := &loop{src: s, r: r, prev: map[uint64]labels.Labels{}}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			l.run(ctx)
		}()
	}
}

// Stop stops every source and waits for them.
func (r *Runner) Stop() {
	r.mu.Lock()
	if r.cancel != nil {
		r.cancel()
		r.cancel = nil
	}
	r.mu.Unlock()
	r.wg.Wait()
}

type loop struct {
	src  Source
	r    *Runner
	prev map[uint64]labels.Labels
}

func (l *loop) run(ctx context.Context) {
	t := time.NewTicker(l.src.Interval)
	defer t.Stop()
	for {
		l.once(ctx, time.Now())
		select {
		case <-ctx.Done():
			l.markStale(time.Now())
			return
		case <-t.C:
		}
	}
}

// once gathers and stores one collection at ts.
func (l *loop) once(ctx context.Context, ts time.Time) {
	start := time.Now()
	n, err := Once(ctx, l.r.app, l.src, ts, l.prev)
	up := 1.0
	if err != nil {
		up = 0
		l.r.failures.WithLabelValues(l.src.Job).Inc()
		l.r.logger.Warn("in-process collection failed", "job", l.src.Job, "err", err)
	}
	dur := time.Since(start)
	l.r.duration.WithLabelValues(l.src.Job).Observe(dur.Seconds())
	l.r.samples.WithLabelValues(l.src.Job).Set(float64(n))
	// up and scrape_duration_seconds, as a scrape writes them.
	app := l.r.app.Appender(ctx)
	tms := ts.UnixMilli()
	for _, s := range []struct {
		name string
		v    float64
	}{{"up", up}, {"scrape_duration_seconds", dur.Seconds()}, {"scrape_samples_scraped", float64(n)}} {
		if _, err := app.Append(0, labels.FromStrings(model.MetricNameLabel, s.name, model.JobLabel, l.src.Job, model.InstanceLabel, l.src.Instance), tms, s.v); err != nil {
			_ = app.Rollback()
			return
		}
	}
	_ = app.Commit()
}

// markStale writes staleness markers for every series of the last
// collection.
func (l *loop) markStale(ts time.Time) {
	app := l.r.app.Appender(context.Background())
	stale := math.Float64frombits(value.StaleNaN)
	tms := ts.UnixMilli()
	for _, ls := range l.prev {
		_, _ = app.Append(0, ls, tms, stale)
	}
	for _, name := range []string{"up", "scrape_duration_seconds", "scrape_samples_scraped"} {
		_, _ = app.Append(0, labels.FromStrings(model.MetricNameLabel, name, model.JobLabel, l.src.Job, model.InstanceLabel, l.src.Instance), tms, stale)
	}
	if err := app.Commit(); err != nil {
		l.r.logger.Warn("storing staleness markers failed", "job", l.src.Job, "err", err)
	}
}

// Once gathers src and appends its samples at ts in one commit; prev holds
// the series of the previous collection (by hash) and is updated, and the
// series that disappeared since are marked stale. It returns the number of
// samples stored.
func Once(ctx context.Context, app storage.Appendable, src Source, ts time.Time, prev map[uint64]labels.Labels) (int, error) {
	mfs, gerr := src.Gatherer.Gather()
	// Gather may return families along with an error (one collector
	// failed): store what came.
	a := app.Appender(ctx)
	tms := ts.UnixMilli()
	cur := make(map[uint64]labels.Labels, len(prev))
	b := labels.NewScratchBuilder(8)
	n := 0
	// ct, when not 0, is a counter's created timestamp (ms): a new series
	// gets a 0 there first, as Prometheus's created-timestamp zero
	// ingestion does, so increase() counts its first events.
	var ct int64
	add := func(name string, m *dto.Metric, extra string, extraVal string, v float64) error {
		b.Reset()
		b.Add(model.MetricNameLabel, name)
		hasJob, hasInstance := false, false
		for _, lp := range m.GetLabel() {
			switch lp.GetName() {
			case model.JobLabel:
				hasJob = true
			case model.InstanceLabel:
				hasInstance = true
			}
			if lp.GetValue() != "" {
				b.Add(lp.GetName(), lp.GetValue())
			}
		}
		if extra != "" {
			b.Add(extra, extraVal)
		}
		if !hasJob {
			b.Add(model.JobLabel, src.Job)
		}
		if !hasInstance {
			b.Add(model.InstanceLabel, src.Instance)
		}
		b.Sort()
		ls := b.Labels()
		h := ls.Hash()
		if _, dup := cur[h]; dup {
			return nil
		}
		cur[h] = ls
		if _, seen := prev[h]; !seen && ct != 0 && ct < tms {
			if _, err := a.Append(0, ls, ct, 0); err != nil && !errors.Is(err, storage.ErrOutOfOrderSample) &&
				!errors.Is(err, storage.ErrDuplicateSampleForTimestamp) && !errors.Is(err, storage.ErrOutOfBounds) {
				return fmt.Errorf("appending the created zero of %s: %w", ls, err)
			}
		}
		if _, err := a.Append(0, ls, tms, v); err != nil {
			return fmt.Errorf("appending %s: %w", ls, err)
		}
		n++
		return nil
	}
	var err error
	for _, mf := range mfs {
		name := mf.GetName()
		for _, m := range mf.GetMetric() {
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				if c := m.GetCounter().GetCreatedTimestamp(); c != nil {
					ct = c.AsTime().UnixMilli()
				}
				err = add(name, m, "", "", m.GetCounter().GetValue())
				ct = 0
			case dto.MetricType_GAUGE:
				err = add(name, m, "", "", m.GetGauge().GetValue())
			case dto.MetricType_UNTYPED:
				err = add(name, m, "", "", m.GetUntyped().GetValue())
			case dto.MetricType_SUMMARY:
				s := m.GetSummary()
				for _, q := range s.GetQuantile() {
					if err = add(name, m, model.QuantileLabel, formatFloat(q.GetQuantile()), q.GetValue()); err != nil {
						break
					}
				}
				if err == nil {
					err = add(name+"_sum", m, "", "", s.GetSampleSum())
				}
				if err == nil {
					err = add(name+"_count", m, "", "", float64(s.GetSampleCount()))
				}
			case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
				h := m.GetHistogram()
				for _, bk := range h.GetBucket() {
					if err = add(name+"_bucket", m, model.BucketLabel, formatFloat(bk.GetUpperBound()), float64(bk.GetCumulativeCount())); err != nil {
						break
					}
				}
				if err == nil {
					err = add(name+"_bucket", m, model.BucketLabel, "+Inf", float64(h.GetSampleCount()))
				}
				if err == nil {
					err = add(name+"_sum", m, "", "", h.GetSampleSum())
				}
				if err == nil {
					err = add(name+"_count", m, "", "", float64(h.GetSampleCount()))
				}
			}
			if err != nil {
				_ = a.Rollback()
				return 0, err
			}
		}
	}
	stale := math.Float64frombits(value.StaleNaN)
	for h, ls := range prev {
		if _, ok := cur[h]; !ok {
			if _, err := a.Append(0, ls, tms, stale); err != nil {
				_ = a.Rollback()
				return 0, fmt.Errorf("marking %s stale: %w", ls, err)
			}
		}
	}
	if err := a.Commit(); err != nil {
		return 0, fmt.Errorf("committing: %w", err)
	}
	clear(prev)
	for h, ls := range cur {
		prev[h] = ls
	}
	if gerr != nil {
		return n, fmt.Errorf("gathering: %w", gerr)
	}
	return n, nil
}

func formatFloat(f float64) string {
	return model.SampleValue(f).String()
}
