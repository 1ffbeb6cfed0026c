package monitor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// writeReference writes a fraud model's reference: amount ~ N(100, 20),
// age ~ N(40, 10), country in DE/FR/US, gender (protected), the score and
// a label drawn from it.
func writeReference(t *testing.T, dir string, n int) string {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("amount,age,country,gender,prediction,label\n")
	for i := 0; i < n; i++ {
		amount := 100 + 20*r.NormFloat64()
		age := 40 + 10*r.NormFloat64()
		country := []string{"DE", "FR", "US"}[r.IntN(3)]
		gender := []string{"f", "m"}[r.IntN(2)]
		p := sigmoid((amount - 100) / 20)
		label := 0
		if r.Float64() < p {
			label = 1
		}
		fmt.Fprintf(&b, "%.4f,%.2f,%s,%s,%.6f,%d\n", amount, age, country, gender, p, label)
	}
	path := filepath.Join(dir, "ref.csv")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

func fraudConfig(t *testing.T, ref string) Config {
	t.Helper()
	cs, err := ParseConfigs([]byte(fmt.Sprintf(`
- name: fraud
  features:
    - {name: amount, type: numerical}
    - {name: age, type: numerical}
    - {name: country, type: categorical}
  prediction: {type: probability}
  protected_attributes: [gender]
  reference: {file: %q}
  window: 1h
  interval: 1m
`, ref)), "")
	require.NoError(t, err)
	return cs[0]
}

// batch builds n predictions from id start; shift moves amount by that many
// reference standard deviations.
func batch(r *rand.Rand, start, n int, shift float64, at time.Time, withLabel bool) []byte {
	var b bytes.Buffer
	for i := start; i < start+n; i++ {
		amount := 100 + 20*r.NormFloat64() + shift*20
		p := sigmoid((amount - 100 - shift*20) / 20)
		row := map[string]any{"id": fmt.Sprintf("p%d", i), "timestamp": at.Format(time.RFC3339Nano), "version": "v1",
			"features": map[string]any{"amount": amount, "age": 40 + 10*r.NormFloat64(),
				"country": []string{"DE", "FR", "US"}[r.IntN(3)], "gender": []string{"f", "m"}[r.IntN(2)]},
			"prediction": p}
		if withLabel {
			row["label"] = map[bool]int{true: 1, false: 0}[r.Float64() < p]
		}
		j, _ := json.Marshal(row)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func gatherModel(t *testing.T, m *Monitor) map[string][]*dto.Metric {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(m.Collector()))
	mfs, err := reg.Gather()
	require.NoError(t, err)
	out := map[string][]*dto.Metric{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf.GetMetric()
	}
	return out
}

func metricValue(ms []*dto.Metric, want map[string]string) (float64, bool) {
next:
	for _, m := range ms {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		if m.Counter != nil {
			return m.GetCounter().GetValue(), true
		}
		return m.GetGauge().GetValue(), true
	}
	return 0, false
}

func openMonitor(t *testing.T, dir string, clock *fakeClock, cfg Config) *Monitor {
	t.Helper()
	m, err := Open(Options{Dir: dir, Now: clock.Now})
	require.NoError(t, err)
	require.NoError(t, m.ApplyConfig([]Config{cfg}))
	return m
}

// TestShiftedFeatureDriftsAlone streams predictions with amount shifted by
// three standard deviations and checks that exactly amount drifts, then
// joins labels, survives a restart, and recognises re-sent ids.
func TestShiftedFeatureDriftsAlone(t *testing.T) {
	dir := t.TempDir()
	cfg := fraudConfig(t, writeReference(t, dir, 3000))
	clock := &fakeClock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	m := openMonitor(t, filepath.Join(dir, "state"), clock, cfg)
	r := rand.New(rand.NewPCG(3, 4))

	res, err := m.IngestPredictions("fraud", bytes.NewReader(batch(r, 0, 2000, 3, clock.Now(), false)))
	require.NoError(t, err)
	require.Equal(t, ApplyResult{Accepted: 2000}, res)
	clock.Add(30 * time.Second)
	m.Evaluate()
	got := gatherModel(t, m)
	for feature, want := range map[string]float64{"amount": 1, "age": 0, "country": 0} {
		v, ok := metricValue(got["mlre_model_feature_drifted"], map[string]string{"model": "fraud", "version": "v1", "feature": feature})
		require.True(t, ok, feature)
		require.Equal(t, want, v, feature)
	}
	v, _ := metricValue(got["mlre_model_feature_drift_score"], map[string]string{"feature": "amount", "method": "wasserstein"})
	require.InDelta(t, 3, v, 0.3, "normed Wasserstein of a 3σ shift")
	v, _ = metricValue(got["mlre_model_drifted_features_ratio"], nil)
	require.InDelta(t, 1.0/3, v, 1e-9)
	v, _ = metricValue(got["mlre_model_predictions_total"], map[string]string{"version": "v1"})
	require.Equal(t, 2000.0, v)
	_, ok := metricValue(got["mlre_model_estimated_performance"], map[string]string{"metric": "accuracy"})
	require.True(t, ok, "CBPE estimates accuracy before any label")
	_, ok = metricValue(got["mlre_model_performance"], nil)
	require.False(t, ok, "no performance without labels")
	v, ok = metricValue(got["mlre_model_fairness"], map[string]string{"attribute": "gender", "metric": "demographic_parity_ratio"})
	require.True(t, ok)
	require.Greater(t, v, 0.8)

	// Re-sending the batch counts nothing twice.
	res, err = m.IngestPredictions("fraud", bytes.NewReader(batch(rand.New(rand.NewPCG(3, 4)), 0, 2000, 3, clock.Now().Add(-30*time.Second), false)))
	require.NoError(t, err)
	require.Equal(t, ApplyResult{Duplicates: 2000}, res)

	// Labels for the first half arrive ten minutes later.
	clock.Add(10 * time.Minute)
	var lb bytes.Buffer
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&lb, `{"id": "p%d", "label": %d}`+"\n", i, i%2)
	}
	fmt.Fprintf(&lb, `{"id": "nope", "label": 1}`+"\n")
	res, err = m.IngestLabels("fraud", bytes.NewReader(lb.Bytes()))
	require.NoError(t, err)
	require.Equal(t, 1000, res.Matched)
	require.Equal(t, 1, res.Held, "a label without its prediction waits for it")
	m.Evaluate()
	got = gatherModel(t, m)
	acc, ok := metricValue(got["mlre_model_performance"], map[string]string{"metric": "accuracy"})
	require.True(t, ok)
	require.True(t, acc > 0 && acc < 1)
	delay, _ := metricValue(got["mlre_model_label_delay_seconds"], nil)
	require.InDelta(t, 630, delay, 1e-6, "labels came 10m30s after their predictions")

	// A restart (checkpoint at Close) keeps everything; the other half's
	// labels still join.
	require.NoError(t, m.Close())
	m2 := openMonitor(t, filepath.Join(dir, "state"), clock, cfg)
	defer m2.Close()
	m2.Evaluate()
	got2 := gatherModel(t, m2)
	v, _ = metricValue(got2["mlre_model_predictions_total"], map[string]string{"version": "v1"})
	require.Equal(t, 2000.0, v)
	acc2, _ := metricValue(got2["mlre_model_performance"], map[string]string{"metric": "accuracy"})
	require.Equal(t, acc, acc2)
	v, _ = metricValue(got2["mlre_model_feature_drifted"], map[string]string{"feature": "amount"})
	require.Equal(t, 1.0, v)
	res, err = m2.IngestLabels("fraud", strings.NewReader(`{"id": "p1500", "label": 1}`))
	require.NoError(t, err)
	require.Equal(t, 1, res.Matched)
}

// TestReplayWithoutCheckpoint: batches acknowledged after the last
// checkpoint come back from the write-ahead log after a crash.
func TestReplayWithoutCheckpoint(t *testing.T) {
	dir := t.TempDir()
	cfg := fraudConfig(t, writeReference(t, dir, 500))
	clock := &fakeClock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	m := openMonitor(t, filepath.Join(dir, "state"), clock, cfg)
	r := rand.New(rand.NewPCG(5, 6))
	_, err := m.IngestPredictions("fraud", bytes.NewReader(batch(r, 0, 300, 0, clock.Now(), true)))
	require.NoError(t, err)
	require.NoError(t, m.Checkpoint())
	_, err = m.IngestPredictions("fraud", bytes.NewReader(batch(r, 300, 200, 0, clock.Now(), true)))
	require.NoError(t, err)
	// Crash: no checkpoint, the log just stops.
	require.NoError(t, m.wal.Close())

	m2 := openMonitor(t, filepath.Join(dir, "state"), clock, cfg)
	defer m2.Close()
	m2.Evaluate()
	got := gatherModel(t, m2)
	v, _ := metricValue(got["mlre_model_predictions_total"], map[string]string{"version": "v1"})
	require.Equal(t, 500.0, v, "300 from the checkpoint and 200 from the log")
	v, _ = metricValue(got["mlre_model_labels_total"], map[string]string{"version": "v1"})
	require.Equal(t, 500.0, v)
	res, err := m2.IngestPredictions("fraud", bytes.NewReader(batch(rand.New(rand.NewPCG(5, 6)), 0, 10, 0, clock.Now(), false)))
	require.NoError(t, err)
	require.Equal(t, 10, res.Duplicates, "ids from before the crash are still recognised")
}

func TestUnknownModelAndBadReference(t *testing.T) {
	dir := t.TempDir()
	clock := &fakeClock{t: time.Now()}
	m, err := Open(Options{Dir: dir, Now: clock.Now})
	require.NoError(t, err)
	defer m.Close()
	_, err = m.IngestPredictions("nope", strings.NewReader(`{}`))
	require.ErrorIs(t, err, ErrUnknownModel)
	cfg := fraudConfig(t, filepath.Join(dir, "missing.csv"))
	require.ErrorContains(t, m.ApplyConfig([]Config{cfg}), "model fraud: reading reference")
	ref := writeReference(t, dir, 100)
	cfg = fraudConfig(t, ref)
	cfg.Features = append(cfg.Features, FeatureConfig{Name: "income", Type: Numerical})
	require.ErrorContains(t, m.ApplyConfig([]Config{cfg}), `feature "income" is not a column of the reference`)
}

// TestSavedReference: a model on a reference saved by mlre profile judges
// drift exactly as one on the reference data.
func TestSavedReference(t *testing.T) {
	dir := t.TempDir()
	refCSV := writeReference(t, dir, 3000)
	cfg := fraudConfig(t, refCSV)
	ref, err := BuildReference(refCSV, ReferenceOptions{Features: cfg.Features, Prediction: cfg.Prediction, Exclude: cfg.ProtectedAttributes})
	require.NoError(t, err)
	require.NotNil(t, ref.Calibrator, "the reference's prediction and label columns calibrate CBPE")
	var buf bytes.Buffer
	_, err = ref.WriteTo(&buf)
	require.NoError(t, err)
	saved := filepath.Join(dir, "fraud.mlreprofile")
	require.NoError(t, os.WriteFile(saved, buf.Bytes(), 0o644))
	require.Less(t, buf.Len(), 64<<10, "a profile is small whatever the reference's size")

	fromProfile := cfg
	fromProfile.Reference = ReferenceConfig{Profile: saved}
	clock := &fakeClock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	a := openMonitor(t, filepath.Join(dir, "a"), clock, cfg)
	b := openMonitor(t, filepath.Join(dir, "b"), clock, fromProfile)
	defer a.Close()
	defer b.Close()
	body := batch(rand.New(rand.NewPCG(9, 9)), 0, 1500, 1, clock.Now(), false)
	_, err = a.IngestPredictions("fraud", bytes.NewReader(body))
	require.NoError(t, err)
	_, err = b.IngestPredictions("fraud", bytes.NewReader(body))
	require.NoError(t, err)
	a.Evaluate()
	b.Evaluate()
	ea, eb := a.Evaluations()["fraud"], b.Evaluations()["fraud"]
	require.Len(t, ea, 1)
	require.Equal(t, ea[0].Drift, eb[0].Drift)
	require.Len(t, eb[0].Estimated, len(ea[0].Estimated))
	for k, v := range ea[0].Estimated {
		require.InDelta(t, v, eb[0].Estimated[k], 1e-12, k) // sums in map order
	}

	// A profile that lacks a configured feature is refused by name.
	bad := fromProfile
	bad.Features = append(append([]FeatureConfig{}, bad.Features...), FeatureConfig{Name: "income", Type: Numerical})
	_, err = NewModel(bad)
	require.ErrorContains(t, err, `has no feature "income" (it has amount, age, country)`)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "junk"), []byte("hello"), 0o644))
	_, err = ReadReference(filepath.Join(dir, "junk"))
	require.ErrorContains(t, err, "is not a reference profile saved by mlre profile")
}

// TestReviewRegressions covers faults found in review.
func TestReviewRegressions(t *testing.T) {
	dir := t.TempDir()
	refCSV := writeReference(t, dir, 2000)
	cfg := fraudConfig(t, refCSV)
	clock := &fakeClock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}

	t.Run("an unseen category gives an infinite chi-square that JSON still holds", func(t *testing.T) {
		c := cfg
		c.Drift.Method = "chisquare"
		m := openMonitor(t, filepath.Join(dir, "inf"), clock, c)
		defer m.Close()
		var b bytes.Buffer
		for i := 0; i < 50; i++ {
			fmt.Fprintf(&b, `{"id": "u%d", "features": {"amount": 100, "age": 40, "country": "XX"}, "prediction": 0.5}`+"\n", i)
		}
		_, err := m.IngestPredictions("fraud", &b)
		require.NoError(t, err)
		m.Evaluate()
		ev := m.Evaluations()["fraud"]
		js, err := json.Marshal(ev)
		require.NoError(t, err)
		require.Contains(t, string(js), `"name":"country","type":"cat","method":"chisquare"`)
		require.Contains(t, string(js), `"statistic":null`)
	})
	t.Run("a schema change skips the old log on replay", func(t *testing.T) {
		m := openMonitor(t, filepath.Join(dir, "schema"), clock, cfg)
		_, err := m.IngestPredictions("fraud", bytes.NewReader(batch(rand.New(rand.NewPCG(1, 1)), 0, 20, 0, clock.Now(), false)))
		require.NoError(t, err)
		require.NoError(t, m.wal.Close()) // crash
		c := cfg
		c.Features = []FeatureConfig{{Name: "country", Type: Categorical}, {Name: "amount", Type: Numerical}}
		m2 := openMonitor(t, filepath.Join(dir, "schema"), clock, c)
		defer m2.Close()
		md, _ := m2.model("fraud")
		require.Zero(t, md.st.Predictions["v1"], "rows of the old schema are not replayed into the new one")
	})
	t.Run("a saved reference with more features than the config", func(t *testing.T) {
		ref, err := BuildReference(refCSV, ReferenceOptions{Prediction: cfg.Prediction, Exclude: []string{"gender"}})
		require.NoError(t, err)
		var buf bytes.Buffer
		_, err = ref.WriteTo(&buf)
		require.NoError(t, err)
		saved := filepath.Join(dir, "all.mlreprofile")
		require.NoError(t, os.WriteFile(saved, buf.Bytes(), 0o644))
		c := cfg
		c.Features = []FeatureConfig{{Name: "country", Type: Categorical}}
		c.Reference = ReferenceConfig{Profile: saved}
		m := openMonitor(t, filepath.Join(dir, "extra"), clock, c)
		defer m.Close()
		res, err := m.IngestPredictions("fraud", bytes.NewReader(batch(rand.New(rand.NewPCG(2, 2)), 0, 20, 0, clock.Now(), false)))
		require.NoError(t, err)
		require.Equal(t, 20, res.Accepted)
	})
	t.Run("a protected attribute that is also a feature", func(t *testing.T) {
		c := cfg
		c.ProtectedAttributes = []string{"country"}
		m := openMonitor(t, filepath.Join(dir, "attr"), clock, c)
		defer m.Close()
		_, err := m.IngestPredictions("fraud", bytes.NewReader(batch(rand.New(rand.NewPCG(3, 3)), 0, 300, 0, clock.Now(), false)))
		require.NoError(t, err)
		m.Evaluate()
		groups := m.Evaluations()["fraud"][0].Fairness["country"].Groups
		require.Contains(t, groups, "DE")
		require.NotContains(t, groups, "(missing)")
	})
	t.Run("a reload that keeps the schema keeps the data", func(t *testing.T) {
		m := openMonitor(t, filepath.Join(dir, "reload"), clock, cfg)
		defer m.Close()
		_, err := m.IngestPredictions("fraud", bytes.NewReader(batch(rand.New(rand.NewPCG(4, 4)), 0, 30, 0, clock.Now(), false)))
		require.NoError(t, err)
		c := cfg
		c.Drift.DriftShare = 0.25
		require.NoError(t, m.ApplyConfig([]Config{c}))
		md, _ := m.model("fraud")
		require.Equal(t, 30.0, md.st.Predictions["v1"])
		res, err := m.IngestLabels("fraud", strings.NewReader(`{"id": "p3", "label": 1}`))
		require.NoError(t, err)
		require.Equal(t, 1, res.Matched, "held predictions survive the reload")
	})
}

func TestDriftSettingsPerFeature(t *testing.T) {
	dir := t.TempDir()
	cfg := fraudConfig(t, writeReference(t, dir, 2000))
	clock := &fakeClock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	c := cfg
	c.Drift.Method = "ks" // numerical features only; country keeps Evidently's choice
	m := openMonitor(t, filepath.Join(dir, "ks"), clock, c)
	defer m.Close()
	_, err := m.IngestPredictions("fraud", bytes.NewReader(batch(rand.New(rand.NewPCG(5, 5)), 0, 500, 0, clock.Now(), false)))
	require.NoError(t, err)
	m.Evaluate()
	methods := map[string]string{}
	for _, r := range m.Evaluations()["fraud"][0].Drift {
		methods[r.Name] = r.Method
	}
	require.Equal(t, map[string]string{"amount": "ks", "age": "ks", "country": "jensenshannon"}, methods)

	bad := cfg
	bad.Features = nil // inferred from the reference
	bad.Drift.Features = map[string]FeatureDrift{"amout": {Method: "psi"}}
	_, err = NewModel(bad)
	require.ErrorContains(t, err, "drift.features.amout: not a feature of the model (amount, age, country)")
	bad.Drift.Features = map[string]FeatureDrift{"country": {Method: "ks"}}
	_, err = NewModel(bad)
	require.ErrorContains(t, err, "drift.features.country.method: ks does not apply to a categorical feature")
}

// TestJSONLReference: a reference in JSONL profiles as its CSV twin does.
func TestJSONLReference(t *testing.T) {
	dir := t.TempDir()
	csvPath := writeReference(t, dir, 500)
	b, err := os.ReadFile(csvPath)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var js strings.Builder
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		fmt.Fprintf(&js, `{"amount": %s, "age": %s, "country": %q, "gender": %q, "prediction": %s, "label": %s}`+"\n", f[0], f[1], f[2], f[3], f[4], f[5])
	}
	jsonlPath := filepath.Join(dir, "ref.jsonl")
	require.NoError(t, os.WriteFile(jsonlPath, []byte(js.String()), 0o644))
	cfg := fraudConfig(t, csvPath)
	a, err := BuildReference(csvPath, ReferenceOptions{Features: cfg.Features, Prediction: cfg.Prediction})
	require.NoError(t, err)
	j, err := BuildReference(jsonlPath, ReferenceOptions{Features: cfg.Features, Prediction: cfg.Prediction})
	require.NoError(t, err)
	ab, _ := a.Profile.MarshalBinary()
	jb, _ := j.Profile.MarshalBinary()
	require.Equal(t, ab, jb)
	require.Equal(t, a.Calibrator, j.Calibrator)
}
