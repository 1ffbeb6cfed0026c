package main

// Pure checks only: no server, no collector. The benchmarks are in
// bench_*_test.go.

import "testing"

func TestCountSeries(t *testing.T) {
	body := "# HELP a A.\n# TYPE a gauge\na 1\na{x=\"y\"} 2\n\n# TYPE b counter\nb_total 3\n"
	if got := countSeries([]byte(body)); got != 3 {
		t.Fatalf("countSeries = %d, want 3", got)
	}
}
