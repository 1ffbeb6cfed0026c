package monitor

import (
	"math"
	"time"

	"github.com/mlre-dev/mlre/internal/modelmetrics"
	"github.com/mlre-dev/mlre/internal/profile"
)

func (m *Model) newBucket() *bucket {
	n := len(m.schema.Features)
	b := &bucket{
		Prof:  profile.New(m.pfeat, m.edges),
		Types: make([]float64, n), OOR: make([]float64, n), New: make([]float64, n),
		Unknown: map[string]float64{},
		FairSel: map[string]*modelmetrics.Fairness{}, FairLab: map[string]*modelmetrics.Fairness{},
	}
	switch {
	case m.cfg.Prediction.Type == Regression:
		b.Reg = &modelmetrics.Regression{}
	case m.cfg.Prediction.Multiclass():
		b.Multi = modelmetrics.NewMulticlass(m.cfg.Prediction.Classes)
	default:
		b.Class = &modelmetrics.Classification{}
	}
	if m.cfg.Prediction.Type == Probability && !m.cfg.Prediction.Multiclass() {
		b.CBPE = &modelmetrics.CBPE{}
	}
	for _, a := range m.schema.Attributes {
		b.FairSel[a] = &modelmetrics.Fairness{}
		b.FairLab[a] = &modelmetrics.Fairness{}
	}
	return b
}

func (m *Model) bucketAt(version string, t int64) *bucket {
	size := m.bucket.Milliseconds()
	start := t - ((t%size)+size)%size
	k := bucketKey{Version: version, Start: start}
	b := m.st.Buckets[k]
	if b == nil {
		b = m.newBucket()
		m.st.Buckets[k] = b
	}
	return b
}

// ApplyResult says what a batch did.
type ApplyResult struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	// Matched counts labels joined to their prediction: labels that found
	// it held, or predictions that found their label held.
	Matched int `json:"matched,omitempty"`
	// Held counts labels whose prediction has not come yet.
	Held int `json:"held,omitempty"`
}

// applyPredictions adds validated rows; ids already held are duplicates
// and count nothing.
func (m *Model) applyPredictions(rows []Row) ApplyResult {
	var res ApplyResult
	pos := m.cfg.Prediction.PositiveClass
	for i := range rows {
		r := &rows[i]
		if m.pending.has(r.ID) {
			res.Duplicates++
			m.st.Duplicates++
			continue
		}
		res.Accepted++
		b := m.bucketAt(r.Version, r.T)
		for k, f := range m.schema.Features {
			if r.TypeErrors[k] {
				b.Types[k]++
			}
			switch f.Type {
			case Numerical:
				x := r.Num[k]
				if math.IsNaN(x) {
					b.Prof.ObserveMissing(f.Name)
					continue
				}
				b.Prof.ObserveNumber(f.Name, x)
				if lo, ok := m.lo[f.Name]; ok && (x < lo || x > m.hi[f.Name]) {
					b.OOR[k]++
				}
			default:
				s := r.Str[k]
				if s == "" {
					b.Prof.ObserveMissing(f.Name)
					continue
				}
				b.Prof.ObserveString(f.Name, s)
				if lv := m.levels[f.Name]; lv != nil && !lv[s] {
					b.New[k]++
				}
			}
		}
		for _, u := range r.Unknown {
			if _, ok := b.Unknown[u]; ok || len(b.Unknown) < maxUnknownFields {
				b.Unknown[u]++
			}
		}
		if m.cfg.Prediction.categorical() {
			b.Prof.ObserveString(PredictionFeature, r.PredClass)
		} else {
			b.Prof.ObserveNumber(PredictionFeature, r.Pred)
		}
		b.Prof.EndRow()
		b.N++
		m.st.Predictions[r.Version]++
		if b.CBPE != nil {
			b.CBPE.Add(r.Pred, *m.cfg.Prediction.Threshold, m.calib)
		}
		predPos := r.PredClass == pos
		for j, a := range m.schema.Attributes {
			b.FairSel[a].Add(groupName(r.Attrs[j]), predPos, nil)
		}
		rec := pendingRec{ID: r.ID, T: r.T, Version: r.Version, PredClass: r.PredClass, Pred: r.Pred, Probs: r.Probs, Attrs: r.Attrs}
		if l, ok := m.held.take(r.ID); ok {
			// The label came first; an inline one is a second label.
			if r.Label != nil {
				m.st.Duplicates++
			}
			res.Matched++
			rec.Joined = true
			m.join(b, &rec, l.Label, math.Max(0, float64(l.At-r.T)/1000))
		} else if r.Label != nil {
			rec.Joined = true
			m.join(b, &rec, *r.Label, 0)
		}
		if d := m.pending.add(rec); d > 0 {
			m.st.Dropped += float64(d)
		}
	}
	return res
}

// applyLabels joins labels to held predictions; they count in the bucket
// of their arrival (now), so performance over a window is that of the
// predictions labelled in it. A label whose prediction is not held waits
// for it (see applyPredictions) until the join window ends.
func (m *Model) applyLabels(rows []LabelRow, now time.Time) ApplyResult {
	var res ApplyResult
	for _, l := range rows {
		rec, ok := m.pending.get(l.ID)
		switch {
		case !ok && m.held.has(l.ID):
			res.Duplicates++
			m.st.Duplicates++
		case !ok:
			res.Held++
			m.st.Unmatched += float64(m.held.add(heldLabel{ID: l.ID, At: now.UnixMilli(), Label: l.Label}))
		case rec.Joined:
			res.Duplicates++
			m.st.Duplicates++
		default:
			res.Matched++
			rec.Joined = true
			delay := math.Max(0, float64(now.UnixMilli()-rec.T)/1000)
			m.join(m.bucketAt(rec.Version, now.UnixMilli()), rec, l.Label, delay)
		}
	}
	res.Accepted = res.Matched + res.Held
	return res
}

func (m *Model) join(b *bucket, rec *pendingRec, l Label, delay float64) {
	pos := m.cfg.Prediction.PositiveClass
	switch {
	case b.Reg != nil:
		b.Reg.Add(l.Value, rec.Pred)
	case b.Multi != nil:
		b.Multi.Add(l.Class, rec.PredClass, rec.Probs)
	case m.cfg.Prediction.Type == Probability:
		b.Class.Add(l.Class, rec.PredClass, rec.Pred, pos)
	default:
		b.Class.Add(l.Class, rec.PredClass, math.NaN(), pos)
	}
	if m.cfg.Prediction.Type != Regression {
		labelPos := l.Class == pos
		for j, a := range m.schema.Attributes {
			g := ""
			if j < len(rec.Attrs) {
				g = rec.Attrs[j]
			}
			b.FairLab[a].Add(groupName(g), rec.PredClass == pos, &labelPos)
		}
	}
	b.DelaySum += delay
	b.DelayCount++
	m.st.Labels[rec.Version]++
}

func groupName(g string) string {
	if g == "" {
		return "(missing)"
	}
	return g
}

// expiring reports whether predictions or labels older than cutoff (unix
// ms) are held.
func (m *Model) expiring(cutoff int64) bool {
	t, ok := m.pending.oldest()
	if ok && t < cutoff {
		return true
	}
	t, ok = m.held.oldest()
	return ok && t < cutoff
}

// expire drops the predictions made and the labels received before
// cutoff; a label dropped without its prediction is unmatched.
func (m *Model) expire(cutoff int64) {
	m.pending.expire(cutoff)
	m.st.Unmatched += float64(m.held.expire(cutoff))
}

// applyRecord applies one logged record.
func (m *Model) applyRecord(rec *walRecord) ApplyResult {
	switch {
	case rec.Expire != 0:
		m.expire(rec.Expire)
		return ApplyResult{}
	case rec.Labels != nil:
		return m.applyLabels(rec.Labels, time.UnixMilli(rec.Now))
	case rec.Half != nil:
		res, err := m.joinHalf(rec.Half, rec.Now, true)
		if err != nil { // checked before logging; a replay of it drops it
			return ApplyResult{}
		}
		return res
	default:
		return m.applyPredictions(rec.Rows)
	}
}

// joinHalf pairs a KServe half with its other half. With apply set it
// stores the half or applies the joined predictions; without, it only
// checks that a completing half makes valid rows.
func (m *Model) joinHalf(ev *KServeEvent, now int64, apply bool) (ApplyResult, error) {
	if m.st.Halves == nil {
		m.st.Halves = map[string]*half{}
	}
	other := m.st.Halves[ev.ID]
	if other == nil || other.Type == ev.Type {
		if apply {
			m.expireHalves(now)
			m.st.Halves[ev.ID] = &half{Type: ev.Type, Body: ev.Body, At: now, Version: ev.Version, Time: ev.Time}
		}
		return ApplyResult{}, nil
	}
	req, resp := ev, &KServeEvent{ID: ev.ID, Type: other.Type, Body: other.Body, Version: other.Version, Time: other.Time}
	if ev.Type == ceResponse {
		req, resp = resp, req
	}
	t := req.Time
	if t.IsZero() {
		t = time.UnixMilli(now)
		if ev.Type == ceResponse {
			t = time.UnixMilli(other.At)
		}
	}
	version := req.Version
	if version == "" {
		version = resp.Version
	}
	rows, err := m.schema.kserveRows(ev.ID, req.Body, resp.Body, t, version)
	if err != nil || !apply {
		return ApplyResult{}, err
	}
	delete(m.st.Halves, ev.ID)
	return m.applyPredictions(rows), nil
}

// expireHalves drops halves whose other half never came, oldest first at
// the cap.
func (m *Model) expireHalves(now int64) {
	for id, h := range m.st.Halves {
		if now-h.At > halfTTL.Milliseconds() {
			delete(m.st.Halves, id)
			m.st.UnjoinedHalves++
		}
	}
	for len(m.st.Halves) >= maxHalves {
		var oldest string
		var at int64 = 1<<63 - 1
		for id, h := range m.st.Halves {
			if h.At < at {
				oldest, at = id, h.At
			}
		}
		delete(m.st.Halves, oldest)
		m.st.UnjoinedHalves++
	}
}
