package monitor

import (
	"errors"
	"io"
	"net/http"
	"sort"
	"time"

	"github.com/prometheus/common/route"

	"github.com/mlre-dev/mlre/internal/drift"
	"github.com/mlre-dev/mlre/internal/httperr"
)

// Register adds the model routes to the /api/v1 router.
func (m *Monitor) Register(r *route.Router) {
	r.Post("/models/:model/predictions", m.handleIngest(m.IngestPredictions))
	r.Post("/models/:model/labels", m.handleIngest(m.IngestLabels))
	r.Post("/models/:model/kserve", func(w http.ResponseWriter, req *http.Request) {
		m.handleIngest(func(name string, body io.Reader) (ApplyResult, error) {
			return m.IngestKServe(name, req.Header, body)
		})(w, req)
	})
	r.Get("/models", m.handleList)
	r.Get("/models/:model", m.handleModel)
}

func (m *Monitor) handleIngest(f func(string, io.Reader) (ApplyResult, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		name := route.Param(req.Context(), "model")
		res, err := f(name, req.Body)
		switch {
		case errors.Is(err, ErrUnknownModel):
			httperr.Write(w, http.StatusNotFound, httperr.TypeNotFound, err.Error()+": configure it under models: in mlre.yaml")
		case errors.Is(err, ErrStore):
			httperr.Write(w, http.StatusInternalServerError, httperr.TypeInternal, "model "+name+": "+err.Error())
		case err != nil:
			// Past server.max_request_body_size the API's wrapper turns
			// this into a 413.
			httperr.Write(w, http.StatusBadRequest, httperr.TypeBadData, "model "+name+": the batch was rejected whole: "+err.Error())
		default:
			httperr.WriteData(w, res)
		}
	}
}

// ModelSummary is one model in GET /api/v1/models.
type ModelSummary struct {
	Name           string             `json:"name"`
	Prediction     string             `json:"prediction"`
	Window         string             `json:"window"`
	Features       int                `json:"features"`
	Versions       []VersionSummary   `json:"versions"`
	Evaluated      *time.Time         `json:"evaluated_at"`
	Pending        int                `json:"pending_predictions"`
	PendingLabels  int                `json:"pending_labels"`
	PredictionsAll map[string]float64 `json:"predictions_total"`
}

// VersionSummary is the headline of one version's last evaluation.
type VersionSummary struct {
	Version         string             `json:"version"`
	Predictions     float64            `json:"window_predictions"`
	DatasetDrift    bool               `json:"dataset_drift"`
	DriftShare      float64            `json:"drift_share"`
	DriftedFeatures []string           `json:"drifted_features"`
	Performance     map[string]float64 `json:"performance,omitempty"`
	Estimated       map[string]float64 `json:"estimated_performance,omitempty"`
	LabelDelay      *float64           `json:"label_delay_seconds,omitempty"`
}

func (m *Monitor) summaries() []ModelSummary {
	m.mu.Lock()
	models := make([]*Model, 0, len(m.models))
	for _, md := range m.models {
		models = append(models, md)
	}
	evals := m.evals
	out := make([]ModelSummary, 0, len(models))
	for _, md := range models {
		s := ModelSummary{Name: md.cfg.Name, Prediction: md.cfg.Prediction.Type, Window: md.cfg.Window.String(),
			Features: len(md.schema.Features), Versions: []VersionSummary{}}
		for _, e := range evals[md.cfg.Name] {
			t := e.Time
			s.Evaluated = &t
			vs := VersionSummary{Version: e.Version, Predictions: e.Predictions, DatasetDrift: e.Summary.DatasetDrift,
				DriftShare: e.Summary.DriftShare, DriftedFeatures: drifted(e.Drift), Performance: e.Performance,
				Estimated: e.Estimated, LabelDelay: e.LabelDelay}
			s.Versions = append(s.Versions, vs)
		}
		out = append(out, s)
	}
	m.mu.Unlock()
	for i, md := range models {
		md.mu.Lock()
		out[i].Pending = md.pending.len()
		out[i].PendingLabels = md.held.len()
		out[i].PredictionsAll = map[string]float64{}
		for v, n := range md.st.Predictions {
			out[i].PredictionsAll[v] = n
		}
		md.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func drifted(rs []drift.Result) []string {
	out := []string{}
	for _, r := range rs {
		if r.Drift {
			out = append(out, r.Name)
		}
	}
	return out
}

func (m *Monitor) handleList(w http.ResponseWriter, _ *http.Request) {
	httperr.WriteData(w, m.summaries())
}

// ModelDetail is GET /api/v1/models/<model>.
type ModelDetail struct {
	ModelSummary
	Config      Config       `json:"config"`
	Evaluations []Evaluation `json:"evaluations"`
}

// Details returns every model with its config and last evaluations, by
// name (the web UI reads them).
func (m *Monitor) Details() []ModelDetail {
	sums := m.summaries()
	out := make([]ModelDetail, 0, len(sums))
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range sums {
		out = append(out, ModelDetail{ModelSummary: s, Config: m.configs[s.Name], Evaluations: append([]Evaluation{}, m.evals[s.Name]...)})
	}
	return out
}

func (m *Monitor) handleModel(w http.ResponseWriter, req *http.Request) {
	name := route.Param(req.Context(), "model")
	for _, s := range m.summaries() {
		if s.Name != name {
			continue
		}
		m.mu.Lock()
		d := ModelDetail{ModelSummary: s, Config: m.configs[name], Evaluations: append([]Evaluation{}, m.evals[name]...)}
		m.mu.Unlock()
		httperr.WriteData(w, d)
		return
	}
	httperr.Write(w, http.StatusNotFound, httperr.TypeNotFound, "unknown model "+name+": configure it under models: in mlre.yaml")
}
