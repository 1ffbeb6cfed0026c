package monitor

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func testSchema() *Schema {
	th := 0.5
	return NewSchema([]FeatureConfig{{"amount", Numerical}, {"country", Categorical}, {"is_new", Boolean}},
		PredictionConfig{Type: Probability, PositiveClass: "1", Threshold: &th}, []string{"gender"})
}

func TestParsePredictions(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	s := testSchema()
	body := `[
	 {"id": "a1", "timestamp": "2026-11-26T11:59:00Z", "version": "v2", "features": {"amount": 12.5, "country": "DE", "is_new": true, "gender": "f"}, "prediction": 0.91, "label": 1},
	 {"id": 42, "features": {"amount": "oops", "country": 7, "is_new": null, "extra": 1}, "prediction": 0.2}
	]`
	rows, err := ParsePredictions(strings.NewReader(body), s, now, 7*24*time.Hour)
	require.NoError(t, err)
	require.Len(t, rows, 2)
	r := rows[0]
	require.Equal(t, "a1", r.ID)
	require.Equal(t, now.Add(-time.Minute).UnixMilli(), r.T)
	require.Equal(t, "v2", r.Version)
	require.Equal(t, 12.5, r.Num[0])
	require.Equal(t, []string{"", "DE", "true"}, r.Str)
	require.Equal(t, "1", r.PredClass)
	require.Equal(t, 0.91, r.Pred)
	require.Equal(t, []string{"f"}, r.Attrs)
	require.Equal(t, &Label{Class: "1"}, r.Label)

	r = rows[1]
	require.Equal(t, "42", r.ID)
	require.Equal(t, now.UnixMilli(), r.T, "no timestamp: the server's time")
	require.True(t, math.IsNaN(r.Num[0]), "a type error is missing")
	require.Equal(t, []string{"", "7", ""}, r.Str)
	require.Equal(t, []bool{true, false, false}, r.TypeErrors, "a string for a number is a data-quality type error, not a rejected row")
	require.Equal(t, []string{"extra"}, r.Unknown)
	require.Equal(t, "0", r.PredClass)
	require.Nil(t, r.Label)

	// NDJSON gives the same rows.
	nd := `{"id": "a1", "timestamp": "2026-11-26T11:59:00Z", "version": "v2", "features": {"amount": 12.5, "country": "DE", "is_new": true, "gender": "f"}, "prediction": 0.91, "label": 1}
{"id": 42, "features": {"amount": "oops", "country": 7, "is_new": null, "extra": 1}, "prediction": 0.2}
`
	rows2, err := ParsePredictions(strings.NewReader(nd), s, now, 7*24*time.Hour)
	require.NoError(t, err)
	require.Equal(t, len(rows), len(rows2))
	for i := range rows {
		require.Equal(t, rows[i].ID, rows2[i].ID)
		require.Equal(t, rows[i].Str, rows2[i].Str)
		require.Equal(t, rows[i].TypeErrors, rows2[i].TypeErrors)
		require.Equal(t, rows[i].Pred, rows2[i].Pred)
	}
}

func TestParsePredictionsRejects(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ body, want string }{
		{``, "the body holds no rows"},
		{`[]`, "the body holds no rows"},
		{`{"id": "a"`, "row 0: not valid JSON"},
		{`[{"features": {}, "prediction": 0.5}]`, "row 0: id: is required"},
		{`[{"id": "a", "features": {}, "prediction": 0.5}, {"id": "b", "prediction": 0.5}]`, "row 1: features: is required"},
		{`[{"id": "a", "features": {}, "prediction": 1.5}]`, "row 0: prediction: use the probability of the positive class (1)"},
		{`[{"id": "a", "features": {}, "prediction": "x"}]`, "row 0: prediction"},
		{`[{"id": "a", "features": {}, "prediction": 0.5, "label": "2"}]`, `row 0: label: "2": a binary model's label is "1" or "0"`},
		{`[{"id": "a", "features": {}, "prediction": 0.5, "timestamp": "yesterday"}]`, `row 0: timestamp: "yesterday": use RFC 3339`},
		{`[{"id": "a", "features": {}, "prediction": 0.5, "timestamp": "2026-11-27T12:00:00Z"}]`, "row 0: timestamp: 2026-11-27T12:00:00Z is in the future"},
		{`[{"id": "a", "features": {}, "prediction": 0.5, "timestamp": 1000}]`, "older than the model's join_window"},
		{`[{"id": "a", "features": {}, "prediction": 0.5, "score": 3}]`, `row 0: unknown field "score"`},
		{`[{"id": "a", "features": [], "prediction": 0.5}]`, "row 0: features: is array; use an object"},
		{`[1]`, "row 0: not an object"},
		{`[{"id": "a", "features": {}, "prediction": 0.5}] x`, "not valid JSON"},
	} {
		_, err := ParsePredictions(strings.NewReader(tc.body), testSchema(), now, 7*24*time.Hour)
		require.ErrorContains(t, err, tc.want, tc.body)
	}
}

func TestParseLabels(t *testing.T) {
	rows, err := ParseLabels(strings.NewReader(`{"id": "a", "label": 1}`+"\n"+`{"id": 7, "label": "0"}`), testSchema())
	require.NoError(t, err)
	require.Equal(t, []LabelRow{{ID: "a", Label: Label{Class: "1"}}, {ID: "7", Label: Label{Class: "0"}}}, rows)
	_, err = ParseLabels(strings.NewReader(`[{"id": "a"}]`), testSchema())
	require.ErrorContains(t, err, "row 0: label: is required")
	reg := NewSchema(nil, PredictionConfig{Type: Regression}, nil)
	rows, err = ParseLabels(strings.NewReader(`[{"id": "a", "label": 3.25}]`), reg)
	require.NoError(t, err)
	require.Equal(t, 3.25, rows[0].Label.Value)
	_, err = ParseLabels(strings.NewReader(`[{"id": "a", "label": "x"}]`), reg)
	require.ErrorContains(t, err, "row 0: label: use a finite number")
}

func FuzzParsePredictions(f *testing.F) {
	f.Add(`[{"id": "a1", "version": "v2", "features": {"amount": 12.5, "country": "DE", "is_new": true}, "prediction": 0.91, "label": 1}]`)
	f.Add(`{"id": 1, "features": {"amount": "1e400"}, "prediction": 0}` + "\n{}")
	f.Add(`[{"id": "a", "features": {"is_new": "TRUE", "country": {"x": 1}}, "prediction": 0.5, "timestamp": 1.7e9}]`)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body string) {
		rows, err := ParsePredictions(strings.NewReader(body), testSchema(), now, 7*24*time.Hour)
		if err != nil {
			require.Nil(t, rows)
			return
		}
		require.NotEmpty(t, rows)
		for _, r := range rows {
			require.NotEmpty(t, r.ID)
			require.Len(t, r.Num, 3)
			require.Len(t, r.Str, 3)
			require.True(t, r.Pred >= 0 && r.Pred <= 1)
		}
	})
}

func TestParseConfigs(t *testing.T) {
	cs, err := ParseConfigs([]byte(`
- name: fraud
  features: [{name: amount, type: numerical}]
  prediction: {type: probability}
  reference: {file: ref.csv}
`), "/etc/mlre")
	require.NoError(t, err)
	c := cs[0]
	require.Equal(t, "/etc/mlre/ref.csv", c.Reference.File)
	require.Equal(t, 0.5, *c.Prediction.Threshold)
	require.Equal(t, "1", c.Prediction.PositiveClass)
	require.Equal(t, DefaultWindow, time.Duration(c.Window))
	require.Equal(t, 0.5, c.Drift.DriftShare)

	for _, tc := range []struct{ yaml, want string }{
		{`[{name: a, prediction: {type: probability}, reference: {file: r.csv}, windw: 1h}]`, `unknown key "windw" in a model`},
		{`[{prediction: {type: probability}, reference: {file: r.csv}}]`, "models[0]: name: is required"},
		{`[{name: a, prediction: {type: score}, reference: {file: r.csv}}]`, `models[0] (a): prediction.type: "score": use probability, class or regression`},
		{`[{name: a, prediction: {type: class}}]`, "models[0] (a): reference.file: is required"},
		{`[{name: a, prediction: {type: class}, reference: {file: r}}, {name: a, prediction: {type: class}, reference: {file: r}}]`, `models[1] (a): name: "a" is used twice`},
		{`[{name: a, prediction: {type: class}, reference: {file: r}, features: [{name: x, type: text}]}]`, `features[0].type: "text"`},
		{`[{name: a, prediction: {type: class}, reference: {file: r}, drift: {method: kl}}]`, `drift.method: unknown method "kl"`},
		{`[{name: a, prediction: {type: class}, reference: {file: r}, window: 10s}]`, "window: 10s is too short"},
		{`[{name: a, prediction: {type: probability, threshold: 2}, reference: {file: r}}]`, "prediction.threshold: 2"},
		{`[{name: "a b", prediction: {type: class}, reference: {file: r}}]`, `name: "a b": use letters`},
		{`[{name: a, prediction: {type: regression}, reference: {file: r}, protected_attributes: [g]}]`, "protected_attributes: fairness compares selection and error rates of a classifier"},
		{`[{name: a, prediction: {type: class}, reference: {file: r}, protected_attributes: [g]}]`, "prediction.positive_class: is required with protected_attributes"},
	} {
		_, err := ParseConfigs([]byte(tc.yaml), "")
		require.ErrorContains(t, err, tc.want, tc.yaml)
	}
}
