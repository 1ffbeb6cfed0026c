package stats

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// ksReference is testdata/ks_reference.json, written by
// testdata/gen_ks.py with scipy 1.10.1 and numpy 1.24.2.
type ksReference struct {
	ScipyVersion string `json:"scipy_version"`
	KS2Samp      []struct {
		Name      string    `json:"name"`
		A         []float64 `json:"a"`
		B         []float64 `json:"b"`
		Statistic float64   `json:"statistic"`
		PValue    float64   `json:"pvalue"`
		Exact     bool      `json:"exact"`
	} `json:"ks_2samp"`
	KstwoSF []struct {
		N      int     `json:"n"`
		D      float64 `json:"d"`
		SF     float64 `json:"sf"`
		Branch string  `json:"branch"`
	} `json:"kstwo_sf"`
	Smirnov []struct {
		N  int     `json:"n"`
		D  float64 `json:"d"`
		SF float64 `json:"sf"`
	} `json:"smirnov"`
}

func loadKSReference(t testing.TB) ksReference {
	t.Helper()
	data, err := os.ReadFile("testdata/ks_reference.json")
	require.NoError(t, err)
	var ref ksReference
	require.NoError(t, json.Unmarshal(data, &ref))
	require.Equal(t, "1.10.1", ref.ScipyVersion)
	return ref
}

// ksRelTol is the relative error allowed against scipy. The ports keep
// scipy's evaluation order, so most values agree to a few ulps; the
// residual differences come from libm (glibc's exp/log/pow against Go's),
// numpy's SIMD loops and BLAS summation order, amplified where scipy takes
// a survival function as 1 - CDF.
const ksRelTol = 1e-9

// ksTinyTol is the absolute tolerance for values at the bottom of the
// double range, where both sides have underflowed to (or near) zero.
const ksTinyTol = 1e-300

// ksErr returns the error of got against want: relative, or 0 when both
// are within ksTinyTol of zero.
func ksErr(want, got float64) float64 {
	if want == got {
		return 0
	}
	if math.Abs(want) <= ksTinyTol && math.Abs(got) <= ksTinyTol {
		return 0
	}
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.Inf(1)
	}
	return math.Abs(got-want) / math.Abs(want)
}

// ksMaxErr tracks the largest error seen per category.
type ksMaxErr map[string]float64

func (m ksMaxErr) add(cat string, e float64) {
	m[cat] = max(m[cat], e)
}

func (m ksMaxErr) log(t *testing.T) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		t.Logf("max relative error %-28s %.3g", k, m[k])
	}
}

func TestKS2SampMatchesScipy(t *testing.T) {
	ref := loadKSReference(t)
	errs := ksMaxErr{}
	for _, c := range ref.KS2Samp {
		a, b := slices.Clone(c.A), slices.Clone(c.B)
		got, err := KS2Samp(a, b)
		require.NoError(t, err, c.Name)
		require.Equal(t, c.A, a, "%s: input modified", c.Name)
		require.Equal(t, c.B, b, "%s: input modified", c.Name)
		// The statistic is made of the same float64 operations: exact.
		require.Equal(t, c.Statistic, got.Statistic, "%s: statistic", c.Name)
		require.Equal(t, c.Exact, got.Exact, "%s: exact", c.Name)
		e := ksErr(c.PValue, got.PValue)
		require.LessOrEqual(t, e, ksRelTol, "%s: p-value %v, scipy %v", c.Name, got.PValue, c.PValue)
		cat := "ks_2samp exact"
		if !c.Exact {
			cat = "ks_2samp asymptotic"
		}
		errs.add(cat, e)

		// The sorted entry point gives the same result.
		slices.Sort(a)
		slices.Sort(b)
		got2, err := KS2SampSorted(a, b)
		require.NoError(t, err, c.Name)
		require.Equal(t, got, got2, c.Name)
	}
	errs.log(t)
}

func TestKolmogorovSFMatchesScipy(t *testing.T) {
	ref := loadKSReference(t)
	errs := ksMaxErr{}
	for _, c := range ref.KstwoSF {
		if testing.Short() && c.N > 100000 && c.Branch == "nx2>=2.2_smirnov" {
			continue // each takes about a second
		}
		got := KolmogorovSF(c.N, c.D)
		e := ksErr(c.SF, got)
		require.LessOrEqual(t, e, ksRelTol, "kstwo.sf(%v, %d) [%s] = %v, Go %v", c.D, c.N, c.Branch, c.SF, got)
		errs.add("kstwo.sf "+c.Branch, e)
	}
	errs.log(t)
}

func TestSmirnovSFMatchesScipy(t *testing.T) {
	ref := loadKSReference(t)
	errs := ksMaxErr{}
	for _, c := range ref.Smirnov {
		if testing.Short() && c.N >= 100000 && c.N <= smirnovMaxComputeN {
			continue
		}
		got := SmirnovSF(c.N, c.D)
		e := ksErr(c.SF, got)
		require.LessOrEqual(t, e, ksRelTol, "smirnov(%d, %v) = %v, Go %v", c.N, c.D, c.SF, got)
		cat := "smirnov n<=1000"
		switch {
		case c.N > smirnovMaxComputeN:
			cat = "smirnov n>1e6 (approx)"
		case c.N > 1000:
			cat = "smirnov 1000<n<=1e6"
		}
		errs.add(cat, e)
	}
	errs.log(t)
}

func TestKS2SampErrors(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name   string
		a, b   []float64
		sorted bool
		want   error
	}{
		{"empty first", nil, []float64{1}, false, ErrEmpty},
		{"empty second", []float64{1}, []float64{}, false, ErrEmpty},
		{"both empty", nil, nil, false, ErrEmpty},
		{"NaN first", []float64{1, nan}, []float64{1}, false, ErrNaN},
		{"NaN second", []float64{1}, []float64{nan, 2}, false, ErrNaN},
		{"sorted empty", []float64{}, []float64{1}, true, ErrEmpty},
		{"sorted NaN", []float64{1, 2}, []float64{nan}, true, ErrNaN},
		{"unsorted first", []float64{2, 1}, []float64{1}, true, ErrUnsorted},
		{"unsorted second", []float64{1, 2}, []float64{3, 1, 2}, true, ErrUnsorted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.sorted {
				_, err = KS2SampSorted(tc.a, tc.b)
			} else {
				_, err = KS2Samp(tc.a, tc.b)
			}
			require.True(t, errors.Is(err, tc.want), "got %v, want %v", err, tc.want)
		})
	}
}

func TestKS2SampProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 10, 137, 2000, 10000, 10001, 30000} {
		x := make([]float64, n)
		for i := range x {
			x[i] = r.NormFloat64()
		}
		y := slices.Clone(x)
		r.Shuffle(n, func(i, j int) { y[i], y[j] = y[j], y[i] })

		// Identical samples: statistic 0, p-value 1.
		res, err := KS2Samp(x, y)
		require.NoError(t, err)
		require.Equal(t, KSResult{Statistic: 0, PValue: 1, Exact: n <= ksMaxAutoN}, res, "n=%d", n)

		// Symmetric in its arguments.
		z := make([]float64, n/2+3)
		for i := range z {
			z[i] = r.NormFloat64() + 0.1
		}
		ab, err := KS2Samp(x, z)
		require.NoError(t, err)
		ba, err := KS2Samp(z, x)
		require.NoError(t, err)
		require.Equal(t, ab, ba, "n=%d", n)
		require.True(t, ab.PValue >= 0 && ab.PValue <= 1)

		// Invariant under a strictly increasing transform.
		ex, ez := slices.Clone(x), slices.Clone(z)
		for i := range ex {
			ex[i] = math.Exp(ex[i])
		}
		for i := range ez {
			ez[i] = math.Exp(ez[i])
		}
		tr, err := KS2Samp(ex, ez)
		require.NoError(t, err)
		require.Equal(t, ab, tr, "n=%d", n)
	}

	// Infinities are ordinary values.
	a := []float64{math.Inf(-1), 0, 1, math.Inf(1)}
	b := []float64{-1e300, 0.5, 1e300}
	ri, err := KS2Samp(a, b)
	require.NoError(t, err)
	rf, err := KS2Samp([]float64{-1e308, 0, 1, 1e308}, b)
	require.NoError(t, err)
	require.Equal(t, rf, ri)

	// Fully separated samples: statistic 1.
	res, err := KS2Samp([]float64{1, 2, 3}, []float64{4, 5})
	require.NoError(t, err)
	require.Equal(t, 1.0, res.Statistic)
	require.InDelta(t, 0.2, res.PValue, 1e-15) // 2/binom(5, 2)
}

func TestKolmogorovSFEdges(t *testing.T) {
	require.True(t, math.IsNaN(KolmogorovSF(0, 0.5)))
	require.True(t, math.IsNaN(KolmogorovSF(10, math.NaN())))
	require.Equal(t, 1.0, KolmogorovSF(10, 0.05))
	require.Equal(t, 1.0, KolmogorovSF(10, -1))
	require.Equal(t, 0.0, KolmogorovSF(10, 1))
	require.Equal(t, 0.0, KolmogorovSF(10, 2))
	require.True(t, math.IsNaN(SmirnovSF(0, 0.5)))
	require.True(t, math.IsNaN(SmirnovSF(5, -0.1)))
	require.True(t, math.IsNaN(SmirnovSF(5, 1.1)))
	require.True(t, math.IsNaN(SmirnovSF(5, math.NaN())))
	require.Equal(t, 1.0, SmirnovSF(5, 0))
	require.Equal(t, 0.0, SmirnovSF(5, 1))
	// n = 1: Pr(D_1 >= d) = 2(1-d) for d >= 1/2.
	require.InDelta(t, 0.6, KolmogorovSF(1, 0.7), 1e-15)
}

// TestPowInt checks powInt against exact rational powers.
func TestPowInt(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		x := r.Float64()*2 + 1e-3
		m := r.IntN(3000) - 1000
		want := ksBigPow(x, m)
		if want != 0 && math.Abs(want) < 0x1p-1022 {
			continue // subnormal: powInt may be one subnormal ulp off
		}
		require.Equal(t, want, powInt(x, m), "powInt(%v, %d)", x, m)
	}
	require.Equal(t, 1.0, powInt(0, 0))
	require.Equal(t, 0.0, powInt(0, 5))
	require.True(t, math.IsInf(powInt(0, -1), 1))
	require.Equal(t, -8.0, powInt(-2, 3))
	require.Equal(t, 0.0, powInt(0.5, 1100))
	require.True(t, math.IsInf(powInt(2, 1100), 1))
}

func BenchmarkKS2Samp(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	const n = 1000000
	x, y := make([]float64, n), make([]float64, n)
	for i := range x {
		x[i] = r.NormFloat64()
		y[i] = r.NormFloat64()
	}
	slices.Sort(x)
	slices.Sort(y)
	b.ResetTimer()
	for b.Loop() {
		res, err := KS2SampSorted(x, y)
		if err != nil || res.PValue < 0 {
			b.Fatal(err)
		}
	}
}

// Example output for the docs.
func ExampleKS2Samp() {
	res, err := KS2Samp([]float64{0.1, 0.4, 0.7, 1.2, 1.5}, []float64{0.9, 1.3, 1.6, 2.0, 2.2, 2.9})
	if err != nil {
		panic(err)
	}
	fmt.Printf("D=%.4f p=%.4f exact=%v\n", res.Statistic, res.PValue, res.Exact)
	// Output: D=0.6667 p=0.1082 exact=true
}

// ksBigPow returns x**m correctly rounded, by math/big.
func ksBigPow(x float64, m int) float64 {
	const prec = 1024
	neg := m < 0
	if neg {
		m = -m
	}
	res := new(big.Float).SetPrec(prec).SetFloat64(1)
	base := new(big.Float).SetPrec(prec).SetFloat64(x)
	for ; m > 0; m >>= 1 {
		if m&1 == 1 {
			res.Mul(res, base)
		}
		base.Mul(base, base)
	}
	if neg {
		res.Quo(new(big.Float).SetPrec(prec).SetFloat64(1), res)
	}
	f, _ := res.Float64()
	return f
}
