package monitor

import (
	"math"
	"sort"

	"github.com/mlre-dev/mlre/internal/modelmetrics"
)

// Fairness is one protected attribute's fairness over a window, with only
// the defined metrics (JSON has no NaN).
type Fairness struct {
	Metrics            map[string]float64            `json:"metrics"`
	Groups             map[string]map[string]float64 `json:"groups"`
	FourFifthsViolated bool                          `json:"four_fifths_violated"`
}

// fairnessOf combines the selection counts of all predictions (sel) with
// the confusion counts of the labelled ones (lab).
func fairnessOf(sel, lab *modelmetrics.Fairness) Fairness {
	f := modelmetrics.Fairness{Groups: map[string]modelmetrics.GroupCounts{}}
	for g, c := range sel.Groups {
		f.Groups[g] = modelmetrics.GroupCounts{N: c.N, Selected: c.Selected}
	}
	for g, c := range lab.Groups {
		x := f.Groups[g]
		if x.N == 0 { // a label for a group whose predictions left the window
			x.N, x.Selected = c.N, c.Selected
		}
		x.TP, x.FP, x.TN, x.FN = c.TP, c.FP, c.TN, c.FN
		f.Groups[g] = x
	}
	m := f.Metrics()
	out := Fairness{Metrics: map[string]float64{}, Groups: map[string]map[string]float64{}, FourFifthsViolated: m.FourFifthsViolated}
	put := func(dst map[string]float64, k string, v float64) {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			dst[k] = v
		}
	}
	put(out.Metrics, "demographic_parity_difference", m.DemographicParityDifference)
	put(out.Metrics, "demographic_parity_ratio", m.DemographicParityRatio)
	put(out.Metrics, "equal_opportunity_difference", m.EqualOpportunityDifference)
	put(out.Metrics, "equalized_odds_difference", m.EqualizedOddsDifference)
	for g, gm := range m.Groups {
		x := map[string]float64{"count": float64(gm.Count), "labelled": float64(gm.Labelled)}
		put(x, "selection_rate", gm.SelectionRate)
		put(x, "true_positive_rate", gm.TPR)
		put(x, "false_positive_rate", gm.FPR)
		out.Groups[g] = x
	}
	return out
}

func fairnessSeries(f Fairness) map[string]float64 { return f.Metrics }

type groupRate struct {
	group, metric string
	v             float64
}

func groupSeries(f Fairness) []groupRate {
	var out []groupRate
	groups := make([]string, 0, len(f.Groups))
	for g := range f.Groups {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		for _, k := range []string{"selection_rate", "true_positive_rate", "false_positive_rate"} {
			if v, ok := f.Groups[g][k]; ok {
				out = append(out, groupRate{g, k, v})
			}
		}
	}
	return out
}
