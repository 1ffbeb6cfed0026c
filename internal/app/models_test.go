package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestModelDriftEndToEnd streams predictions over HTTP with an injected
// shift in two of four features and sees mlre_model_feature_drifted go to 1
// in the TSDB for exactly those two; labels then give performance, and a
// restart keeps the counts.
func TestModelDriftEndToEnd(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(7, 8))
	var ref strings.Builder
	ref.WriteString("amount,age,tenure,plan,score,churned\n")
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&ref, "%.3f,%.2f,%.2f,%s,%.5f,%d\n", 50+10*r.NormFloat64(), 40+8*r.NormFloat64(), 24+6*r.NormFloat64(),
			[]string{"basic", "pro", "team"}[r.IntN(3)], r.Float64(), r.IntN(2))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ref.csv"), []byte(ref.String()), 0o644))
	cfgPath := writeFile(t, dir, "mlre.yaml", `
global: {evaluation_interval: 1h}
collectors: {interval: 200ms, host: {enabled: false}, gpu: {enabled: false}}
models:
  - name: churn
    prediction: {type: probability}
    protected_attributes: [region]
    reference: {file: ref.csv, prediction_column: score, label_column: churned}
    window: 1h
    interval: 1s
`)
	data := t.TempDir()
	a := startAppFile(t, cfgPath, data)

	post := func(path string, body []byte) (int, string) {
		resp, err := http.Post("http://"+a.Addr()+path, "application/x-ndjson", bytes.NewReader(body))
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	var body bytes.Buffer
	for i := 0; i < 3000; i++ {
		row := map[string]any{"id": fmt.Sprintf("c%d", i), "version": "2026-11",
			"features": map[string]any{
				"amount": 50 + 10*r.NormFloat64() + 40, // shifted by 4σ
				"age":    40 + 8*r.NormFloat64(),
				"tenure": 24 + 6*r.NormFloat64(),
				"plan":   []string{"basic", "pro", "team", "team", "team", "team"}[r.IntN(6)], // mostly team now
				"region": []string{"eu", "us"}[r.IntN(2)],
			},
			"prediction": r.Float64()}
		j, _ := json.Marshal(row)
		body.Write(j)
		body.WriteByte('\n')
	}
	code, resp := post("/api/v1/models/churn/predictions", body.Bytes())
	require.Equal(t, http.StatusOK, code, resp)
	require.JSONEq(t, `{"status":"success","data":{"accepted":3000,"duplicates":0}}`, resp)

	drifted := func(feature string) func() bool {
		return func() bool {
			res := queryVector(t, a.Addr(), "", `mlre_model_feature_drifted{model="churn", version="2026-11", feature="`+feature+`", job="mlre-models"}`, time.Now())
			return len(res) == 1
		}
	}
	for _, f := range []string{"amount", "age", "tenure", "plan"} {
		eventually(t, 15*time.Second, drifted(f), "a drift verdict for "+f)
	}
	for f, want := range map[string]string{"amount": "1", "plan": "1", "age": "0", "tenure": "0"} {
		res := queryVector(t, a.Addr(), "", `mlre_model_feature_drifted{model="churn", feature="`+f+`"}`, time.Now())
		require.Equal(t, want, res[0].Value[1], f)
	}
	res := queryVector(t, a.Addr(), "", `mlre_model_drifted_features_ratio{model="churn"}`, time.Now())
	require.Equal(t, "0.5", res[0].Value[1])
	res = queryVector(t, a.Addr(), "", `mlre_model_dataset_drifted{model="churn"}`, time.Now())
	require.Equal(t, "1", res[0].Value[1], "half the features drifted: Evidently's default share")

	// A bad batch is rejected whole, naming the row and field.
	code, resp = post("/api/v1/models/churn/predictions", []byte(`{"id": "x1", "features": {}, "prediction": 0.4}`+"\n"+`{"id": "x2", "features": {}, "prediction": 7}`))
	require.Equal(t, http.StatusBadRequest, code)
	require.Contains(t, resp, `row 1: prediction: use the probability of the positive class (1)`)
	code, resp = post("/api/v1/models/nope/predictions", body.Bytes()[:100])
	require.Equal(t, http.StatusNotFound, code, resp)

	// Labels join; performance appears.
	var labels bytes.Buffer
	for i := 0; i < 1500; i++ {
		fmt.Fprintf(&labels, `{"id": "c%d", "label": %d}`+"\n", i, r.IntN(2))
	}
	code, resp = post("/api/v1/models/churn/labels", labels.Bytes())
	require.Equal(t, http.StatusOK, code, resp)
	require.Contains(t, resp, `"matched":1500`)
	eventually(t, 15*time.Second, func() bool {
		return len(queryVector(t, a.Addr(), "", `mlre_model_performance{model="churn", metric="roc_auc"}`, time.Now())) == 1
	}, "performance from the joined labels")
	res = queryVector(t, a.Addr(), "", `mlre_model_fairness{model="churn", attribute="region", metric="demographic_parity_ratio"}`, time.Now())
	require.Len(t, res, 1)

	// The summary API.
	_, list := get(t, a.Addr(), "", "/api/v1/models")
	var models []struct {
		Name     string `json:"name"`
		Versions []struct {
			Version         string   `json:"version"`
			DatasetDrift    bool     `json:"dataset_drift"`
			DriftedFeatures []string `json:"drifted_features"`
		} `json:"versions"`
	}
	require.NoError(t, json.Unmarshal(list.Data, &models))
	require.Equal(t, "churn", models[0].Name)
	require.True(t, models[0].Versions[0].DatasetDrift)
	require.ElementsMatch(t, []string{"amount", "plan"}, models[0].Versions[0].DriftedFeatures)

	// KServe's payload logger: the request and response CloudEvents join.
	for _, ev := range []struct{ typ, body string }{
		{"org.kubeflow.serving.inference.request", `{"instances": [{"amount": 51, "age": 40, "tenure": 20, "plan": "pro", "region": "eu"}]}`},
		{"org.kubeflow.serving.inference.response", `{"predictions": [0.3]}`},
	} {
		req, _ := http.NewRequest(http.MethodPost, "http://"+a.Addr()+"/api/v1/models/churn/kserve", strings.NewReader(ev.body))
		req.Header.Set("Ce-Id", "kserve-1")
		req.Header.Set("Ce-Type", ev.typ)
		req.Header.Set("Ce-Specversion", "1.0")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}

	// Restart: the counters continue.
	require.NoError(t, a.Stop())
	b := startAppFile(t, cfgPath, data)
	eventually(t, 15*time.Second, func() bool {
		res := queryVector(t, b.Addr(), "", `sum(mlre_model_predictions_total{model="churn"})`, time.Now())
		return len(res) == 1 && res[0].Value[1] == "3001"
	}, "the prediction count after a restart")
}
