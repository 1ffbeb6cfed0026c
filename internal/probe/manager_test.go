package probe

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
)

// series is one gathered sample.
type series struct {
	labels map[string]string
	value  float64
}

// gather returns the samples of the metric name, by the collector.
func gather(t *testing.T, c prometheus.Collector, name string) []series {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(c))
	return gatherReg(t, reg, name)
}

func gatherReg(t *testing.T, g prometheus.Gatherer, name string) []series {
	t.Helper()
	mfs, err := g.Gather()
	require.NoError(t, err)
	var out []series
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			out = append(out, series{labels: labelMap(m), value: metricValue(m)})
		}
	}
	return out
}

func labelMap(m *dto.Metric) map[string]string {
	l := map[string]string{}
	for _, lp := range m.GetLabel() {
		l[lp.GetName()] = lp.GetValue()
	}
	return l
}

// find returns the sample whose labels include want.
func find(ss []series, want map[string]string) (series, bool) {
next:
	for _, s := range ss {
		for k, v := range want {
			if s.labels[k] != v {
				continue next
			}
		}
		return s, true
	}
	return series{}, false
}

func TestManager(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/a", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux.HandleFunc("/b", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	interval := model.Duration(200 * time.Millisecond)
	probeA := Config{Name: "model-api", Type: "http", Target: srv.URL + "/a", Interval: interval, Labels: map[string]string{"team": "ml"}}
	probeB := Config{Name: "feature-store", Type: "http", Target: srv.URL + "/b", Interval: interval, Labels: map[string]string{"team": "data"}}

	selfReg := prometheus.NewPedanticRegistry()
	m := NewManager(testLogger(t), selfReg)
	require.NoError(t, m.ApplyConfig([]Config{probeA, probeB}))
	require.Equal(t, 0, testutil.CollectAndCount(m.Collector()), "no series before the first run")

	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	go func() {
		defer close(runDone)
		m.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-runDone
	})

	wantA := map[string]string{"job": "model-api", "instance": srv.URL + "/a", "probe_type": "http", "team": "ml"}
	wantB := map[string]string{"job": "feature-store", "instance": srv.URL + "/b", "probe_type": "http", "team": "data"}
	require.Eventually(t, func() bool {
		ss := gather(t, m.Collector(), "probe_success")
		_, okA := find(ss, wantA)
		_, okB := find(ss, wantB)
		return okA && okB
	}, 5*time.Second, 20*time.Millisecond)

	ss := gather(t, m.Collector(), "probe_success")
	require.Len(t, ss, 2)
	a, _ := find(ss, wantA)
	b, _ := find(ss, wantB)
	require.Equal(t, 1.0, a.value)
	require.Equal(t, 0.0, b.value)
	require.Len(t, a.labels, 4, "exactly job, instance, probe_type and the user's labels: %v", a.labels)

	// Every series carries the identifying labels.
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(m.Collector()))
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		require.Equal(t, dto.MetricType_GAUGE, mf.GetType(), mf.GetName())
		for _, metric := range mf.GetMetric() {
			l := labelMap(metric)
			require.Contains(t, []string{"model-api", "feature-store"}, l["job"], mf.GetName())
			require.NotEmpty(t, l["instance"], mf.GetName())
			require.Equal(t, "http", l["probe_type"], mf.GetName())
			require.NotEmpty(t, l["team"], mf.GetName())
		}
	}
	codes := gather(t, m.Collector(), "probe_http_status_code")
	code, ok := find(codes, map[string]string{"job": "feature-store"})
	require.True(t, ok)
	require.Equal(t, 503.0, code.value)
	phase, ok := find(gather(t, m.Collector(), "probe_http_duration_seconds"), map[string]string{"job": "model-api", "phase": "processing"})
	require.True(t, ok)
	require.Positive(t, phase.value)

	// Self-metrics.
	runs := gatherReg(t, selfReg, "mlre_probe_runs_total")
	ok1, found := find(runs, map[string]string{"probe": "model-api", "result": "success"})
	require.True(t, found)
	require.GreaterOrEqual(t, ok1.value, 1.0)
	fail, found := find(runs, map[string]string{"probe": "feature-store", "result": "failure"})
	require.True(t, found)
	require.GreaterOrEqual(t, fail.value, 1.0)
	require.Equal(t, []series{{labels: map[string]string{}, value: 2}}, gatherReg(t, selfReg, "mlre_probes_configured"))

	// Applying the same configuration keeps the results.
	require.NoError(t, m.ApplyConfig([]Config{probeA, probeB}))
	require.Len(t, gather(t, m.Collector(), "probe_success"), 2)

	// An invalid configuration changes nothing.
	require.ErrorIs(t, m.ApplyConfig([]Config{probeA, {Name: "model-api", Type: "tcp", Target: "x:1"}}), ErrInvalidConfig)
	require.Len(t, gather(t, m.Collector(), "probe_success"), 2)

	// Removing a probe removes its series at once.
	require.NoError(t, m.ApplyConfig([]Config{probeA}))
	ss = gather(t, m.Collector(), "probe_success")
	require.Len(t, ss, 1)
	_, ok = find(ss, wantA)
	require.True(t, ok)
	for _, mf := range mfs {
		for _, s := range gather(t, m.Collector(), mf.GetName()) {
			require.Equal(t, "model-api", s.labels["job"], mf.GetName())
		}
	}
	_, found = find(gatherReg(t, selfReg, "mlre_probe_runs_total"), map[string]string{"probe": "feature-store"})
	require.False(t, found, "self-metrics of a removed probe are deleted")
	require.Equal(t, 1.0, gatherReg(t, selfReg, "mlre_probes_configured")[0].value)

	// Changing the target restarts the probe with the new instance label.
	probeA2 := probeA
	probeA2.Target = srv.URL + "/a?v=2"
	require.NoError(t, m.ApplyConfig([]Config{probeA2}))
	wantA2 := map[string]string{"job": "model-api", "instance": probeA2.Target}
	require.Eventually(t, func() bool {
		_, ok := find(gather(t, m.Collector(), "probe_success"), wantA2)
		return ok
	}, 5*time.Second, 20*time.Millisecond)
	ss = gather(t, m.Collector(), "probe_success")
	require.Len(t, ss, 1, "the old instance is gone")
	require.Equal(t, 1.0, ss[0].value)

	cancel()
	select {
	case <-runDone:
	case <-time.After(3 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	m.Stop() // idempotent
}

func TestManagerApplyAfterRunAndStop(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()

	m := NewManager(nil, nil) // nil logger and registerer are allowed
	runDone := make(chan struct{})
	go func() {
		defer close(runDone)
		m.Run(context.Background())
	}()
	require.NoError(t, m.ApplyConfig([]Config{{Name: "db", Type: "tcp", Target: l.Addr().String(), Interval: model.Duration(100 * time.Millisecond)}}))
	require.Eventually(t, func() bool {
		s, ok := find(gather(t, m.Collector(), "probe_success"), map[string]string{"job": "db", "probe_type": "tcp"})
		return ok && s.value == 1
	}, 5*time.Second, 10*time.Millisecond)

	m.Stop()
	select {
	case <-runDone:
	case <-time.After(3 * time.Second):
		t.Fatal("Run did not return after Stop")
	}
	m.Run(context.Background()) // returns at once after Stop
	m.Stop()
}

func TestLoopOffset(t *testing.T) {
	interval := 10 * time.Second
	newL := func(name string) *loop {
		return newLoop(withDefaults(Config{Name: name, Type: "tcp", Target: "x:1", Interval: model.Duration(interval)}), testLogger(t), newSelfMetrics(nil, testLogger(t)))
	}
	a, b := newL("model-api"), newL("feature-store")
	now := time.Unix(1_700_000_000, 123_456_789)
	phase := func(l *loop, now time.Time) time.Duration {
		off := l.offset(now)
		require.GreaterOrEqual(t, off, time.Duration(0))
		require.Less(t, off, interval)
		return time.Duration(now.Add(off).UnixNano() % int64(interval))
	}
	// The phase depends on the name only, not on when the loop starts.
	require.Equal(t, phase(a, now), phase(a, now.Add(3*time.Second+7)))
	require.Equal(t, phase(a, now), phase(newL("model-api"), now.Add(time.Hour)))
	require.NotEqual(t, phase(a, now), phase(b, now))
}
