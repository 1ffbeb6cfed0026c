package stats

import (
	"errors"
	"math"
	"slices"
)

// ErrEmpty is returned for an empty sample.
var ErrEmpty = errors.New("stats: empty sample")

// ErrNaN is returned when a sample holds NaN (drop missing values first).
var ErrNaN = errors.New("stats: sample holds NaN")

// MinMax returns the smallest and largest of xs, which must not be empty.
func MinMax(xs ...[]float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		for _, v := range x {
			lo = min(lo, v)
			hi = max(hi, v)
		}
	}
	return lo, hi
}

// SturgesBins returns the number of equal-width bins numpy's
// histogram_bin_edges(x, bins="sturges") uses for n values spread over
// [lo, hi]: the bin width is (hi-lo)/(log2(n)+1), and the count is
// ceil((hi-lo)/width). It is 1 when hi == lo.
func SturgesBins(n int, lo, hi float64) int {
	if n == 0 || hi <= lo {
		return 1
	}
	width := (hi - lo) / (math.Log2(float64(n)) + 1)
	return max(int(math.Ceil((hi-lo)/width)), 1)
}

// BinEdges returns nbins+1 equal-width edges over [lo, hi] as
// numpy.linspace does; when lo == hi the range is widened to lo-0.5 … hi+0.5,
// as numpy.histogram_bin_edges does.
func BinEdges(lo, hi float64, nbins int) []float64 {
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	edges := make([]float64, nbins+1)
	step := (hi - lo) / float64(nbins)
	for i := range edges {
		edges[i] = lo + float64(i)*step
	}
	edges[nbins] = hi
	return edges
}

// Histogram counts xs into the equal-width bins given by edges (from
// BinEdges), exactly as numpy.histogram does: bins are half-open [a, b)
// except the last, which is closed; values outside are not counted.
func Histogram(xs []float64, edges []float64) []float64 {
	n := len(edges) - 1
	counts := make([]float64, n)
	first, last := edges[0], edges[n]
	norm := float64(n) / (last - first)
	for _, v := range xs {
		if v < first || v > last || math.IsNaN(v) {
			continue
		}
		i := int((v - first) * norm)
		if i == n {
			i--
		}
		// numpy's corrections for floating-point error at the edges.
		if v < edges[i] {
			i--
		} else if i != n-1 && v >= edges[i+1] {
			i++
		}
		counts[i]++
	}
	return counts
}

// Proportions divides counts by their sum.
func Proportions(counts []float64) []float64 {
	var sum float64
	for _, c := range counts {
		sum += c
	}
	out := make([]float64, len(counts))
	if sum == 0 {
		return out
	}
	for i, c := range counts {
		out[i] = c / sum
	}
	return out
}

// Std is the population standard deviation (ddof=0), as numpy.std.
func Std(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	var mean float64
	for _, v := range xs {
		mean += v
	}
	mean /= float64(len(xs))
	var ss float64
	for _, v := range xs {
		d := v - mean
		ss += d * d
	}
	return math.Sqrt(ss / float64(len(xs)))
}

func checkSample(xs []float64) error {
	if len(xs) == 0 {
		return ErrEmpty
	}
	if slices.ContainsFunc(xs, math.IsNaN) {
		return ErrNaN
	}
	return nil
}
