package stats

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Wasserstein returns the first Wasserstein (earth mover's) distance between
// the empirical distributions of u and v, as scipy.stats.wasserstein_distance:
// the integral of |F_u - F_v| over the real line.
func Wasserstein(u, v []float64) (float64, error) {
	if err := checkSample(u); err != nil {
		return 0, fmt.Errorf("first sample: %w", err)
	}
	if err := checkSample(v); err != nil {
		return 0, fmt.Errorf("second sample: %w", err)
	}
	us, vs := slices.Clone(u), slices.Clone(v)
	slices.Sort(us)
	slices.Sort(vs)
	return WassersteinSorted(us, vs), nil
}

// WassersteinSorted is Wasserstein on samples already sorted ascending.
func WassersteinSorted(u, v []float64) float64 {
	nu, nv := float64(len(u)), float64(len(v))
	var i, j int
	var sum float64
	// Walk the merged order; between consecutive values x_k < x_{k+1} the
	// two ECDFs are constant (right-continuous, as searchsorted 'right').
	// fu and fv are float64(i)/nu and float64(j)/nv, divided again only
	// when i or j moves.
	var fu, fv float64
	prev := math.Min(u[0], v[0])
	for i < len(u) || j < len(v) {
		var x float64
		switch {
		case j == len(v) || (i < len(u) && u[i] <= v[j]):
			x = u[i]
		default:
			x = v[j]
		}
		sum += math.Abs(fu-fv) * (x - prev)
		if i < len(u) && u[i] == x {
			for i++; i < len(u) && u[i] == x; i++ {
			}
			fu = float64(i) / nu
		}
		if j < len(v) && v[j] == x {
			for j++; j < len(v) && v[j] == x; j++ {
			}
			fv = float64(j) / nv
		}
		prev = x
	}
	return sum
}

// JensenShannon returns the Jensen–Shannon distance (the square root of the
// divergence) between two distributions given as non-negative weights, as
// scipy.spatial.distance.jensenshannon(p, q, base): p and q are normalised to
// sum to 1 first. base 0 means the natural logarithm (scipy's default; the
// result lies in [0, sqrt(ln 2)]); Evidently passes base 2 (result in [0, 1]).
func JensenShannon(p, q []float64, base float64) (float64, error) {
	if err := checkDist(p, q); err != nil {
		return 0, err
	}
	pn, qn := Proportions(p), Proportions(q)
	var left, right float64
	for i := range pn {
		m := (pn[i] + qn[i]) / 2
		left += relEntr(pn[i], m)
		right += relEntr(qn[i], m)
	}
	js := (left + right) / 2
	if base > 0 {
		js /= math.Log(base)
	}
	return math.Sqrt(js), nil
}

// relEntr is scipy.special.rel_entr.
func relEntr(x, y float64) float64 {
	switch {
	case x > 0 && y > 0:
		return x * math.Log(x/y)
	case x == 0 && y >= 0:
		return 0
	default:
		return math.Inf(1)
	}
}

// Hellinger returns the Hellinger distance between two distributions given
// as non-negative weights (normalised to sum to 1 first):
// sqrt(sum_i (sqrt(p_i) - sqrt(q_i))^2) / sqrt(2), in [0, 1].
func Hellinger(p, q []float64) (float64, error) {
	if err := checkDist(p, q); err != nil {
		return 0, err
	}
	pn, qn := Proportions(p), Proportions(q)
	var sum float64
	for i := range pn {
		d := math.Sqrt(pn[i]) - math.Sqrt(qn[i])
		sum += d * d
	}
	return math.Sqrt(sum) / math.Sqrt2, nil
}

// PSI returns the population stability index of current against reference,
// given as the share of rows in each bin (or category), as Evidently computes
// it: PSI = sum_i (r_i - c_i) * ln(r_i / c_i), where empty bins are first
// given a small share by PSIFillZeros.
func PSI(reference, current []float64) (float64, error) {
	if err := checkDist(reference, current); err != nil {
		return 0, err
	}
	r, c := PSIFillZeros(reference), PSIFillZeros(current)
	var psi float64
	for i := range r {
		psi += (r[i] - c[i]) * math.Log(r[i]/c[i])
	}
	return psi, nil
}

// PSIFillZeros returns shares with every zero replaced as Evidently does
// (its feel_zeroes): by 0.0001, or by a millionth of the smallest non-zero
// share when that is 0.0001 or less.
func PSIFillZeros(shares []float64) []float64 {
	smallest := math.Inf(1)
	for _, v := range shares {
		if v != 0 {
			smallest = min(smallest, v)
		}
	}
	fill := 0.0001
	if smallest <= 0.0001 {
		fill = smallest / 1e6
	}
	out := make([]float64, len(shares))
	for i, v := range shares {
		if v == 0 {
			v = fill
		}
		out[i] = v
	}
	return out
}

func checkDist(p, q []float64) error {
	if len(p) != len(q) {
		return fmt.Errorf("stats: distributions have %d and %d bins", len(p), len(q))
	}
	if len(p) == 0 {
		return ErrEmpty
	}
	var sp, sq float64
	for i := range p {
		if p[i] < 0 || q[i] < 0 || math.IsNaN(p[i]) || math.IsNaN(q[i]) {
			return errors.New("stats: distribution weights must be non-negative numbers")
		}
		sp += p[i]
		sq += q[i]
	}
	if sp == 0 || sq == 0 {
		return errors.New("stats: a distribution has no weight")
	}
	return nil
}
