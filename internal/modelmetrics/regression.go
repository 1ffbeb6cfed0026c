package modelmetrics

import "math"

// mapeEps is scikit-learn's floor under |y| in mean_absolute_percentage_error
// (np.finfo(np.float64).eps).
const mapeEps = 0x1p-52

// Regression is the mergeable state of a regressor's quality with labels.
type Regression struct {
	// Count is the number of (label, predicted) pairs added.
	Count uint64 `json:"count"`
	// Skipped counts pairs left out because a value was NaN or infinite.
	Skipped uint64 `json:"skipped,omitempty"`
	// SumAbsErr, SumSqErr and SumAbsPctErr sum |y-ŷ|, (y-ŷ)² and
	// |y-ŷ| / max(|y|, eps).
	SumAbsErr    float64 `json:"sum_abs_err"`
	SumSqErr     float64 `json:"sum_sq_err"`
	SumAbsPctErr float64 `json:"sum_abs_pct_err"`
	// MeanY and M2Y are the mean of the labels and the sum of their squared
	// deviations from it (Welford's update, Chan et al.'s merge), which
	// stays accurate where Σy² - (Σy)²/n would cancel.
	MeanY float64 `json:"mean_y"`
	M2Y   float64 `json:"m2_y"`
}

// Add records one label and the model's prediction for it.
func (r *Regression) Add(label, predicted float64) {
	if !finite(label) || !finite(predicted) {
		r.Skipped++
		return
	}
	r.Count++
	e := label - predicted
	r.SumAbsErr += math.Abs(e)
	r.SumSqErr += e * e
	r.SumAbsPctErr += math.Abs(e) / max(math.Abs(label), mapeEps)
	d := label - r.MeanY
	r.MeanY += d / float64(r.Count)
	r.M2Y += float64(d * (label - r.MeanY))
}

// Merge adds o's pairs to r. o is not changed; a nil o is a no-op.
func (r *Regression) Merge(o *Regression) {
	if o == nil {
		return
	}
	r.Skipped += o.Skipped
	if o.Count == 0 {
		return
	}
	if r.Count == 0 {
		*r = Regression{
			Count: o.Count, Skipped: r.Skipped,
			SumAbsErr: o.SumAbsErr, SumSqErr: o.SumSqErr, SumAbsPctErr: o.SumAbsPctErr,
			MeanY: o.MeanY, M2Y: o.M2Y,
		}
		return
	}
	na, nb := float64(r.Count), float64(o.Count)
	n := na + nb
	d := o.MeanY - r.MeanY
	r.MeanY += d * (nb / n)
	r.M2Y += o.M2Y + d*d*(na*nb/n)
	r.Count += o.Count
	r.SumAbsErr += o.SumAbsErr
	r.SumSqErr += o.SumSqErr
	r.SumAbsPctErr += o.SumAbsPctErr
}

// Metrics computes, as scikit-learn does, "mae" (mean_absolute_error),
// "rmse" (the square root of mean_squared_error), "mape"
// (mean_absolute_percentage_error: a fraction, not a percentage, and huge when
// a label is 0), "r2" (r2_score with force_finite: 1 for perfect predictions,
// 0 for constant labels predicted imperfectly; left out below two pairs) and
// "count". With no pairs only "count" is there.
func (r *Regression) Metrics() map[string]float64 {
	m := map[string]float64{"count": float64(r.Count)}
	if r.Count == 0 {
		return m
	}
	n := float64(r.Count)
	m["mae"] = r.SumAbsErr / n
	m["rmse"] = math.Sqrt(r.SumSqErr / n)
	m["mape"] = r.SumAbsPctErr / n
	if r.Count >= 2 {
		switch {
		case r.SumSqErr == 0:
			m["r2"] = 1
		case r.M2Y == 0:
			m["r2"] = 0
		default:
			m["r2"] = 1 - r.SumSqErr/r.M2Y
		}
	}
	return m
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
