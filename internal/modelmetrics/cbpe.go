package modelmetrics

import (
	"math"
	"slices"
)

// DefaultThreshold is the decision threshold CBPE.Add uses when given NaN.
const DefaultThreshold = 0.5

// CBPE is the mergeable state of NannyML's confidence-based performance
// estimation for a binary classifier that outputs scores: it estimates the
// classifier's metrics before labels arrive, from the expected confusion
// matrix that calibrated probabilities imply. For a prediction ŷ with
// calibrated probability p̂ of the positive class,
//
//	E[TP] += p̂ and E[FP] += 1-p̂ when ŷ is positive,
//	E[FN] += p̂ and E[TN] += 1-p̂ when it is negative.
//
// The estimate is only as good as the calibration: it assumes the analysis
// data's P(y | score) is the reference data's (no concept drift).
type CBPE struct {
	// Count is the number of scores added.
	Count uint64 `json:"count"`
	// Skipped counts NaN scores, which are left out.
	Skipped uint64 `json:"skipped,omitempty"`
	// TP, FP, FN and TN are the expected confusion matrix.
	TP float64 `json:"tp"`
	FP float64 `json:"fp"`
	FN float64 `json:"fn"`
	TN float64 `json:"tn"`
	// Bins holds, by bin of the uncalibrated score (see NumBins), the
	// number of scores and the sum of their calibrated probabilities, for
	// the estimated ROC AUC.
	Bins map[int]CBPEBin `json:"bins,omitempty"`
}

// CBPEBin is one score bin of a CBPE state.
type CBPEBin struct {
	N uint64  `json:"n"`
	P float64 `json:"p"`
}

// Add records one prediction of the model: its score prob (P(positive) as
// the model outputs it), the decision threshold the model predicts positive
// at (prob >= threshold; NaN means DefaultThreshold) and the calibrator fitted
// on reference data (nil when the reference showed no need to calibrate).
//
// As in NannyML, whose y_pred column holds the model's own predictions, the
// prediction comes from the uncalibrated score and the calibrated probability
// only weighs it. Calibrated probabilities are clipped to [0, 1].
func (e *CBPE) Add(prob float64, threshold float64, cal *Calibrator) {
	if math.IsNaN(prob) {
		e.Skipped++
		return
	}
	if math.IsNaN(threshold) {
		threshold = DefaultThreshold
	}
	p := min(max(cal.Apply(prob), 0), 1)
	e.Count++
	if prob >= threshold {
		e.TP += p
		e.FP += 1 - p
	} else {
		e.FN += p
		e.TN += 1 - p
	}
	if e.Bins == nil {
		e.Bins = make(map[int]CBPEBin)
	}
	b := scoreBin(prob)
	bin := e.Bins[b]
	bin.N++
	bin.P += p
	e.Bins[b] = bin
}

// Merge adds o's predictions to e. o is not changed; a nil o is a no-op.
func (e *CBPE) Merge(o *CBPE) {
	if o == nil {
		return
	}
	e.Count += o.Count
	e.Skipped += o.Skipped
	e.TP += o.TP
	e.FP += o.FP
	e.FN += o.FN
	e.TN += o.TN
	if len(o.Bins) > 0 && e.Bins == nil {
		e.Bins = make(map[int]CBPEBin, len(o.Bins))
	}
	for b, ob := range o.Bins {
		bin := e.Bins[b]
		bin.N += ob.N
		bin.P += ob.P
		e.Bins[b] = bin
	}
}

// Metrics returns NannyML's estimates (estimate_accuracy, estimate_precision,
// estimate_recall, estimate_f1, estimate_roc_auc):
//
//	"accuracy"  = (E[TP] + E[TN]) / n
//	"precision" = E[TP] / (E[TP] + E[FP])
//	"recall"    = E[TP] / (E[TP] + E[FN])
//	"f1"        = E[TP] / (E[TP] + (E[FP] + E[FN]) / 2)
//	"roc_auc"   = the area under the expected ROC curve: scores sorted by the
//	              uncalibrated score, each counting p̂ of a positive and 1-p̂ of
//	              a negative; from binned scores, without NannyML's rounding
//	              of the expected counts to 5 decimals
//
// and "count". A ratio whose denominator is 0 (NaN in NannyML) is left out, as
// is everything but "count" when there are no scores.
func (e *CBPE) Metrics() map[string]float64 {
	m := map[string]float64{"count": float64(e.Count)}
	if e.Count == 0 {
		return m
	}
	m["accuracy"] = (e.TP + e.TN) / float64(e.Count)
	if d := e.TP + e.FP; d > 0 {
		m["precision"] = e.TP / d
	}
	if d := e.TP + e.FN; d > 0 {
		m["recall"] = e.TP / d
	}
	if d := e.TP + 0.5*(e.FP+e.FN); d > 0 {
		m["f1"] = e.TP / d
	}
	if auc, ok := e.rocAUC(); ok {
		m["roc_auc"] = auc
	}
	return m
}

// rocAUC is the trapezoidal area under the curve of expected (FP, TP) as the
// threshold falls through the bins, normalised by the expected totals.
func (e *CBPE) rocAUC() (float64, bool) {
	bins := make([]int, 0, len(e.Bins))
	var pos, n float64
	for b, bin := range e.Bins {
		bins = append(bins, b)
		pos += bin.P
		n += float64(bin.N)
	}
	neg := n - pos
	if !(pos > 0) || !(neg > 0) {
		return 0, false
	}
	slices.Sort(bins)
	var tp, area float64
	for i := len(bins) - 1; i >= 0; i-- {
		bin := e.Bins[bins[i]]
		dtp := bin.P
		dfp := float64(bin.N) - bin.P
		area += dfp * (tp + dtp/2)
		tp += dtp
	}
	return area / (pos * neg), true
}
