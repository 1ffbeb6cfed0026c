package monitor

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/mlre-dev/mlre/internal/dataset"
	"github.com/mlre-dev/mlre/internal/drift"
	"github.com/mlre-dev/mlre/internal/modelmetrics"
	"github.com/mlre-dev/mlre/internal/profile"
)

// PredictionFeature is the name the prediction is profiled under, for
// prediction drift.
const PredictionFeature = "__prediction__"

// Model is one monitored model: its reference and its live state.
type Model struct {
	cfg    Config
	schema *Schema
	ref    *profile.Profile
	edges  map[string][]float64
	levels map[string]map[string]bool // reference categories, for unseen ones
	lo, hi map[string]float64         // reference range, for out-of-range values
	calib  *modelmetrics.Calibrator   // probability models with reference labels
	bucket time.Duration
	pfeat  []profile.Feature // the profiled features: the inputs, then the prediction

	mu      sync.Mutex
	st      *modelState
	pending *pending
}

// modelState is everything a restart must get back (see checkpoint).
type modelState struct {
	Fingerprint string
	Buckets     map[bucketKey]*bucket
	// Totals are cumulative counters by version, for *_total series.
	Predictions map[string]float64
	Labels      map[string]float64
	Unmatched   float64
	Duplicates  float64
	Dropped     float64 // pending predictions dropped at max_pending
	// Halves are KServe request or response events waiting for the other.
	Halves         map[string]*half
	UnjoinedHalves float64
}

type bucketKey struct {
	Version string
	Start   int64 // unix ms, aligned to the bucket size
}

// bucket accumulates one interval of one version.
type bucket struct {
	Prof  *profile.Profile // features and the prediction
	N     float64
	Types []float64 // type errors per feature
	OOR   []float64 // numerical values outside the reference range
	New   []float64 // categories the reference never had
	// Unknown counts fields outside the schema, by name (capped).
	Unknown map[string]float64
	// Joined (prediction, label) pairs, by label arrival.
	Class      *modelmetrics.Classification
	Reg        *modelmetrics.Regression
	CBPE       *modelmetrics.CBPE
	FairSel    map[string]*modelmetrics.Fairness // by attribute, predictions
	FairLab    map[string]*modelmetrics.Fairness // by attribute, joined
	DelaySum   float64
	DelayCount float64
}

const maxUnknownFields = 100

// NewModel loads the reference and prepares the model. The reference is a
// CSV file whose columns include the features (or all of them are
// features, minus the prediction and label columns, when the config lists
// none).
func NewModel(c Config) (*Model, error) {
	types := map[string]dataset.Type{}
	for _, f := range c.Features {
		if f.Type == Numerical {
			types[f.Name] = dataset.Numerical
		} else {
			types[f.Name] = dataset.Categorical
		}
	}
	t, err := dataset.ReadCSVFile(c.Reference.File, dataset.Options{Types: types})
	if err != nil {
		return nil, fmt.Errorf("model %s: reading reference: %w", c.Name, err)
	}
	predCol, labelCol := c.Reference.PredictionColumn, c.Reference.LabelColumn
	if predCol == "" && t.Column("prediction") != nil {
		predCol = "prediction"
	}
	if labelCol == "" && t.Column("label") != nil {
		labelCol = "label"
	}
	for _, col := range []struct{ name, field string }{{c.Reference.PredictionColumn, "prediction_column"}, {c.Reference.LabelColumn, "label_column"}} {
		if col.name != "" && t.Column(col.name) == nil {
			return nil, fmt.Errorf("model %s: reference.%s: %s has no column %q", c.Name, col.field, c.Reference.File, col.name)
		}
	}
	features := c.Features
	if len(features) == 0 {
		for _, col := range t.Columns {
			if col.Name == predCol || col.Name == labelCol || slices.Contains(c.ProtectedAttributes, col.Name) {
				continue
			}
			typ := Numerical
			if col.Type == dataset.Categorical {
				typ = Categorical
			}
			features = append(features, FeatureConfig{Name: col.Name, Type: typ})
		}
	}
	for _, f := range features {
		if t.Column(f.Name) == nil {
			return nil, fmt.Errorf("model %s: feature %q is not a column of the reference %s", c.Name, f.Name, c.Reference.File)
		}
	}
	if len(features) == 0 {
		return nil, fmt.Errorf("model %s: no features: list them under features or give a reference with feature columns", c.Name)
	}
	m := &Model{cfg: c, schema: NewSchema(features, c.Prediction, c.ProtectedAttributes),
		levels: map[string]map[string]bool{}, lo: map[string]float64{}, hi: map[string]float64{},
		bucket: time.Duration(c.Interval)}
	pfeat := profileFeatures(features, c.Prediction)
	refTable := &dataset.Table{Path: t.Path, Rows: t.Rows}
	for _, f := range features {
		refTable.Columns = append(refTable.Columns, t.Column(f.Name))
	}
	if predCol != "" {
		pc := *t.Column(predCol)
		pc.Name = PredictionFeature
		if c.Prediction.Type == Class {
			if pc.Type != dataset.Categorical {
				pc = categoricalOf(&pc)
			}
		} else if pc.Type != dataset.Numerical {
			return nil, fmt.Errorf("model %s: reference column %q holds text, but a %s model's prediction is a number", c.Name, predCol, c.Prediction.Type)
		}
		refTable.Columns = append(refTable.Columns, &pc)
	} else {
		pfeat = pfeat[:len(pfeat)-1]
	}
	ref, edges, err := profile.FromTable(refTable, pfeat, 0)
	if err != nil {
		return nil, fmt.Errorf("model %s: profiling the reference: %w", c.Name, err)
	}
	if predCol == "" { // live predictions are still profiled, without a reference to drift from
		pfeat = profileFeatures(features, c.Prediction)
	}
	m.ref, m.edges = ref, edges
	for _, f := range features {
		col := t.Column(f.Name)
		if f.Type == Numerical {
			if n := ref.Num[f.Name]; n != nil && n.Count > 0 {
				m.lo[f.Name], m.hi[f.Name] = n.Min, n.Max
			}
			continue
		}
		lv := map[string]bool{}
		for _, code := range col.Codes {
			lv[col.Levels[code]] = true
		}
		if f.Type == Boolean {
			lv = map[string]bool{"true": true, "false": true}
		}
		m.levels[f.Name] = lv
	}
	if c.Prediction.Type == Probability && predCol != "" && labelCol != "" {
		pc, lc := t.Column(predCol), t.Column(labelCol)
		var probs []float64
		var labels []bool
		for i := 0; i < t.Rows; i++ {
			p := pc.Num[i]
			l, ok := cellString(lc, i)
			if math.IsNaN(p) || !ok {
				continue
			}
			probs = append(probs, p)
			labels = append(labels, l == c.Prediction.PositiveClass)
		}
		if len(probs) > 0 {
			if m.calib, err = modelmetrics.FitCalibrator(probs, labels); err != nil {
				return nil, fmt.Errorf("model %s: calibrating on the reference: %w", c.Name, err)
			}
		}
	}
	m.pfeat = pfeat
	m.st = newState(m.fingerprint())
	m.pending = newPending(c.MaxPending)
	return m, nil
}

func profileFeatures(fs []FeatureConfig, pc PredictionConfig) []profile.Feature {
	out := make([]profile.Feature, 0, len(fs)+1)
	for _, f := range fs {
		out = append(out, profile.Feature{Name: f.Name, Kind: profile.Kind(f.Type)})
	}
	kind := profile.Kind(Numerical)
	if pc.Type == Class {
		kind = profile.Kind(Categorical)
	}
	return append(out, profile.Feature{Name: PredictionFeature, Kind: kind})
}

// categoricalOf turns a numerical column (class labels read as numbers)
// into a categorical one.
func categoricalOf(c *dataset.Column) dataset.Column {
	out := dataset.Column{Name: c.Name, Type: dataset.Categorical}
	idx := map[string]uint32{}
	for _, v := range c.Num {
		if math.IsNaN(v) {
			out.Missing++
			continue
		}
		s := strconv.FormatFloat(v, 'f', -1, 64)
		k, ok := idx[s]
		if !ok {
			k = uint32(len(out.Levels))
			idx[s] = k
			out.Levels = append(out.Levels, s)
		}
		out.Codes = append(out.Codes, k)
	}
	return out
}

// cellString returns row i of a column as text (labels may read as
// numbers).
func cellString(c *dataset.Column, i int) (string, bool) {
	if c.Type == dataset.Numerical {
		if i >= len(c.Num) || math.IsNaN(c.Num[i]) {
			return "", false
		}
		return strconv.FormatFloat(c.Num[i], 'f', -1, 64), true
	}
	// Categorical columns leave missing values out of Codes; they line up
	// with rows only when nothing is missing.
	if c.Missing > 0 || i >= len(c.Codes) {
		return "", false
	}
	return c.Levels[c.Codes[i]], true
}

// fingerprint identifies the schema; a checkpoint of another schema is
// discarded.
func (m *Model) fingerprint() string {
	s := m.cfg.Prediction.Type + "|" + m.cfg.Prediction.PositiveClass + "|" + strconv.FormatFloat(*m.cfg.Prediction.Threshold, 'g', -1, 64) +
		"|" + m.bucket.String()
	for _, f := range m.schema.Features {
		s += "|" + f.Name + ":" + f.Type
	}
	for _, a := range m.schema.Attributes {
		s += "|attr:" + a
	}
	names := make([]string, 0, len(m.edges))
	for n := range m.edges {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s += "|" + n + fmt.Sprint(m.edges[n])
	}
	return s
}

func newState(fp string) *modelState {
	return &modelState{Fingerprint: fp, Buckets: map[bucketKey]*bucket{},
		Predictions: map[string]float64{}, Labels: map[string]float64{}}
}

var _ = drift.Methods
