package monitor

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func ceHeader(id, typ string) http.Header {
	h := http.Header{}
	h.Set("Ce-Id", id)
	h.Set("Ce-Type", typ)
	h.Set("Ce-Specversion", "1.0")
	h.Set("Ce-Source", "http://localhost:9081/")
	h.Set("Ce-Inferenceservicename", "fraud")
	return h
}

func TestKServePayloadLogger(t *testing.T) {
	dir := t.TempDir()
	cfg := fraudConfig(t, writeReference(t, dir, 300))
	clock := &fakeClock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	m := openMonitor(t, filepath.Join(dir, "state"), clock, cfg)

	// KServe v1: the request, then the response.
	res, err := m.IngestKServe("fraud", ceHeader("ev-1", ceRequest), strings.NewReader(
		`{"instances": [{"amount": 120.5, "age": 33, "country": "DE", "gender": "f"}, [80, 51, "US"]]}`))
	require.NoError(t, err)
	require.Equal(t, ApplyResult{}, res, "half an inference is held")
	res, err = m.IngestKServe("fraud", ceHeader("ev-1", ceResponse), strings.NewReader(`{"predictions": [0.81, 0.12]}`))
	require.NoError(t, err)
	require.Equal(t, ApplyResult{Accepted: 2}, res)

	// Open Inference Protocol v2, the response first: one [N, F] tensor
	// in, class probabilities [N, 2] out.
	_, err = m.IngestKServe("fraud", ceHeader("ev-2", ceResponse), strings.NewReader(
		`{"model_name": "fraud", "outputs": [{"name": "proba", "shape": [2, 2], "datatype": "FP32", "data": [0.3, 0.7, 0.9, 0.1]}]}`))
	require.NoError(t, err)
	res, err = m.IngestKServe("fraud", ceHeader("ev-2", ceRequest), strings.NewReader(
		`{"inputs": [{"name": "x", "shape": [2, 3], "datatype": "BYTES", "data": [100, 40, "FR", 95, 38, "DE"]}]}`))
	require.NoError(t, err)
	require.Equal(t, ApplyResult{Accepted: 2}, res)

	md, _ := m.model("fraud")
	md.mu.Lock()
	r, ok := md.pending.get("ev-2/0")
	require.True(t, ok)
	require.Equal(t, 0.7, r.Pred, "the positive class's probability")
	r, _ = md.pending.get("ev-1/1")
	require.Equal(t, 0.12, r.Pred)
	require.Equal(t, 4.0, md.st.Predictions[""])
	md.mu.Unlock()

	// Labels join KServe predictions by "<ce-id>/<index>".
	res, err = m.IngestLabels("fraud", strings.NewReader(`{"id": "ev-1/0", "label": 1}`))
	require.NoError(t, err)
	require.Equal(t, 1, res.Matched)

	for _, tc := range []struct {
		h    http.Header
		body string
		want string
	}{
		{http.Header{}, `{}`, "header ce-id is missing"},
		{ceHeader("x", "com.example.other"), `{}`, `header ce-type "com.example.other"`},
		{ceHeader("x", ceRequest), `{"rows": []}`, `neither "instances"`},
		{ceHeader("x", ceRequest), `{"instances": [[1, 2]]}`, "instances[0] has 2 values; the model has 3 features (amount, age, country)"},
		{ceHeader("x", ceResponse), `not json`, "not JSON"},
	} {
		_, err := m.IngestKServe("fraud", tc.h, strings.NewReader(tc.body))
		require.ErrorContains(t, err, tc.want)
	}
	// A completing half that does not match its request is refused.
	_, err = m.IngestKServe("fraud", ceHeader("ev-3", ceRequest), strings.NewReader(`{"instances": [[1, 2, "DE"]]}`))
	require.NoError(t, err)
	_, err = m.IngestKServe("fraud", ceHeader("ev-3", ceResponse), strings.NewReader(`{"predictions": [0.1, 0.2]}`))
	require.ErrorContains(t, err, "inference ev-3: 1 instances but 2 predictions")

	// A half acknowledged before a crash still joins after it.
	_, err = m.IngestKServe("fraud", ceHeader("ev-4", ceRequest), strings.NewReader(`{"instances": [[1, 2, "DE"]]}`))
	require.NoError(t, err)
	require.NoError(t, m.wal.Close())
	m2 := openMonitor(t, filepath.Join(dir, "state"), clock, cfg)
	defer m2.Close()
	res, err = m2.IngestKServe("fraud", ceHeader("ev-4", ceResponse), strings.NewReader(`{"predictions": [[0.4, 0.6]]}`))
	require.NoError(t, err)
	require.Equal(t, ApplyResult{Accepted: 1}, res)
	md2, _ := m2.model("fraud")
	require.Equal(t, 5.0, md2.st.Predictions[""])
}
