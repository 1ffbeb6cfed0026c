package modelmetrics

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
)

// Errors returned by FitCalibrator and Calibrator.Validate.
var (
	ErrNoData         = errors.New("no data")
	ErrLengthMismatch = errors.New("lengths differ")
	ErrNotFinite      = errors.New("value is NaN or infinite")
	ErrNotIncreasing  = errors.New("knots are not increasing")
)

// uniqueEps is how close two scores must be for scikit-learn's isotonic
// regression to treat them as one (np.finfo(float64).resolution).
const uniqueEps = 1e-15

// Calibrator maps a model's scores to calibrated probabilities with an
// isotonic (monotone non-decreasing) fit on reference data, as NannyML's
// IsotonicCalibrator does with scikit-learn's
// IsotonicRegression(out_of_bounds="clip"). It stores that fit's knots,
// X_thresholds_ and y_thresholds_; Apply interpolates linearly between them
// and clips outside them, as the fitted regression's predict does.
type Calibrator struct {
	X []float64 `json:"x"`
	Y []float64 `json:"y"`
}

// FitCalibrator fits a Calibrator on reference scores and their labels.
func FitCalibrator(probs []float64, labels []bool) (*Calibrator, error) {
	if len(probs) != len(labels) {
		return nil, fmt.Errorf("fit calibrator: %d scores and %d labels: %w", len(probs), len(labels), ErrLengthMismatch)
	}
	if len(probs) == 0 {
		return nil, fmt.Errorf("fit calibrator: %w", ErrNoData)
	}
	type point struct{ x, y float64 }
	pts := make([]point, len(probs))
	for i, p := range probs {
		if !finite(p) {
			return nil, fmt.Errorf("fit calibrator: score %d is %v: %w", i, p, ErrNotFinite)
		}
		pts[i] = point{x: p}
		if labels[i] {
			pts[i].y = 1
		}
	}
	// np.lexsort((y, X)): by score, then label.
	slices.SortFunc(pts, func(a, b point) int {
		return cmp.Or(cmp.Compare(a.x, b.x), cmp.Compare(a.y, b.y))
	})

	// _make_unique: average the labels of scores less than uniqueEps above
	// the first score of their run.
	var xs, ys, ws []float64
	cx, sy, sw := pts[0].x, 0.0, 0.0
	for _, p := range pts {
		if p.x-cx >= uniqueEps {
			xs, ys, ws = append(xs, cx), append(ys, sy/sw), append(ws, sw)
			cx, sy, sw = p.x, 0, 0
		}
		sy += p.y
		sw++
	}
	xs, ys, ws = append(xs, cx), append(ys, sy/sw), append(ws, sw)

	pav(ys, ws)

	// Keep the ends and every knot whose value differs from a neighbour's.
	c := &Calibrator{}
	for i := range xs {
		if i == 0 || i == len(xs)-1 || ys[i] != ys[i-1] || ys[i] != ys[i+1] {
			c.X = append(c.X, xs[i])
			c.Y = append(c.Y, ys[i])
		}
	}
	return c, nil
}

// pav is scikit-learn's _inplace_contiguous_isotonic_regression, the
// pool-adjacent-violators algorithm, step for step so that rounding agrees:
// y becomes the weighted least-squares non-decreasing fit to y.
func pav(y, w []float64) {
	n := len(y)
	// For a block [i..j], target[i] = j and target[j] = i; y[i] and w[i] hold
	// its weighted mean and total weight.
	target := make([]int, n)
	for i := range target {
		target[i] = i
	}
	for i := 0; i < n; {
		k := target[i] + 1
		if k == n {
			break
		}
		if y[i] < y[k] {
			i = k
			continue
		}
		sumWY, sumW := float64(w[i]*y[i]), w[i]
		for {
			prev := y[k]
			sumWY += float64(w[k] * y[k])
			sumW += w[k]
			k = target[k] + 1
			if k == n || prev < y[k] {
				y[i] = sumWY / sumW
				w[i] = sumW
				target[i] = k - 1
				target[k-1] = i
				if i > 0 {
					i = target[i-1]
				}
				break
			}
		}
	}
	for i := 0; i < n; {
		k := target[i] + 1
		for j := i + 1; j < k; j++ {
			y[j] = y[i]
		}
		i = k
	}
}

// Validate reports whether c is a usable calibrator, for one decoded from
// storage: knots and values of equal, non-zero length, all finite, knots
// strictly increasing.
func (c *Calibrator) Validate() error {
	if len(c.X) != len(c.Y) {
		return fmt.Errorf("calibrator: %d knots and %d values: %w", len(c.X), len(c.Y), ErrLengthMismatch)
	}
	if len(c.X) == 0 {
		return fmt.Errorf("calibrator: %w", ErrNoData)
	}
	for i := range c.X {
		if !finite(c.X[i]) || !finite(c.Y[i]) {
			return fmt.Errorf("calibrator: knot %d (%v, %v): %w", i, c.X[i], c.Y[i], ErrNotFinite)
		}
		if i > 0 && c.X[i] <= c.X[i-1] {
			return fmt.Errorf("calibrator: knot %d (%v) after %v: %w", i, c.X[i], c.X[i-1], ErrNotIncreasing)
		}
	}
	return nil
}

// Apply returns the calibrated probability of score p: p clipped to the
// reference range, then interpolated linearly between the knots as
// numpy.interp does (scikit-learn predicts through scipy's interp1d, which
// hands linear interpolation to numpy.interp). A nil or empty Calibrator, or
// one whose X and Y differ in length, is the identity; NaN stays NaN.
func (c *Calibrator) Apply(p float64) float64 {
	if c == nil || len(c.X) == 0 || len(c.X) != len(c.Y) || math.IsNaN(p) {
		return p
	}
	n := len(c.X)
	if n == 1 {
		return c.Y[0]
	}
	p = min(max(p, c.X[0]), c.X[n-1])
	j := sort.SearchFloat64s(c.X, p) // first knot >= p
	if j < n && c.X[j] == p {
		return c.Y[j]
	}
	j-- // last knot < p; 0 <= j < n-1 as p is inside the range
	slope := (c.Y[j+1] - c.Y[j]) / (c.X[j+1] - c.X[j])
	return float64(slope*(p-c.X[j])) + c.Y[j]
}
