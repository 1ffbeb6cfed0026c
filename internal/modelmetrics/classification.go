package modelmetrics

import (
	"math"
	"slices"
)

// NumBins is the number of equal-width bins on [0, 1] that ROC AUC is
// computed from; a score p falls in bin floor(p*NumBins), and 1 in the last.
const NumBins = 10000

// logLossEps is where scikit-learn's log_loss clips probabilities by default
// (eps="auto", np.finfo(float64).eps, since 1.2; older releases used 1e-15).
const logLossEps = 0x1p-52

// Classification is the mergeable state of a classifier's quality with labels.
// It counts (label, predicted) pairs for any number of classes and, for binary
// classifiers that output P(positive), keeps score histograms per true class
// (for ROC AUC) and the sum of the log loss.
type Classification struct {
	// Count is the number of (label, predicted) pairs added.
	Count uint64 `json:"count"`
	// Confusion counts pairs by true label, then by predicted label.
	Confusion map[string]map[string]uint64 `json:"confusion,omitempty"`

	// ScorePositive is the class whose probability the scores are.
	ScorePositive string `json:"score_positive,omitempty"`
	// ScoreConflict is set once scores for two different positive classes
	// were added or merged; the score metrics are then left out.
	ScoreConflict bool `json:"score_conflict,omitempty"`
	// Scored is the number of pairs that came with a score.
	Scored uint64 `json:"scored,omitempty"`
	// PositiveScores and NegativeScores count scores by bin (see NumBins)
	// for pairs whose label is, and is not, ScorePositive.
	PositiveScores map[int]uint64 `json:"positive_scores,omitempty"`
	NegativeScores map[int]uint64 `json:"negative_scores,omitempty"`
	// LogLossSum is the sum of each scored pair's log loss, with
	// probabilities clipped to [eps, 1-eps] as scikit-learn does.
	LogLossSum float64 `json:"log_loss_sum,omitempty"`
}

// Add records one prediction. prob is the model's P(positive) for a binary
// classifier, or NaN when there is none; it is ignored when positive is "".
// Scores outside [0, 1] are clipped.
func (c *Classification) Add(label, predicted string, prob float64, positive string) {
	c.Count++
	row := c.Confusion[label]
	if row == nil {
		if c.Confusion == nil {
			c.Confusion = make(map[string]map[string]uint64)
		}
		row = make(map[string]uint64)
		c.Confusion[label] = row
	}
	row[predicted]++
	if math.IsNaN(prob) || positive == "" {
		return
	}
	if !c.claimPositive(positive) {
		return
	}
	c.Scored++
	p := min(max(prob, logLossEps), 1-logLossEps)
	if label == positive {
		c.PositiveScores = incBin(c.PositiveScores, scoreBin(prob))
		c.LogLossSum -= math.Log(p)
	} else {
		c.NegativeScores = incBin(c.NegativeScores, scoreBin(prob))
		c.LogLossSum -= math.Log(1 - p)
	}
}

// claimPositive records which class the scores belong to and reports whether
// scores for positive may be added.
func (c *Classification) claimPositive(positive string) bool {
	switch {
	case c.ScoreConflict:
		return false
	case c.ScorePositive == "":
		c.ScorePositive = positive
		return true
	case c.ScorePositive == positive:
		return true
	default:
		c.ScoreConflict = true
		return false
	}
}

// Merge adds o's counts to c. o is not changed; a nil o is a no-op.
func (c *Classification) Merge(o *Classification) {
	if o == nil {
		return
	}
	c.Count += o.Count
	for label, orow := range o.Confusion {
		row := c.Confusion[label]
		if row == nil {
			if c.Confusion == nil {
				c.Confusion = make(map[string]map[string]uint64, len(o.Confusion))
			}
			row = make(map[string]uint64, len(orow))
			c.Confusion[label] = row
		}
		for pred, n := range orow {
			row[pred] += n
		}
	}
	if o.ScoreConflict {
		c.ScoreConflict = true
	}
	if o.ScorePositive != "" {
		c.claimPositive(o.ScorePositive)
	}
	c.Scored += o.Scored
	c.LogLossSum += o.LogLossSum
	c.PositiveScores = mergeBins(c.PositiveScores, o.PositiveScores)
	c.NegativeScores = mergeBins(c.NegativeScores, o.NegativeScores)
}

// Metrics computes, as scikit-learn does:
//   - "count": the number of pairs; alone when there are none.
//   - "accuracy": accuracy_score.
//   - "precision", "recall", "f1": for a non-empty positive, those of the
//     positive class (average="binary", pos_label=positive, when there are
//     at most two classes; one-vs-rest for positive otherwise); for positive
//     "", the unweighted mean over the classes seen as labels or predictions
//     (average="macro"). An undefined ratio counts as 0 (zero_division's
//     default).
//   - "log_loss" (log_loss with labels=[negative, positive], so also with a
//     single class) and "roc_auc" (roc_auc_score, from binned scores, left
//     out unless both classes were scored), over the pairs that came with a
//     score, when positive is the class those scores were added for.
func (c *Classification) Metrics(positive string) map[string]float64 {
	m := map[string]float64{"count": float64(c.Count)}
	if c.Count == 0 {
		return m
	}
	n := float64(c.Count)
	var correct uint64
	for label, row := range c.Confusion {
		correct += row[label]
	}
	m["accuracy"] = float64(correct) / n
	if positive != "" {
		m["precision"], m["recall"], m["f1"] = c.classPRF(positive)
	} else {
		classes := c.classes()
		var sp, sr, sf float64
		for _, k := range classes {
			p, r, f := c.classPRF(k)
			sp, sr, sf = sp+p, sr+r, sf+f
		}
		k := float64(len(classes))
		m["precision"], m["recall"], m["f1"] = sp/k, sr/k, sf/k
	}
	if positive == "" || positive != c.ScorePositive || c.ScoreConflict || c.Scored == 0 {
		return m
	}
	m["log_loss"] = c.LogLossSum / float64(c.Scored)
	if auc, ok := binnedAUC(c.PositiveScores, c.NegativeScores); ok {
		m["roc_auc"] = auc
	}
	return m
}

// classPRF is precision, recall and F1 of class k against the rest, with
// scikit-learn's zero_division="warn" (0) for undefined ratios.
func (c *Classification) classPRF(k string) (precision, recall, f1 float64) {
	tp := c.Confusion[k][k]
	var predicted, actual uint64
	for _, row := range c.Confusion {
		predicted += row[k]
	}
	for _, n := range c.Confusion[k] {
		actual += n
	}
	if predicted > 0 {
		precision = float64(tp) / float64(predicted)
	}
	if actual > 0 {
		recall = float64(tp) / float64(actual)
	}
	if precision+recall > 0 {
		f1 = 2 * precision * recall / (precision + recall)
	}
	return precision, recall, f1
}

// classes lists, sorted, every class seen as a label or a prediction.
func (c *Classification) classes() []string {
	seen := map[string]bool{}
	for label, row := range c.Confusion {
		seen[label] = true
		for pred := range row {
			seen[pred] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// scoreBin is the histogram bin of a probability; out-of-range scores go to
// the first or last bin. The caller excludes NaN.
func scoreBin(p float64) int {
	if !(p > 0) {
		return 0
	}
	if p >= 1 {
		return NumBins - 1
	}
	return min(int(p*NumBins), NumBins-1)
}

func incBin(h map[int]uint64, b int) map[int]uint64 {
	if h == nil {
		h = make(map[int]uint64)
	}
	h[b]++
	return h
}

func mergeBins(h, o map[int]uint64) map[int]uint64 {
	if len(o) == 0 {
		return h
	}
	if h == nil {
		h = make(map[int]uint64, len(o))
	}
	for b, n := range o {
		h[b] += n
	}
	return h
}

// binnedAUC is the area under the ROC curve of positives and negatives
// counted by score bin, with scores in one bin tied (the Mann-Whitney U
// statistic with ties counted one half, which is what scikit-learn's
// trapezoidal roc_auc_score gives for tied scores). ok is false unless both
// classes are present.
func binnedAUC(pos, neg map[int]uint64) (auc float64, ok bool) {
	var np, nn float64
	for _, n := range pos {
		np += float64(n)
	}
	for _, n := range neg {
		nn += float64(n)
	}
	if np == 0 || nn == 0 {
		return 0, false
	}
	bins := make([]int, 0, len(pos)+len(neg))
	for b := range pos {
		bins = append(bins, b)
	}
	for b := range neg {
		if _, dup := pos[b]; !dup {
			bins = append(bins, b)
		}
	}
	slices.Sort(bins)
	var above, u float64 // positives in higher bins; U statistic
	for i := len(bins) - 1; i >= 0; i-- {
		p, n := float64(pos[bins[i]]), float64(neg[bins[i]])
		u += n * (above + p/2)
		above += p
	}
	return u / (np * nn), true
}
