package profile

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/dataset"
	"github.com/mlre-dev/mlre/internal/stats"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

func normals(rng *rand.Rand, n int, mean, sd float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = mean + sd*rng.NormFloat64()
	}
	return out
}

// numProfile profiles xs as the single numerical feature "x".
func numProfile(edges []float64, xs []float64) *Profile {
	p := New([]Feature{{"x", KindNumerical}}, map[string][]float64{"x": edges})
	for _, v := range xs {
		p.ObserveNumber("x", v)
		p.EndRow()
	}
	return p
}

// catProfile profiles vs as the single feature "c" of kind k.
func catProfile(k Kind, vs []string) *Profile {
	p := New([]Feature{{"c", k}}, nil)
	for _, v := range vs {
		p.ObserveString("c", v)
		p.EndRow()
	}
	return p
}

var mixedSchema = []Feature{
	{"x", KindNumerical},   // continuous, with missing values
	{"d", KindNumerical},   // discrete: 0..9
	{"c", KindCategorical}, // 12 levels
	{"b", KindBoolean},
}

type mixedRow struct {
	x, d float64
	c, b string
}

func mixedRows(rng *rand.Rand, n int) []mixedRow {
	rows := make([]mixedRow, n)
	for i := range rows {
		r := mixedRow{x: 3 + 2*rng.NormFloat64(), d: float64(rng.IntN(10)), c: fmt.Sprintf("level%02d", rng.IntN(12))}
		switch rng.IntN(20) {
		case 0:
			r.x = math.NaN()
		case 1:
			r.x = math.Inf(-1)
		case 2:
			r.c = ""
		}
		r.b = []string{"true", "false", "True", "0", ""}[rng.IntN(5)]
		rows[i] = r
	}
	return rows
}

func profileRows(edges map[string][]float64, rows []mixedRow) *Profile {
	p := New(mixedSchema, edges)
	for _, r := range rows {
		p.ObserveNumber("x", r.x)
		p.ObserveNumber("d", r.d)
		p.ObserveString("c", r.c)
		p.ObserveString("b", r.b)
		p.EndRow()
	}
	return p
}

func TestObserve(t *testing.T) {
	schema := []Feature{{"n", KindNumerical}, {"c", KindCategorical}, {"b", KindBoolean}}
	tests := []struct {
		name    string
		observe func(p *Profile)
		check   func(t *testing.T, p *Profile)
	}{
		{"NaN and infinities are missing", func(p *Profile) {
			for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 2} {
				p.ObserveNumber("n", v)
			}
		}, func(t *testing.T, p *Profile) {
			n := p.Num["n"]
			require.Equal(t, int64(1), n.Count)
			require.Equal(t, int64(3), n.Missing)
			require.Equal(t, []float64{2}, n.Small)
		}},
		{"strings parse for numerical features", func(p *Profile) {
			for _, s := range []string{" 1.5 ", "-2", "abc", "", "NaN", "inf"} {
				p.ObserveString("n", s)
			}
		}, func(t *testing.T, p *Profile) {
			n := p.Num["n"]
			require.Equal(t, []float64{1.5, -2}, n.Small)
			require.Equal(t, int64(4), n.Missing)
			require.Equal(t, -2.0, n.Min)
			require.Equal(t, 1.5, n.Max)
		}},
		{"empty categories are missing", func(p *Profile) {
			p.ObserveString("c", "a")
			p.ObserveString("c", "")
			p.ObserveMissing("c")
			p.ObserveNumber("c", 1.25)
			p.ObserveNumber("c", math.NaN())
		}, func(t *testing.T, p *Profile) {
			c := p.Cat["c"]
			require.Equal(t, int64(2), c.Count)
			require.Equal(t, int64(3), c.Missing)
			require.Equal(t, map[string]int64{"a": 1, "1.25": 1}, c.Counts)
		}},
		{"booleans are normalised", func(p *Profile) {
			for _, s := range []string{"true", "True", "1", "t", "false", "F", "0", "maybe", ""} {
				p.ObserveString("b", s)
			}
			p.ObserveNumber("b", 1)
			p.ObserveNumber("b", 0)
			p.ObserveNumber("b", 2)
		}, func(t *testing.T, p *Profile) {
			c := p.Cat["b"]
			require.Equal(t, map[string]int64{"true": 5, "false": 4, "maybe": 1, "2": 1}, c.Counts)
			require.Equal(t, int64(1), c.Missing)
		}},
		{"unknown features are ignored; rows count EndRow", func(p *Profile) {
			p.ObserveNumber("nope", 1)
			p.ObserveString("nope", "x")
			p.ObserveMissing("nope")
			p.EndRow()
			p.EndRow()
		}, func(t *testing.T, p *Profile) {
			require.Equal(t, int64(2), p.Rows)
			require.Zero(t, p.Num["n"].Count+p.Num["n"].Missing+p.Cat["c"].Count+p.Cat["c"].Missing)
		}},
		{"moments are pandas'", func(p *Profile) {
			for _, v := range []float64{1, 2, 3, 4, 10} {
				p.ObserveNumber("n", v)
			}
		}, func(t *testing.T, p *Profile) {
			n := p.Num["n"]
			require.InDelta(t, 4.0, n.Mean, 1e-15)
			require.InDelta(t, 12.5, n.M2/float64(n.Count-1), 1e-12) // pandas Series.var()
			require.Equal(t, []ValueCount{{1, 1}, {2, 1}, {3, 1}, {4, 1}, {10, 1}}, n.Values)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New(schema, nil)
			tt.observe(p)
			tt.check(t, p)
		})
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		features []Feature
		edges    map[string][]float64
		want     string
	}{
		{"valid", []Feature{{"a", KindNumerical}, {"b", KindBoolean}}, map[string][]float64{"a": {0, 1}}, ""},
		{"no name", []Feature{{"", KindNumerical}}, nil, "feature 1 has no name"},
		{"duplicate", []Feature{{"a", KindNumerical}, {"a", KindCategorical}}, nil, `"a" is listed twice`},
		{"bad kind", []Feature{{"a", "text"}}, nil, `kind "text"`},
		{"edges for a categorical", []Feature{{"a", KindCategorical}}, map[string][]float64{"a": {0, 1}}, "not a numerical feature"},
		{"one edge", []Feature{{"a", KindNumerical}}, map[string][]float64{"a": {0}}, "at least 2 edges"},
		{"unsorted edges", []Feature{{"a", KindNumerical}}, map[string][]float64{"a": {0, 2, 1}}, "increase strictly"},
		{"NaN edge", []Feature{{"a", KindNumerical}}, map[string][]float64{"a": {0, math.NaN()}}, "NaN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.features, tt.edges)
			if tt.want == "" {
				require.NoError(t, err)
				require.NotPanics(t, func() { New(tt.features, tt.edges) })
				return
			}
			require.ErrorIs(t, err, ErrSchema)
			require.ErrorContains(t, err, tt.want)
			require.Panics(t, func() { New(tt.features, tt.edges) })
		})
	}
}

func TestCenter(t *testing.T) {
	for _, tt := range []struct {
		edges []float64
		want  float64
	}{
		{nil, 0},
		{[]float64{-1, 0, 1}, 0},
		{[]float64{995, 1000, 1005}, 995},
		{[]float64{-20, -10}, -10},
	} {
		require.Equal(t, tt.want, newNumeric(tt.edges).Center, "%v", tt.edges)
	}
}

// sketchQuantiles returns the sketch's quantiles (plus Center) on a grid.
func sketchQuantiles(t *testing.T, n *Numeric) []float64 {
	t.Helper()
	if n.Sketch.IsEmpty() {
		return nil
	}
	var out []float64
	for q := 0.0; q <= 1; q += 0.01 {
		v, err := n.Sketch.GetValueAtQuantile(q)
		require.NoError(t, err)
		out = append(out, v+n.Center)
	}
	return out
}

// requireSameCounts checks what Merge must reproduce exactly, and the
// moments to 1e-9.
func requireSameCounts(t *testing.T, want, got *Profile) {
	t.Helper()
	require.Equal(t, want.Rows, got.Rows)
	require.Equal(t, want.Features, got.Features)
	require.Equal(t, want.Kinds, got.Kinds)
	for name, w := range want.Num {
		g := got.Num[name]
		require.Equal(t, w.Count, g.Count, name)
		require.Equal(t, w.Missing, g.Missing, name)
		require.Equal(t, w.Min, g.Min, name)
		require.Equal(t, w.Max, g.Max, name)
		scale := math.Max(math.Abs(w.Mean), math.Sqrt(w.M2/float64(max(w.Count, 1))))
		require.InDelta(t, w.Mean, g.Mean, 1e-9*scale+1e-300, name)
		require.InDelta(t, w.M2, g.M2, 1e-9*w.M2+1e-300, name)
		require.Equal(t, w.Center, g.Center, name)
		require.Equal(t, w.Edges, g.Edges, name)
		require.Equal(t, w.Bins, g.Bins, name)
		require.Equal(t, w.Small, g.Small, name)
		require.Equal(t, w.Values, g.Values, name)
		require.Equal(t, w.ManyValues, g.ManyValues, name)
		require.Equal(t, w.Sketch.GetCount(), g.Sketch.GetCount(), name)
		require.Equal(t, sketchQuantiles(t, w), sketchQuantiles(t, g), name)
	}
	for name, w := range want.Cat {
		g := got.Cat[name]
		require.Equal(t, *w, *g, name)
	}
}

func TestMergeMatchesSinglePass(t *testing.T) {
	for _, n := range []int{0, 1, 600, 1000, 1001, 5000} {
		for _, k := range []int{1, 2, 3, 7, 40} {
			t.Run(fmt.Sprintf("n=%d/k=%d", n, k), func(t *testing.T) {
				rng := newRand(uint64(n*100 + k))
				rows := mixedRows(rng, n)
				edges := map[string][]float64{"x": ReferenceEdges(normals(rng, 500, 3, 2)), "d": ReferenceEdges([]float64{0, 9})}
				whole := profileRows(edges, rows)

				cuts := []int{0, n}
				for range k - 1 {
					cuts = append(cuts, rng.IntN(n+1))
				}
				slices.Sort(cuts)
				merged := New(mixedSchema, edges)
				for i := 1; i < len(cuts); i++ {
					require.NoError(t, merged.Merge(profileRows(edges, rows[cuts[i-1]:cuts[i]])))
				}
				requireSameCounts(t, whole, merged)
				x := merged.Num["x"]
				require.Equal(t, x.Count <= SmallMax, x.Small != nil || x.Count == 0)
				require.Equal(t, x.Count > MaxValues, x.ManyValues) // continuous: all distinct
				require.Len(t, merged.Num["d"].Values, min(int(merged.Num["d"].Count), 10))
			})
		}
	}
}

func TestMergeManyValuesBoundary(t *testing.T) {
	// 100 distinct values split over two profiles keep their counts; a
	// 101st in either gives them up, merged or not.
	var a, b []float64
	for i := range 100 {
		a = append(a, float64(i))
		b = append(b, float64(99-i), float64(i%7))
	}
	pa, pb := numProfile(nil, a), numProfile(nil, b)
	require.NoError(t, pa.Merge(pb))
	require.Len(t, pa.Num["x"].Values, 100)
	require.False(t, pa.Num["x"].ManyValues)
	require.NoError(t, pa.Merge(numProfile(nil, []float64{1000})))
	require.Nil(t, pa.Num["x"].Values)
	require.True(t, pa.Num["x"].ManyValues)
	requireSameCounts(t, numProfile(nil, slices.Concat(a, b, []float64{1000})), pa)
}

func TestMergeErrors(t *testing.T) {
	base := func() *Profile {
		p := New(mixedSchema, map[string][]float64{"x": {0, 1, 2}})
		p.ObserveNumber("x", 1)
		return p
	}
	tests := []struct {
		name  string
		other *Profile
		want  string
	}{
		{"other features", New(mixedSchema[:2], map[string][]float64{"x": {0, 1, 2}}), "features differ"},
		{"other kind", New([]Feature{{"x", KindNumerical}, {"d", KindCategorical}, {"c", KindCategorical}, {"b", KindBoolean}}, map[string][]float64{"x": {0, 1, 2}}), `feature "d" is numerical in one profile and categorical`},
		{"other edges", New(mixedSchema, map[string][]float64{"x": {0, 1, 3}}), `feature "x" has different histogram edges`},
		{"no edges", New(mixedSchema, nil), `feature "x" has different histogram edges`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base()
			err := p.Merge(tt.other)
			require.ErrorIs(t, err, ErrSchema)
			require.ErrorContains(t, err, tt.want)
			requireSameCounts(t, base(), p)
		})
	}
}

func TestMergeSelfAndClone(t *testing.T) {
	rows := mixedRows(newRand(7), 300)
	p := profileRows(nil, rows)
	c := p.Clone()
	require.NoError(t, p.Merge(p))
	requireSameCounts(t, profileRows(nil, slices.Concat(rows, rows)), p)
	requireSameCounts(t, profileRows(nil, rows), c) // the clone did not change
	c.ObserveNumber("x", 1e6)
	c.ObserveString("c", "new")
	require.NotEqual(t, p.Num["x"].Max, c.Num["x"].Max)
	require.NotContains(t, p.Cat["c"].Counts, "new")
}

func TestCategoricalLevelLimit(t *testing.T) {
	var vs []string
	for i := range MaxLevels + 10 {
		vs = append(vs, fmt.Sprintf("l%05d", i))
	}
	vs = append(vs, "l00000", "l00000")
	p := catProfile(KindCategorical, vs)
	c := p.Cat["c"]
	require.Len(t, c.Counts, MaxLevels)
	require.Equal(t, int64(10), c.Other)
	require.Equal(t, int64(len(vs)), c.Count)

	// Merging keeps the most frequent levels and folds the rest into Other.
	q := catProfile(KindCategorical, []string{"zz", "zz", "zz", "l00005"})
	require.NoError(t, p.Merge(q))
	require.Len(t, c.Counts, MaxLevels)
	require.Equal(t, int64(3), c.Counts["zz"])
	require.Equal(t, int64(3), c.Counts["l00000"])
	require.Equal(t, int64(2), c.Counts["l00005"])
	require.Equal(t, int64(11), c.Other) // one single-count level gave way to "zz"
	var sum int64
	for _, v := range c.Counts {
		sum += v
	}
	require.Equal(t, c.Count, sum+c.Other)
}

func TestReferenceEdges(t *testing.T) {
	xs := normals(newRand(1), 777, 10, 3)
	lo, hi := stats.MinMax(xs)
	want := stats.BinEdges(lo, hi, stats.SturgesBins(len(xs), lo, hi))
	require.Equal(t, want, ReferenceEdges(append(slices.Clone(xs), math.NaN(), math.Inf(1))))
	require.Len(t, want, 12) // ceil(log2(777)+1) = 11 bins
	require.Equal(t, []float64{4.5, 5.5}, ReferenceEdges([]float64{5, 5}))
	require.Nil(t, ReferenceEdges([]float64{math.NaN()}))
	require.Nil(t, ReferenceEdges(nil))
	require.Len(t, referenceEdges(xs, 4), 5)
	// A tiny range far from 0: rounding merges edges, which still increase.
	e := ReferenceEdges([]float64{1e16, 1e16 + 2, 1e16 + 4})
	require.NoError(t, CheckEdges(e))
	require.Nil(t, ReferenceEdges([]float64{1e300}))
}

func TestBinIndexMatchesNumpyHistogram(t *testing.T) {
	rng := newRand(2)
	for trial := range 200 {
		xs := normals(rng, 1+rng.IntN(300), rng.NormFloat64()*100, math.Exp(rng.NormFloat64()*3))
		edges := ReferenceEdges(xs)
		want := stats.Histogram(xs, edges)
		got := make([]float64, len(edges)-1)
		for _, v := range xs {
			i := binIndex(edges, v)
			require.True(t, i >= 1 && i < len(edges), "trial %d: %v in %v", trial, v, edges)
			got[i-1]++
		}
		require.Equal(t, want, got, "trial %d", trial)
		// Also at the edges themselves, and outside.
		for k, e := range edges {
			want := min(k, len(edges)-2) + 1
			require.Equal(t, want, binIndex(edges, e), "trial %d edge %d", trial, k)
		}
		require.Equal(t, 0, binIndex(edges, math.Nextafter(edges[0], math.Inf(-1))))
		require.Equal(t, len(edges), binIndex(edges, math.Nextafter(edges[len(edges)-1], math.Inf(1))))
	}
	// Uneven edges.
	for _, tt := range []struct {
		v    float64
		want int
	}{{-1, 0}, {0, 1}, {0.5, 1}, {1, 2}, {99, 2}, {100, 3}, {101, 3}, {102, 4}} {
		require.Equal(t, tt.want, binIndex([]float64{0, 1, 100, 101}, tt.v), "%v", tt.v)
	}
}

func TestFromTable(t *testing.T) {
	csv := "x,c,b,flag\n1.5,a,true,1\n,b,False,0\n-2,,TRUE,1\n4,a,,\n"
	tab, err := dataset.ReadCSV(strings.NewReader(csv), "ref.csv", dataset.Options{})
	require.NoError(t, err)
	schema := []Feature{{"x", KindNumerical}, {"c", KindCategorical}, {"b", KindBoolean}, {"flag", KindBoolean}}
	p, edges, err := FromTable(tab, schema, 0)
	require.NoError(t, err)
	require.Equal(t, map[string][]float64{"x": ReferenceEdges([]float64{1.5, -2, 4})}, edges)

	want := New(schema, edges)
	for _, x := range []float64{1.5, math.NaN(), -2, 4} {
		want.ObserveNumber("x", x)
	}
	for _, c := range []string{"a", "b", "", "a"} {
		want.ObserveString("c", c)
	}
	for _, b := range []string{"true", "false", "true", ""} {
		want.ObserveString("b", b)
	}
	for _, f := range []float64{1, 0, 1, math.NaN()} {
		want.ObserveNumber("flag", f)
	}
	want.Rows = 4
	requireSameCounts(t, want, p)
	require.Equal(t, map[string]int64{"true": 2, "false": 1}, p.Cat["b"].Counts)
	require.Equal(t, map[string]int64{"true": 2, "false": 1}, p.Cat["flag"].Counts)
	require.Equal(t, int64(1), p.Cat["c"].Missing)
	require.Equal(t, schema, p.Schema())
	require.Equal(t, edges, p.Edges())

	_, _, err = FromTable(tab, []Feature{{"y", KindNumerical}}, 0)
	require.ErrorContains(t, err, `ref.csv, column "y": the schema names this feature but the file has no such column`)
	_, _, err = FromTable(tab, []Feature{{"c", KindNumerical}}, 0)
	require.ErrorContains(t, err, `column "c": the feature is numerical but the column holds text`)
	_, _, err = FromTable(tab, []Feature{{"x", "text"}}, 0)
	require.ErrorIs(t, err, ErrSchema)

	p, edges, err = FromTable(tab, schema[:1], 2)
	require.NoError(t, err)
	require.Len(t, edges["x"], 3)
	require.Len(t, p.Num["x"].Bins, 4)
}

// TestMemoryIsFlat feeds a million values to one feature: the histogram
// keeps its size, the exact parts are given up and the sketch stays within
// SketchMaxBins bins per store whatever the spread of the values.
func TestMemoryIsFlat(t *testing.T) {
	rng := newRand(3)
	edges := ReferenceEdges(normals(rng, 1000, 0, 1))
	p := numProfile(edges, nil)
	n := p.Num["x"]
	for i := range 1_000_000 {
		v := rng.NormFloat64()
		if i%1000 == 0 {
			v = math.Exp((2*rng.Float64() - 1) * 690) // values from 1e-300 to 1e300
		}
		p.ObserveNumber("x", v)
	}
	require.Equal(t, int64(1_000_000), n.Count)
	require.Len(t, n.Bins, len(edges)+1)
	require.Nil(t, n.Small)
	require.Nil(t, n.Values)
	for _, s := range []interface {
		MinIndex() (int, error)
		MaxIndex() (int, error)
	}{n.Sketch.GetPositiveValueStore(), n.Sketch.GetNegativeValueStore()} {
		lo, err := s.MinIndex()
		require.NoError(t, err)
		hi, err := s.MaxIndex()
		require.NoError(t, err)
		require.LessOrEqual(t, hi-lo+1, SketchMaxBins)
	}
	b, err := p.MarshalBinary()
	require.NoError(t, err)
	require.Less(t, len(b), 16<<10)
	t.Logf("encoded profile of 1e6 values: %d bytes", len(b))
}

func BenchmarkObserve(b *testing.B) {
	rng := newRand(4)
	const n = 4096
	xs := normals(rng, n, 0, 1)
	levels := []string{"red", "green", "blue", "cyan", "magenta"}
	cs := make([]string, n)
	for i := range cs {
		cs[i] = levels[rng.IntN(len(levels))]
	}
	p := New([]Feature{{"x", KindNumerical}, {"c", KindCategorical}}, map[string][]float64{"x": ReferenceEdges(xs)})
	for range 2 * SmallMax { // past the exact phase, as in steady state
		p.ObserveNumber("x", rng.NormFloat64())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p.ObserveNumber("x", xs[i%n])
		p.ObserveString("c", cs[i%n])
		p.EndRow()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/row")
}
