package stats

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// reference is testdata/reference.json, made by testdata/gen_reference.py
// with scipy 1.10.1 and numpy 1.24.2 (see that script for each source).
type reference struct {
	Samples []struct {
		Name string    `json:"name"`
		U    []float64 `json:"u"`
		V    []float64 `json:"v"`
	} `json:"samples"`
	Wasserstein   []float64 `json:"wasserstein"`
	Std           []float64 `json:"std"`
	Distributions []struct {
		Name          string    `json:"name"`
		P             []float64 `json:"p"`
		Q             []float64 `json:"q"`
		JensenShannon float64   `json:"jensenshannon"`
		JSBase2       float64   `json:"jensenshannon_base2"`
		Hellinger     float64   `json:"hellinger"`
		PSI           float64   `json:"psi"`
	} `json:"distributions"`
	ChiSquare []struct {
		Name      string    `json:"name"`
		Observed  []float64 `json:"observed"`
		Expected  []float64 `json:"expected"`
		Statistic float64   `json:"statistic"`
		PValue    float64   `json:"p_value"`
	} `json:"chisquare"`
	Chi2SF []struct {
		X, DF, Want float64
	} `json:"chi2_sf"`
	ZTest []struct {
		K1, N1, K2, N2, Z float64
		PValue            float64 `json:"p_value"`
	} `json:"ztest"`
	BH []struct {
		P    []float64 `json:"p"`
		Want []float64 `json:"want"`
	} `json:"bh"`
	Histogram []struct {
		Sample  int       `json:"sample"`
		Bins    any       `json:"bins"`
		Edges   []float64 `json:"edges"`
		UCounts []float64 `json:"u_counts"`
		VCounts []float64 `json:"v_counts"`
	} `json:"histogram"`
}

func loadReference(t *testing.T) reference {
	t.Helper()
	b, err := os.ReadFile("testdata/reference.json")
	require.NoError(t, err)
	var r reference
	require.NoError(t, json.Unmarshal(b, &r))
	require.NotEmpty(t, r.Samples)
	return r
}

// close reports whether got matches want to a relative 1e-10 (absolute
// 1e-12 near zero).
func requireClose(t *testing.T, want, got float64, msg string) {
	t.Helper()
	if want == got || (math.IsInf(want, 0) && want == got) {
		return
	}
	diff := math.Abs(want - got)
	if diff > 1e-12 && diff > 1e-10*math.Abs(want) {
		t.Fatalf("%s: got %.17g, want %.17g (rel err %.3g)", msg, got, want, diff/math.Abs(want))
	}
}

func TestWassersteinAndStdMatchScipy(t *testing.T) {
	r := loadReference(t)
	for i, s := range r.Samples {
		got, err := Wasserstein(s.U, s.V)
		require.NoError(t, err)
		requireClose(t, r.Wasserstein[i], got, "wasserstein "+s.Name)
		requireClose(t, r.Std[i], Std(s.U), "std "+s.Name)
	}
}

func TestDistancesMatchReference(t *testing.T) {
	r := loadReference(t)
	for _, d := range r.Distributions {
		js, err := JensenShannon(d.P, d.Q, 0)
		require.NoError(t, err)
		requireClose(t, d.JensenShannon, js, "jensenshannon "+d.Name)
		js, err = JensenShannon(d.P, d.Q, 2)
		require.NoError(t, err)
		requireClose(t, d.JSBase2, js, "jensenshannon base 2 "+d.Name)
		h, err := Hellinger(d.P, d.Q)
		require.NoError(t, err)
		requireClose(t, d.Hellinger, h, "hellinger "+d.Name)
		psi, err := PSI(Proportions(d.P), Proportions(d.Q))
		require.NoError(t, err)
		requireClose(t, d.PSI, psi, "psi "+d.Name)
	}
}

func TestChiSquareMatchesScipy(t *testing.T) {
	r := loadReference(t)
	require.NotEmpty(t, r.ChiSquare)
	for _, c := range r.ChiSquare {
		got, err := ChiSquare(c.Observed, c.Expected)
		require.NoError(t, err)
		requireClose(t, c.Statistic, got.Statistic, "chisquare statistic "+c.Name)
		requireClose(t, c.PValue, got.PValue, "chisquare p "+c.Name)
	}
	for _, c := range r.Chi2SF {
		requireClose(t, c.Want, ChiSquareSF(c.X, c.DF), fmt.Sprintf("chi2.sf(%g, %g)", c.X, c.DF))
	}
}

func TestZTestMatchesReference(t *testing.T) {
	r := loadReference(t)
	for _, z := range r.ZTest {
		got, err := ZTestProportions(z.K1, z.N1, z.K2, z.N2)
		require.NoError(t, err)
		name := fmt.Sprintf("%g/%g vs %g/%g", z.K1, z.N1, z.K2, z.N2)
		requireClose(t, z.Z, got.Statistic, "z "+name)
		requireClose(t, z.PValue, got.PValue, "p "+name)
	}
}

func TestHistogramMatchesNumpy(t *testing.T) {
	r := loadReference(t)
	for _, h := range r.Histogram {
		s := r.Samples[h.Sample]
		lo, hi := MinMax(s.U, s.V)
		var nbins int
		switch b := h.Bins.(type) {
		case string:
			require.Equal(t, "sturges", b)
			nbins = SturgesBins(len(s.U)+len(s.V), lo, hi)
		case float64:
			nbins = int(b)
		}
		name := fmt.Sprintf("%s / %v", s.Name, h.Bins)
		edges := BinEdges(lo, hi, nbins)
		require.Len(t, edges, len(h.Edges), name)
		for i := range edges {
			requireClose(t, h.Edges[i], edges[i], fmt.Sprintf("%s edge %d", name, i))
		}
		require.Equal(t, h.UCounts, Histogram(s.U, edges), name)
		require.Equal(t, h.VCounts, Histogram(s.V, edges), name)
	}
}

func TestProperties(t *testing.T) {
	same := []float64{3, 1, 4, 1, 5, 9, 2, 6}
	w, err := Wasserstein(same, same)
	require.NoError(t, err)
	require.Zero(t, w)
	shifted := make([]float64, len(same))
	for i, v := range same {
		shifted[i] = v + 10
	}
	w, err = Wasserstein(same, shifted)
	require.NoError(t, err)
	requireClose(t, 10, w, "a shift by 10 moves all mass by 10")

	p := []float64{5, 0, 3}
	for name, f := range map[string]func(p, q []float64) (float64, error){
		"jensenshannon": func(p, q []float64) (float64, error) { return JensenShannon(p, q, 2) },
		"hellinger":     Hellinger,
		"psi":           PSI,
	} {
		d, err := f(p, p)
		require.NoError(t, err, name)
		require.Zero(t, d, name)
		d, err = f([]float64{1, 0}, []float64{0, 1})
		require.NoError(t, err, name)
		require.Positive(t, d, name)
	}
	h, _ := Hellinger([]float64{1, 0}, []float64{0, 1})
	requireClose(t, 1, h, "disjoint Hellinger is 1")
	js, _ := JensenShannon([]float64{1, 0}, []float64{0, 1}, 0)
	requireClose(t, math.Sqrt(math.Ln2), js, "disjoint Jensen-Shannon is sqrt(ln 2)")
	js, _ = JensenShannon([]float64{1, 0}, []float64{0, 1}, 2)
	requireClose(t, 1, js, "disjoint Jensen-Shannon in base 2 is 1")
	require.Equal(t, []float64{0.5, 0.0001, 0.5}, PSIFillZeros([]float64{0.5, 0, 0.5}))
	require.Equal(t, []float64{0.99995, 0.00005 / 1e6, 0.00005}, PSIFillZeros([]float64{0.99995, 0, 0.00005}))

	c, err := ChiSquare([]float64{10, 20, 30}, []float64{10, 20, 30})
	require.NoError(t, err)
	require.Zero(t, c.Statistic)
	require.Equal(t, 1.0, c.PValue)
	z, err := ZTestProportions(10, 10, 20, 20)
	require.NoError(t, err)
	require.Equal(t, TestResult{Statistic: 0, PValue: 1}, z)
}

func TestBadInput(t *testing.T) {
	_, err := Wasserstein(nil, []float64{1})
	require.ErrorIs(t, err, ErrEmpty)
	_, err = Wasserstein([]float64{1, math.NaN()}, []float64{1})
	require.ErrorIs(t, err, ErrNaN)
	_, err = JensenShannon([]float64{1}, []float64{1, 2}, 0)
	require.ErrorContains(t, err, "1 and 2 bins")
	_, err = Hellinger([]float64{-1, 2}, []float64{1, 2})
	require.ErrorContains(t, err, "non-negative")
	_, err = PSI([]float64{0, 0}, []float64{1, 2})
	require.ErrorContains(t, err, "no weight")
	_, err = ChiSquare([]float64{1, 2}, []float64{10, 20})
	require.ErrorContains(t, err, "scale the expected frequencies")
	_, err = ZTestProportions(11, 10, 1, 10)
	require.ErrorContains(t, err, "0 <= k <= n")
	require.True(t, math.IsNaN(ChiSquareSF(1, 0)))
	require.Equal(t, 1.0, ChiSquareSF(0, 3))
}

// wassersteinSortedRef is WassersteinSorted as first written, dividing at
// every step: the faster one must return the same bits.
func wassersteinSortedRef(u, v []float64) float64 {
	nu, nv := float64(len(u)), float64(len(v))
	var i, j int
	var sum float64
	prev := math.Min(u[0], v[0])
	for i < len(u) || j < len(v) {
		var x float64
		switch {
		case j == len(v) || (i < len(u) && u[i] <= v[j]):
			x = u[i]
		default:
			x = v[j]
		}
		sum += math.Abs(float64(i)/nu-float64(j)/nv) * (x - prev)
		for i < len(u) && u[i] == x {
			i++
		}
		for j < len(v) && v[j] == x {
			j++
		}
		prev = x
	}
	return sum
}

func TestWassersteinSortedBits(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for n := range 300 {
		u := make([]float64, 1+r.IntN(2000))
		v := make([]float64, 1+r.IntN(2000))
		for _, xs := range [][]float64{u, v} {
			for i := range xs {
				switch n % 3 {
				case 0:
					xs[i] = r.NormFloat64()
				case 1:
					xs[i] = float64(r.IntN(20)) // many ties, within and across
				default:
					xs[i] = r.Float64()*1e-300 - 1e-300
				}
			}
			slices.Sort(xs)
		}
		want, got := wassersteinSortedRef(u, v), WassersteinSorted(u, v)
		require.Equal(t, math.Float64bits(want), math.Float64bits(got), "case %d: %v, want %v", n, got, want)
	}
}

func BenchmarkWassersteinSorted(b *testing.B) {
	u := make([]float64, 1_000_000)
	v := make([]float64, 1_000_000)
	for i := range u {
		u[i] = float64(i) / 1e6
		v[i] = float64(i)/1e6 + 0.1
	}
	b.ResetTimer()
	for b.Loop() {
		WassersteinSorted(u, v)
	}
}

func TestBenjaminiHochbergMatchesReference(t *testing.T) {
	r := loadReference(t)
	require.Len(t, r.BH, 5)
	for _, c := range r.BH {
		got := BenjaminiHochberg(c.P)
		require.Len(t, got, len(c.Want))
		for i := range got {
			requireClose(t, c.Want[i], got[i], fmt.Sprintf("bh %v [%d]", c.P, i))
		}
	}
	require.Empty(t, BenjaminiHochberg(nil))
}
