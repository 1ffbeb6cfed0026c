package modelmetrics

import (
	"encoding/json"
	"math"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// testdata/reference.json is made by testdata/gen_reference.py with
// scikit-learn 1.2.1 and numpy re-implementations of Fairlearn's and
// NannyML's definitions; see the script's docstring.
type reference struct {
	Binary []struct {
		Name      string             `json:"name"`
		Positive  string             `json:"positive"`
		Labels    []string           `json:"labels"`
		Predicted []string           `json:"predicted"`
		Probs     []float64          `json:"probs"`
		Expect    map[string]float64 `json:"expect"`
	} `json:"binary"`
	Multiclass []struct {
		Name      string             `json:"name"`
		Labels    []string           `json:"labels"`
		Predicted []string           `json:"predicted"`
		Expect    map[string]float64 `json:"expect"`
	} `json:"multiclass"`
	MulticlassProba []struct {
		Name      string             `json:"name"`
		Classes   []string           `json:"classes"`
		Labels    []string           `json:"labels"`
		Predicted []string           `json:"predicted"`
		Probs     [][]float64        `json:"probs"`
		Expect    map[string]float64 `json:"expect"`
	} `json:"multiclass_proba"`
	Regression []struct {
		Name   string             `json:"name"`
		Y      []float64          `json:"y"`
		Yhat   []float64          `json:"yhat"`
		Expect map[string]float64 `json:"expect"`
	} `json:"regression"`
	Fairness []struct {
		Name      string   `json:"name"`
		Groups    []string `json:"groups"`
		Labels    []bool   `json:"labels"`
		Predicted []bool   `json:"predicted"`
		ByGroup   map[string]struct {
			Count         uint64  `json:"count"`
			SelectionRate float64 `json:"selection_rate"`
			TPR           float64 `json:"tpr"`
			FPR           float64 `json:"fpr"`
		} `json:"by_group"`
		Expect map[string]float64 `json:"expect"`
	} `json:"fairness"`
	CBPE []struct {
		Name        string             `json:"name"`
		Threshold   float64            `json:"threshold"`
		Calibrate   bool               `json:"calibrate"`
		Probs       []float64          `json:"probs"`
		RefProbs    []float64          `json:"ref_probs"`
		RefLabels   []bool             `json:"ref_labels"`
		XThresholds []float64          `json:"x_thresholds"`
		YThresholds []float64          `json:"y_thresholds"`
		Points      []float64          `json:"points"`
		Calibrated  []float64          `json:"calibrated"`
		Expect      map[string]float64 `json:"expect"`
	} `json:"cbpe"`
}

var loadReference = sync.OnceValues(func() (*reference, error) {
	b, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		return nil, err
	}
	var ref reference
	return &ref, json.Unmarshal(b, &ref)
})

func mustReference(t testing.TB) *reference {
	t.Helper()
	ref, err := loadReference()
	require.NoError(t, err)
	return ref
}

// Tolerances against the reference values.
const (
	tolCounts  = 1e-12 // ratios of counts, and of sums of probabilities
	tolAUC     = 1e-3  // ROC AUC from NumBins score bins
	tolLogLoss = 1e-9  // relative
	tolRegress = 1e-9  // relative
	tolCalib   = 1e-9
)

func requireAbs(t *testing.T, want, got, tol float64, msg string, args ...any) {
	t.Helper()
	require.Truef(t, math.Abs(got-want) <= tol, "%s: got %.17g, want %.17g (tolerance %g)",
		append([]any{msgf(msg, args...)}, got, want, tol)...)
}

func requireRel(t *testing.T, want, got, tol float64, msg string, args ...any) {
	t.Helper()
	d := math.Abs(got - want)
	require.Truef(t, d <= tol*math.Abs(want) || d <= 1e-15, "%s: got %.17g, want %.17g (relative tolerance %g)",
		append([]any{msgf(msg, args...)}, got, want, tol)...)
}

func msgf(msg string, args ...any) string {
	if len(args) == 0 {
		return msg
	}
	b, _ := json.Marshal(args)
	return msg + " " + string(b)
}

func TestClassificationMatchesSklearn(t *testing.T) {
	ref := mustReference(t)
	require.Len(t, ref.Binary, 5)
	require.Len(t, ref.Multiclass, 2)
	for _, tc := range ref.Binary {
		t.Run(tc.Name, func(t *testing.T) {
			var c Classification
			for i := range tc.Labels {
				c.Add(tc.Labels[i], tc.Predicted[i], tc.Probs[i], tc.Positive)
			}
			got := c.Metrics(tc.Positive)
			require.Equal(t, float64(len(tc.Labels)), got["count"])
			require.Len(t, got, len(tc.Expect)+1, "metrics %v", got)
			for _, k := range []string{"accuracy", "precision", "recall", "f1"} {
				requireAbs(t, tc.Expect[k], got[k], tolCounts, k)
			}
			requireRel(t, tc.Expect["log_loss"], got["log_loss"], tolLogLoss, "log_loss")
			requireAbs(t, tc.Expect["roc_auc"], got["roc_auc"], tolAUC, "roc_auc")
		})
	}
	for _, tc := range ref.Multiclass {
		t.Run(tc.Name, func(t *testing.T) {
			var c Classification
			for i := range tc.Labels {
				c.Add(tc.Labels[i], tc.Predicted[i], math.NaN(), "")
			}
			got := c.Metrics("")
			require.Len(t, got, 5, "metrics %v", got)
			for k, want := range tc.Expect {
				requireAbs(t, want, got[k], tolCounts, k)
			}
		})
	}
}

// TestMulticlassMatchesSklearn checks a model that outputs a probability
// per class: macro precision, recall and F1, log_loss and one-vs-rest macro
// ROC AUC.
func TestMulticlassMatchesSklearn(t *testing.T) {
	ref := mustReference(t)
	require.Len(t, ref.MulticlassProba, 3)
	for _, tc := range ref.MulticlassProba {
		t.Run(tc.Name, func(t *testing.T) {
			// Two halves merged, as buckets are.
			a, b := NewMulticlass(tc.Classes), NewMulticlass(tc.Classes)
			for i := range tc.Labels {
				m := a
				if i%2 == 1 {
					m = b
				}
				m.Add(tc.Labels[i], tc.Predicted[i], tc.Probs[i])
			}
			a.Merge(b)
			got := a.Metrics()
			require.Equal(t, float64(len(tc.Labels)), got["count"])
			require.Len(t, got, len(tc.Expect)+1, "metrics %v", got)
			for _, k := range []string{"accuracy", "precision", "recall", "f1"} {
				requireAbs(t, tc.Expect[k], got[k], tolCounts, k)
			}
			requireRel(t, tc.Expect["log_loss"], got["log_loss"], tolLogLoss, "log_loss")
			if want, ok := tc.Expect["roc_auc"]; ok {
				requireAbs(t, want, got["roc_auc"], tolAUC, "roc_auc")
			}
		})
	}
}

func TestRegressionMatchesSklearn(t *testing.T) {
	ref := mustReference(t)
	require.Len(t, ref.Regression, 5)
	for _, tc := range ref.Regression {
		t.Run(tc.Name, func(t *testing.T) {
			var r Regression
			for i := range tc.Y {
				r.Add(tc.Y[i], tc.Yhat[i])
			}
			got := r.Metrics()
			require.Len(t, got, 5, "metrics %v", got)
			require.Equal(t, float64(len(tc.Y)), got["count"])
			for k, want := range tc.Expect {
				requireRel(t, want, got[k], tolRegress, k)
			}
		})
	}
}

func TestFairnessMatchesFairlearnDefinitions(t *testing.T) {
	ref := mustReference(t)
	require.Len(t, ref.Fairness, 2)
	for _, tc := range ref.Fairness {
		t.Run(tc.Name, func(t *testing.T) {
			var f Fairness
			for i := range tc.Groups {
				f.Add(tc.Groups[i], tc.Predicted[i], &tc.Labels[i])
			}
			got := f.Metrics()
			require.Len(t, got.Groups, len(tc.ByGroup))
			for g, want := range tc.ByGroup {
				gm := got.Groups[g]
				require.Equal(t, want.Count, gm.Count, g)
				require.Equal(t, want.Count, gm.Labelled, g)
				requireAbs(t, want.SelectionRate, gm.SelectionRate, tolCounts, "selection_rate %s", g)
				requireAbs(t, want.TPR, gm.TPR, tolCounts, "tpr %s", g)
				requireAbs(t, want.FPR, gm.FPR, tolCounts, "fpr %s", g)
			}
			requireAbs(t, tc.Expect["demographic_parity_difference"], got.DemographicParityDifference, tolCounts, "dpd")
			requireAbs(t, tc.Expect["demographic_parity_ratio"], got.DemographicParityRatio, tolCounts, "dpr")
			requireAbs(t, tc.Expect["equal_opportunity_difference"], got.EqualOpportunityDifference, tolCounts, "eod")
			requireAbs(t, tc.Expect["equalized_odds_difference"], got.EqualizedOddsDifference, tolCounts, "eqodds")
			require.Equal(t, tc.Expect["demographic_parity_ratio"] < 0.8, got.FourFifthsViolated)
		})
	}
}

func TestCBPEMatchesNannyMLFormulas(t *testing.T) {
	ref := mustReference(t)
	require.Len(t, ref.CBPE, 3)
	for _, tc := range ref.CBPE {
		t.Run(tc.Name, func(t *testing.T) {
			var cal *Calibrator
			if tc.Calibrate {
				var err error
				cal, err = FitCalibrator(tc.RefProbs, tc.RefLabels)
				require.NoError(t, err)
				require.NoError(t, cal.Validate())
				require.Len(t, cal.X, len(tc.XThresholds))
				for i := range cal.X {
					requireAbs(t, tc.XThresholds[i], cal.X[i], 0, "X_thresholds_[%d]", i)
					requireAbs(t, tc.YThresholds[i], cal.Y[i], tolCalib, "y_thresholds_[%d]", i)
				}
				for i, p := range tc.Points {
					requireAbs(t, tc.Calibrated[i], cal.Apply(p), tolCalib, "predict(%v)", p)
				}
			}
			var e CBPE
			for _, p := range tc.Probs {
				e.Add(p, tc.Threshold, cal)
			}
			got := e.Metrics()
			require.Len(t, got, 6, "metrics %v", got)
			require.Equal(t, float64(len(tc.Probs)), got["count"])
			for _, k := range []string{"accuracy", "precision", "recall", "f1"} {
				requireAbs(t, tc.Expect[k], got[k], tolCounts, k)
			}
			requireAbs(t, tc.Expect["roc_auc"], got["roc_auc"], tolAUC, "roc_auc")
		})
	}
}
