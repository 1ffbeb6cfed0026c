package modelmetrics

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNoDataGivesOnlyCount(t *testing.T) {
	empty := map[string]float64{"count": 0}
	var c Classification
	require.Equal(t, empty, c.Metrics("yes"))
	require.Equal(t, empty, c.Metrics(""))
	var r Regression
	require.Equal(t, empty, r.Metrics())
	var e CBPE
	require.Equal(t, empty, e.Metrics())

	var f Fairness
	fm := f.Metrics()
	require.Empty(t, fm.Groups)
	require.True(t, math.IsNaN(fm.DemographicParityDifference))
	require.True(t, math.IsNaN(fm.DemographicParityRatio))
	require.True(t, math.IsNaN(fm.EqualOpportunityDifference))
	require.True(t, math.IsNaN(fm.EqualizedOddsDifference))
	require.False(t, fm.FourFifthsViolated)
}

func TestClassificationEdgeCases(t *testing.T) {
	tests := []struct {
		name     string
		rows     [][2]string
		probs    []float64
		positive string
		want     map[string]float64
	}{
		{
			name:     "all correct, perfectly separated scores",
			rows:     [][2]string{{"yes", "yes"}, {"no", "no"}, {"yes", "yes"}, {"no", "no"}},
			probs:    []float64{0.9, 0.2, 0.8, 0.1},
			positive: "yes",
			want: map[string]float64{"count": 4, "accuracy": 1, "precision": 1, "recall": 1, "f1": 1, "roc_auc": 1,
				"log_loss": -(math.Log(0.9) + math.Log(0.8) + math.Log(0.8) + math.Log(0.9)) / 4},
		},
		{
			name:     "single class labels: roc_auc left out, log_loss kept",
			rows:     [][2]string{{"yes", "yes"}, {"yes", "no"}, {"yes", "yes"}},
			probs:    []float64{0.7, 0.4, 0.9},
			positive: "yes",
			want: map[string]float64{"count": 3, "accuracy": 2.0 / 3, "precision": 1, "recall": 2.0 / 3, "f1": 0.8,
				"log_loss": -(math.Log(0.7) + math.Log(0.4) + math.Log(0.9)) / 3},
		},
		{
			name:     "no scores: no roc_auc nor log_loss",
			rows:     [][2]string{{"yes", "yes"}, {"no", "yes"}},
			probs:    []float64{math.NaN(), math.NaN()},
			positive: "yes",
			want:     map[string]float64{"count": 2, "accuracy": 0.5, "precision": 0.5, "recall": 1, "f1": 2.0 / 3},
		},
		{
			name:     "positive never seen: zero_division gives 0",
			rows:     [][2]string{{"no", "no"}, {"no", "no"}},
			probs:    []float64{math.NaN(), math.NaN()},
			positive: "yes",
			want:     map[string]float64{"count": 2, "accuracy": 1, "precision": 0, "recall": 0, "f1": 0},
		},
		{
			name:     "scores clipped: certain and wrong costs -log(eps)",
			rows:     [][2]string{{"yes", "no"}, {"no", "yes"}},
			probs:    []float64{0, 1.5},
			positive: "yes",
			want: map[string]float64{"count": 2, "accuracy": 0, "precision": 0, "recall": 0, "f1": 0, "roc_auc": 0,
				"log_loss": -math.Log(logLossEps)},
		},
		{
			name:     "multiclass all correct",
			rows:     [][2]string{{"a", "a"}, {"b", "b"}, {"c", "c"}, {"a", "a"}},
			probs:    []float64{math.NaN(), math.NaN(), math.NaN(), math.NaN()},
			positive: "",
			want:     map[string]float64{"count": 4, "accuracy": 1, "precision": 1, "recall": 1, "f1": 1},
		},
		{
			name: "multiclass macro counts a class only ever predicted",
			// a: P 1/2 R 1/2 F 1/2; b: P 1 R 1/2 F 2/3; c: never true, P 0 R 0 F 0.
			rows:     [][2]string{{"a", "a"}, {"b", "a"}, {"b", "b"}, {"a", "c"}},
			probs:    []float64{math.NaN(), math.NaN(), math.NaN(), math.NaN()},
			positive: "",
			want: map[string]float64{"count": 4, "accuracy": 0.5,
				"precision": (0.5 + 1 + 0) / 3, "recall": (0.5 + 0.5 + 0) / 3, "f1": (0.5 + 2.0/3) / 3},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c Classification
			for i, r := range tc.rows {
				c.Add(r[0], r[1], tc.probs[i], tc.positive)
			}
			got := c.Metrics(tc.positive)
			require.Len(t, got, len(tc.want), "got %v", got)
			for k, w := range tc.want {
				require.InDelta(t, w, got[k], 1e-12, k)
			}
		})
	}
}

func TestClassificationScoresBelongToOnePositiveClass(t *testing.T) {
	var c Classification
	c.Add("yes", "yes", 0.9, "yes")
	c.Add("no", "no", 0.1, "yes")
	require.Contains(t, c.Metrics("yes"), "roc_auc")
	// Asked for another positive class, the scores do not apply.
	require.NotContains(t, c.Metrics("no"), "roc_auc")
	require.NotContains(t, c.Metrics("no"), "log_loss")
	// A score without a positive class is ignored.
	c.Add("no", "no", 0.3, "")
	require.Equal(t, uint64(2), c.Scored)

	// Scores for another positive class poison the score metrics, also
	// through Merge, but not the counts.
	other := Classification{}
	other.Add("no", "no", 0.8, "no")
	c.Merge(&other)
	require.True(t, c.ScoreConflict)
	got := c.Metrics("yes")
	require.NotContains(t, got, "roc_auc")
	require.NotContains(t, got, "log_loss")
	require.Equal(t, 1.0, got["accuracy"])
	require.Equal(t, 4.0, got["count"])

	var d Classification
	d.Add("a", "a", 0.5, "a")
	d.Add("b", "b", 0.5, "b")
	require.True(t, d.ScoreConflict)
	require.Equal(t, uint64(1), d.Scored)
}

func TestScoreBins(t *testing.T) {
	tests := []struct {
		p    float64
		want int
	}{
		{-1, 0}, {0, 0}, {0.00005, 0}, {0.0001, 1}, {0.5, 5000}, {0.99999, 9999}, {1, 9999}, {7, 9999},
		{math.Inf(-1), 0}, {math.Inf(1), 9999},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, scoreBin(tc.p), "p=%v", tc.p)
	}
}

func TestMulticlassEdgeCases(t *testing.T) {
	classes := []string{"cat", "dog", "bird"}
	m := NewMulticlass(classes)
	require.Equal(t, map[string]float64{"count": 0}, m.Metrics())

	m.Add("cat", "cat", []float64{1, 0, 0})
	m.Add("dog", "cat", []float64{0.5, 0.5, 0})
	got := m.Metrics()
	require.NotContains(t, got, "roc_auc", "bird was never the label: one-vs-rest AUC is undefined for it")
	// Clipped to [eps, 1-eps] and divided by the row's sum, as scikit-learn.
	lossCat := -math.Log((1 - logLossEps) / (1 - logLossEps + 2*logLossEps))
	lossDog := -math.Log(0.5 / (1 + logLossEps))
	require.InDelta(t, (lossCat+lossDog)/2, got["log_loss"], 1e-15)
	require.Equal(t, 0.5, got["accuracy"])

	m.Add("bird", "bird", []float64{0.1, 0.1, 0.8})
	got = m.Metrics()
	// cat: positives {1}, negatives {0.5, 0.1}: 1; dog: positives {0.5},
	// negatives {0, 0.1}: 1; bird: positives {0.8}, negatives {0, 0}: 1.
	require.Equal(t, 1.0, got["roc_auc"])

	// A label outside the classes, or probabilities of another length,
	// count for accuracy but not for the scores.
	m.Add("fish", "cat", []float64{0.2, 0.3, 0.5})
	m.Add("cat", "cat", []float64{0.9, 0.1})
	require.Equal(t, uint64(5), m.Pairs.Count)
	require.Equal(t, uint64(3), m.Scored)

	// State of other classes does not merge its scores.
	o := NewMulticlass([]string{"cat", "bird", "dog"})
	o.Add("cat", "cat", []float64{0.9, 0.05, 0.05})
	m.Merge(o)
	require.True(t, m.ClassConflict)
	got = m.Metrics()
	require.Equal(t, 6.0, got["count"])
	require.NotContains(t, got, "log_loss")
	require.NotContains(t, got, "roc_auc")

	// A zero value (decoded old state) takes scores without panicking.
	var z Multiclass
	z.Classes = classes
	z.Add("cat", "cat", []float64{0.6, 0.3, 0.1})
	z.Merge(NewMulticlass(classes))
	require.Equal(t, uint64(1), z.Scored)
}

func TestRegressionEdgeCases(t *testing.T) {
	var r Regression
	r.Add(2, 3)
	require.Equal(t, map[string]float64{"count": 1, "mae": 1, "rmse": 1, "mape": 0.5}, r.Metrics(),
		"r2 needs two samples")
	r.Add(math.NaN(), 1)
	r.Add(1, math.Inf(1))
	require.Equal(t, uint64(2), r.Skipped)
	require.Equal(t, uint64(1), r.Count)

	var perfect Regression
	for _, y := range []float64{-1, 0, 4} {
		perfect.Add(y, y)
	}
	require.Equal(t, map[string]float64{"count": 3, "mae": 0, "rmse": 0, "mape": 0, "r2": 1}, perfect.Metrics())

	var constant Regression
	constant.Add(5, 5)
	constant.Add(5, 5)
	require.Equal(t, 1.0, constant.Metrics()["r2"], "perfect on constant labels")
	constant.Add(5, 6)
	require.Equal(t, 0.0, constant.Metrics()["r2"], "imperfect on constant labels")

	var zero Regression
	zero.Add(0, 1)
	require.Equal(t, 1/mapeEps, zero.Metrics()["mape"])
}

func TestCBPEEdgeCases(t *testing.T) {
	var e CBPE
	e.Add(math.NaN(), 0.5, nil)
	require.Equal(t, uint64(1), e.Skipped)
	require.Equal(t, map[string]float64{"count": 0}, e.Metrics())

	// No predicted positives: precision is 0/0, left out, as NaN in NannyML.
	e.Add(0.2, 0.5, nil)
	e.Add(0.4, 0.5, nil)
	got := e.Metrics()
	require.NotContains(t, got, "precision")
	require.InDelta(t, (0.8+0.6)/2, got["accuracy"], 1e-15)
	require.InDelta(t, 0, got["recall"], 0)
	require.InDelta(t, 0, got["f1"], 0)
	// Expected counts, highest score first: (TP, FP) steps of (0.4, 0.6) and
	// (0.2, 0.8); area 0.6*0.2 + 0.8*(0.4+0.1) over 0.6*1.4.
	require.InDelta(t, 0.52/0.84, got["roc_auc"], 1e-15)

	// NaN threshold means 0.5; the prediction uses the raw score even
	// where calibration moves the probability across the threshold.
	cal := &Calibrator{X: []float64{0, 1}, Y: []float64{0, 0.5}}
	var d CBPE
	d.Add(0.6, math.NaN(), cal) // predicted positive, p̂ = 0.3
	require.InDelta(t, 0.3, d.TP, 1e-15)
	require.InDelta(t, 0.7, d.FP, 1e-15)

	// Probabilities outside [0, 1] are clipped; all-certain positives leave
	// no expected negatives, so no ROC AUC.
	var s CBPE
	s.Add(1.2, 0.5, nil)
	s.Add(1, 0.5, nil)
	got = s.Metrics()
	require.Equal(t, map[string]float64{"count": 2, "accuracy": 1, "precision": 1, "recall": 1, "f1": 1}, got)
}

func TestCalibratorByHand(t *testing.T) {
	// PAV pools the violating pair (0.2: 1, 0.3: 0) into 0.5.
	c, err := FitCalibrator([]float64{0.3, 0.1, 0.4, 0.2}, []bool{false, false, true, true})
	require.NoError(t, err)
	require.Equal(t, []float64{0.1, 0.2, 0.3, 0.4}, c.X)
	require.Equal(t, []float64{0, 0.5, 0.5, 1}, c.Y)
	tests := []struct{ p, want float64 }{
		{-3, 0}, {0.1, 0}, {0.15, 0.25}, {0.25, 0.5}, {0.3, 0.5}, {0.35, 0.75}, {0.4, 1}, {2, 1},
	}
	for _, tc := range tests {
		require.InDelta(t, tc.want, c.Apply(tc.p), 1e-15, "Apply(%v)", tc.p)
	}
	require.True(t, math.IsNaN(c.Apply(math.NaN())))

	// Equal scores are averaged first; flat runs keep only their ends.
	c, err = FitCalibrator([]float64{0.5, 0.5, 0.5, 0.6, 0.7, 0.8, 0.9}, []bool{true, false, false, true, true, true, true})
	require.NoError(t, err)
	require.Equal(t, []float64{0.5, 0.6, 0.9}, c.X)
	require.InDeltaSlice(t, []float64{1.0 / 3, 1, 1}, c.Y, 1e-15)

	// One class: constant.
	c, err = FitCalibrator([]float64{0.2, 0.9}, []bool{false, false})
	require.NoError(t, err)
	require.Equal(t, 0.0, c.Apply(0.5))
	c, err = FitCalibrator([]float64{0.4}, []bool{true})
	require.NoError(t, err)
	require.Equal(t, 1.0, c.Apply(0.1))

	// nil and empty calibrators are the identity.
	var none *Calibrator
	require.Equal(t, 0.42, none.Apply(0.42))
	require.Equal(t, 0.42, (&Calibrator{}).Apply(0.42))
}

func TestCalibratorErrors(t *testing.T) {
	tests := []struct {
		name   string
		probs  []float64
		labels []bool
		want   error
	}{
		{"empty", nil, nil, ErrNoData},
		{"lengths differ", []float64{0.1, 0.2}, []bool{true}, ErrLengthMismatch},
		{"NaN score", []float64{0.1, math.NaN()}, []bool{true, false}, ErrNotFinite},
		{"infinite score", []float64{math.Inf(1)}, []bool{true}, ErrNotFinite},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := FitCalibrator(tc.probs, tc.labels)
			require.Nil(t, c)
			require.ErrorIs(t, err, tc.want)
		})
	}

	bad := []struct {
		c    Calibrator
		want error
	}{
		{Calibrator{}, ErrNoData},
		{Calibrator{X: []float64{0.1}, Y: []float64{0, 1}}, ErrLengthMismatch},
		{Calibrator{X: []float64{0.1, math.NaN()}, Y: []float64{0, 1}}, ErrNotFinite},
		{Calibrator{X: []float64{0.2, 0.2}, Y: []float64{0, 1}}, ErrNotIncreasing},
	}
	for _, tc := range bad {
		require.ErrorIs(t, tc.c.Validate(), tc.want, "%+v", tc.c)
	}
	require.NoError(t, (&Calibrator{X: []float64{0.2}, Y: []float64{0.3}}).Validate())
}

func TestCalibratorSurvivesJSON(t *testing.T) {
	ref := mustReference(t)
	tc := ref.CBPE[0]
	c, err := FitCalibrator(tc.RefProbs, tc.RefLabels)
	require.NoError(t, err)
	b, err := json.Marshal(c)
	require.NoError(t, err)
	var back Calibrator
	require.NoError(t, json.Unmarshal(b, &back))
	require.NoError(t, back.Validate())
	for _, p := range tc.Points {
		require.Equal(t, c.Apply(p), back.Apply(p))
	}
}

func TestFairnessEdgeCases(t *testing.T) {
	yes, no := true, false
	var f Fairness
	// Group a: 4 predictions, 2 selected; labelled: TP, FN, TN.
	f.Add("a", true, &yes)
	f.Add("a", false, &yes)
	f.Add("a", false, &no)
	f.Add("a", true, nil)
	// Group b: 4 predictions, 1 selected, one label (a negative, FP).
	f.Add("b", true, &no)
	f.Add("b", false, nil)
	f.Add("b", false, nil)
	f.Add("b", false, nil)
	// Group c: unlabelled only.
	f.Add("c", true, nil)
	f.Add("c", true, nil)

	m := f.Metrics()
	require.Equal(t, GroupMetrics{Count: 4, Labelled: 3, SelectionRate: 0.5, TPR: 0.5, FPR: 0}, m.Groups["a"])
	b := m.Groups["b"]
	require.Equal(t, 0.25, b.SelectionRate)
	require.Equal(t, 0.0, b.TPR, "no positive labels: TPR 0, as Fairlearn")
	require.Equal(t, 1.0, b.FPR)
	require.True(t, math.IsNaN(m.Groups["c"].TPR), "no labels: TPR undefined")
	require.True(t, math.IsNaN(m.Groups["c"].FPR))
	require.Equal(t, 1.0, m.Groups["c"].SelectionRate)

	require.InDelta(t, 0.75, m.DemographicParityDifference, 1e-15)
	require.InDelta(t, 0.25, m.DemographicParityRatio, 1e-15)
	require.True(t, m.FourFifthsViolated)
	require.InDelta(t, 0.5, m.EqualOpportunityDifference, 1e-15, "c takes no part")
	require.InDelta(t, 1.0, m.EqualizedOddsDifference, 1e-15, "FPR difference 1 beats TPR difference 0.5")

	// One group: no disparity. Nobody selected: ratio undefined, no violation.
	var one Fairness
	one.Add("only", true, nil)
	one.Add("only", false, nil)
	om := one.Metrics()
	require.Equal(t, 0.0, om.DemographicParityDifference)
	require.Equal(t, 1.0, om.DemographicParityRatio)
	require.False(t, om.FourFifthsViolated)
	require.True(t, math.IsNaN(om.EqualOpportunityDifference))

	var none Fairness
	none.Add("a", false, &yes)
	none.Add("b", false, &no)
	nm := none.Metrics()
	require.Equal(t, 0.0, nm.DemographicParityDifference)
	require.True(t, math.IsNaN(nm.DemographicParityRatio))
	require.False(t, nm.FourFifthsViolated)
	require.Equal(t, 0.0, nm.EqualizedOddsDifference)

	// Selection rates of 0.8 and 1 sit exactly on the four-fifths line.
	var edge Fairness
	for i := range 5 {
		edge.Add("x", i < 4, nil)
		edge.Add("y", true, nil)
	}
	em := edge.Metrics()
	require.InDelta(t, 0.8, em.DemographicParityRatio, 1e-15)
	require.False(t, em.FourFifthsViolated)
}

func TestErrorsAreWrapped(t *testing.T) {
	_, err := FitCalibrator([]float64{0.1}, []bool{true, false})
	require.True(t, errors.Is(err, ErrLengthMismatch))
	require.Contains(t, err.Error(), "1 scores and 2 labels")
}
