package monitor

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
)

// splitLabels turns a batch of predictions with inline labels into the same
// predictions without them and a batch of their labels.
func splitLabels(t *testing.T, body []byte) (preds, labels []byte) {
	t.Helper()
	var p, l bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var row map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &row))
		lb, err := json.Marshal(map[string]any{"id": row["id"], "label": row["label"]})
		require.NoError(t, err)
		l.Write(lb)
		l.WriteByte('\n')
		delete(row, "label")
		pb, err := json.Marshal(row)
		require.NoError(t, err)
		p.Write(pb)
		p.WriteByte('\n')
	}
	require.NoError(t, sc.Err())
	return p.Bytes(), l.Bytes()
}

func heldConfig(t *testing.T, dir string) Config {
	t.Helper()
	cfg := fraudConfig(t, writeReference(t, dir, 1000))
	cfg.JoinWindow = model.Duration(time.Hour)
	return cfg
}

// TestLabelsBeforePredictions: labels sent before their predictions wait
// for them and join when they come, with the same performance as labels
// sent inline, whether or not mlre restarts (cleanly or by a crash) in
// between.
func TestLabelsBeforePredictions(t *testing.T) {
	dir := t.TempDir()
	cfg := heldConfig(t, dir)
	t0 := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	// The predictions were made two minutes before their labels came, and
	// are sent a minute after.
	body := batch(rand.New(rand.NewPCG(7, 7)), 0, 800, 0, t0.Add(-2*time.Minute), true)
	preds, labels := splitLabels(t, body)

	// Control: the same rows with their labels inline.
	clock := &fakeClock{t: t0.Add(time.Minute)}
	control := openMonitor(t, filepath.Join(dir, "control"), clock, cfg)
	defer control.Close()
	_, err := control.IngestPredictions("fraud", bytes.NewReader(body))
	require.NoError(t, err)
	control.Evaluate()
	want := control.Evaluations()["fraud"][0].Performance
	require.Equal(t, 800.0, want["count"])

	for _, restart := range []string{"none", "checkpoint", "crash"} {
		t.Run("restart "+restart, func(t *testing.T) {
			state := filepath.Join(dir, restart)
			clock := &fakeClock{t: t0}
			m := openMonitor(t, state, clock, cfg)
			res, err := m.IngestLabels("fraud", bytes.NewReader(labels))
			require.NoError(t, err)
			require.Equal(t, ApplyResult{Accepted: 800, Held: 800}, res)
			v, _ := metricValue(gatherModel(t, m)["mlre_model_pending_labels"], nil)
			require.Equal(t, 800.0, v)
			// A label re-sent before its prediction counts once.
			res, err = m.IngestLabels("fraud", strings.NewReader(`{"id": "p0", "label": 1}`))
			require.NoError(t, err)
			require.Equal(t, ApplyResult{Duplicates: 1}, res)

			switch restart {
			case "checkpoint":
				require.NoError(t, m.Close())
				m = openMonitor(t, state, clock, cfg)
			case "crash":
				require.NoError(t, m.wal.Close())
				m = openMonitor(t, state, clock, cfg)
			}
			defer m.Close()
			md, _ := m.model("fraud")
			require.Equal(t, 800, md.held.len(), "held labels survive the restart")

			clock.Add(time.Minute)
			res, err = m.IngestPredictions("fraud", bytes.NewReader(preds))
			require.NoError(t, err)
			require.Equal(t, ApplyResult{Accepted: 800, Matched: 800}, res)
			m.Evaluate()
			ev := m.Evaluations()["fraud"][0]
			require.Equal(t, want, ev.Performance)
			require.NotNil(t, ev.LabelDelay)
			require.InDelta(t, 120, *ev.LabelDelay, 1e-9, "from the prediction's timestamp to the label's arrival")
			got := gatherModel(t, m)
			for name, want := range map[string]float64{"mlre_model_pending_labels": 0, "mlre_model_labels_total": 800,
				"mlre_model_labels_unmatched_total": 0, "mlre_model_duplicates_total": 1} {
				v, ok := metricValue(got[name], nil)
				require.True(t, ok, name)
				require.Equal(t, want, v, name)
			}
			res, err = m.IngestLabels("fraud", strings.NewReader(`{"id": "p1", "label": 1}`))
			require.NoError(t, err)
			require.Equal(t, ApplyResult{Duplicates: 1}, res, "a second label for a joined prediction")
		})
	}
}

// TestHeldLabelsExpire: labels whose prediction does not come within the
// join window are dropped and counted as unmatched; the expiry is logged,
// so a replay after a crash does not join them either.
func TestHeldLabelsExpire(t *testing.T) {
	dir := t.TempDir()
	cfg := heldConfig(t, dir)
	t0 := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: t0}
	state := filepath.Join(dir, "state")
	m := openMonitor(t, state, clock, cfg)
	var lb strings.Builder
	for i := range 50 {
		fmt.Fprintf(&lb, `{"id": "p%d", "label": %d}`+"\n", i, i%2)
	}
	_, err := m.IngestLabels("fraud", strings.NewReader(lb.String()))
	require.NoError(t, err)
	clock.Add(30 * time.Minute)
	_, err = m.IngestLabels("fraud", strings.NewReader(`{"id": "late", "label": 1}`))
	require.NoError(t, err)

	clock.Add(30*time.Minute + time.Millisecond) // the first 50 leave the join window
	m.Evaluate()
	got := gatherModel(t, m)
	v, _ := metricValue(got["mlre_model_labels_unmatched_total"], nil)
	require.Equal(t, 50.0, v)
	v, _ = metricValue(got["mlre_model_pending_labels"], nil)
	require.Equal(t, 1.0, v)

	// Crash, then the predictions come before any evaluation: the expired
	// labels must not join (the replay drops them where they were dropped).
	require.NoError(t, m.wal.Close())
	m = openMonitor(t, state, clock, cfg)
	defer m.Close()
	md, _ := m.model("fraud")
	require.Equal(t, 1, md.held.len())
	require.Equal(t, 50.0, md.st.Unmatched)
	body, _ := splitLabels(t, batch(rand.New(rand.NewPCG(8, 8)), 0, 50, 0, clock.Now(), true))
	res, err := m.IngestPredictions("fraud", bytes.NewReader(body))
	require.NoError(t, err)
	require.Equal(t, ApplyResult{Accepted: 50}, res)
	res, err = m.IngestPredictions("fraud", strings.NewReader(`{"id": "late", "features": {"amount": 100}, "prediction": 0.9}`))
	require.NoError(t, err)
	require.Equal(t, ApplyResult{Accepted: 1, Matched: 1}, res, "the label within the join window still joins")
	m.Evaluate()
	require.Equal(t, 1.0, m.Evaluations()["fraud"][0].Performance["count"])
}

// TestHeldLabelsCap: at max_pending the oldest held labels are dropped and
// counted as unmatched.
func TestHeldLabelsCap(t *testing.T) {
	dir := t.TempDir()
	cfg := heldConfig(t, dir)
	cfg.MaxPending = 10
	clock := &fakeClock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	m := openMonitor(t, filepath.Join(dir, "state"), clock, cfg)
	defer m.Close()
	var lb strings.Builder
	for i := range 15 {
		fmt.Fprintf(&lb, `{"id": "p%d", "label": 1}`+"\n", i)
	}
	res, err := m.IngestLabels("fraud", strings.NewReader(lb.String()))
	require.NoError(t, err)
	require.Equal(t, ApplyResult{Accepted: 15, Held: 15}, res)
	got := gatherModel(t, m)
	v, _ := metricValue(got["mlre_model_labels_unmatched_total"], nil)
	require.Equal(t, 5.0, v)
	v, _ = metricValue(got["mlre_model_pending_labels"], nil)
	require.Equal(t, 10.0, v)
	res, err = m.IngestPredictions("fraud", bytes.NewReader(batch(rand.New(rand.NewPCG(1, 1)), 0, 15, 0, clock.Now(), false)))
	require.NoError(t, err)
	require.Equal(t, ApplyResult{Accepted: 15, Matched: 10}, res, "p0…p4 were dropped")

	// A prediction that brings a label of its own while one is held keeps
	// the first (held) one and counts the second as a duplicate.
	_, err = m.IngestLabels("fraud", strings.NewReader(`{"id": "q", "label": 0}`))
	require.NoError(t, err)
	res, err = m.IngestPredictions("fraud", strings.NewReader(`{"id": "q", "version": "v1", "features": {"amount": 100}, "prediction": 0.9, "label": 1}`))
	require.NoError(t, err)
	require.Equal(t, ApplyResult{Accepted: 1, Matched: 1}, res)
	m.Evaluate()
	perf := m.Evaluations()["fraud"][0].Performance
	require.Equal(t, 11.0, perf["count"])
	md, _ := m.model("fraud")
	require.Equal(t, 1.0, md.st.Duplicates)
}

func TestHeldLabelsStore(t *testing.T) {
	h := newHeldLabels(3)
	require.Zero(t, h.add(heldLabel{ID: "a", At: 1}))
	require.Zero(t, h.add(heldLabel{ID: "b", At: 2}))
	l, ok := h.take("a")
	require.True(t, ok)
	require.Equal(t, int64(1), l.At)
	_, ok = h.take("a")
	require.False(t, ok)
	require.Zero(t, h.add(heldLabel{ID: "c", At: 3}))
	require.Zero(t, h.add(heldLabel{ID: "a", At: 4}), "a taken id may be held again")
	require.Equal(t, 1, h.add(heldLabel{ID: "d", At: 5}), "the gap left by take is not counted as dropped")
	require.Equal(t, []heldLabel{{ID: "c", At: 3}, {ID: "a", At: 4}, {ID: "d", At: 5}}, h.snapshot())
	require.Equal(t, 1, h.expire(4))
	require.Equal(t, 2, h.len())
	h.restore(h.snapshot())
	require.Equal(t, []heldLabel{{ID: "a", At: 4}, {ID: "d", At: 5}}, h.snapshot())
}

// TestConcurrentJoinsReplayExactly ingests predictions and labels (many
// labels first) from several goroutines while another evaluates, expires
// and checkpoints as time passes; after a crash the replay must give the
// state the monitor had.
func TestConcurrentJoinsReplayExactly(t *testing.T) {
	dir := t.TempDir()
	cfg := heldConfig(t, dir)
	cfg.MaxPending = 3000
	clock := &fakeClock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	state := filepath.Join(dir, "state")
	m := openMonitor(t, state, clock, cfg)
	const workers, rounds, per = 3, 20, 50
	done := make(chan struct{})
	errs := make(chan error, workers+1)
	go func() {
		defer close(done)
		for i := range rounds {
			clock.Add(7 * time.Minute) // labels held in early rounds expire
			m.Evaluate()
			if i%5 == 4 {
				if err := m.Checkpoint(); err != nil {
					errs <- err
					return
				}
			}
			time.Sleep(time.Millisecond)
		}
	}()
	for w := range workers {
		go func() {
			r := rand.New(rand.NewPCG(uint64(w), 5))
			for i := range rounds {
				start := (w*rounds + i) * per
				body, labels := splitLabels(t, batch(r, start, per, 0, time.Time{}, true))
				body = bytes.ReplaceAll(body, []byte(`"timestamp":"0001-01-01T00:00:00Z",`), nil)
				// A label whose prediction never comes, and one for a
				// prediction of long ago (joined, or expired: then it waits).
				labels = fmt.Appendf(labels, `{"id": "ghost-%d-%d", "label": 1}`+"\n", w, i)
				if i >= 12 {
					labels = fmt.Appendf(labels, `{"id": "p%d", "label": 0}`+"\n", start-12*per)
				}
				first, second := body, labels
				if i%2 == 0 { // labels first
					first, second = labels, body
				}
				for _, b := range [][]byte{first, second} {
					var err error
					if bytes.Contains(b, []byte(`"features"`)) {
						_, err = m.IngestPredictions("fraud", bytes.NewReader(b))
					} else {
						_, err = m.IngestLabels("fraud", bytes.NewReader(b))
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		require.NoError(t, <-errs)
	}
	<-done
	select {
	case err := <-errs:
		require.NoError(t, err)
	default:
	}
	// Then, in order: every ghost leaves the join window, one more label
	// waits, and one is sent twice.
	clock.Add(61 * time.Minute)
	m.Evaluate()
	_, err := m.IngestLabels("fraud", strings.NewReader(`{"id": "last", "label": 1}`+"\n"+`{"id": "last", "label": 1}`))
	require.NoError(t, err)
	snapshot := func(m *Monitor) map[string]float64 {
		md, _ := m.model("fraud")
		md.mu.Lock()
		defer md.mu.Unlock()
		return map[string]float64{"labels": md.st.Labels["v1"], "predictions": md.st.Predictions["v1"],
			"unmatched": md.st.Unmatched, "duplicates": md.st.Duplicates, "held": float64(md.held.len()), "pending": float64(md.pending.len())}
	}
	m.Evaluate()
	before, evBefore := snapshot(m), m.Evaluations()["fraud"]
	require.Equal(t, float64(workers*rounds*per), before["predictions"])
	require.Positive(t, before["labels"])
	require.GreaterOrEqual(t, before["unmatched"], float64(workers*rounds), "the ghost labels expired")
	require.Equal(t, 1.0, before["held"])
	require.Positive(t, before["duplicates"])
	require.NoError(t, m.wal.Close()) // crash

	m2 := openMonitor(t, state, clock, cfg)
	defer m2.Close()
	require.Equal(t, before, snapshot(m2))
	m2.Evaluate()
	evAfter := m2.Evaluations()["fraud"]
	require.Len(t, evAfter, len(evBefore))
	for i, e := range evBefore {
		require.Len(t, evAfter[i].Performance, len(e.Performance))
		for k, v := range e.Performance {
			require.InDelta(t, v, evAfter[i].Performance[k], 1e-12, k) // sums in map order
		}
	}
}
