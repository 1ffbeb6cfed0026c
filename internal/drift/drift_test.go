package drift

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// testdata/drift_reference.json is made by testdata/gen_drift.py, which
// re-implements Evidently's stattests with scipy 1.10.1 and pandas 1.5.3.
type refColumn struct {
	Name          string    `json:"name"`
	Type          Type      `json:"type"`
	DefaultMethod string    `json:"default_method"`
	Ref           []float64 `json:"ref"`
	Cur           []float64 `json:"cur"`
	RefCat        []string  `json:"ref_cat"`
	CurCat        []string  `json:"cur_cat"`
	Results       map[string]struct {
		Score float64 `json:"score"`
		Drift bool    `json:"drift"`
	} `json:"results"`
}

func TestMatchesEvidentlyReference(t *testing.T) {
	b, err := os.ReadFile("testdata/drift_reference.json")
	require.NoError(t, err)
	var ref struct {
		Columns []refColumn `json:"columns"`
	}
	require.NoError(t, json.Unmarshal(b, &ref))
	require.Len(t, ref.Columns, 30)
	checked := map[string]int{}
	for _, rc := range ref.Columns {
		c := &Column{Name: rc.Name, Type: rc.Type, Ref: rc.Ref, Cur: rc.Cur, RefCat: rc.RefCat, CurCat: rc.CurCat}
		require.Equal(t, rc.DefaultMethod, DefaultMethod(c), rc.Name)
		for m, want := range rc.Results {
			run := func() (Result, error) { return Test(c, m, nil) }
			if !Applies(m, c.Type) {
				// Only the defaults use chisquare and z on numerical columns.
				run = func() (Result, error) { return c.run(m, nil) }
			}
			got, err := run()
			require.NoError(t, err, "%s %s", rc.Name, m)
			mm := methods[m]
			require.Equal(t, mm.pValue, got.PValue != nil, "%s / %s", rc.Name, m)
			score := got.Statistic
			if got.PValue != nil {
				score = *got.PValue
			}
			diff := math.Abs(score - want.Score)
			require.Truef(t, diff <= 1e-12 || diff <= 1e-9*math.Abs(want.Score),
				"%s / %s: got %.17g, want %.17g", rc.Name, m, score, want.Score)
			require.Equal(t, want.Drift, got.Drift, "%s / %s", rc.Name, m)
			checked[m]++
			if c.Type == Categorical {
				// The same column given as counts of levels.
				counted := countLevels(c)
				require.Equal(t, DefaultMethod(c), DefaultMethod(counted), rc.Name)
				again, err := Test(counted, m, nil)
				require.NoError(t, err, "%s %s, counts", rc.Name, m)
				require.Equal(t, got, again, "%s / %s, counts", rc.Name, m)
			}
		}
	}
	for _, m := range Methods() {
		require.Positive(t, checked[m], "method %s has reference cases", m)
	}
}

func TestNoDriftOnIdenticalAndDriftOnLargeShift(t *testing.T) {
	base := make([]float64, 2000)
	shifted := make([]float64, 2000)
	for i := range base {
		base[i] = math.Sin(float64(i)) * 10
		shifted[i] = base[i] + 15
	}
	for _, m := range []string{KS, Wasserstein, PSI, JensenShannon, Hellinger} {
		same, err := Test(&Column{Name: "x", Type: Numerical, Ref: base, Cur: base}, m, nil)
		require.NoError(t, err, m)
		require.False(t, same.Drift, "%s: identical samples", m)
		moved, err := Test(&Column{Name: "x", Type: Numerical, Ref: base, Cur: shifted}, m, nil)
		require.NoError(t, err, m)
		require.True(t, moved.Drift, "%s: a shift of 1.5 standard deviations", m)
	}
}

func TestErrors(t *testing.T) {
	_, err := Test(&Column{Name: "a", Type: Numerical, Ref: []float64{1}}, "", nil)
	require.ErrorIs(t, err, ErrNoData)
	_, err = Test(&Column{Name: "a", Type: Categorical, RefCat: []string{"x"}, CurCat: []string{"y"}}, KS, nil)
	require.ErrorContains(t, err, "column a: method ks does not apply to categorical columns")
	_, err = Test(&Column{Name: "a", Type: Numerical, Ref: []float64{1}, Cur: []float64{2}}, "t-test", nil)
	require.ErrorContains(t, err, `unknown method "t-test"`)
	th := 0.5
	r, err := Test(&Column{Name: "a", Type: Numerical, Ref: []float64{1, 2, 3}, Cur: []float64{1, 2, 3}}, Wasserstein, &th)
	require.NoError(t, err)
	require.Equal(t, 0.5, r.Threshold)
	require.Nil(t, r.PValue)
}

func TestSummarize(t *testing.T) {
	rs := []Result{{Drift: true}, {Drift: false}, {Drift: true}, {Drift: false}}
	s := Summarize(rs, DefaultDriftShare)
	require.Equal(t, Summary{Columns: 4, DriftedColumns: 2, DriftShare: 0.5, DatasetDrift: true}, s, "a share equal to the threshold drifts, as in Evidently")
	s = Summarize(rs[:3], 0.7)
	require.False(t, s.DatasetDrift)
	require.Equal(t, Summary{}, Summarize(nil, 0.5))
}

func TestDistinctAtMost(t *testing.T) {
	a := []float64{1, 1, 2, 3, 3, 7}
	b := []float64{0, 2, 8, 9}
	for _, sorted := range []bool{true, false} {
		require.Equal(t, 7, distinctAtMost(100, sorted, a, b))
		require.Equal(t, 4, distinctAtMost(4, sorted, a, b))
		require.Equal(t, 4, distinctAtMost(100, sorted, a))
		require.Equal(t, 0, distinctAtMost(100, sorted))
	}
}

func TestSortedMatchesUnsorted(t *testing.T) {
	ref := []float64{5, 3, 9, 1, 7, 2, 8, 6, 4, 0, 11, 15}
	cur := []float64{6, 12, 3, 14, 9, 13, 8, 10, 7, 1}
	for _, m := range []string{KS, Wasserstein, PSI, JensenShannon, Hellinger} {
		plain, err := Test(&Column{Name: "x", Type: Numerical, Ref: ref, Cur: cur}, m, nil)
		require.NoError(t, err)
		rs, cs := slices.Clone(ref), slices.Clone(cur)
		slices.Sort(rs)
		slices.Sort(cs)
		sorted, err := Test(&Column{Name: "x", Type: Numerical, Ref: rs, Cur: cs, Sorted: true}, m, nil)
		require.NoError(t, err)
		require.InDelta(t, plain.Statistic, sorted.Statistic, 1e-15, m)
	}
}

func TestAdjustFDR(t *testing.T) {
	p := func(v float64) *float64 { return &v }
	rs := []Result{
		{Method: KS, PValue: p(0.01), Threshold: 0.05, Drift: true},
		{Method: ChiSquare, PValue: p(0.04), Threshold: 0.05, Drift: true},
		{Method: Wasserstein, Statistic: 0.3, Threshold: 0.1, Drift: true},
		{Method: Z, PValue: p(0.03), Threshold: 0.05, Drift: true},
		{Method: KS, PValue: p(0.5), Threshold: 0.05},
	}
	AdjustFDR(rs)
	// Four p-values: 0.01, 0.03, 0.04, 0.5 -> adjusted 0.04, 0.0533, 0.0533, 0.5.
	require.InDelta(t, 0.04, *rs[0].PValueAdjusted, 1e-15)
	require.True(t, rs[0].Drift)
	require.InDelta(t, 0.04*4/3, *rs[1].PValueAdjusted, 1e-15)
	require.False(t, rs[1].Drift, "0.04 alone drifts, but not after adjusting for four tests")
	require.Nil(t, rs[2].PValueAdjusted)
	require.True(t, rs[2].Drift, "distances are not adjusted")
	require.False(t, rs[3].Drift)
	require.False(t, rs[4].Drift)
}

// countLevels returns categorical c with Levels and counts instead of
// values, levels in order of appearance, an unused one at the end.
func countLevels(c *Column) *Column {
	out := &Column{Name: c.Name, Type: c.Type, Levels: []string{}}
	idx := map[string]int{}
	for k, vs := range [][]string{c.RefCat, c.CurCat} {
		for _, v := range vs {
			i, ok := idx[v]
			if !ok {
				i = len(out.Levels)
				idx[v] = i
				out.Levels = append(out.Levels, v)
				out.RefCounts = append(out.RefCounts, 0)
				out.CurCounts = append(out.CurCounts, 0)
			}
			if k == 0 {
				out.RefCounts[i]++
			} else {
				out.CurCounts[i]++
			}
		}
	}
	out.Levels = append(out.Levels, "unused")
	out.RefCounts = append(out.RefCounts, 0)
	out.CurCounts = append(out.CurCounts, 0)
	return out
}
