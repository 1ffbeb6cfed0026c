package main

// These tests need no server: they check that the generated stream is a
// valid remote_write 1.0 body with sorted, unique label sets and strictly
// increasing timestamps per series.

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"
)

func TestGenSeries(t *testing.T) {
	ss := genSeries(10000, "rwbench")
	if len(ss) != 10000 {
		t.Fatalf("got %d series, want 10000", len(ss))
	}
	seen := map[string]bool{}
	jobs := map[string]int{}
	for _, s := range ss {
		if !slices.IsSortedFunc(s.labels, func(a, b prompb.Label) int { return strings.Compare(a.Name, b.Name) }) {
			t.Fatalf("labels not sorted: %v", s.labels)
		}
		var key strings.Builder
		for _, l := range s.labels {
			key.WriteString(l.Name + "=" + l.Value + ",")
			if l.Name == "job" {
				jobs[l.Value]++
			}
		}
		if seen[key.String()] {
			t.Fatalf("duplicate series %s", key.String())
		}
		seen[key.String()] = true
	}
	if jobs["node"] == 0 || jobs["dcgm"] == 0 {
		t.Fatalf("want node and dcgm series, got %v", jobs)
	}
}

func TestBuildOrder(t *testing.T) {
	o := options{perRequest: 700, concurrency: 1}
	w := &worker{o: o, series: genSeries(1000, "x"), rng: rand.New(rand.NewPCG(1, 1))}
	last := map[string]int64{}
	r := &request{}
	total := 0
	for i := 0; i < 20; i++ {
		if err := w.build(r); err != nil {
			t.Fatal(err)
		}
		raw, err := snappy.Decode(nil, r.body)
		if err != nil {
			t.Fatal(err)
		}
		var wr prompb.WriteRequest
		if err := wr.Unmarshal(raw); err != nil {
			t.Fatal(err)
		}
		for _, ts := range wr.Timeseries {
			var key strings.Builder
			for _, l := range ts.Labels {
				key.WriteString(l.Name + "=" + l.Value + ",")
			}
			for _, s := range ts.Samples {
				total++
				if prev, ok := last[key.String()]; ok && s.Timestamp <= prev {
					t.Fatalf("series %s: timestamp %d after %d", key.String(), s.Timestamp, prev)
				}
				last[key.String()] = s.Timestamp
			}
		}
	}
	if total != 20*700 || len(last) != 1000 {
		t.Fatalf("got %d samples over %d series", total, len(last))
	}
}
