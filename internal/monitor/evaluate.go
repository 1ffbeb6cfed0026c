package monitor

import (
	"encoding/json"
	"math"
	"sort"
	"time"

	"github.com/mlre-dev/mlre/internal/drift"
	"github.com/mlre-dev/mlre/internal/profile"
)

// Evaluation is one model version over one window.
type Evaluation struct {
	Model           string              `json:"model"`
	Version         string              `json:"version"`
	Time            time.Time           `json:"time"`
	Window          string              `json:"window"`
	Predictions     float64             `json:"predictions"`
	Drift           []drift.Result      `json:"drift"`
	Summary         drift.Summary       `json:"dataset_drift"`
	PredictionDrift *drift.Result       `json:"prediction_drift,omitempty"`
	Performance     map[string]float64  `json:"performance,omitempty"`
	Estimated       map[string]float64  `json:"estimated_performance,omitempty"`
	Fairness        map[string]Fairness `json:"fairness,omitempty"`
	Quality         []QualityCheck      `json:"data_quality"`
	Labels          float64             `json:"labels"`
	LabelDelay      *float64            `json:"label_delay_seconds,omitempty"`
	// Histograms compare each input feature in the window with the
	// reference (the web UI draws them).
	Histograms []Histogram `json:"histograms,omitempty"`
}

// QualityCheck is one data-quality measure of one feature.
type QualityCheck struct {
	Feature string  `json:"feature"`
	Check   string  `json:"check"` // missing_share, type_error_share, out_of_range_share, unseen_category_share, unknown_field_share
	Value   float64 `json:"value"`
}

// evaluate merges the buckets of the last window per version and measures
// them; it also drops the buckets that have left the window. (What leaves
// the join window is dropped by a logged record: see Monitor.evaluate.)
func (m *Model) evaluate(now time.Time) []Evaluation {
	win := time.Duration(m.cfg.Window)
	from := now.Add(-win).UnixMilli()
	to := now.UnixMilli()
	byVersion := map[string][]*bucket{}
	for k, b := range m.st.Buckets {
		end := k.Start + m.bucket.Milliseconds()
		switch {
		case end <= from:
			delete(m.st.Buckets, k) // left the window
		case k.Start <= to:
			byVersion[k.Version] = append(byVersion[k.Version], b)
		}
	}

	versions := make([]string, 0, len(byVersion))
	for v := range byVersion {
		versions = append(versions, v)
	}
	sort.Strings(versions)
	var out []Evaluation
	for _, v := range versions {
		out = append(out, m.evaluateBuckets(v, byVersion[v], now))
	}
	return out
}

func (m *Model) evaluateBuckets(version string, bs []*bucket, now time.Time) Evaluation {
	e := Evaluation{Model: m.cfg.Name, Version: version, Time: now, Window: m.cfg.Window.String(), Quality: []QualityCheck{}}
	acc := m.newBucket()
	for _, b := range bs {
		_ = acc.Prof.Merge(b.Prof)
		acc.N += b.N
		for k := range acc.Types {
			acc.Types[k] += b.Types[k]
			acc.OOR[k] += b.OOR[k]
			acc.New[k] += b.New[k]
		}
		for u, n := range b.Unknown {
			acc.Unknown[u] += n
		}
		if acc.Class != nil {
			acc.Class.Merge(b.Class)
		}
		if acc.Multi != nil {
			acc.Multi.Merge(b.Multi)
		}
		if acc.Reg != nil {
			acc.Reg.Merge(b.Reg)
		}
		if acc.CBPE != nil {
			acc.CBPE.Merge(b.CBPE)
		}
		for a := range acc.FairSel {
			acc.FairSel[a].Merge(b.FairSel[a])
			acc.FairLab[a].Merge(b.FairLab[a])
		}
		acc.DelaySum += b.DelaySum
		acc.DelayCount += b.DelayCount
	}
	e.Predictions = acc.N
	e.Labels = acc.DelayCount

	if acc.N > 0 {
		for _, f := range m.schema.Features {
			method, thr := m.cfg.Drift.Method, m.cfg.Drift.Threshold
			if method != "" && !drift.Applies(method, driftType(f.Type)) {
				// A model-wide method applies where it fits (ks to
				// numerical features); the others keep Evidently's choice.
				method, thr = "", nil
			}
			if o, ok := m.cfg.Drift.Features[f.Name]; ok {
				if o.Method != "" {
					method = o.Method
				}
				if o.Threshold != nil {
					thr = o.Threshold
				}
			}
			r, err := driftOf(m, acc, f.Name, method, thr)
			if err != nil {
				continue // no values of it in the window (or the reference)
			}
			e.Drift = append(e.Drift, r)
		}
		if m.cfg.Drift.FDR {
			drift.AdjustFDR(e.Drift)
		}
		e.Summary = drift.Summarize(e.Drift, m.cfg.Drift.DriftShare)
		names := make([]string, len(m.schema.Features))
		for i, f := range m.schema.Features {
			names[i] = f.Name
		}
		e.Histograms = histograms(m.ref, acc.Prof, names)
		if _, ok := m.ref.Kinds[PredictionFeature]; ok {
			if r, err := driftOf(m, acc, PredictionFeature, "", nil); err == nil {
				e.PredictionDrift = &r
			}
		}
		for k, f := range m.schema.Features {
			missing := 0.0
			if n := acc.Prof.Num[f.Name]; n != nil {
				missing = float64(n.Missing)
			} else if c := acc.Prof.Cat[f.Name]; c != nil {
				missing = float64(c.Missing)
			}
			e.Quality = append(e.Quality,
				QualityCheck{f.Name, "missing_share", missing / acc.N},
				QualityCheck{f.Name, "type_error_share", acc.Types[k] / acc.N})
			if f.Type == Numerical {
				e.Quality = append(e.Quality, QualityCheck{f.Name, "out_of_range_share", acc.OOR[k] / acc.N})
			} else {
				e.Quality = append(e.Quality, QualityCheck{f.Name, "unseen_category_share", acc.New[k] / acc.N})
			}
		}
		unknown := make([]string, 0, len(acc.Unknown))
		for u := range acc.Unknown {
			unknown = append(unknown, u)
		}
		sort.Strings(unknown)
		for _, u := range unknown {
			e.Quality = append(e.Quality, QualityCheck{u, "unknown_field_share", acc.Unknown[u] / acc.N})
		}
		if acc.CBPE != nil {
			e.Estimated = finite(acc.CBPE.Metrics())
		}
		if len(acc.FairSel) > 0 {
			e.Fairness = map[string]Fairness{}
			for a := range acc.FairSel {
				e.Fairness[a] = fairnessOf(acc.FairSel[a], acc.FairLab[a])
			}
		}
	}
	if acc.DelayCount > 0 {
		switch {
		case acc.Multi != nil:
			e.Performance = finite(acc.Multi.Metrics())
		case acc.Class != nil:
			e.Performance = finite(acc.Class.Metrics(m.cfg.Prediction.PositiveClass))
		case acc.Reg != nil:
			e.Performance = finite(acc.Reg.Metrics())
		}
		d := acc.DelaySum / acc.DelayCount
		e.LabelDelay = &d
	}
	return e
}

// finite drops undefined metrics (NaN), which have no series.
func finite(in map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range in {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out[k] = v
		}
	}
	return out
}

// driftOf measures one feature of the window against the reference.
func driftOf(m *Model, acc *bucket, feature, method string, threshold *float64) (drift.Result, error) {
	return profile.Drift(m.ref, acc.Prof, feature, method, threshold)
}

// MarshalJSON writes the evaluation with non-finite statistics (a
// chi-square against a category the reference never had is +Inf) as null,
// which JSON can hold.
func (e Evaluation) MarshalJSON() ([]byte, error) {
	type view struct {
		drift.Result
		Statistic *float64 `json:"statistic"`
	}
	conv := func(r drift.Result) view {
		v := view{Result: r}
		if !math.IsNaN(r.Statistic) && !math.IsInf(r.Statistic, 0) {
			s := r.Statistic
			v.Statistic = &s
		}
		return v
	}
	type plain Evaluation
	out := struct {
		plain
		Drift           []view `json:"drift"`
		PredictionDrift *view  `json:"prediction_drift,omitempty"`
	}{plain: plain(e), Drift: make([]view, len(e.Drift))}
	for i, r := range e.Drift {
		out.Drift[i] = conv(r)
	}
	if e.PredictionDrift != nil {
		v := conv(*e.PredictionDrift)
		out.PredictionDrift = &v
	}
	return json.Marshal(out)
}

func driftType(featureType string) drift.Type {
	if featureType == Numerical {
		return drift.Numerical
	}
	return drift.Categorical
}
