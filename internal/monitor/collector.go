package monitor

import (
	"sort"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	dPredictions = prometheus.NewDesc("mlre_model_predictions_total", "Predictions accepted, by model and version.", []string{"model", "version"}, nil)
	dLabels      = prometheus.NewDesc("mlre_model_labels_total", "Labels joined to their predictions, by model and version.", []string{"model", "version"}, nil)
	dUnmatched   = prometheus.NewDesc("mlre_model_labels_unmatched_total", "Labels that never met their prediction: held for join_window without it coming (or dropped at max_pending).", []string{"model"}, nil)
	dDuplicates  = prometheus.NewDesc("mlre_model_duplicates_total", "Predictions and labels re-sent with an id already held, counted once.", []string{"model"}, nil)
	dDropped     = prometheus.NewDesc("mlre_model_pending_dropped_total", "Predictions dropped from the join store at max_pending before their label came.", []string{"model"}, nil)
	dUnjoined    = prometheus.NewDesc("mlre_model_kserve_unjoined_total", "KServe request or response events dropped because the other half did not come within 10 minutes.", []string{"model"}, nil)
	dPending     = prometheus.NewDesc("mlre_model_pending_predictions", "Predictions held for label joins and duplicate detection.", []string{"model"}, nil)
	dHeldLabels  = prometheus.NewDesc("mlre_model_pending_labels", "Labels held for a prediction that has not come yet.", []string{"model"}, nil)
	dWindowRows  = prometheus.NewDesc("mlre_model_window_predictions", "Predictions in the model's current window.", []string{"model", "version"}, nil)
	dDriftScore  = prometheus.NewDesc("mlre_model_feature_drift_score", "Drift of a feature from the reference over the window: the method's statistic (a distance, or the test statistic for ks, chisquare, z).", []string{"model", "version", "feature", "method"}, nil)
	dDriftP      = prometheus.NewDesc("mlre_model_feature_drift_p_value", "P-value of a feature's drift test (ks, chisquare, z); adjusted by Benjamini–Hochberg when drift.fdr is on.", []string{"model", "version", "feature", "method"}, nil)
	dDrifted     = prometheus.NewDesc("mlre_model_feature_drifted", "1 when the feature drifted over the window at its method's threshold.", []string{"model", "version", "feature"}, nil)
	dDriftShare  = prometheus.NewDesc("mlre_model_drifted_features_ratio", "Share of the model's features that drifted over the window.", []string{"model", "version"}, nil)
	dDataset     = prometheus.NewDesc("mlre_model_dataset_drifted", "1 when the share of drifted features reached drift.drift_share.", []string{"model", "version"}, nil)
	dPredDrift   = prometheus.NewDesc("mlre_model_prediction_drift_score", "Drift of the predictions from the reference's.", []string{"model", "version", "method"}, nil)
	dPerf        = prometheus.NewDesc("mlre_model_performance", "Model quality on the predictions labelled in the window.", []string{"model", "version", "metric"}, nil)
	dEstimated   = prometheus.NewDesc("mlre_model_estimated_performance", "Model quality estimated without labels from the calibrated scores (confidence-based, as NannyML's CBPE).", []string{"model", "version", "metric"}, nil)
	dFairness    = prometheus.NewDesc("mlre_model_fairness", "Fairness across the groups of a protected attribute (Fairlearn's definitions).", []string{"model", "version", "attribute", "metric"}, nil)
	dGroup       = prometheus.NewDesc("mlre_model_group_rate", "Per-group rates behind the fairness metrics: selection_rate, true_positive_rate, false_positive_rate.", []string{"model", "version", "attribute", "group", "metric"}, nil)
	dQuality     = prometheus.NewDesc("mlre_model_data_quality", "Share of the window's predictions failing a data-quality check of a feature.", []string{"model", "version", "feature", "check"}, nil)
	dDelay       = prometheus.NewDesc("mlre_model_label_delay_seconds", "Mean time from prediction to label for the labels joined in the window.", []string{"model", "version"}, nil)
)

// Collector exposes the monitor's last evaluations and its counters.
func (m *Monitor) Collector() prometheus.Collector { return collector{m} }

type collector struct{ m *Monitor }

func (collector) Describe(chan<- *prometheus.Desc) {}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	m := c.m
	m.mu.Lock()
	models := make([]*Model, 0, len(m.models))
	for _, md := range m.models {
		models = append(models, md)
	}
	evals := make(map[string][]Evaluation, len(m.evals))
	for k, v := range m.evals {
		evals[k] = v
	}
	m.mu.Unlock()
	sort.Slice(models, func(i, j int) bool { return models[i].cfg.Name < models[j].cfg.Name })
	g := func(d *prometheus.Desc, v float64, lv ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, lv...)
	}
	for _, md := range models {
		name := md.cfg.Name
		md.mu.Lock()
		for v, n := range md.st.Predictions {
			ch <- prometheus.MustNewConstMetric(dPredictions, prometheus.CounterValue, n, name, v)
		}
		for v, n := range md.st.Labels {
			ch <- prometheus.MustNewConstMetric(dLabels, prometheus.CounterValue, n, name, v)
		}
		ch <- prometheus.MustNewConstMetric(dUnmatched, prometheus.CounterValue, md.st.Unmatched, name)
		ch <- prometheus.MustNewConstMetric(dDuplicates, prometheus.CounterValue, md.st.Duplicates, name)
		ch <- prometheus.MustNewConstMetric(dDropped, prometheus.CounterValue, md.st.Dropped, name)
		ch <- prometheus.MustNewConstMetric(dUnjoined, prometheus.CounterValue, md.st.UnjoinedHalves, name)
		g(dPending, float64(md.pending.len()), name)
		g(dHeldLabels, float64(md.held.len()), name)
		md.mu.Unlock()
		for _, e := range evals[name] {
			v := e.Version
			g(dWindowRows, e.Predictions, name, v)
			for _, r := range e.Drift {
				g(dDriftScore, r.Statistic, name, v, r.Name, r.Method)
				if r.PValueAdjusted != nil {
					g(dDriftP, *r.PValueAdjusted, name, v, r.Name, r.Method)
				} else if r.PValue != nil {
					g(dDriftP, *r.PValue, name, v, r.Name, r.Method)
				}
				g(dDrifted, boolF(r.Drift), name, v, r.Name)
			}
			if len(e.Drift) > 0 {
				g(dDriftShare, e.Summary.DriftShare, name, v)
				g(dDataset, boolF(e.Summary.DatasetDrift), name, v)
			}
			if e.PredictionDrift != nil {
				g(dPredDrift, e.PredictionDrift.Statistic, name, v, e.PredictionDrift.Method)
			}
			for k, x := range e.Performance {
				g(dPerf, x, name, v, k)
			}
			for k, x := range e.Estimated {
				g(dEstimated, x, name, v, k)
			}
			for attr, f := range e.Fairness {
				for k, x := range fairnessSeries(f) {
					g(dFairness, x, name, v, attr, k)
				}
				for _, gr := range groupSeries(f) {
					g(dGroup, gr.v, name, v, attr, gr.group, gr.metric)
				}
			}
			for _, q := range e.Quality {
				g(dQuality, q.Value, name, v, q.Feature, q.Check)
			}
			if e.LabelDelay != nil {
				g(dDelay, *e.LabelDelay, name, v)
			}
		}
	}
}

func boolF(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
