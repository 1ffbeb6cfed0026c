package collect

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/stretchr/testify/require"
)

func openDB(t *testing.T) *tsdb.DB {
	t.Helper()
	db, err := tsdb.Open(t.TempDir(), nil, nil, tsdb.DefaultOptions(), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

type sample struct {
	t int64
	v float64
}

// series returns every series matching the matchers, by label string.
func series(t *testing.T, db *tsdb.DB, ms ...*labels.Matcher) map[string][]sample {
	t.Helper()
	q, err := db.Querier(math.MinInt64, math.MaxInt64)
	require.NoError(t, err)
	defer q.Close()
	ss := q.Select(context.Background(), true, nil, ms...)
	out := map[string][]sample{}
	for ss.Next() {
		s := ss.At()
		it := s.Iterator(nil)
		for it.Next() == chunkenc.ValFloat {
			ts, v := it.At()
			out[s.Labels().String()] = append(out[s.Labels().String()], sample{ts, v})
		}
	}
	require.NoError(t, ss.Err())
	return out
}

func TestOnceStoresWithJobInstanceAndMarksStale(t *testing.T) {
	db := openDB(t)
	reg := prometheus.NewRegistry()
	util := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "DCGM_FI_DEV_GPU_UTIL", Help: "h"}, []string{"gpu"})
	probe := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "probe_success", Help: "h"}, []string{"job", "instance"})
	hist := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "lat_seconds", Help: "h", Buckets: []float64{0.1, 1}})
	reg.MustRegister(util, probe, hist)
	util.WithLabelValues("0").Set(87)
	util.WithLabelValues("1").Set(3)
	probe.WithLabelValues("model-api", "https://m/healthz").Set(1)
	hist.Observe(0.5)

	src := Source{Job: "mlre-gpu", Instance: "node-1", Gatherer: reg}
	prev := map[uint64]labels.Labels{}
	t0 := time.UnixMilli(1_000_000)
	n, err := Once(context.Background(), db, src, t0, prev)
	require.NoError(t, err)
	require.Equal(t, 2+1+5, n) // 2 GPUs, 1 probe, histogram: 3 buckets + sum + count

	got := series(t, db, labels.MustNewMatcher(labels.MatchEqual, "__name__", "DCGM_FI_DEV_GPU_UTIL"))
	require.Equal(t, []sample{{1_000_000, 87}}, got[`{__name__="DCGM_FI_DEV_GPU_UTIL", gpu="0", instance="node-1", job="mlre-gpu"}`])
	// A series with its own job and instance keeps them (honor_labels).
	got = series(t, db, labels.MustNewMatcher(labels.MatchEqual, "__name__", "probe_success"))
	require.Contains(t, got, `{__name__="probe_success", instance="https://m/healthz", job="model-api"}`)
	got = series(t, db, labels.MustNewMatcher(labels.MatchEqual, "__name__", "lat_seconds_bucket"))
	require.Equal(t, []sample{{1_000_000, 1}}, got[`{__name__="lat_seconds_bucket", instance="node-1", job="mlre-gpu", le="+Inf"}`])
	require.Equal(t, []sample{{1_000_000, 0}}, got[`{__name__="lat_seconds_bucket", instance="node-1", job="mlre-gpu", le="0.1"}`])

	// GPU 1 disappears: its series gets a staleness marker at once.
	util.DeleteLabelValues("1")
	util.WithLabelValues("0").Set(90)
	_, err = Once(context.Background(), db, src, t0.Add(15*time.Second), prev)
	require.NoError(t, err)
	got = series(t, db, labels.MustNewMatcher(labels.MatchEqual, "__name__", "DCGM_FI_DEV_GPU_UTIL"))
	gone := got[`{__name__="DCGM_FI_DEV_GPU_UTIL", gpu="1", instance="node-1", job="mlre-gpu"}`]
	require.Len(t, gone, 2)
	require.True(t, value.IsStaleNaN(gone[1].v), "the vanished series is marked stale")
	require.Equal(t, []sample{{1_000_000, 87}, {1_015_000, 90}}, got[`{__name__="DCGM_FI_DEV_GPU_UTIL", gpu="0", instance="node-1", job="mlre-gpu"}`])
}

func TestRunnerWritesUpAndStaleOnStop(t *testing.T) {
	db := openDB(t)
	reg := prometheus.NewRegistry()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "node_load1", Help: "h"})
	reg.MustRegister(g)
	g.Set(0.5)
	self := prometheus.NewRegistry()
	r := New(db, nil, self)
	r.Apply(context.Background(), []Source{{Job: "mlre-host", Instance: "node-1", Gatherer: reg, Interval: 20 * time.Millisecond}})
	require.Eventually(t, func() bool {
		return len(series(t, db, labels.MustNewMatcher(labels.MatchEqual, "__name__", "node_load1"))[`{__name__="node_load1", instance="node-1", job="mlre-host"}`]) >= 3
	}, 5*time.Second, 10*time.Millisecond)
	r.Stop()
	up := series(t, db, labels.MustNewMatcher(labels.MatchEqual, "__name__", "up"))[`{__name__="up", instance="node-1", job="mlre-host"}`]
	require.GreaterOrEqual(t, len(up), 3)
	require.Equal(t, 1.0, up[0].v)
	require.True(t, value.IsStaleNaN(up[len(up)-1].v), "stopping marks the source's series stale")
	load := series(t, db, labels.MustNewMatcher(labels.MatchEqual, "__name__", "node_load1"))[`{__name__="node_load1", instance="node-1", job="mlre-host"}`]
	require.True(t, value.IsStaleNaN(load[len(load)-1].v))
	mfs, err := self.Gather()
	require.NoError(t, err)
	require.NotEmpty(t, mfs)
}

type failing struct{}

func (failing) Describe(chan<- *prometheus.Desc) {}
func (failing) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.NewInvalidMetric(prometheus.NewDesc("broken", "h", nil, nil), errBroken)
}

var errBroken = errTest("sensor unreadable")

type errTest string

func (e errTest) Error() string { return string(e) }

func TestGatherErrorSetsUpZeroButStoresTheRest(t *testing.T) {
	db := openDB(t)
	reg := prometheus.NewRegistry()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "node_load5", Help: "h"})
	reg.MustRegister(g, failing{})
	r := New(db, nil, nil)
	r.Apply(context.Background(), []Source{{Job: "mlre-host", Instance: "n", Gatherer: reg, Interval: time.Hour}})
	require.Eventually(t, func() bool {
		return len(series(t, db, labels.MustNewMatcher(labels.MatchEqual, "__name__", "up"))) == 1
	}, 5*time.Second, 10*time.Millisecond)
	r.Stop()
	up := series(t, db, labels.MustNewMatcher(labels.MatchEqual, "__name__", "up"))[`{__name__="up", instance="n", job="mlre-host"}`]
	require.Equal(t, 0.0, up[0].v)
	require.Len(t, series(t, db, labels.MustNewMatcher(labels.MatchEqual, "__name__", "node_load5")), 1)
}

func TestCreatedTimestampGivesANewCounterItsZero(t *testing.T) {
	db := openDB(t)
	reg := prometheus.NewRegistry()
	desc := prometheus.NewDesc("DCGM_EXP_XID_ERRORS_TOTAL", "h", []string{"xid"}, nil)
	first := time.UnixMilli(1_000_000)
	reg.MustRegister(constCollector{prometheus.MustNewConstMetricWithCreatedTimestamp(desc, prometheus.CounterValue, 1, first.Add(-time.Millisecond), "13")})
	prev := map[uint64]labels.Labels{}
	src := Source{Job: "mlre-gpu", Instance: "n", Gatherer: reg}
	_, err := Once(context.Background(), db, src, first.Add(5*time.Second), prev)
	require.NoError(t, err)
	_, err = Once(context.Background(), db, src, first.Add(20*time.Second), prev)
	require.NoError(t, err)
	got := series(t, db, labels.MustNewMatcher(labels.MatchEqual, "__name__", "DCGM_EXP_XID_ERRORS_TOTAL"))
	require.Equal(t, []sample{{999_999, 0}, {1_005_000, 1}, {1_020_000, 1}},
		got[`{__name__="DCGM_EXP_XID_ERRORS_TOTAL", instance="n", job="mlre-gpu", xid="13"}`],
		"a 0 at the created timestamp, once")
}

type constCollector struct{ m prometheus.Metric }

func (c constCollector) Describe(chan<- *prometheus.Desc)    {}
func (c constCollector) Collect(ch chan<- prometheus.Metric) { ch <- c.m }
