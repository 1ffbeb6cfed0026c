package demo

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestScheduleActiveAt(t *testing.T) {
	durs := map[string]time.Duration{"a": 3 * time.Minute, "b": time.Minute}
	s := Schedule{First: time.Minute, Gap: 2 * time.Minute, Order: []string{"a", "b"}}
	// a: 1m–4m, gap to 6m, b: 6m–7m, gap to 9m; the cycle is 8m.
	for _, tc := range []struct {
		at     time.Duration
		want   string
		active bool
	}{
		{0, "", false},
		{59 * time.Second, "", false},
		{time.Minute, "a", true},
		{4*time.Minute - time.Second, "a", true},
		{4 * time.Minute, "", false},
		{6 * time.Minute, "b", true},
		{7 * time.Minute, "", false},
		{9 * time.Minute, "a", true},
		{14*time.Minute + 30*time.Second, "b", true},
		{81 * time.Minute, "a", true}, // 10 cycles later
	} {
		got, active := s.ActiveAt(tc.at, durs)
		require.Equal(t, tc.active, active, "at %s", tc.at)
		if tc.active {
			require.Equal(t, tc.want, got, "at %s", tc.at)
		}
	}
	_, active := Schedule{Manual: true, First: time.Minute, Gap: time.Minute, Order: []string{"a"}}.ActiveAt(2*time.Minute, durs)
	require.False(t, active, "a manual schedule runs nothing")
}

func TestScheduleNextStart(t *testing.T) {
	durs := map[string]time.Duration{"a": 3 * time.Minute, "b": time.Minute}
	s := Schedule{First: time.Minute, Gap: 2 * time.Minute, Order: []string{"a", "b"}}
	for _, tc := range []struct {
		at   time.Duration
		name string
		want time.Duration
	}{
		{0, "a", time.Minute},
		{0, "b", 6 * time.Minute},
		{2 * time.Minute, "a", 9 * time.Minute}, // running: the next cycle's
		{2 * time.Minute, "b", 6 * time.Minute},
		{5 * time.Minute, "b", 6 * time.Minute},
		{5 * time.Minute, "a", 9 * time.Minute},
		{8 * time.Minute, "a", 9 * time.Minute},
		{8 * time.Minute, "b", 14 * time.Minute},
	} {
		got, ok := s.nextStart(tc.at, tc.name, durs)
		require.True(t, ok)
		require.Equal(t, tc.want, got, "%s at %s", tc.name, tc.at)
	}
	_, ok := Schedule{Manual: true}.withDefaults([]string{"a"}).nextStart(0, "a", durs)
	require.False(t, ok)
}

func TestScheduleDefaults(t *testing.T) {
	s := Schedule{}.withDefaults([]string{"x", "y"})
	require.Equal(t, DefaultFirst, s.First)
	require.Equal(t, DefaultGap, s.Gap)
	require.Equal(t, []string{"x", "y"}, s.Order)
	// Every incident of the catalog runs once per cycle, the first within
	// a minute or two.
	var names []string
	durs := map[string]time.Duration{}
	for _, in := range Catalog() {
		names = append(names, in.Name)
		durs[in.Name] = in.Duration
		require.NotEmpty(t, in.Alerts, in.Name)
	}
	s = Schedule{}.withDefaults(names)
	name, active := s.ActiveAt(DefaultFirst, durs)
	require.True(t, active)
	require.Equal(t, ErrorBurst, name)
	seen := map[string]bool{}
	for at := time.Duration(0); at < 40*time.Minute; at += 10 * time.Second {
		if n, ok := s.ActiveAt(at, durs); ok {
			seen[n] = true
		}
	}
	require.Len(t, seen, len(names))
}
