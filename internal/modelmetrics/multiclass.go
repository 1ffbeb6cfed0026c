package modelmetrics

import (
	"math"
	"slices"
)

// Multiclass is the mergeable state of a multiclass classifier's quality
// with labels, for a model that outputs a probability per class. It counts
// (label, predicted) pairs as Classification does and, per class, keeps
// score histograms of that class's probability for the pairs labelled with
// it and for the rest (one-vs-rest ROC AUC), and the sum of the log loss.
type Multiclass struct {
	// Classes are the model's classes; probabilities are given in this
	// order.
	Classes []string `json:"classes"`
	// Pairs counts (label, predicted) pairs for accuracy and macro
	// precision, recall and F1.
	Pairs Classification `json:"pairs"`
	// ClassConflict is set once state for other classes was merged in;
	// the score metrics are then left out.
	ClassConflict bool `json:"class_conflict,omitempty"`
	// Scored is the number of pairs that came with probabilities for every
	// class and a label among Classes.
	Scored uint64 `json:"scored,omitempty"`
	// PositiveScores[k] and NegativeScores[k] count class k's probability
	// by bin (see NumBins) for scored pairs labelled k, and not k.
	PositiveScores []map[int]uint64 `json:"positive_scores,omitempty"`
	NegativeScores []map[int]uint64 `json:"negative_scores,omitempty"`
	// LogLossSum is the sum of each scored pair's log loss as
	// scikit-learn's log_loss computes it: probabilities clipped to
	// [eps, 1-eps], divided by their sum, then -log of the label's.
	LogLossSum float64 `json:"log_loss_sum,omitempty"`
}

// NewMulticlass returns empty state for a model with these classes.
func NewMulticlass(classes []string) *Multiclass {
	return &Multiclass{Classes: slices.Clone(classes),
		PositiveScores: make([]map[int]uint64, len(classes)), NegativeScores: make([]map[int]uint64, len(classes))}
}

// Add records one prediction: the true label, the predicted class and the
// probability of each class in the order of Classes. A label outside
// Classes, or probs of another length, count for the pair metrics only.
// Probabilities outside [0, 1] are clipped.
func (m *Multiclass) Add(label, predicted string, probs []float64) {
	m.Pairs.Add(label, predicted, math.NaN(), "")
	k := slices.Index(m.Classes, label)
	if k < 0 || len(probs) != len(m.Classes) || m.ClassConflict {
		return
	}
	m.ensure()
	m.Scored++
	var sum float64
	for _, p := range probs {
		sum += min(max(p, logLossEps), 1-logLossEps)
	}
	m.LogLossSum -= math.Log(min(max(probs[k], logLossEps), 1-logLossEps) / sum)
	for j, p := range probs {
		if j == k {
			m.PositiveScores[j] = incBin(m.PositiveScores[j], scoreBin(p))
		} else {
			m.NegativeScores[j] = incBin(m.NegativeScores[j], scoreBin(p))
		}
	}
}

// Merge adds o's counts to m. o is not changed; a nil o is a no-op. State of
// other classes (or another order of them) sets ClassConflict.
func (m *Multiclass) Merge(o *Multiclass) {
	if o == nil {
		return
	}
	m.Pairs.Merge(&o.Pairs)
	if o.ClassConflict || !slices.Equal(m.Classes, o.Classes) {
		m.ClassConflict = true
		return
	}
	m.ensure()
	m.Scored += o.Scored
	m.LogLossSum += o.LogLossSum
	for k := range m.Classes {
		if k < len(o.PositiveScores) {
			m.PositiveScores[k] = mergeBins(m.PositiveScores[k], o.PositiveScores[k])
		}
		if k < len(o.NegativeScores) {
			m.NegativeScores[k] = mergeBins(m.NegativeScores[k], o.NegativeScores[k])
		}
	}
}

// ensure sizes the score histograms to the classes (a decoded or zero
// Multiclass may lack them).
func (m *Multiclass) ensure() {
	for _, h := range []*[]map[int]uint64{&m.PositiveScores, &m.NegativeScores} {
		if len(*h) != len(m.Classes) {
			sized := make([]map[int]uint64, len(m.Classes))
			copy(sized, *h)
			*h = sized
		}
	}
}

// Metrics computes, as scikit-learn does:
//   - "count", "accuracy", and "precision", "recall", "f1" averaged over
//     the classes seen as labels or predictions (average="macro"), as
//     Classification.Metrics("").
//   - "log_loss": log_loss(labels=Classes) over the scored pairs.
//   - "roc_auc": roc_auc_score(multi_class="ovr", average="macro"): the
//     unweighted mean over Classes of each class's AUC against the rest,
//     from binned scores (see Classification); left out unless every
//     class was both a label and not a label among the scored pairs, as
//     scikit-learn is then undefined.
func (m *Multiclass) Metrics() map[string]float64 {
	out := m.Pairs.Metrics("")
	if m.Scored == 0 || m.ClassConflict {
		return out
	}
	out["log_loss"] = m.LogLossSum / float64(m.Scored)
	var sum float64
	if len(m.PositiveScores) != len(m.Classes) || len(m.NegativeScores) != len(m.Classes) {
		return out
	}
	for k := range m.Classes {
		auc, ok := binnedAUC(m.PositiveScores[k], m.NegativeScores[k])
		if !ok {
			return out
		}
		sum += auc
	}
	out["roc_auc"] = sum / float64(len(m.Classes))
	return out
}
