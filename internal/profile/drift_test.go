package profile

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/drift"
	"github.com/mlre-dev/mlre/internal/stats"
)

var (
	numMethods = []string{"", drift.KS, drift.Wasserstein, drift.PSI, drift.JensenShannon, drift.Hellinger}
	catMethods = []string{"", drift.ChiSquare, drift.Z, drift.PSI, drift.JensenShannon, drift.Hellinger}
)

func rawNum(ref, cur []float64, method string) (drift.Result, error) {
	return drift.Test(&drift.Column{Name: "x", Type: drift.Numerical, Ref: finite(ref), Cur: finite(cur)}, method, nil)
}

func finite(xs []float64) []float64 {
	var out []float64
	for _, v := range xs {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out = append(out, v)
		}
	}
	return out
}

func ints(rng *rand.Rand, n, k int, shift float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Round(float64(rng.IntN(k))*0.5+shift*rng.Float64()) * 1.5
	}
	return out
}

func requireSameResult(t *testing.T, want, got drift.Result, rel float64, msg string) {
	t.Helper()
	close := func(a, b float64) bool {
		return a == b || (math.IsNaN(a) && math.IsNaN(b)) || math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b))
	}
	require.Truef(t, close(want.Statistic, got.Statistic), "%s: statistic %.17g, want %.17g", msg, got.Statistic, want.Statistic)
	require.Equal(t, want.PValue == nil, got.PValue == nil, msg)
	if want.PValue != nil {
		require.Truef(t, close(*want.PValue, *got.PValue), "%s: p-value %.17g, want %.17g", msg, *got.PValue, *want.PValue)
		got.PValue = want.PValue
	}
	got.Statistic = want.Statistic
	require.Equal(t, want, got, msg)
}

// TestDriftExactNumerical: while the profiles hold the exact values (all
// of them, or every distinct value's count) drift equals drift.Test on the
// raw data (Statistic and PValue to 1e-13 where the path is not bit for
// bit: the reference std of the weighted values, or KS statistics that
// scipy rounds).
func TestDriftExactNumerical(t *testing.T) {
	rng := newRand(21)
	withMissing := normals(rng, 300, 0, 1)
	withMissing[3], withMissing[7] = math.NaN(), math.Inf(1)
	tests := []struct {
		name     string
		ref, cur []float64
		rel      float64 // 0: bit for bit
	}{
		{"small normal vs shifted", normals(rng, 300, 0, 1), normals(rng, 400, 0.3, 1), 0},
		{"small identical", normals(rng, 500, 5, 2), nil, 0},
		{"small with missing values", withMissing, normals(rng, 1000, 0.1, 1.2), 0},
		{"tiny", []float64{1, 2, 3}, []float64{2.5}, 0},
		{"small few values", ints(rng, 700, 4, 0), ints(rng, 900, 4, 1), 0},
		{"large discrete", ints(rng, 5000, 12, 0), ints(rng, 3000, 12, 0.7), 1e-13},
		{"large discrete, many values", ints(rng, 20000, 60, 0), ints(rng, 15000, 60, 2), 1e-13},
		{"large binary", ints(rng, 4000, 2, 0), ints(rng, 6000, 2, 0.2), 1e-13},
		{"large few values, small current", ints(rng, 3000, 5, 0), ints(rng, 200, 5, 0.5), 1e-13},
		{"small continuous vs large discrete", normals(rng, 800, 3, 2), ints(rng, 4000, 9, 0), 1e-13},
		{"large discrete vs small continuous", ints(rng, 4000, 9, 0), normals(rng, 800, 3, 2), 1e-13},
	}
	for _, tt := range tests {
		if tt.cur == nil {
			tt.cur = tt.ref
		}
		edges := ReferenceEdges(tt.ref)
		rp, cp := numProfile(edges, tt.ref), numProfile(edges, tt.cur)
		for _, m := range numMethods {
			t.Run(tt.name+"/"+m, func(t *testing.T) {
				want, err := rawNum(tt.ref, tt.cur, m)
				require.NoError(t, err)
				got, err := Drift(rp, cp, "x", m, nil)
				require.NoError(t, err)
				if tt.rel == 0 {
					require.Equal(t, want, got)
				} else {
					requireSameResult(t, want, got, tt.rel, "")
				}
			})
		}
	}
}

func catValues(rng *rand.Rand, n int, weights []float64) []string {
	out := make([]string, n)
	var total float64
	for _, w := range weights {
		total += w
	}
	for i := range out {
		u := rng.Float64() * total
		k := 0
		for k < len(weights)-1 && u >= weights[k] {
			u -= weights[k]
			k++
		}
		out[i] = fmt.Sprintf("level-%c", 'a'+k)
		if rng.IntN(50) == 0 {
			out[i] = "" // missing
		}
	}
	return out
}

func nonEmpty(vs []string) []string {
	return slices.DeleteFunc(slices.Clone(vs), func(s string) bool { return s == "" })
}

// TestDriftExactCategorical: categorical and boolean drift from counts
// equals drift.Test on the raw values, bit for bit.
func TestDriftExactCategorical(t *testing.T) {
	rng := newRand(22)
	bools := func(n int, p float64) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = "false"
			if rng.Float64() < p {
				out[i] = "true"
			}
		}
		return out
	}
	tests := []struct {
		name     string
		kind     Kind
		ref, cur []string
	}{
		{"small shift", KindCategorical, catValues(rng, 300, []float64{5, 3, 2, 1}), catValues(rng, 400, []float64{3, 3, 3, 1})},
		{"large shift", KindCategorical, catValues(rng, 5000, []float64{5, 3, 2, 1}), catValues(rng, 3000, []float64{5, 3, 2.5, 1})},
		{"identical", KindCategorical, catValues(rng, 2000, []float64{1, 1, 1}), nil},
		{"new level in current", KindCategorical, catValues(rng, 100, []float64{1, 1}), catValues(rng, 100, []float64{1, 1, 0.2})},
		{"one level", KindCategorical, []string{"a", "a"}, []string{"a"}},
		{"boolean small", KindBoolean, bools(300, 0.3), bools(200, 0.5)},
		{"boolean large", KindBoolean, bools(3000, 0.3), bools(2000, 0.32)},
	}
	for _, tt := range tests {
		if tt.cur == nil {
			tt.cur = tt.ref
		}
		rp, cp := catProfile(tt.kind, tt.ref), catProfile(tt.kind, tt.cur)
		for _, m := range catMethods {
			t.Run(tt.name+"/"+m, func(t *testing.T) {
				want, err := drift.Test(&drift.Column{Name: "c", Type: drift.Categorical, RefCat: nonEmpty(tt.ref), CurCat: nonEmpty(tt.cur)}, m, nil)
				got, gotErr := Drift(rp, cp, "c", m, nil)
				if err != nil { // z on more than two levels
					require.EqualError(t, gotErr, err.Error())
					return
				}
				require.NoError(t, gotErr)
				requireSameResult(t, want, got, 0, "") // NaN p-values (chisquare on one level) compare equal
			})
		}
	}
}

// TestDriftMatchesEvidentlyReference runs the columns recorded from
// Evidently for internal/drift through profiles. Columns the profiles hold
// exactly (small samples, few distinct values, categories) must match as
// drift's own test requires; the others (continuous, 5000 vs 3000 values)
// are approximate, and must give the same verdict where it is clear.
func TestDriftMatchesEvidentlyReference(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "drift", "testdata", "drift_reference.json"))
	require.NoError(t, err)
	var ref struct {
		Columns []struct {
			Name          string     `json:"name"`
			Type          drift.Type `json:"type"`
			DefaultMethod string     `json:"default_method"`
			Ref, Cur      []float64
			RefCat        []string `json:"ref_cat"`
			CurCat        []string `json:"cur_cat"`
			Results       map[string]struct {
				Score float64 `json:"score"`
				Drift bool    `json:"drift"`
			} `json:"results"`
		} `json:"columns"`
	}
	require.NoError(t, json.Unmarshal(b, &ref))
	require.Len(t, ref.Columns, 30)
	exact, approx := 0, 0
	for _, rc := range ref.Columns {
		var rp, cp *Profile
		feature := "x"
		if rc.Type == drift.Numerical {
			edges := ReferenceEdges(rc.Ref)
			rp, cp = numProfile(edges, rc.Ref), numProfile(edges, rc.Cur)
		} else {
			feature = "c"
			rp, cp = catProfile(KindCategorical, rc.RefCat), catProfile(KindCategorical, rc.CurCat)
		}
		got, err := Drift(rp, cp, feature, "", nil)
		require.NoError(t, err)
		require.Equal(t, rc.DefaultMethod, got.Method, rc.Name)
		isExact := rc.Type == drift.Categorical || rp.Num[feature].complete() || !rp.Num[feature].ManyValues
		for m, want := range rc.Results {
			typ := rc.Type
			if !drift.Applies(m, typ) && m != got.Method {
				continue // chisquare and z on numerical columns: only as defaults
			}
			if m == got.Method {
				m = ""
			}
			r, err := Drift(rp, cp, feature, m, nil)
			require.NoError(t, err, "%s / %s", rc.Name, m)
			score := r.Statistic
			if r.PValue != nil {
				score = *r.PValue
			}
			if isExact {
				diff := math.Abs(score - want.Score)
				require.Truef(t, diff <= 1e-12 || diff <= 1e-9*math.Abs(want.Score),
					"%s / %s: got %.17g, want %.17g", rc.Name, r.Method, score, want.Score)
				require.Equal(t, want.Drift, r.Drift, "%s / %s", rc.Name, r.Method)
				exact++
				continue
			}
			approx++
			t.Logf("approximate: %-38s %-13s %.5g vs Evidently %.5g (drift %v vs %v)", rc.Name, r.Method, score, want.Score, r.Drift, want.Drift)
			switch r.Method {
			case drift.KS:
				if want.Score < 1e-3 || want.Score > 0.2 {
					require.Equal(t, want.Drift, r.Drift, "%s / %s", rc.Name, r.Method)
				}
			case drift.Wasserstein:
				require.InEpsilon(t, want.Score, score, 0.02, "%s / %s", rc.Name, r.Method)
				require.Equal(t, want.Drift, r.Drift, "%s / %s", rc.Name, r.Method)
			}
		}
	}
	require.Equal(t, 128, exact)
	require.Equal(t, 20, approx)
}

// documentedBinned computes psi/jensenshannon/hellinger the way Drift
// documents for large continuous profiles, from the raw values: bins on
// the reference's Sturges edges (numpy.histogram), plus a bin below and one
// above the range, each kept only when some value fell there.
func documentedBinned(ref, cur []float64, method string) float64 {
	ref, cur = finite(ref), finite(cur)
	edges := ReferenceEdges(ref)
	counts := func(xs []float64) []float64 {
		var below, above float64
		for _, v := range xs {
			if v < edges[0] {
				below++
			} else if v > edges[len(edges)-1] {
				above++
			}
		}
		return slices.Concat([]float64{below}, stats.Histogram(xs, edges), []float64{above})
	}
	r, c := counts(ref), counts(cur)
	last := len(r) - 1
	if c[last] == 0 && r[last] == 0 {
		r, c = r[:last], c[:last]
	}
	if c[0] == 0 && r[0] == 0 {
		r, c = r[1:], c[1:]
	}
	switch method {
	case drift.Hellinger:
		p, q := stats.Proportions(r), stats.Proportions(c)
		var bc float64
		for i := range p {
			bc += math.Sqrt(p[i] * q[i])
		}
		return math.Sqrt(1 - math.Min(math.Max(bc, 0), 1))
	}
	rs, cs := make([]float64, len(r)), make([]float64, len(c))
	for i := range r {
		rs[i], cs[i] = r[i]/float64(len(ref)), c[i]/float64(len(cur))
	}
	if method == drift.PSI {
		v, _ := stats.PSI(rs, cs)
		return v
	}
	v, _ := stats.JensenShannon(rs, cs, 2)
	return v
}

func lognormals(rng *rand.Rand, n int, mu float64) []float64 {
	out := normals(rng, n, mu, 1)
	for i := range out {
		out[i] = math.Exp(out[i])
	}
	return out
}

// TestDriftApproximate checks large continuous profiles, where drift comes
// from the sketches and histograms, against drift.Test on the raw data:
// the KS statistic within 0.01 and the same verdict where the p-value is
// clearly on one side; normed Wasserstein within 2% (or 0.001); psi,
// jensenshannon and hellinger exactly as documented.
func TestDriftApproximate(t *testing.T) {
	rng := newRand(23)
	data := []struct {
		name string
		gen  func(n int, shift float64) []float64
	}{
		{"normal", func(n int, s float64) []float64 { return normals(rng, n, s, 1) }},
		{"lognormal", func(n int, s float64) []float64 { return lognormals(rng, n, s) }},
		{"far from zero", func(n int, s float64) []float64 { return normals(rng, n, 1000+s, 1) }},
		{"wide negative", func(n int, s float64) []float64 { return normals(rng, n, -5e6+s*1e5, 1e5) }},
	}
	type tc struct {
		name     string
		ref, cur []float64
	}
	var cases []tc
	for _, d := range data {
		for _, size := range [][2]int{{5000, 3000}, {20000, 12000}, {800, 20000}} {
			for _, shift := range []float64{0, 0.1, 0.5} {
				cases = append(cases, tc{fmt.Sprintf("%s %dx%d shift %.1f", d.name, size[0], size[1], shift), d.gen(size[0], 0), d.gen(size[1], shift)})
			}
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			edges := ReferenceEdges(c.ref)
			rp, cp := numProfile(edges, c.ref), numProfile(edges, c.cur)
			sref, scur := slices.Sorted(slices.Values(c.ref)), slices.Sorted(slices.Values(c.cur))
			for _, m := range numMethods[1:] {
				got, err := Drift(rp, cp, "x", m, nil)
				require.NoError(t, err)
				want, err := drift.Test(&drift.Column{Name: "x", Type: drift.Numerical, Ref: sref, Cur: scur, Sorted: true}, m, nil)
				require.NoError(t, err)
				t.Logf("%-13s profile %.6g, raw %.6g", m, got.Statistic, want.Statistic)
				switch m {
				case drift.KS:
					require.InDelta(t, want.Statistic, got.Statistic, 0.01, m)
					if p := *want.PValue; p < 1e-3 || p > 0.2 {
						require.Equal(t, want.Drift, got.Drift, m)
					}
				case drift.Wasserstein:
					// 2%, or 0.001 for noise-level distances: values move by
					// up to 0.5% of their distance to Center, up to about
					// 4σ for data far from 0 (Center at the range's end).
					require.LessOrEqual(t, math.Abs(want.Statistic-got.Statistic), max(0.02*want.Statistic, 0.001), m)
					if math.Abs(want.Statistic-0.1) > 0.01 {
						require.Equal(t, want.Drift, got.Drift, m)
					}
				default:
					require.InDelta(t, documentedBinned(c.ref, c.cur, m), got.Statistic, 1e-12, m)
				}
			}
		})
	}
}

// TestDriftBinnedLikeBatch: with the current values inside the reference
// range and the same Sturges bin count for n_ref and n_ref+n_cur (here
// ceil(log2 5000) = ceil(log2 8000) = 13), the reference-edge histograms
// are Evidently's, and psi, jensenshannon and hellinger equal drift.Test.
func TestDriftBinnedLikeBatch(t *testing.T) {
	rng := newRand(24)
	ref := normals(rng, 5000, 0, 1)
	lo, hi := stats.MinMax(ref)
	var cur []float64
	for len(cur) < 3000 {
		if v := 0.3 + rng.NormFloat64(); v >= lo && v <= hi {
			cur = append(cur, v)
		}
	}
	edges := ReferenceEdges(ref)
	rp, cp := numProfile(edges, ref), numProfile(edges, cur)
	for _, m := range []string{drift.PSI, drift.JensenShannon, drift.Hellinger} {
		want, err := rawNum(ref, cur, m)
		require.NoError(t, err)
		got, err := Drift(rp, cp, "x", m, nil)
		require.NoError(t, err)
		requireSameResult(t, want, got, 1e-12, m)
	}
}

// TestDriftProperties: identical samples never drift and a 3σ shift always
// does, with every method, for every way a profile can hold its data.
func TestDriftProperties(t *testing.T) {
	rng := newRand(25)
	type dataset struct {
		name string
		gen  func(shift float64) []float64
	}
	sets := []dataset{
		{"small continuous", func(s float64) []float64 { return normals(rng, 400, 10+3*s, 2) }},
		{"large continuous", func(s float64) []float64 { return normals(rng, 20000, 10+3*s, 2) }},
		{"large skewed", func(s float64) []float64 { return lognormals(rng, 20000, 3*s) }},
		{"large discrete", func(s float64) []float64 {
			xs := ints(rng, 8000, 30, 0)
			for i := range xs {
				xs[i] += 3 * s * 6.5 // std of 1.5*round(U{0..14.5}) is about 6.5
			}
			return xs
		}},
	}
	for _, d := range sets {
		ref, shifted := d.gen(0), d.gen(1)
		edges := ReferenceEdges(ref)
		rp := numProfile(edges, ref)
		for _, m := range numMethods {
			same, err := Drift(rp, rp.Clone(), "x", m, nil)
			require.NoError(t, err)
			require.False(t, same.Drift, "%s / %s identical: %+v", d.name, m, same)
			moved, err := Drift(rp, numProfile(edges, shifted), "x", m, nil)
			require.NoError(t, err)
			require.True(t, moved.Drift, "%s / %s shifted: %+v", d.name, m, moved)
		}
	}
	for _, n := range []int{300, 5000} {
		ref := catValues(rng, n, []float64{4, 3, 2, 1})
		shifted := catValues(rng, n, []float64{1, 2, 3, 4})
		rp := catProfile(KindCategorical, ref)
		for _, m := range catMethods {
			if m == drift.Z {
				continue // two levels only
			}
			same, err := Drift(rp, rp.Clone(), "c", m, nil)
			require.NoError(t, err)
			require.False(t, same.Drift, "%d / %s identical", n, m)
			moved, err := Drift(rp, catProfile(KindCategorical, shifted), "c", m, nil)
			require.NoError(t, err)
			require.True(t, moved.Drift, "%d / %s shifted: %+v", n, m, moved)
		}
	}
}

func TestDriftThresholdAndErrors(t *testing.T) {
	rng := newRand(26)
	num := numProfile(nil, normals(rng, 50, 0, 1))
	cat := catProfile(KindCategorical, []string{"a", "b"})
	empty := numProfile(nil, []float64{math.NaN()})
	th := 0.9
	r, err := Drift(num, num, "x", drift.KS, &th)
	require.NoError(t, err)
	require.Equal(t, 0.9, r.Threshold)
	require.False(t, r.Drift) // p = 1 > 0.9
	th = 1
	r, err = Drift(num, num, "x", drift.KS, &th)
	require.NoError(t, err)
	require.True(t, r.Drift) // ks drifts at p <= threshold
	r, err = Drift(num, num, "x", drift.Wasserstein, &th)
	require.NoError(t, err)
	require.False(t, r.Drift)

	tests := []struct {
		name     string
		ref, cur *Profile
		feature  string
		method   string
		want     string
	}{
		{"unknown method", num, num, "x", "energy", `column x: unknown method "energy"`},
		{"method for another kind", cat, cat, "c", drift.KS, "column c: method ks does not apply to categorical columns"},
		{"chisquare on numbers", num, num, "x", drift.ChiSquare, "method chisquare does not apply to numerical columns"},
		{"no reference values", empty, num, "x", "", "column x: no values in the reference or the current data"},
		{"not in reference", cat, num, "x", "", "column x: not in the reference profile"},
		{"not in current", num, cat, "x", "", "column x: not in the current profile"},
		{"kinds differ", catProfile(KindCategorical, []string{"1"}), catProfile(KindBoolean, []string{"1"}), "c", "", "categorical in the reference profile but boolean"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Drift(tt.ref, tt.cur, tt.feature, tt.method, nil)
			require.ErrorContains(t, err, tt.want)
		})
	}
	_, err = Drift(empty, num, "x", "", nil)
	require.ErrorIs(t, err, drift.ErrNoData)
}

// TestKSTest checks the KS p-value from (n1, n2, D) against KS2Samp on
// samples with that statistic, on both sides of the exact/asymptotic split.
func TestKSTest(t *testing.T) {
	rng := newRand(27)
	for trial := range 300 {
		n1, n2 := 1+rng.IntN(400), 1+rng.IntN(400)
		if trial%50 == 0 {
			n1, n2 = 10000+rng.IntN(3000), 500+rng.IntN(12000)
		}
		a, b := normals(rng, n1, 0, 1), normals(rng, n2, rng.Float64()*0.5, 1+rng.Float64())
		if trial%3 == 0 { // ties
			for i := range a {
				a[i] = math.Round(a[i])
			}
			for i := range b {
				b[i] = math.Round(b[i])
			}
		}
		want, err := stats.KS2Samp(a, b)
		require.NoError(t, err)
		sa, _ := exactSample(numProfile(nil, a).Num["x"])
		sb, _ := exactSample(numProfile(nil, b).Num["x"])
		if n1 > SmallMax || n2 > SmallMax {
			sa, sb = sampleOf(a), sampleOf(b)
		}
		d := ksStatistic(sa, sb)
		stat, p := ksTest(int64(n1), int64(n2), d)
		require.Equal(t, want.Statistic, stat, "trial %d (%d, %d)", trial, n1, n2)
		require.Equal(t, want.PValue, p, "trial %d (%d, %d)", trial, n1, n2)
	}
}

func sampleOf(xs []float64) sample {
	p := numProfile(nil, nil).Num["x"]
	p.Small = slices.Clone(xs)
	p.Count = int64(len(xs))
	s, _ := exactSample(p)
	return s
}
