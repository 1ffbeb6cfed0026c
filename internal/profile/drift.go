package profile

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/mlre-dev/mlre/internal/drift"
	"github.com/mlre-dev/mlre/internal/stats"
)

// Drift tests feature for drift between a reference and a current profile
// with method (Evidently's default for the feature when ""), at threshold
// (the method's default when nil), deciding as drift.Test does.
//
// The result equals drift.Test on the raw values whenever the profiles
// still describe them exactly, and is approximate otherwise:
//
//   - Categorical and boolean features: exact, from the level counts. A
//     feature with more than MaxLevels levels counts the rest as one extra
//     level, which is approximate.
//   - Numerical features where both profiles hold every value (Small,
//     Count <= SmallMax): drift.Test itself runs on them, bit for bit.
//   - Numerical features where each profile holds every value or counts
//     every distinct value (Values, at most MaxValues of them): exact, by
//     the same formulas on the weighted values (the same float operations,
//     except the reference standard deviation of a wasserstein score,
//     which agrees to about 1e-15).
//   - Otherwise (some profile has more than SmallMax values and more than
//     MaxValues distinct ones) numerical drift is approximate, as the next
//     three items say.
//   - ks: D is the largest ECDF distance over the sketches' bins (each
//     bin's values at its representative, clipped to [Min, Max]); with the
//     same sketch centre the bins align, so D is exact at the bin
//     boundaries and low by at most the mass of one bin. The p-value is
//     computed from D and the two counts exactly as scipy's ks_2samp
//     'auto' does (exact distribution when both counts <= 10000, else the
//     one-sample Kolmogorov distribution at the effective size).
//   - wasserstein: the distance between the two sketched distributions,
//     divided by max(the reference's population std, from M2 unless Small
//     holds every value, 0.001); each value moves by at most
//     RelativeAccuracy*|v - Center|.
//   - psi, jensenshannon, hellinger: from the histograms on the reference
//     edges when both profiles have the same edges, with two more bins for
//     values below and above the reference range, each kept only when a
//     value fell there. Evidently bins on Sturges edges over both samples
//     together (numerical psi and jensenshannon; hellinger over the
//     distinct values), so these differ from batch `mlre drift` unless the
//     edges coincide: the current values lie within the reference range,
//     Sturges gives the same number of bins for n_ref as for n_ref+n_cur
//     (n_distinct for hellinger), i.e. ceil(log2 n) is the same, and the
//     reference has more than 20 distinct values (else Evidently counts per
//     value). Without shared edges they fall back to Evidently's binning
//     applied to the sketched distributions.
//   - The default method is always Evidently's choice: the reference
//     count and the number of distinct values (at most 5, or more) are
//     known exactly, because a profile that has lost its exact values has
//     more than MaxValues distinct ones. The reference count is the
//     feature's Count, its non-missing values, as drift.DefaultMethod
//     counts the reference after dropping missing values; not
//     Profile.Rows.
func Drift(ref, cur *Profile, feature, method string, threshold *float64) (drift.Result, error) {
	kr, okr := ref.Kinds[feature]
	kc, okc := cur.Kinds[feature]
	switch {
	case !okr:
		return drift.Result{}, fmt.Errorf("column %s: not in the reference profile", feature)
	case !okc:
		return drift.Result{}, fmt.Errorf("column %s: not in the current profile", feature)
	case kr != kc:
		return drift.Result{}, fmt.Errorf("column %s: %s in the reference profile but %s in the current one", feature, kr, kc)
	}
	if kr == KindNumerical {
		r, c := ref.Num[feature], cur.Num[feature]
		if r == nil || c == nil {
			return drift.Result{}, fmt.Errorf("column %s: profile has no numerical summary", feature)
		}
		return numericDrift(feature, r, c, method, threshold)
	}
	r, c := ref.Cat[feature], cur.Cat[feature]
	if r == nil || c == nil {
		return drift.Result{}, fmt.Errorf("column %s: profile has no categorical summary", feature)
	}
	return categoricalDrift(feature, r, c, method, threshold)
}

// noData is drift.Test's error for an empty sample.
func noData(name string) error {
	return fmt.Errorf("column %s: %w in the reference or the current data", name, drift.ErrNoData)
}

// defaultMethod is drift.DefaultMethod given the reference count and the
// number of distinct values over both samples.
func defaultMethod(t drift.Type, distinct int, refRows int64) string {
	if refRows <= 1000 {
		switch {
		case t == drift.Numerical && distinct > 5:
			return drift.KS
		case distinct > 2:
			return drift.ChiSquare
		default:
			return drift.Z
		}
	}
	if t == drift.Numerical && distinct > 5 {
		return drift.Wasserstein
	}
	return drift.JensenShannon
}

// decide checks method as drift.Test does, scores it and decides drift.
func decide(name string, t drift.Type, method string, chosen bool, threshold *float64,
	score func(method string) (stat, p float64, err error)) (drift.Result, error) {
	th, ok := drift.DefaultThreshold(method)
	if !ok {
		return drift.Result{}, fmt.Errorf("column %s: unknown method %q; use one of %v", name, method, drift.Methods())
	}
	if chosen && !drift.Applies(method, t) {
		kind := "categorical"
		if t == drift.Numerical {
			kind = "numerical"
		}
		return drift.Result{}, fmt.Errorf("column %s: method %s does not apply to %s columns", name, method, kind)
	}
	r := drift.Result{Name: name, Type: t, Method: method, Threshold: th}
	if threshold != nil {
		r.Threshold = *threshold
	}
	stat, p, err := score(method)
	if err != nil {
		return drift.Result{}, fmt.Errorf("column %s, method %s: %w", name, method, err)
	}
	r.Statistic = stat
	switch method {
	case drift.KS, drift.ChiSquare, drift.Z:
		r.PValue = &p
		r.Drift = p < r.Threshold || (method == drift.KS && p == r.Threshold)
	default:
		r.Drift = stat >= r.Threshold
	}
	return r, nil
}

func categoricalDrift(name string, r, c *Categorical, method string, threshold *float64) (drift.Result, error) {
	if r.Count == 0 || c.Count == 0 {
		return drift.Result{}, noData(name)
	}
	keys := make([]string, 0, len(r.Counts)+len(c.Counts))
	for k := range r.Counts {
		keys = append(keys, k)
	}
	for k := range c.Counts {
		if _, ok := r.Counts[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	ref, cur := make([]float64, len(keys)), make([]float64, len(keys))
	for i, k := range keys {
		ref[i], cur[i] = float64(r.Counts[k]), float64(c.Counts[k])
	}
	if r.Other > 0 || c.Other > 0 { // the levels beyond MaxLevels, as one more
		ref, cur = append(ref, float64(r.Other)), append(cur, float64(c.Other))
	}
	chosen := method != ""
	if !chosen {
		method = defaultMethod(drift.Categorical, len(ref), r.Count)
	}
	return decide(name, drift.Categorical, method, chosen, threshold, func(m string) (float64, float64, error) {
		return countsScore(m, ref, cur, float64(r.Count), float64(c.Count))
	})
}

// countsScore scores counts per value (categorical, or numerical counted
// per distinct value) as drift's counts, binned (per-value branch), zTest
// and hellinger do.
func countsScore(method string, ref, cur []float64, nRef, nCur float64) (stat, p float64, err error) {
	switch method {
	case drift.ChiSquare:
		exp := make([]float64, len(ref))
		for i := range ref {
			exp[i] = ref[i] * nCur / nRef
		}
		r, err := stats.ChiSquare(cur, exp)
		return r.Statistic, r.PValue, err
	case drift.Z:
		if len(ref) == 1 {
			return 0, 1, nil
		}
		r, err := stats.ZTestProportions(nRef-ref[0], nRef, nCur-cur[0], nCur)
		return r.Statistic, r.PValue, err
	case drift.PSI:
		v, err := stats.PSI(share(ref, nRef), share(cur, nCur))
		return v, 0, err
	case drift.JensenShannon:
		v, err := stats.JensenShannon(share(ref, nRef), share(cur, nCur), 2)
		return v, 0, err
	case drift.Hellinger:
		return hellinger(ref, cur), 0, nil
	}
	return 0, 0, fmt.Errorf("method %q does not apply to counts", method)
}

// share returns counts divided by n.
func share(counts []float64, n float64) []float64 {
	out := make([]float64, len(counts))
	for i, c := range counts {
		out[i] = c / n
	}
	return out
}

// hellinger is drift's: sqrt(1 - BC) on the proportions, BC clipped to [0, 1].
func hellinger(ref, cur []float64) float64 {
	p, q := stats.Proportions(ref), stats.Proportions(cur)
	var bc float64
	for i := range p {
		bc += math.Sqrt(p[i] * q[i])
	}
	return math.Sqrt(1 - math.Min(math.Max(bc, 0), 1))
}

// sample is a numerical sample as its sorted distinct values and their counts.
type sample struct {
	x []float64
	w []int64
	n int64
}

// complete reports whether Small holds every value.
func (n *Numeric) complete() bool {
	return n.Count > 0 && int64(len(n.Small)) == n.Count
}

// exactSample returns the exact distribution of n's values if the profile
// still holds it.
func exactSample(n *Numeric) (sample, bool) {
	switch {
	case n.complete():
		xs := slices.Clone(n.Small)
		slices.Sort(xs)
		s := sample{n: n.Count}
		for _, v := range xs {
			if k := len(s.x); k > 0 && s.x[k-1] == v {
				s.w[k-1]++
				continue
			}
			s.x, s.w = append(s.x, v), append(s.w, 1)
		}
		return s, true
	case !n.ManyValues:
		s := sample{n: n.Count}
		for _, vc := range n.Values {
			s.x, s.w = append(s.x, vc.Value), append(s.w, vc.Count)
		}
		return s, true
	}
	return sample{}, false
}

// sketchSample returns the sketch's distribution: each bin's count at its
// representative value plus Center, clipped to [Min, Max].
func sketchSample(n *Numeric) sample {
	type bin struct {
		x float64
		c int64
	}
	var bins []bin
	n.Sketch.ForEach(func(v, c float64) bool {
		bins = append(bins, bin{min(max(v+n.Center, n.Min), n.Max), int64(c)})
		return false
	})
	slices.SortFunc(bins, func(a, b bin) int { return cmp.Compare(a.x, b.x) })
	s := sample{n: n.Count}
	for _, b := range bins {
		if k := len(s.x); k > 0 && s.x[k-1] == b.x {
			s.w[k-1] += b.c
			continue
		}
		s.x, s.w = append(s.x, b.x), append(s.w, b.c)
	}
	return s
}

// union returns the sorted distinct values of a and b and the count of each
// in a and in b, as drift's counts for numerical columns.
func union(a, b sample) (keys, ref, cur []float64) {
	i, j := 0, 0
	for i < len(a.x) || j < len(b.x) {
		var v float64
		if j >= len(b.x) || (i < len(a.x) && a.x[i] <= b.x[j]) {
			v = a.x[i]
		} else {
			v = b.x[j]
		}
		var ra, cb float64
		if i < len(a.x) && a.x[i] == v {
			ra = float64(a.w[i])
			i++
		}
		if j < len(b.x) && b.x[j] == v {
			cb = float64(b.w[j])
			j++
		}
		keys, ref, cur = append(keys, v), append(ref, ra), append(cur, cb)
	}
	return keys, ref, cur
}

func numericDrift(name string, r, c *Numeric, method string, threshold *float64) (drift.Result, error) {
	if r.Count == 0 || c.Count == 0 {
		return drift.Result{}, noData(name)
	}
	if r.complete() && c.complete() {
		return drift.Test(&drift.Column{Name: name, Type: drift.Numerical, Ref: r.Small, Cur: c.Small}, method, threshold)
	}
	a, okA := exactSample(r)
	b, okB := exactSample(c)
	exact := okA && okB
	chosen := method != ""
	if !chosen {
		distinct := MaxValues + 1 // a profile without exact values has more
		if exact {
			keys, _, _ := union(a, b)
			distinct = len(keys)
		}
		method = defaultMethod(drift.Numerical, distinct, r.Count)
	}
	if !exact {
		a, b = sketchSample(r), sketchSample(c)
	}
	return decide(name, drift.Numerical, method, chosen, threshold, func(m string) (float64, float64, error) {
		switch m {
		case drift.KS:
			stat, p := ksTest(a.n, b.n, ksStatistic(a, b))
			return stat, p, nil
		case drift.Wasserstein:
			return wasserstein(a, b) / math.Max(refStd(r, a, exact), 0.001), 0, nil
		case drift.ChiSquare, drift.Z:
			// Only the default picks these for a numerical feature, with
			// at most 5 distinct values, which are then exact.
			_, ref, cur := union(a, b)
			return countsScore(m, ref, cur, float64(a.n), float64(b.n))
		case drift.PSI, drift.JensenShannon:
			var ref, cur []float64
			if !exact && sameEdges(r, c) {
				ref, cur = binCounts(r, c)
			} else {
				ref, cur = binned(a, b)
			}
			return countsScore(m, ref, cur, float64(a.n), float64(b.n))
		case drift.Hellinger:
			if !exact && sameEdges(r, c) {
				ref, cur := binCounts(r, c)
				return hellinger(ref, cur), 0, nil
			}
			return hellingerSturges(a, b), 0, nil
		}
		return 0, 0, fmt.Errorf("unknown method %q", m)
	})
}

// refStd is the reference's population standard deviation (ddof=0) as
// drift's wasserstein uses it: numpy's two-pass formula on the raw values
// when the profile holds them, else on the distinct values, else from M2.
func refStd(r *Numeric, a sample, exact bool) float64 {
	switch {
	case r.complete():
		return stats.Std(r.Small)
	case exact:
		var sum float64
		for i, x := range a.x {
			sum += x * float64(a.w[i])
		}
		mean := sum / float64(a.n)
		var ss float64
		for i, x := range a.x {
			d := x - mean
			ss += float64(a.w[i]) * d * d
		}
		return math.Sqrt(ss / float64(a.n))
	}
	return math.Sqrt(r.M2 / float64(r.Count))
}

// ksStatistic is stats' two-sided KS statistic on weighted samples, with
// the same float operations.
func ksStatistic(a, b sample) float64 {
	fn1, fn2 := float64(a.n), float64(b.n)
	maxS, minS := math.Inf(-1), math.Inf(1)
	var i, j int
	var ci, cj int64
	for i < len(a.x) || j < len(b.x) {
		var v float64
		if j >= len(b.x) || (i < len(a.x) && a.x[i] <= b.x[j]) {
			v = a.x[i]
		} else {
			v = b.x[j]
		}
		if i < len(a.x) && a.x[i] <= v {
			ci += a.w[i]
			i++
		}
		if j < len(b.x) && b.x[j] <= v {
			cj += b.w[j]
			j++
		}
		diff := float64(ci)/fn1 - float64(cj)/fn2
		maxS = max(maxS, diff)
		minS = min(minS, diff)
	}
	negMin := min(max(-minS, 0), 1) + 0
	if negMin > maxS {
		return negMin
	}
	return maxS
}

// ksTest returns the KS statistic and p-value that scipy's ks_2samp
// ('auto') gives for samples of sizes n1 and n2 with statistic d. With both
// sizes at most 10000 scipy uses the exact distribution, which stats
// exposes only through KS2Samp; its result depends on the samples only
// through n1, n2 and d (rounded to h/lcm(n1, n2)), so two-valued samples
// of those sizes with the same statistic get the same answer.
func ksTest(n1, n2 int64, d float64) (stat, p float64) {
	if max(n1, n2) <= 10000 {
		if a, b, ok := twoPoint(int(n1), int(n2), d); ok {
			if r, err := stats.KS2SampSorted(a, b); err == nil {
				return r.Statistic, r.PValue
			}
		}
	}
	m, n := float64(max(n1, n2)), float64(min(n1, n2))
	en := m * n / (m + n)
	p = stats.KolmogorovSF(int(math.RoundToEven(en)), d)
	if p < 0 {
		p = 0
	} else if p > 1 {
		p = 1
	}
	return d, p
}

// twoPoint returns sorted samples of sizes n1 and n2 made of 0s and 1s
// whose KS statistic rounds to the same multiple h/lcm(n1, n2) as d:
// i0/n1 - j0/n2 = ±h/lcm with i0 and j0 zeros.
func twoPoint(n1, n2 int, d float64) (a, b []float64, ok bool) {
	g := gcd(n1, n2)
	ca, cb := n2/g, n1/g // i0/n1 - j0/n2 = (i0*ca - j0*cb)/lcm
	lcm := cb * n2
	h := int(math.RoundToEven(d * float64(lcm)))
	if h < 0 || h > lcm {
		return nil, nil, false
	}
	for i0 := 0; i0 <= n1; i0++ {
		for _, num := range []int{i0*ca - h, i0*ca + h} {
			if num < 0 || num%cb != 0 || num/cb > n2 {
				continue
			}
			j0 := num / cb
			a, b = make([]float64, n1), make([]float64, n2)
			for k := i0; k < n1; k++ {
				a[k] = 1
			}
			for k := j0; k < n2; k++ {
				b[k] = 1
			}
			return a, b, true
		}
	}
	return nil, nil, false
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// wasserstein is stats.WassersteinSorted on weighted samples, with the
// same float operations.
func wasserstein(a, b sample) float64 {
	nu, nv := float64(a.n), float64(b.n)
	var i, j int
	var ci, cj int64
	var sum float64
	prev := math.Min(a.x[0], b.x[0])
	for i < len(a.x) || j < len(b.x) {
		var x float64
		switch {
		case j == len(b.x) || (i < len(a.x) && a.x[i] <= b.x[j]):
			x = a.x[i]
		default:
			x = b.x[j]
		}
		sum += math.Abs(float64(ci)/nu-float64(cj)/nv) * (x - prev)
		if i < len(a.x) && a.x[i] == x {
			ci += a.w[i]
			i++
		}
		if j < len(b.x) && b.x[j] == x {
			cj += b.w[j]
			j++
		}
		prev = x
	}
	return sum
}

// binned returns counts per bin as drift's binned (Evidently's
// get_binned_data): Sturges bins over both samples when the reference has
// more than 20 distinct values, else counts per value.
func binned(a, b sample) (ref, cur []float64) {
	if len(a.x) > 20 {
		lo, hi := min(a.x[0], b.x[0]), max(a.x[len(a.x)-1], b.x[len(b.x)-1])
		edges := stats.BinEdges(lo, hi, stats.SturgesBins(int(a.n+b.n), lo, hi))
		return histogram(a, edges), histogram(b, edges)
	}
	_, ref, cur = union(a, b)
	return ref, cur
}

// hellingerSturges is drift's numerical hellinger: Sturges bins over the
// distinct values of both samples.
func hellingerSturges(a, b sample) float64 {
	vals, _, _ := union(a, b)
	lo, hi := vals[0], vals[len(vals)-1]
	edges := stats.BinEdges(lo, hi, stats.SturgesBins(len(vals), lo, hi))
	return hellinger(histogram(a, edges), histogram(b, edges))
}

// histogram is stats.Histogram on a weighted sample within the edges.
func histogram(s sample, edges []float64) []float64 {
	counts := make([]float64, len(edges)-1)
	for i, x := range s.x {
		if k := binIndex(edges, x); k >= 1 && k < len(edges) {
			counts[k-1] += float64(s.w[i])
		}
	}
	return counts
}

func sameEdges(r, c *Numeric) bool {
	return r.Edges != nil && slices.Equal(r.Edges, c.Edges)
}

// binCounts returns the histogram counts on the shared reference edges,
// with the below- and above-range bins only when a value fell there.
func binCounts(r, c *Numeric) (ref, cur []float64) {
	last := len(r.Bins) - 1
	for i := range r.Bins {
		if (i == 0 || i == last) && r.Bins[i] == 0 && c.Bins[i] == 0 {
			continue
		}
		ref, cur = append(ref, float64(r.Bins[i])), append(cur, float64(c.Bins[i]))
	}
	return ref, cur
}
