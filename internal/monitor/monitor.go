package monitor

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/tsdb/wlog"
	"github.com/prometheus/prometheus/util/compression"
)

// Errors of the ingest API.
var (
	ErrUnknownModel = errors.New("unknown model")
	// ErrStore wraps a failure to make a valid batch durable (a 500).
	ErrStore = errors.New("storing the batch failed")
)

// Monitor runs every configured model. Each accepted batch is written to
// its write-ahead log before it is applied and acknowledged; a checkpoint
// of all state every few minutes lets the log be truncated.
type Monitor struct {
	logger *slog.Logger
	dir    string
	now    func() time.Time

	mu       sync.Mutex
	models   map[string]*Model
	configs  map[string]Config
	evals    map[string][]Evaluation // last evaluation per model
	wal      *wlog.WL
	seq      uint64
	restored *checkpoint // read at Open, handed to models as they are configured
	replayed bool

	ingested *prometheus.CounterVec
	rejected *prometheus.CounterVec
	evalDur  prometheus.Summary

	running  atomic.Bool
	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
}

// checkpoint is the state a restart resumes from.
type checkpoint struct {
	Seq     uint64
	Segment int // the first WAL segment not covered
	Models  map[string]*savedModel
}

type savedModel struct {
	State   *modelState
	Pending []pendingRec
	Labels  []heldLabel // labels waiting for their prediction
}

// walRecord is one accepted batch, or the expiry of what has left the join
// window (logged, so that a replay joins exactly what was joined before).
type walRecord struct {
	Seq   uint64
	Model string
	// Fingerprint is the model's schema when the batch came; a replay into
	// a model whose schema changed skips it.
	Fingerprint string
	Now         int64 // arrival, unix ms
	Rows        []Row
	Labels      []LabelRow
	Half        *KServeEvent // one side of a KServe inference
	// Expire, when not 0, drops the predictions made and the labels
	// received before it (unix ms).
	Expire int64
}

func init() {
	// Row.Values holds float64 and string values.
	gob.Register(float64(0))
	gob.Register("")
}

// The log's segments; a checkpoint comes every checkpointEvery, or sooner
// once the log holds checkpointSegments segments.
const (
	walSegmentSize     = 32 << 20
	checkpointSegments = 16
)

// Options configure a Monitor.
type Options struct {
	// Dir holds the write-ahead log and the checkpoint.
	Dir        string
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Open opens (or creates) the monitor's directory and reads its checkpoint;
// the log is replayed once the models are configured (ApplyConfig).
func Open(o Options) (*Monitor, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	m := &Monitor{logger: o.Logger, dir: o.Dir, now: o.Now, models: map[string]*Model{}, configs: map[string]Config{},
		evals: map[string][]Evaluation{}, stop: make(chan struct{}), done: make(chan struct{})}
	m.ingested = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mlre_model_ingested_rows_total",
		Help: "Rows accepted by the model ingest API, by model and kind (predictions, labels).",
	}, []string{"model", "kind"})
	m.rejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mlre_model_ingest_rejected_batches_total",
		Help: "Batches the model ingest API rejected as invalid, by model and kind.",
	}, []string{"model", "kind"})
	m.evalDur = prometheus.NewSummary(prometheus.SummaryOpts{
		Name:       "mlre_model_evaluation_duration_seconds",
		Help:       "Time to evaluate one model over its window.",
		Objectives: map[float64]float64{0.5: 0.05, 0.99: 0.001},
	})
	if o.Registerer != nil {
		o.Registerer.MustRegister(m.ingested, m.rejected, m.evalDur)
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("model monitor: %w", err)
	}
	cp, err := readCheckpoint(filepath.Join(o.Dir, "checkpoint"))
	if err != nil {
		return nil, fmt.Errorf("model monitor: reading checkpoint: %w", err)
	}
	m.restored = cp
	m.seq = cp.Seq
	m.wal, err = wlog.NewSize(o.Logger, nil, filepath.Join(o.Dir, "wal"), walSegmentSize, compression.Snappy)
	if err != nil {
		return nil, fmt.Errorf("model monitor: opening write-ahead log: %w", err)
	}
	return m, nil
}

// ApplyConfig makes the monitored models match cfgs. Unchanged models
// keep running; a changed model starts over (its reference is read again);
// models gone are dropped. On the first call the log is replayed.
func (m *Monitor) ApplyConfig(cfgs []Config) error {
	next := map[string]*Model{}
	nextCfg := map[string]Config{}
	var errs []error
	for _, c := range cfgs {
		m.mu.Lock()
		old, same := m.models[c.Name], reflect.DeepEqual(m.configs[c.Name], c)
		m.mu.Unlock()
		if old != nil && same {
			next[c.Name], nextCfg[c.Name] = old, c
			continue
		}
		md, err := NewModel(c)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		next[c.Name], nextCfg[c.Name] = md, c
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for name, md := range next {
		old := m.models[name]
		if old == md {
			continue
		}
		if old != nil {
			// A reload that keeps the schema (a new threshold, window or
			// drift method) keeps the data.
			old.mu.Lock()
			if old.st.Fingerprint == md.st.Fingerprint {
				md.st, md.pending, md.held = old.st, old.pending, old.held
				md.pending.max, md.held.max = md.cfg.MaxPending, md.cfg.MaxPending
			}
			old.mu.Unlock()
			continue
		}
		if saved := m.restored.Models[name]; saved != nil && saved.State != nil && saved.State.Fingerprint == md.st.Fingerprint {
			md.st = saved.State
			md.pending.restore(saved.Pending)
			md.held.restore(saved.Labels)
		}
	}
	// The checkpoint is for startup only.
	m.restored.Models = map[string]*savedModel{}
	m.models, m.configs = next, nextCfg
	for name := range m.evals {
		if m.models[name] == nil {
			delete(m.evals, name)
		}
	}
	if !m.replayed {
		m.replayed = true
		if err := m.replay(); err != nil {
			return fmt.Errorf("model monitor: replaying the write-ahead log: %w", err)
		}
	}
	return nil
}

// replay applies the log's records after the checkpoint.
func (m *Monitor) replay() error {
	dir := filepath.Join(m.dir, "wal")
	first, last, err := wlog.Segments(dir)
	if err != nil {
		return err
	}
	if first < m.restored.Segment {
		first = m.restored.Segment
	}
	if last < first {
		return nil
	}
	rc, err := wlog.NewSegmentsRangeReader(wlog.SegmentRange{Dir: dir, First: first, Last: last})
	if err != nil {
		return err
	}
	defer rc.Close()
	r := wlog.NewReader(rc)
	n := 0
	for r.Next() {
		var rec walRecord
		if err := gob.NewDecoder(bytes.NewReader(r.Record())).Decode(&rec); err != nil {
			return fmt.Errorf("decoding record: %w", err)
		}
		if rec.Seq <= m.restored.Seq {
			continue
		}
		m.seq = max(m.seq, rec.Seq)
		md := m.models[rec.Model]
		if md == nil || rec.Fingerprint != md.st.Fingerprint {
			continue // the model is no longer configured, or its schema changed
		}
		md.mu.Lock()
		md.applyRecord(&rec)
		md.mu.Unlock()
		n++
	}
	if err := r.Err(); err != nil {
		// A torn last record (a crash mid-write) was never acknowledged.
		m.logger.Warn("model monitor: the write-ahead log ends in a torn record; it was never acknowledged", "err", err)
	}
	if n > 0 {
		m.logger.Info("model monitor: replayed the write-ahead log", "batches", n)
	}
	return nil
}

// Model returns the configured model's schema, or false.
func (m *Monitor) model(name string) (*Model, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	md, ok := m.models[name]
	return md, ok
}

// IngestPredictions validates a batch, logs it and applies it.
func (m *Monitor) IngestPredictions(name string, body io.Reader) (ApplyResult, error) {
	md, ok := m.model(name)
	if !ok {
		return ApplyResult{}, fmt.Errorf("%w %q", ErrUnknownModel, name)
	}
	now := m.now()
	rows, err := ParsePredictions(body, md.schema, now, time.Duration(md.cfg.JoinWindow))
	if err != nil {
		m.rejected.WithLabelValues(name, "predictions").Inc()
		return ApplyResult{}, err
	}
	return m.commit(md, walRecord{Model: name, Now: now.UnixMilli(), Rows: rows}, "predictions")
}

// IngestLabels validates a batch of labels, logs it and joins it.
func (m *Monitor) IngestLabels(name string, body io.Reader) (ApplyResult, error) {
	md, ok := m.model(name)
	if !ok {
		return ApplyResult{}, fmt.Errorf("%w %q", ErrUnknownModel, name)
	}
	rows, err := ParseLabels(body, md.schema)
	if err != nil {
		m.rejected.WithLabelValues(name, "labels").Inc()
		return ApplyResult{}, err
	}
	return m.commit(md, walRecord{Model: name, Now: m.now().UnixMilli(), Labels: rows}, "labels")
}

// IngestKServe takes one CloudEvent of KServe's payload logger; when both
// halves of an inference are here, its instances become predictions.
func (m *Monitor) IngestKServe(name string, h http.Header, body io.Reader) (ApplyResult, error) {
	md, ok := m.model(name)
	if !ok {
		return ApplyResult{}, fmt.Errorf("%w %q", ErrUnknownModel, name)
	}
	ev, err := ParseKServeEvent(h, body)
	if err == nil {
		if ev.Type == ceRequest {
			_, err = md.schema.kserveInputs(ev.Body)
		} else {
			_, err = kserveOutputs(ev.Body)
		}
	}
	if err != nil {
		m.rejected.WithLabelValues(name, "kserve").Inc()
		return ApplyResult{}, err
	}
	return m.commit(md, walRecord{Model: name, Now: m.now().UnixMilli(), Half: &ev}, "predictions")
}

// commit writes the record to the log, then applies it; the caller
// acknowledges after commit returns.
func (m *Monitor) commit(md *Model, rec walRecord, kind string) (ApplyResult, error) {
	md.mu.Lock()
	defer md.mu.Unlock()
	if rec.Half != nil {
		// The half that completes an inference must make valid rows, or
		// it is refused (and the other half expires).
		if _, err := md.joinHalf(rec.Half, rec.Now, false); err != nil {
			m.rejected.WithLabelValues(md.cfg.Name, "kserve").Inc()
			return ApplyResult{}, err
		}
	}
	if err := m.log(md, &rec); err != nil {
		return ApplyResult{}, err
	}
	res := md.applyRecord(&rec)
	m.ingested.WithLabelValues(md.cfg.Name, kind).Add(float64(res.Accepted))
	return res, nil
}

// log numbers rec and writes it to the write-ahead log. The caller holds
// md.mu, and applies rec after, so that the log has each model's records in
// the order they were applied.
func (m *Monitor) log(md *Model, rec *walRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq++
	rec.Seq = m.seq
	rec.Fingerprint = md.st.Fingerprint
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(rec); err != nil {
		return fmt.Errorf("%w: encoding: %w", ErrStore, err)
	}
	if err := m.wal.Log(buf.Bytes()); err != nil {
		return fmt.Errorf("%w: writing the write-ahead log: %w", ErrStore, err)
	}
	return nil
}

// Evaluate measures every model now and keeps the results for the
// collector and the API.
func (m *Monitor) Evaluate() {
	m.mu.Lock()
	models := make([]*Model, 0, len(m.models))
	for _, md := range m.models {
		models = append(models, md)
	}
	m.mu.Unlock()
	now := m.now()
	for _, md := range models {
		m.evaluate(md, now)
	}
}

func (m *Monitor) evaluate(md *Model, now time.Time) {
	start := time.Now()
	md.mu.Lock()
	// What has left the join window goes by a logged record, so that a
	// replay drops it at the same point among the batches.
	if cutoff := now.Add(-time.Duration(md.cfg.JoinWindow)).UnixMilli(); md.expiring(cutoff) {
		rec := walRecord{Model: md.cfg.Name, Now: now.UnixMilli(), Expire: cutoff}
		if err := m.log(md, &rec); err != nil {
			m.logger.Warn("model monitor: not expiring held predictions and labels this time", "model", md.cfg.Name, "err", err)
		} else {
			md.applyRecord(&rec)
		}
	}
	ev := md.evaluate(now)
	md.mu.Unlock()
	m.evalDur.Observe(time.Since(start).Seconds())
	m.mu.Lock()
	if m.models[md.cfg.Name] == md {
		m.evals[md.cfg.Name] = ev
	}
	m.mu.Unlock()
}

// Evaluations returns the last evaluations, by model name.
func (m *Monitor) Evaluations() map[string][]Evaluation {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string][]Evaluation, len(m.evals))
	for k, v := range m.evals {
		out[k] = v
	}
	return out
}

// Run evaluates on the shortest configured interval and checkpoints every
// checkpointEvery until ctx ends.
func (m *Monitor) Run(ctx context.Context, checkpointEvery time.Duration) {
	m.running.Store(true)
	defer close(m.done)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	lastEval := map[string]time.Time{}
	lastCP := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.stop:
			return
		case <-tick.C:
		}
		now := m.now()
		m.mu.Lock()
		var due []*Model
		for name, md := range m.models {
			if now.Sub(lastEval[name]) >= time.Duration(md.cfg.Interval) {
				due = append(due, md)
				lastEval[name] = now
			}
		}
		m.mu.Unlock()
		for _, md := range due {
			m.evaluate(md, now)
		}
		if time.Since(lastCP) >= checkpointEvery || m.walSegments() >= checkpointSegments {
			lastCP = time.Now()
			if err := m.Checkpoint(); err != nil {
				m.logger.Error("model monitor: checkpoint failed; the write-ahead log keeps everything", "err", err)
			}
		}
	}
}

// walSegments is the number of segments in the log.
func (m *Monitor) walSegments() int {
	first, last, err := wlog.Segments(filepath.Join(m.dir, "wal"))
	if err != nil || last < first {
		return 0
	}
	return last - first + 1
}

// Checkpoint saves all state and truncates the log before it.
func (m *Monitor) Checkpoint() error {
	m.mu.Lock()
	models := make(map[string]*Model, len(m.models))
	for k, v := range m.models {
		models[k] = v
	}
	m.mu.Unlock()
	// Hold every model so no batch lands between the segment cut and the
	// snapshot.
	names := make([]string, 0, len(models))
	for n := range models {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		models[n].mu.Lock()
	}
	m.mu.Lock()
	seg, err := m.wal.NextSegmentSync()
	cp := checkpoint{Seq: m.seq, Segment: seg, Models: map[string]*savedModel{}}
	m.mu.Unlock()
	if err == nil {
		// Under the locks: a copy of each model's state (a gob round trip
		// of its buckets, which are small) and of its held predictions (a
		// slice copy). The large encoding happens after, while ingest goes
		// on.
		for _, n := range names {
			md := models[n]
			var st modelState
			var b bytes.Buffer
			if err = gob.NewEncoder(&b).Encode(md.st); err != nil {
				break
			}
			if err = gob.NewDecoder(&b).Decode(&st); err != nil {
				break
			}
			cp.Models[n] = &savedModel{State: &st, Pending: md.pending.snapshot(), Labels: md.held.snapshot()}
		}
	}
	for _, n := range names {
		models[n].mu.Unlock()
	}
	var buf bytes.Buffer
	if err == nil {
		err = gob.NewEncoder(&buf).Encode(&cp)
	}
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(m.dir, "checkpoint"), buf.Bytes()); err != nil {
		return err
	}
	return m.wal.Truncate(seg)
}

// Close checkpoints and closes the log.
func (m *Monitor) Close() error {
	m.stopOnce.Do(func() { close(m.stop) })
	if m.running.Load() {
		<-m.done
	}
	err := m.Checkpoint()
	if cerr := m.wal.Close(); cerr != nil && err == nil {
		err = cerr
	}
	return err
}

func readCheckpoint(path string) (*checkpoint, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &checkpoint{Models: map[string]*savedModel{}}, nil
	}
	if err != nil {
		return nil, err
	}
	var cp checkpoint
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&cp); err != nil {
		return nil, fmt.Errorf("%s: %w (move it away to start the model monitor afresh)", path, err)
	}
	if cp.Models == nil {
		cp.Models = map[string]*savedModel{}
	}
	return &cp, nil
}

// writeFileAtomic writes a temporary file, syncs it and renames it over
// path, so a crash leaves the old file or the new one.
func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
