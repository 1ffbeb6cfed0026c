package modelmetrics

import "math"

// FourFifths is the demographic parity ratio below which the four-fifths
// rule of thumb for disparate impact is violated.
const FourFifths = 0.8

// Fairness is the mergeable state of a binary classifier's fairness with
// respect to one protected attribute: counts per group (value of the
// attribute). Use one Fairness per attribute.
type Fairness struct {
	Groups map[string]GroupCounts `json:"groups,omitempty"`
}

// GroupCounts are one group's counts. N and Selected count every
// prediction; TP, FP, TN and FN only the labelled ones.
type GroupCounts struct {
	N        uint64 `json:"n"`
	Selected uint64 `json:"selected"`
	TP       uint64 `json:"tp,omitempty"`
	FP       uint64 `json:"fp,omitempty"`
	TN       uint64 `json:"tn,omitempty"`
	FN       uint64 `json:"fn,omitempty"`
}

// Labelled is the number of the group's predictions that had a label.
func (g GroupCounts) Labelled() uint64 { return g.TP + g.FP + g.TN + g.FN }

// Add records one prediction for a member of group: whether the model
// selected it (predicted the positive outcome) and, once known, its label.
func (f *Fairness) Add(group string, predictedPositive bool, label *bool) {
	if f.Groups == nil {
		f.Groups = make(map[string]GroupCounts)
	}
	g := f.Groups[group]
	g.N++
	if predictedPositive {
		g.Selected++
	}
	if label != nil {
		switch {
		case *label && predictedPositive:
			g.TP++
		case *label:
			g.FN++
		case predictedPositive:
			g.FP++
		default:
			g.TN++
		}
	}
	f.Groups[group] = g
}

// Merge adds o's counts to f. o is not changed; a nil o is a no-op.
func (f *Fairness) Merge(o *Fairness) {
	if o == nil || len(o.Groups) == 0 {
		return
	}
	if f.Groups == nil {
		f.Groups = make(map[string]GroupCounts, len(o.Groups))
	}
	for k, og := range o.Groups {
		g := f.Groups[k]
		g.N += og.N
		g.Selected += og.Selected
		g.TP += og.TP
		g.FP += og.FP
		g.TN += og.TN
		g.FN += og.FN
		f.Groups[k] = g
	}
}

// GroupMetrics are one group's rates. TPR and FPR are NaN when none of the
// group's predictions had a label.
type GroupMetrics struct {
	Count         uint64  `json:"count"`
	Labelled      uint64  `json:"labelled"`
	SelectionRate float64 `json:"selection_rate"`
	TPR           float64 `json:"tpr"`
	FPR           float64 `json:"fpr"`
}

// FairnessMetrics are Fairlearn's disparity metrics between groups (method
// "between_groups"). A metric that is undefined is NaN (which encoding/json
// refuses: check with math.IsNaN before encoding).
type FairnessMetrics struct {
	Groups map[string]GroupMetrics `json:"groups"`
	// DemographicParityDifference is the largest minus the smallest
	// selection rate; NaN without groups.
	DemographicParityDifference float64 `json:"demographic_parity_difference"`
	// DemographicParityRatio is the smallest over the largest selection
	// rate; NaN without groups or when no group had a selection.
	DemographicParityRatio float64 `json:"demographic_parity_ratio"`
	// EqualOpportunityDifference is the largest minus the smallest true
	// positive rate of the groups with labels; NaN without labels.
	EqualOpportunityDifference float64 `json:"equal_opportunity_difference"`
	// EqualizedOddsDifference is the greater of the true positive rate
	// difference and the false positive rate difference (agg="worst_case");
	// NaN without labels.
	EqualizedOddsDifference float64 `json:"equalized_odds_difference"`
	// FourFifthsViolated reports DemographicParityRatio < FourFifths.
	FourFifthsViolated bool `json:"four_fifths_violated"`
}

// Metrics computes, as fairlearn.metrics does: selection_rate per group (the
// share of its predictions that are positive, labelled or not), TPR and FPR
// per group with labels (true_positive_rate and false_positive_rate over its
// labelled predictions; as in Fairlearn, whose rates come from scikit-learn's
// confusion_matrix(normalize="true"), a group with no positive labels has TPR
// 0 and one with no negative labels FPR 0), and demographic_parity_difference,
// demographic_parity_ratio, equal_opportunity_difference and
// equalized_odds_difference across groups. Groups without labels take no part
// in the label-based differences, as they would be absent from the data
// Fairlearn is given.
func (f *Fairness) Metrics() FairnessMetrics {
	nan := math.NaN()
	out := FairnessMetrics{
		Groups:                      make(map[string]GroupMetrics, len(f.Groups)),
		DemographicParityDifference: nan,
		DemographicParityRatio:      nan,
		EqualOpportunityDifference:  nan,
		EqualizedOddsDifference:     nan,
	}
	sel, tpr, fpr := newSpan(), newSpan(), newSpan()
	for k, g := range f.Groups {
		if g.N == 0 {
			continue
		}
		gm := GroupMetrics{
			Count:         g.N,
			Labelled:      g.Labelled(),
			SelectionRate: float64(g.Selected) / float64(g.N),
			TPR:           nan,
			FPR:           nan,
		}
		sel.add(gm.SelectionRate)
		if gm.Labelled > 0 {
			gm.TPR = rateOrZero(g.TP, g.TP+g.FN)
			gm.FPR = rateOrZero(g.FP, g.FP+g.TN)
			tpr.add(gm.TPR)
			fpr.add(gm.FPR)
		}
		out.Groups[k] = gm
	}
	if sel.n > 0 {
		out.DemographicParityDifference = sel.max - sel.min
		if sel.max > 0 {
			out.DemographicParityRatio = sel.min / sel.max
			out.FourFifthsViolated = out.DemographicParityRatio < FourFifths
		}
	}
	if tpr.n > 0 {
		out.EqualOpportunityDifference = tpr.max - tpr.min
		out.EqualizedOddsDifference = max(tpr.max-tpr.min, fpr.max-fpr.min)
	}
	return out
}

// rateOrZero is num/den, or 0 for 0/0 as numpy.nan_to_num makes it.
func rateOrZero(num, den uint64) float64 {
	if den == 0 {
		return 0
	}
	return float64(num) / float64(den)
}

type span struct {
	n        int
	min, max float64
}

func newSpan() span { return span{min: math.Inf(1), max: math.Inf(-1)} }

func (s *span) add(x float64) {
	s.n++
	s.min = min(s.min, x)
	s.max = max(s.max, x)
}
