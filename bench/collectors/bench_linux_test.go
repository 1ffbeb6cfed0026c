//go:build linux

package main

// Benchmarks of mlre's in-process collectors. They run only with -bench
// (bench/run-collectors.sh runs them, with the HTTP comparison against
// node_exporter). Besides ns/op (wall), each reports:
//
//	cpu-ns/op   the process's CPU time (user+sys, getrusage RUSAGE_SELF) over
//	            the timed loop, per op: it counts the collectors' goroutines,
//	            the TSDB's and the GC's work too, which wall time on a busy
//	            machine hides or inflates;
//	samples/op  samples one collection yields;
//	p50-ns, p99-ns (scrape-to-store only) quantiles of each op's wall time.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"

	"github.com/mlre-dev/mlre/internal/collect"
	"github.com/mlre-dev/mlre/internal/hostmetrics"
)

// cpuTime is the process's user+system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// countSamples counts the samples families hold, as storage would get them
// (a histogram's buckets, +Inf, _sum and _count each count).
func countSamples(mfs []*dto.MetricFamily) int {
	n := 0
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch mf.GetType() {
			case dto.MetricType_SUMMARY:
				n += len(m.GetSummary().GetQuantile()) + 2
			case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
				n += len(m.GetHistogram().GetBucket()) + 3
			default:
				n++
			}
		}
	}
	return n
}

func registry(b *testing.B, c prometheus.Collector) *prometheus.Registry {
	b.Helper()
	reg := prometheus.NewRegistry()
	if err := reg.Register(c); err != nil {
		b.Fatal(err)
	}
	return reg
}

func hostCollector(b *testing.B) *hostmetrics.Collector {
	b.Helper()
	h, err := hostmetrics.New(hostmetrics.Options{})
	if err != nil {
		b.Skipf("no host collector here: %v", err)
	}
	return h
}

// benchGather times Gather of g: one in-process collection, no encoding.
func benchGather(b *testing.B, g prometheus.Gatherer) {
	mfs, err := g.Gather()
	if err != nil {
		b.Fatalf("gather: %v", err)
	}
	samples := countSamples(mfs)
	b.ReportAllocs()
	c0 := cpuTime(b)
	for b.Loop() {
		if _, err := g.Gather(); err != nil {
			b.Fatalf("gather: %v", err)
		}
	}
	cpu := cpuTime(b) - c0
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(samples), "samples/op")
}

// benchStore times collect.Once of g into a real TSDB in a temporary
// directory (head and WAL, compactions off so that none lands in the
// loop), the path mlre's collect.Runner takes on each interval. Each op
// stores one collection 15s after the previous one; a first, untimed
// collection creates the series, so the loop measures the steady state.
func benchStore(b *testing.B, g prometheus.Gatherer, job string) {
	db, err := tsdb.Open(b.TempDir(), nil, nil, tsdb.DefaultOptions(), nil)
	if err != nil {
		b.Fatalf("opening the TSDB: %v", err)
	}
	db.DisableCompactions()
	b.Cleanup(func() { _ = db.Close() })
	ctx := context.Background()
	src := collect.Source{Job: job, Instance: "bench-node", Gatherer: g}
	prev := map[uint64]labels.Labels{}
	ts := time.Now()
	samples, err := collect.Once(ctx, db, src, ts, prev)
	if err != nil {
		b.Fatalf("first collection: %v", err)
	}
	var lat []time.Duration
	b.ReportAllocs()
	c0 := cpuTime(b)
	for b.Loop() {
		ts = ts.Add(15 * time.Second)
		t0 := time.Now()
		if _, err := collect.Once(ctx, db, src, ts, prev); err != nil {
			b.Fatalf("collection: %v", err)
		}
		lat = append(lat, time.Since(t0))
	}
	cpu := cpuTime(b) - c0
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(samples), "samples/op")
	slices.Sort(lat)
	b.ReportMetric(float64(quantile(lat, 0.5).Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(quantile(lat, 0.99).Nanoseconds()), "p99-ns")
}

// quantile is the q-quantile of sorted durations (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// BenchmarkHostCollect: one collection of the host on the real /proc and
// /sys, in-process (Gather, no encoding).
func BenchmarkHostCollect(b *testing.B) {
	benchGather(b, registry(b, hostCollector(b)))
}

// BenchmarkHostHandler: one collection of the host encoded as a scrape
// response (text format, gzip) by the handler mlre serves /metrics/node
// with, written to a recorder: gather + encoding, no network.
func BenchmarkHostHandler(b *testing.B) {
	h, err := hostHandler()
	if err != nil {
		b.Skipf("no host collector here: %v", err)
	}
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", acceptText)
	req.Header.Set("Accept-Encoding", "gzip")
	b.ReportAllocs()
	c0 := cpuTime(b)
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("handler: %d %s", rec.Code, rec.Body)
		}
	}
	cpu := cpuTime(b) - c0
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// BenchmarkHostScrapeToStore: one collection of the host appended and
// committed to the TSDB.
func BenchmarkHostScrapeToStore(b *testing.B) {
	benchStore(b, registry(b, hostCollector(b)), "mlre-node")
}
