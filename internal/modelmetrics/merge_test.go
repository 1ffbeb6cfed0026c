package modelmetrics

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// chunks splits [0, n) into uneven consecutive ranges, some of them empty, as
// time buckets of varying traffic would.
func chunks(n int) [][2]int {
	sizes := []int{1, 0, 7, 50, 0, 3, 200, 13}
	var out [][2]int
	lo := 0
	for i := 0; lo < n; i++ {
		hi := min(lo+sizes[i%len(sizes)], n)
		out = append(out, [2]int{lo, hi})
		lo = hi
	}
	return append(out, [2]int{n, n})
}

// roundTrip sends a state through JSON or gob, as a bucket store would.
func roundTrip[T any](t *testing.T, in *T, useGob bool) *T {
	t.Helper()
	out := new(T)
	if useGob {
		var buf bytes.Buffer
		require.NoError(t, gob.NewEncoder(&buf).Encode(in))
		require.NoError(t, gob.NewDecoder(&buf).Decode(out))
		return out
	}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, out))
	return out
}

// requireSameMetrics compares metrics of merged buckets with those of one
// pass: the same keys, and values equal up to the rounding of float sums
// taken in another order.
func requireSameMetrics(t *testing.T, want, got map[string]float64) {
	t.Helper()
	require.Len(t, got, len(want), "got %v, want %v", got, want)
	for k, w := range want {
		g, ok := got[k]
		require.True(t, ok, "metric %s missing", k)
		require.InDelta(t, w, g, 1e-12*math.Max(1, math.Abs(w)), k)
	}
}

func TestMergedBucketsEqualOnePass(t *testing.T) {
	ref := mustReference(t)
	for _, useGob := range []bool{false, true} {
		codec := map[bool]string{false: "json", true: "gob"}[useGob]
		for _, tc := range ref.Binary {
			t.Run(codec+"/binary/"+tc.Name, func(t *testing.T) {
				var one, merged Classification
				for i := range tc.Labels {
					one.Add(tc.Labels[i], tc.Predicted[i], tc.Probs[i], tc.Positive)
				}
				for _, ch := range chunks(len(tc.Labels)) {
					var b Classification
					for i := ch[0]; i < ch[1]; i++ {
						b.Add(tc.Labels[i], tc.Predicted[i], tc.Probs[i], tc.Positive)
					}
					merged.Merge(roundTrip(t, &b, useGob))
				}
				require.Equal(t, one.Confusion, merged.Confusion)
				require.Equal(t, one.PositiveScores, merged.PositiveScores)
				require.Equal(t, one.NegativeScores, merged.NegativeScores)
				requireSameMetrics(t, one.Metrics(tc.Positive), merged.Metrics(tc.Positive))
				requireSameMetrics(t, one.Metrics(""), merged.Metrics(""))
			})
		}
		for _, tc := range ref.MulticlassProba {
			t.Run(codec+"/multiclass/"+tc.Name, func(t *testing.T) {
				one, merged := NewMulticlass(tc.Classes), NewMulticlass(tc.Classes)
				for i := range tc.Labels {
					one.Add(tc.Labels[i], tc.Predicted[i], tc.Probs[i])
				}
				for _, ch := range chunks(len(tc.Labels)) {
					b := NewMulticlass(tc.Classes)
					for i := ch[0]; i < ch[1]; i++ {
						b.Add(tc.Labels[i], tc.Predicted[i], tc.Probs[i])
					}
					merged.Merge(roundTrip(t, b, useGob))
				}
				require.False(t, merged.ClassConflict)
				require.Equal(t, one.Pairs.Confusion, merged.Pairs.Confusion)
				require.Equal(t, one.PositiveScores, merged.PositiveScores)
				require.Equal(t, one.NegativeScores, merged.NegativeScores)
				requireSameMetrics(t, one.Metrics(), merged.Metrics())
			})
		}
		for _, tc := range ref.Regression {
			t.Run(codec+"/regression/"+tc.Name, func(t *testing.T) {
				var one, merged Regression
				for i := range tc.Y {
					one.Add(tc.Y[i], tc.Yhat[i])
				}
				for _, ch := range chunks(len(tc.Y)) {
					var b Regression
					for i := ch[0]; i < ch[1]; i++ {
						b.Add(tc.Y[i], tc.Yhat[i])
					}
					merged.Merge(roundTrip(t, &b, useGob))
				}
				requireSameMetrics(t, one.Metrics(), merged.Metrics())
			})
		}
		for _, tc := range ref.Fairness {
			t.Run(codec+"/fairness/"+tc.Name, func(t *testing.T) {
				var one, merged Fairness
				for i := range tc.Groups {
					one.Add(tc.Groups[i], tc.Predicted[i], &tc.Labels[i])
				}
				for _, ch := range chunks(len(tc.Groups)) {
					var b Fairness
					for i := ch[0]; i < ch[1]; i++ {
						b.Add(tc.Groups[i], tc.Predicted[i], &tc.Labels[i])
					}
					merged.Merge(roundTrip(t, &b, useGob))
				}
				require.Equal(t, one.Groups, merged.Groups)
				require.Equal(t, one.Metrics(), merged.Metrics())
			})
		}
		for _, tc := range ref.CBPE {
			t.Run(codec+"/cbpe/"+tc.Name, func(t *testing.T) {
				var cal *Calibrator
				if tc.Calibrate {
					fitted, err := FitCalibrator(tc.RefProbs, tc.RefLabels)
					require.NoError(t, err)
					cal = roundTrip(t, fitted, useGob)
				}
				var one, merged CBPE
				for _, p := range tc.Probs {
					one.Add(p, tc.Threshold, cal)
				}
				for _, ch := range chunks(len(tc.Probs)) {
					var b CBPE
					for _, p := range tc.Probs[ch[0]:ch[1]] {
						b.Add(p, tc.Threshold, cal)
					}
					merged.Merge(roundTrip(t, &b, useGob))
				}
				requireSameMetrics(t, one.Metrics(), merged.Metrics())
			})
		}
	}
}

func TestMergeIsAssociativeAcrossWindows(t *testing.T) {
	// Buckets merged into two half-windows, then the halves merged, give
	// the window's metrics: the order of merging does not matter.
	ref := mustReference(t)
	tc := ref.Binary[0]
	n := len(tc.Labels)
	var one, left, right, window Classification
	var rone, rleft, rright, rwindow Regression
	for i := range n {
		one.Add(tc.Labels[i], tc.Predicted[i], tc.Probs[i], tc.Positive)
		rone.Add(tc.Probs[i], float64(i%7)/7)
		half := &left
		rhalf := &rleft
		if i >= n/3 {
			half, rhalf = &right, &rright
		}
		half.Add(tc.Labels[i], tc.Predicted[i], tc.Probs[i], tc.Positive)
		rhalf.Add(tc.Probs[i], float64(i%7)/7)
	}
	window.Merge(&right)
	window.Merge(&left)
	requireSameMetrics(t, one.Metrics(tc.Positive), window.Metrics(tc.Positive))
	rwindow.Merge(&rright)
	rwindow.Merge(&rleft)
	requireSameMetrics(t, rone.Metrics(), rwindow.Metrics())

	// Merging never changes its argument, and nil merges are no-ops.
	before := left.Metrics(tc.Positive)
	window.Merge(&left)
	window.Merge(nil)
	require.Equal(t, before, left.Metrics(tc.Positive))
	var r Regression
	r.Merge(nil)
	r.Merge(&Regression{})
	require.Equal(t, map[string]float64{"count": 0}, r.Metrics())
	(&CBPE{}).Merge(nil)
	(&Fairness{}).Merge(nil)
}

func TestStateSizeDoesNotGrowWithTraffic(t *testing.T) {
	var c Classification
	var e CBPE
	var f Fairness
	x := 0.5
	for i := range 200_000 {
		x = math.Mod(x*3.7+0.123, 1) // deterministic, spread over [0, 1)
		label := []string{"no", "yes"}[i%2]
		c.Add(label, []string{"no", "yes"}[(i/3)%2], x, "yes")
		e.Add(x, 0.5, nil)
		f.Add([]string{"a", "b", "c"}[i%3], x > 0.5, nil)
	}
	require.Len(t, c.Confusion, 2)
	require.LessOrEqual(t, len(c.PositiveScores), NumBins)
	require.LessOrEqual(t, len(c.NegativeScores), NumBins)
	require.LessOrEqual(t, len(e.Bins), NumBins)
	require.Len(t, f.Groups, 3)
	require.Equal(t, uint64(200_000), c.Count)
	require.Equal(t, uint64(200_000), e.Count)
}
