package monitor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sklearnMulticlass is the multiclass_proba section of modelmetrics'
// reference values (made by scikit-learn 1.2.1; see
// ../modelmetrics/testdata/gen_reference.py).
type sklearnMulticlass struct {
	Name      string             `json:"name"`
	Classes   []string           `json:"classes"`
	Labels    []string           `json:"labels"`
	Predicted []string           `json:"predicted"`
	Probs     [][]float64        `json:"probs"`
	Expect    map[string]float64 `json:"expect"`
}

func readSklearnMulticlass(t *testing.T) []sklearnMulticlass {
	t.Helper()
	b, err := os.ReadFile("../modelmetrics/testdata/reference.json")
	require.NoError(t, err)
	var ref struct {
		MulticlassProba []sklearnMulticlass `json:"multiclass_proba"`
	}
	require.NoError(t, json.Unmarshal(b, &ref))
	require.Len(t, ref.MulticlassProba, 3)
	return ref.MulticlassProba
}

// writeMulticlassReference writes a reference with a numerical feature x,
// a categorical feature c and the predicted class, drawn with the given
// shares of classes.
func writeMulticlassReference(t *testing.T, dir string, n int, classes []string, shares []float64) string {
	t.Helper()
	r := rand.New(rand.NewPCG(11, 12))
	var b strings.Builder
	b.WriteString("x,c,prediction\n")
	for range n {
		fmt.Fprintf(&b, "%.4f,%s,%s\n", r.NormFloat64(), []string{"u", "v"}[r.IntN(2)], pick(r, classes, shares))
	}
	path := filepath.Join(dir, fmt.Sprintf("mc-ref-%d.csv", n))
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

func pick(r *rand.Rand, classes []string, shares []float64) string {
	u := r.Float64()
	for i, s := range shares {
		if u < s {
			return classes[i]
		}
		u -= s
	}
	return classes[len(classes)-1]
}

func multiclassConfig(t *testing.T, ref string, classes []string, extra string) Config {
	t.Helper()
	q := make([]string, len(classes))
	for i, c := range classes {
		q[i] = fmt.Sprintf("%q", c)
	}
	cs, err := ParseConfigs([]byte(fmt.Sprintf(`
- name: animals
  features: [{name: x, type: numerical}, {name: c, type: categorical}]
  prediction: {type: probability, classes: [%s]%s}
  reference: {file: %q}
`, strings.Join(q, ", "), extra, ref)), "")
	require.NoError(t, err)
	return cs[0]
}

// TestMulticlassPerformanceMatchesSklearn sends scikit-learn's reference
// cases through the ingest API (half the labels inline, half later, one
// restart between) and checks the performance series against the values
// scikit-learn gave.
func TestMulticlassPerformanceMatchesSklearn(t *testing.T) {
	for _, tc := range readSklearnMulticlass(t) {
		t.Run(tc.Name, func(t *testing.T) {
			dir := t.TempDir()
			ref := writeMulticlassReference(t, dir, 200, tc.Classes, nil)
			cfg := multiclassConfig(t, ref, tc.Classes, "")
			clock := &fakeClock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
			m := openMonitor(t, filepath.Join(dir, "state"), clock, cfg)
			var preds, labels bytes.Buffer
			for i := range tc.Labels {
				probs := map[string]float64{}
				for k, c := range tc.Classes {
					probs[c] = tc.Probs[i][k]
				}
				row := map[string]any{"id": i, "features": map[string]any{"x": 0.5, "c": "u"}, "prediction": probs}
				if i%2 == 0 {
					row["label"] = tc.Labels[i]
				} else {
					fmt.Fprintf(&labels, `{"id": %d, "label": %q}`+"\n", i, tc.Labels[i])
				}
				b, err := json.Marshal(row)
				require.NoError(t, err)
				preds.Write(b)
				preds.WriteByte('\n')
			}
			res, err := m.IngestPredictions("animals", &preds)
			require.NoError(t, err)
			require.Equal(t, len(tc.Labels), res.Accepted)
			md, _ := m.model("animals")
			for i, want := range tc.Predicted {
				rec, ok := md.pending.get(fmt.Sprint(i))
				require.True(t, ok)
				require.Equal(t, want, rec.PredClass, "row %d: the most probable class, the first in order on a tie (as numpy's argmax)", i)
			}
			require.NoError(t, m.Close())
			m = openMonitor(t, filepath.Join(dir, "state"), clock, cfg)
			defer m.Close()
			_, err = m.IngestLabels("animals", &labels)
			require.NoError(t, err)
			m.Evaluate()
			ev := m.Evaluations()["animals"][0]
			got := ev.Performance
			require.Equal(t, float64(len(tc.Labels)), got["count"])
			require.Len(t, got, len(tc.Expect)+1, "metrics %v", got)
			for _, k := range []string{"accuracy", "precision", "recall", "f1"} {
				require.InDelta(t, tc.Expect[k], got[k], 1e-12, k)
			}
			require.InEpsilon(t, tc.Expect["log_loss"], got["log_loss"], 1e-9, "log_loss")
			if want, ok := tc.Expect["roc_auc"]; ok {
				require.InDelta(t, want, got["roc_auc"], 1e-3, "roc_auc")
			}
			require.Empty(t, ev.Estimated, "CBPE is for binary models only")
		})
	}
}

// TestMulticlassPredictionDrift: the predicted class's distribution is
// tested against the reference's like a categorical feature.
func TestMulticlassPredictionDrift(t *testing.T) {
	dir := t.TempDir()
	classes := []string{"cat", "dog", "bird"}
	ref := writeMulticlassReference(t, dir, 3000, classes, []float64{0.5, 0.3, 0.2})
	cfg := multiclassConfig(t, ref, classes, "")
	clock := &fakeClock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	m := openMonitor(t, filepath.Join(dir, "state"), clock, cfg)
	defer m.Close()
	send := func(version string, shares []float64) {
		r := rand.New(rand.NewPCG(3, uint64(len(version))))
		var b bytes.Buffer
		for i := range 2000 {
			top := pick(r, classes, shares)
			probs := map[string]float64{}
			for _, c := range classes {
				probs[c] = 0.1
			}
			probs[top] = 0.8
			j, _ := json.Marshal(map[string]any{"id": version + fmt.Sprint(i), "version": version,
				"features": map[string]any{"x": r.NormFloat64(), "c": "u"}, "prediction": probs})
			b.Write(j)
			b.WriteByte('\n')
		}
		_, err := m.IngestPredictions("animals", &b)
		require.NoError(t, err)
	}
	send("same", []float64{0.5, 0.3, 0.2})
	send("shifted", []float64{0.1, 0.3, 0.6})
	m.Evaluate()
	evs := m.Evaluations()["animals"]
	require.Len(t, evs, 2)
	for _, ev := range evs {
		pd := ev.PredictionDrift
		require.NotNil(t, pd, ev.Version)
		require.Equal(t, "jensenshannon", pd.Method, "a categorical test, with Evidently's choice for > 1000 reference rows")
		require.Equal(t, ev.Version == "shifted", pd.Drift, ev.Version)
	}
	v, ok := metricValue(gatherModel(t, m)["mlre_model_prediction_drift_score"], map[string]string{"version": "shifted", "method": "jensenshannon"})
	require.True(t, ok)
	require.Greater(t, v, 0.1)
}

func TestMulticlassRowsRejected(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	s := NewSchema([]FeatureConfig{{"x", Numerical}}, PredictionConfig{Type: Probability, Classes: []string{"cat", "dog", "bird"}}, nil)
	for _, tc := range []struct{ prediction, want string }{
		{`0.7`, "row 0: prediction: use an object of class to probability for each of the classes (cat, dog, bird)"},
		{`[0.7, 0.2, 0.1]`, "row 0: prediction: is a list of 3 values; use an object of class to probability"},
		{`{"cat": 0.7, "dog": 0.3}`, "row 0: prediction: no probability for class bird; give one for each of the classes (cat, dog, bird)"},
		{`{"cat": 0.7, "dog": 0.2, "fish": 0.1}`, `row 0: prediction: unknown class "fish"; the model's classes are cat, dog, bird`},
		{`{"cat": 0.7, "dog": 0.2, "bird": 0.2}`, "row 0: prediction: the probabilities sum to 1.1; they must sum to 1 (within 0.01)"},
		{`{"cat": 0.5, "dog": 0.2, "bird": 0.2}`, "the probabilities sum to 0.9;"},
		{`{"cat": 1.2, "dog": -0.1, "bird": -0.1}`, `row 0: prediction: class "cat": 1.2: use a probability, a number from 0 to 1`},
		{`{"cat": "0.7", "dog": 0.2, "bird": 0.1}`, `class "cat": "0.7": use a probability`},
		{`{"cat": 0.7, "cat": 0.2, "bird": 0.1}`, `class "cat" is given twice`},
	} {
		body := `[{"id": "a", "features": {"x": 1}, "prediction": ` + tc.prediction + `}]`
		_, err := ParsePredictions(strings.NewReader(body), s, now, time.Hour)
		require.ErrorContains(t, err, tc.want, tc.prediction)
	}
	_, err := ParsePredictions(strings.NewReader(`{"id": "a", "features": {}, "prediction": {"cat": 0.5, "dog": 0.25, "bird": 0.25}, "label": "fish"}`), s, now, time.Hour)
	require.ErrorContains(t, err, `row 0: label: "fish" is not one of the model's classes (cat, dog, bird)`)
	_, err = ParseLabels(strings.NewReader(`{"id": "a", "label": "fish"}`), s)
	require.ErrorContains(t, err, `row 0: label: "fish" is not one of the model's classes`)

	// Within the tolerance, the row is divided by its sum; ties go to the
	// first class in the config's order.
	rows, err := ParsePredictions(strings.NewReader(`{"id": "a", "features": {}, "prediction": {"bird": 0.4, "dog": 0.4, "cat": 0.205}}`), s, now, time.Hour)
	require.NoError(t, err)
	require.Equal(t, "dog", rows[0].PredClass)
	require.InDeltaSlice(t, []float64{0.205 / 1.005, 0.4 / 1.005, 0.4 / 1.005}, rows[0].Probs, 1e-15)
	require.InDelta(t, 0.4/1.005, rows[0].Pred, 1e-15)
}

func TestMulticlassConfig(t *testing.T) {
	cs, err := ParseConfigs([]byte(`[{name: a, prediction: {type: probability, classes: [cat, dog]}, reference: {file: r}}]`), "")
	require.NoError(t, err)
	require.True(t, cs[0].Prediction.Multiclass())
	require.Empty(t, cs[0].Prediction.PositiveClass, "no binary default")
	for _, tc := range []struct{ yaml, want string }{
		{`[{name: a, prediction: {type: class, classes: [cat, dog]}, reference: {file: r}}]`, "prediction.classes: applies to probability models"},
		{`[{name: a, prediction: {type: probability, classes: [cat]}, reference: {file: r}}]`, "prediction.classes: lists 1 class; a multiclass model has at least 2"},
		{`[{name: a, prediction: {type: probability, classes: [cat, cat]}, reference: {file: r}}]`, `prediction.classes[1]: "cat" is listed twice`},
		{`[{name: a, prediction: {type: probability, classes: [cat, ""]}, reference: {file: r}}]`, `prediction.classes[1]: is empty`},
		{`[{name: a, prediction: {type: probability, classes: [cat, dog], threshold: 0.3}, reference: {file: r}}]`, "prediction.threshold: applies to binary models"},
		{`[{name: a, prediction: {type: probability, classes: [cat, dog], positive_class: fish}, reference: {file: r}}]`, `prediction.positive_class: "fish" is not one of prediction.classes`},
		{`[{name: a, prediction: {type: probability, classes: [cat, dog]}, reference: {file: r}, protected_attributes: [g]}]`, "prediction.positive_class: is required with protected_attributes"},
	} {
		_, err := ParseConfigs([]byte(tc.yaml), "")
		require.ErrorContains(t, err, tc.want, tc.yaml)
	}
}

// TestMulticlassFairnessAndKServe: with positive_class, fairness compares
// how often each group gets that class; KServe's lists of probabilities
// are read in the order of the classes.
func TestMulticlassFairnessAndKServe(t *testing.T) {
	dir := t.TempDir()
	classes := []string{"cat", "dog", "bird"}
	ref := writeMulticlassReference(t, dir, 300, classes, []float64{0.5, 0.3, 0.2})
	cfg := multiclassConfig(t, ref, classes, ", positive_class: dog")
	cfg.ProtectedAttributes = []string{"g"}
	clock := &fakeClock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	m := openMonitor(t, filepath.Join(dir, "state"), clock, cfg)
	defer m.Close()
	_, err := m.IngestPredictions("animals", strings.NewReader(`
{"id": "1", "features": {"x": 0, "g": "a"}, "prediction": {"cat": 0.2, "dog": 0.7, "bird": 0.1}, "label": "dog"}
{"id": "2", "features": {"x": 0, "g": "a"}, "prediction": {"cat": 0.6, "dog": 0.3, "bird": 0.1}, "label": "dog"}
{"id": "3", "features": {"x": 0, "g": "b"}, "prediction": {"cat": 0.6, "dog": 0.3, "bird": 0.1}, "label": "cat"}`))
	require.NoError(t, err)

	h := http.Header{}
	h.Set("Ce-Id", "inf-1")
	h.Set("Ce-Type", ceRequest)
	_, err = m.IngestKServe("animals", h, strings.NewReader(`{"instances": [{"x": 1, "c": "u", "g": "b"}, {"x": 2, "c": "v", "g": "b"}]}`))
	require.NoError(t, err)
	h.Set("Ce-Type", ceResponse)
	res, err := m.IngestKServe("animals", h, strings.NewReader(`{"predictions": [[0.1, 0.2, 0.7], [0.1, 0.8, 0.1]]}`))
	require.NoError(t, err)
	require.Equal(t, 2, res.Accepted)
	md, _ := m.model("animals")
	rec, _ := md.pending.get("inf-1/0")
	require.Equal(t, "bird", rec.PredClass)
	rec, _ = md.pending.get("inf-1/1")
	require.Equal(t, "dog", rec.PredClass)
	h.Set("Ce-Id", "inf-2")
	h.Set("Ce-Type", ceRequest)
	_, err = m.IngestKServe("animals", h, strings.NewReader(`{"instances": [{"x": 1}]}`))
	require.NoError(t, err)
	h.Set("Ce-Type", ceResponse)
	_, err = m.IngestKServe("animals", h, strings.NewReader(`{"predictions": [[0.5, 0.5]]}`))
	require.ErrorContains(t, err, "is a list of 2 values")

	m.Evaluate()
	f := m.Evaluations()["animals"][0].Fairness["g"]
	require.Equal(t, 0.5, f.Groups["a"]["selection_rate"], "one of a's two predictions is dog")
	require.InDelta(t, 1.0/3, f.Groups["b"]["selection_rate"], 1e-12)
	require.Equal(t, 0.5, f.Groups["a"]["true_positive_rate"])
	require.False(t, math.IsNaN(f.Metrics["demographic_parity_ratio"]))
}

// TestMulticlassSavedReference: a profile saved for a multiclass model
// serves it; one with numeric predictions is refused.
func TestMulticlassSavedReference(t *testing.T) {
	dir := t.TempDir()
	classes := []string{"cat", "dog", "bird"}
	refCSV := writeMulticlassReference(t, dir, 500, classes, []float64{0.5, 0.3, 0.2})
	cfg := multiclassConfig(t, refCSV, classes, "")
	ref, err := BuildReference(refCSV, ReferenceOptions{Features: cfg.Features, Prediction: cfg.Prediction})
	require.NoError(t, err)
	require.Nil(t, ref.Calibrator)
	var buf bytes.Buffer
	_, err = ref.WriteTo(&buf)
	require.NoError(t, err)
	saved := filepath.Join(dir, "mc.mlreprofile")
	require.NoError(t, os.WriteFile(saved, buf.Bytes(), 0o644))
	c := cfg
	c.Reference = ReferenceConfig{Profile: saved}
	_, err = NewModel(c)
	require.NoError(t, err)

	bin := fraudConfig(t, writeReference(t, dir, 200))
	binRef, err := BuildReference(bin.Reference.File, ReferenceOptions{Features: []FeatureConfig{{"amount", Numerical}}, Prediction: bin.Prediction})
	require.NoError(t, err)
	buf.Reset()
	_, err = binRef.WriteTo(&buf)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(saved, buf.Bytes(), 0o644))
	c.Features = []FeatureConfig{{"amount", Numerical}}
	_, err = NewModel(c)
	require.ErrorContains(t, err, "the reference profile's predictions are numbers, the model's classes")
}

func FuzzParseMulticlass(f *testing.F) {
	f.Add(`{"id": 1, "features": {}, "prediction": {"cat": 0.7, "dog": 0.2, "bird": 0.1}, "label": "dog"}`)
	f.Add(`{"id": 1, "features": {}, "prediction": {"cat": 0.995, "dog": 0, "bird": 0}}`)
	f.Add(`{"id": 1, "features": {}, "prediction": {"cat": 1e-300, "dog": 1, "bird": 0.0}}`)
	s := NewSchema(nil, PredictionConfig{Type: Probability, Classes: []string{"cat", "dog", "bird"}}, nil)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body string) {
		rows, err := ParsePredictions(strings.NewReader(body), s, now, time.Hour)
		if err != nil {
			return
		}
		for _, r := range rows {
			require.Len(t, r.Probs, 3)
			var sum float64
			for _, p := range r.Probs {
				require.True(t, p >= 0 && p <= 1, "%v", r.Probs)
				sum += p
			}
			require.InDelta(t, 1, sum, 1e-12)
			require.Contains(t, s.Prediction.Classes, r.PredClass)
			require.Equal(t, r.Probs[s.classIndex[r.PredClass]], r.Pred)
		}
	})
}
