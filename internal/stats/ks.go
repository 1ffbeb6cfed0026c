package stats

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// ErrUnsorted is returned by KS2SampSorted for a sample that is not in
// ascending order.
var ErrUnsorted = errors.New("stats: sample is not sorted")

// KSResult is a two-sample Kolmogorov–Smirnov test result.
type KSResult struct {
	// Statistic is D = sup_x |F1(x) - F2(x)|, the largest distance between
	// the two empirical CDFs. On the exact path it is, like scipy's,
	// rounded to the nearest multiple of 1/lcm(n1, n2).
	Statistic float64
	// PValue is the two-sided p-value Pr(D >= Statistic) under the null
	// hypothesis that both samples come from the same continuous
	// distribution, clipped to [0, 1].
	PValue float64
	// Exact reports whether PValue is the exact null distribution's tail
	// (false: the asymptotic one was used).
	Exact bool
}

// ksMaxAutoN is scipy's MAX_AUTO_N: the exact p-value is attempted when
// both samples have at most this many values.
const ksMaxAutoN = 10000

// KS2Samp performs the two-sample Kolmogorov–Smirnov test of whether a and
// b come from the same continuous distribution. It matches
// scipy.stats.ks_2samp(a, b, alternative='two-sided', method='auto') of
// scipy 1.10.1, statistic and p-value:
//
//   - Ties are handled as scipy does: the empirical CDFs are evaluated at
//     every observation, counting values <= it (searchsorted side='right').
//   - With both samples of at most 10000 values the p-value is exact
//     (Hodges' lattice-path counts, with D rounded to h/lcm(n1, n2)). If
//     that computation fails numerically (a probability outside [0, 1],
//     which happens for some equal sizes at D = 1/n), scipy warns and falls
//     back to the asymptotic p-value; so does KS2Samp, with Exact false.
//   - Otherwise the p-value is KolmogorovSF(round(n1*n2/(n1+n2)), D), the
//     one-sample distribution at the effective sample size. For a large D
//     and an effective size up to 10**6 that sums many terms (about a
//     second at 10**6, as in scipy); small statistics are fast.
//
// KS2Samp sorts copies of its inputs and does not modify them. It returns
// ErrEmpty if a sample is empty and ErrNaN if one holds a NaN (scipy
// would sort NaNs last and return a meaningless result); ±Inf are ordinary
// values.
func KS2Samp(a, b []float64) (KSResult, error) {
	if err := ksCheck(a, b); err != nil {
		return KSResult{}, err
	}
	as, bs := slices.Clone(a), slices.Clone(b)
	slices.Sort(as)
	slices.Sort(bs)
	return ks2SampSorted(as, bs), nil
}

// KS2SampSorted is KS2Samp for samples already sorted in ascending order,
// which it uses in place, without copying — for large data. It returns
// ErrUnsorted if a sample is out of order, besides KS2Samp's errors.
func KS2SampSorted(a, b []float64) (KSResult, error) {
	if err := ksCheck(a, b); err != nil {
		return KSResult{}, err
	}
	for i, x := range [][]float64{a, b} {
		if !slices.IsSorted(x) {
			return KSResult{}, fmt.Errorf("stats: KS2SampSorted: sample %d: %w", i+1, ErrUnsorted)
		}
	}
	return ks2SampSorted(a, b), nil
}

func ksCheck(a, b []float64) error {
	for i, x := range [][]float64{a, b} {
		if len(x) == 0 {
			return fmt.Errorf("stats: KS two-sample test: sample %d: %w", i+1, ErrEmpty)
		}
		if slices.ContainsFunc(x, math.IsNaN) {
			return fmt.Errorf("stats: KS two-sample test: sample %d: %w", i+1, ErrNaN)
		}
	}
	return nil
}

// ks2SampSorted is ks_2samp's body for sorted, non-empty, NaN-free samples.
func ks2SampSorted(a, b []float64) KSResult {
	n1, n2 := len(a), len(b)
	d := ksStatistic(a, b)
	if max(n1, n2) <= ksMaxAutoN {
		g := ksGCD(n1, n2)
		ok, dr, p := ksAttemptExact(n1, n2, g, d)
		if ok {
			return KSResult{Statistic: dr, PValue: ksClip(p), Exact: true}
		}
		d = dr // scipy keeps the rounded statistic when it falls back
	}
	// Asymptotic: the one-sample distribution at the effective size.
	m, n := float64(max(n1, n2)), float64(min(n1, n2))
	en := m * n / (m + n)
	p := KolmogorovSF(int(math.RoundToEven(en)), d)
	return KSResult{Statistic: d, PValue: ksClip(p)}
}

// ksStatistic returns scipy's two-sided statistic: with cdf1 and cdf2 the
// fractions of a and of b that are <= each observation,
// max(max(cdf1-cdf2), clip(-min(cdf1-cdf2), 0, 1)), computed with the
// same float64 operations, by one merge pass over the sorted samples.
func ksStatistic(a, b []float64) float64 {
	n1, n2 := len(a), len(b)
	fn1, fn2 := float64(n1), float64(n2)
	maxS, minS := math.Inf(-1), math.Inf(1)
	i, j := 0, 0
	for i < n1 || j < n2 {
		var v float64
		if j >= n2 || (i < n1 && a[i] <= b[j]) {
			v = a[i]
		} else {
			v = b[j]
		}
		for i < n1 && a[i] <= v {
			i++
		}
		for j < n2 && b[j] <= v {
			j++
		}
		diff := float64(i)/fn1 - float64(j)/fn2
		maxS = max(maxS, diff)
		minS = min(minS, diff)
	}
	negMin := ksClip(-minS) + 0 // +0 turns np.clip's -0 into 0
	if negMin > maxS {
		return negMin
	}
	return maxS
}

func ksGCD(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// ksAttemptExact is _attempt_exact_2kssamp for the two-sided alternative:
// it rounds d to h/lcm(n1, n2) and returns the exact Pr(D >= d), with ok
// false when the computed probability is not in [0, 1].
func ksAttemptExact(n1, n2, g int, d float64) (ok bool, dr, prob float64) {
	lcm := (n1 / g) * n2
	h := int(math.RoundToEven(d * float64(lcm)))
	dr = float64(h) / float64(lcm)
	if h == 0 {
		return true, dr, 1.0
	}
	if n1 == n2 {
		prob = ksProbOutsideSquare(n1, h)
	} else {
		prob = ksOuterProbInside(n1, n2, g, h)
	}
	if !(0 <= prob && prob <= 1) {
		return false, dr, prob
	}
	return true, dr, prob
}

// ksProbOutsideSquare is _compute_prob_outside_square: Pr(D_{n,n} >= h/n),
// the proportion of lattice paths that leave the band |x-y| < h,
//
//	2 * (binom(2n, n-h) - binom(2n, n-2h) + ...) / binom(2n, n),
//
// evaluated in scipy's Horner-like form 2*A0*(1 - A1*(1 - A2*(...))).
func ksProbOutsideSquare(n, h int) float64 {
	P := 0.0
	k := int(math.Floor(float64(n) / float64(h)))
	for ; k >= 0; k-- {
		p1 := 1.0
		// Each Ai has h factors in its numerator and denominator.
		for j := range h {
			p1 = float64(n-k*h-j) * p1 / float64(n+k*h+j+1)
		}
		P = p1 * (1.0 - P)
	}
	return 2 * P
}

// ksOuterProbInside is _compute_outer_prob_inside_method (scipy's
// _stats_pythran.py): the proportion of lattice paths from (0, 0) to
// (m, n) that do not stay strictly inside the band |x/m - y/n| < h/lcm,
// i.e. Pr(D_{m,n} >= h/lcm). It keeps one sliding column of
// A(x, y)/binom(x+y, y), updated as a weighted average so that it never
// overflows.
func ksOuterProbInside(m, n, g, h int) float64 {
	if m < n {
		m, n = n, m
	}
	mg, ng := m/g, n/g
	fh, fmg := float64(h), float64(mg)
	minj, maxj := 0, min(int(math.Ceil(fh/fmg)), n+1)
	curlen := maxj - minj
	lenA := min(2*maxj+2, n+1)
	A := make([]float64, lenA)
	for i := range A {
		A[i] = 1
	}
	clear(A[minj:maxj])
	for i := 1; i <= m; i++ {
		lastminj, lastlen := minj, curlen
		minj = max(int(math.Floor(float64(ng*i-h)/fmg))+1, 0)
		minj = min(minj, n)
		maxj = min(int(math.Ceil(float64(ng*i+h)/fmg)), n+1)
		if maxj <= minj {
			return 1.0
		}
		val := 1.0
		if minj == 0 {
			val = 0.0
		}
		fi := float64(i)
		for jj := range maxj - minj {
			j := jj + minj
			val = (float64(A[jj+minj-lastminj]*fi) + float64(val*float64(j))) / float64(i+j)
			A[jj] = val
		}
		curlen = maxj - minj
		if lastlen > curlen {
			// Reset the carried-over elements to 1 (numpy clips the
			// slice at the end of A).
			lo := min(maxj-minj, lenA)
			hi := min(maxj-minj+(lastlen-curlen), lenA)
			for idx := lo; idx < hi; idx++ {
				A[idx] = 1
			}
		}
	}
	return A[maxj-minj-1]
}
