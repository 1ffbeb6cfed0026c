package stats

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mathext"
)

// TestResult is a test statistic with its p-value.
type TestResult struct {
	Statistic, PValue float64
}

// ChiSquare is Pearson's chi-square goodness-of-fit test of observed counts
// against expected counts, as scipy.stats.chisquare(observed, expected):
// statistic sum (o-e)^2/e, p-value from the chi-square distribution with
// len-1 degrees of freedom. As scipy does, the two must have the same total
// (within a relative 1e-8); scale the expected frequencies to the observed
// total first.
func ChiSquare(observed, expected []float64) (TestResult, error) {
	if len(observed) != len(expected) {
		return TestResult{}, fmt.Errorf("stats: chi-square with %d observed and %d expected categories", len(observed), len(expected))
	}
	if len(observed) == 0 {
		return TestResult{}, ErrEmpty
	}
	var so, se, stat float64
	for i := range observed {
		o, e := observed[i], expected[i]
		if math.IsNaN(o) || math.IsNaN(e) || o < 0 || e < 0 {
			return TestResult{}, fmt.Errorf("stats: chi-square counts must be non-negative numbers (category %d)", i)
		}
		so += o
		se += e
		d := o - e
		stat += d * d / e
	}
	if math.Abs(so-se) > 1e-8*math.Max(so, se) {
		return TestResult{}, fmt.Errorf("stats: chi-square observed total %g and expected total %g differ; scale the expected frequencies to the observed total", so, se)
	}
	df := float64(len(observed) - 1)
	return TestResult{Statistic: stat, PValue: ChiSquareSF(stat, df)}, nil
}

// ChiSquareSF is the survival function of the chi-square distribution with
// df degrees of freedom (scipy.stats.chi2.sf).
func ChiSquareSF(x, df float64) float64 {
	switch {
	case math.IsNaN(x) || df <= 0:
		return math.NaN()
	case x <= 0:
		return 1
	case math.IsInf(x, 1):
		return 0
	}
	return mathext.GammaIncRegComp(df/2, x/2)
}

// ZTestProportions is the two-sided two-proportion z-test that Evidently
// uses for binary categorical columns: k1 successes of n1 against k2 of n2,
// with the pooled proportion in the standard error. The p-value is
// 2*sf(|z|) of the standard normal. When both samples are all successes or
// all failures the statistic is 0 and the p-value 1.
func ZTestProportions(k1, n1, k2, n2 float64) (TestResult, error) {
	if n1 <= 0 || n2 <= 0 || k1 < 0 || k2 < 0 || k1 > n1 || k2 > n2 {
		return TestResult{}, fmt.Errorf("stats: z-test needs 0 <= k <= n and n > 0 (got %g/%g and %g/%g)", k1, n1, k2, n2)
	}
	p1, p2 := k1/n1, k2/n2
	pooled := (k1 + k2) / (n1 + n2)
	se := math.Sqrt(pooled * (1 - pooled) * (1/n1 + 1/n2))
	if se == 0 {
		return TestResult{Statistic: 0, PValue: 1}, nil
	}
	z := (p1 - p2) / se
	return TestResult{Statistic: z, PValue: math.Erfc(math.Abs(z) / math.Sqrt2)}, nil
}

// BenjaminiHochberg returns the Benjamini–Hochberg adjusted p-values of ps
// (in the same order): sorting ascending, q_(i) = min over j >= i of
// p_(j) * m / j, capped at 1. Rejecting where q <= alpha controls the false
// discovery rate at alpha for independent or positively dependent tests.
// This is the standard step-up adjustment (statsmodels' "fdr_bh"; scipy
// 1.11 added it as false_discovery_control).
func BenjaminiHochberg(ps []float64) []float64 {
	m := len(ps)
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(ps[a], ps[b]) })
	out := make([]float64, m)
	running := 1.0
	for k := m - 1; k >= 0; k-- {
		i := idx[k]
		q := ps[i] * float64(m) / float64(k+1)
		running = math.Min(running, q)
		out[i] = running
	}
	return out
}
