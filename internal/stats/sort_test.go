package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSortFloat64s(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name string
		gen  func(i int) float64
		n    int
	}{
		{"normal", func(int) float64 { return r.NormFloat64() }, 100_000},
		{"mixed signs and magnitudes", func(int) float64 { return r.NormFloat64() * math.Pow(10, float64(r.IntN(600)-300)) }, 50_000},
		{"few distinct", func(i int) float64 { return float64(i % 3) }, 10_000},
		{"all equal", func(int) float64 { return 7.5 }, 10_000},
		{"infinities and zeros", func(i int) float64 {
			return []float64{math.Inf(-1), math.Inf(1), 0, math.Copysign(0, -1), -1e-300, 1e-300, math.MaxFloat64, -math.MaxFloat64}[i%8]
		}, 8_000},
		{"small", func(int) float64 { return r.Float64() }, 100},
		{"uniform, large", func(int) float64 { return r.Float64() }, 300_000},
		{"lognormal", func(int) float64 { return math.Exp(0.5 * r.NormFloat64()) }, 200_000},
		{"narrow", func(int) float64 { return 1 + float64(r.IntN(1000))*0x1p-52 }, 100_000},
		{"integers", func(int) float64 { return float64(r.IntN(1 << 20)) }, 200_000},
		{"clustered", func(i int) float64 { return float64(i%7) + r.Float64()*1e-9 }, 200_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			xs := make([]float64, tc.n)
			for i := range xs {
				xs[i] = tc.gen(i)
			}
			want := slices.Clone(xs)
			slices.Sort(want)
			SortFloat64s(xs)
			require.True(t, slices.IsSorted(xs))
			for i := range xs { // same values, -0/+0 told apart by bits
				require.Equal(t, math.Float64bits(want[i]) == math.Float64bits(xs[i]) || want[i] == xs[i], true, i)
			}
			require.Equal(t, want, xs)
		})
	}
}

// BenchmarkSortFloat64s sorts 10^6 values of the shapes the drift
// benchmark's columns have.
func BenchmarkSortFloat64s(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, dist := range []struct {
		name string
		gen  func() float64
	}{
		{"normal", func() float64 { return r.NormFloat64()*10 + 50 }},
		{"lognormal", func() float64 { return math.Exp(0.5 * r.NormFloat64()) }},
		{"uniform", r.Float64},
	} {
		src := make([]float64, 1_000_000)
		for i := range src {
			src[i] = dist.gen()
		}
		xs := make([]float64, len(src))
		b.Run(dist.name+"/radix", func(b *testing.B) {
			for b.Loop() {
				copy(xs, src)
				SortFloat64s(xs)
			}
		})
		b.Run(dist.name+"/slices.Sort", func(b *testing.B) {
			for b.Loop() {
				copy(xs, src)
				slices.Sort(xs)
			}
		})
	}
}
