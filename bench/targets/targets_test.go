package main

// No server needed: checks the exposition a target renders.

import (
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	for _, want := range []int{50, 500, 800} {
		tg := newTarget(1, want)
		body := string(tg.render())
		seen := map[string]bool{}
		n := 0
		for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
			if strings.HasPrefix(line, "#") {
				continue
			}
			series := line[:strings.LastIndexByte(line, ' ')]
			if seen[series] {
				t.Fatalf("duplicate series %s", series)
			}
			seen[series] = true
			n++
		}
		if n != want || tg.series() != want {
			t.Fatalf("want %d series, rendered %d (series() = %d)", want, n, tg.series())
		}
	}
}
