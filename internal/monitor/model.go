package monitor

import (
	"fmt"
	"math"
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
	held    *heldLabels // labels that came before their prediction
}

// modelState is everything a restart must get back (see checkpoint).
type modelState struct {
	Fingerprint string
	Buckets     map[bucketKey]*bucket
	// Totals are cumulative counters by version, for *_total series.
	Predictions map[string]float64
	Labels      map[string]float64
	Unmatched   float64 // labels that left the join window, or max_pending, without their prediction
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
	Multi      *modelmetrics.Multiclass // multiclass probability models, instead of Class
	Reg        *modelmetrics.Regression
	CBPE       *modelmetrics.CBPE
	FairSel    map[string]*modelmetrics.Fairness // by attribute, predictions
	FairLab    map[string]*modelmetrics.Fairness // by attribute, joined
	DelaySum   float64
	DelayCount float64
}

const maxUnknownFields = 100

// NewModel loads the model's reference — a saved profile, or data it
// profiles now — and prepares the model.
func NewModel(c Config) (*Model, error) {
	var ref *Reference
	var err error
	if c.Reference.Profile != "" {
		ref, err = ReadReference(c.Reference.Profile)
		if err == nil {
			err = ref.compatible(c)
		}
	} else {
		ref, err = BuildReference(c.Reference.File, ReferenceOptions{Features: c.Features, Prediction: c.Prediction,
			PredictionColumn: c.Reference.PredictionColumn, LabelColumn: c.Reference.LabelColumn, Exclude: c.ProtectedAttributes})
	}
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", c.Name, err)
	}
	features := c.Features
	if len(features) == 0 {
		features = ref.Features
	}
	for name, fd := range c.Drift.Features {
		var ft string
		for _, f := range features {
			if f.Name == name {
				ft = f.Type
			}
		}
		switch {
		case ft == "":
			return nil, fmt.Errorf("model %s: drift.features.%s: not a feature of the model (%s)", c.Name, name, featureList(features))
		case fd.Method != "" && !drift.Applies(fd.Method, driftType(ft)):
			return nil, fmt.Errorf("model %s: drift.features.%s.method: %s does not apply to a %s feature", c.Name, name, fd.Method, ft)
		}
	}
	m := &Model{cfg: c, schema: NewSchema(features, c.Prediction, c.ProtectedAttributes),
		levels: map[string]map[string]bool{}, lo: map[string]float64{}, hi: map[string]float64{},
		bucket: time.Duration(c.Interval), ref: ref.Profile, edges: map[string][]float64{}, calib: ref.Calibrator}
	// Live profiles hold the model's features and prediction only; a saved
	// reference may have more.
	for name, e := range ref.Profile.Edges() {
		if name == PredictionFeature && !c.Prediction.categorical() {
			m.edges[name] = e
			continue
		}
		for _, f := range features {
			if f.Name == name && f.Type == Numerical {
				m.edges[name] = e
			}
		}
	}
	m.pfeat = profileFeatures(features, c.Prediction)
	for _, f := range features {
		if n := ref.Profile.Num[f.Name]; n != nil && n.Count > 0 {
			m.lo[f.Name], m.hi[f.Name] = n.Min, n.Max
		}
		if f.Type == Boolean {
			m.levels[f.Name] = map[string]bool{"true": true, "false": true}
		} else if cat := ref.Profile.Cat[f.Name]; cat != nil && cat.Other == 0 {
			lv := map[string]bool{}
			for k := range cat.Counts {
				lv[k] = true
			}
			m.levels[f.Name] = lv
		}
	}
	// The live profiles must merge with the reference's edges; a feature
	// the reference has no edges for (no values) gets none.
	m.st = newState(m.fingerprint())
	m.pending = newPending(c.MaxPending)
	m.held = newHeldLabels(c.MaxPending)
	return m, nil
}

// compatible checks a saved reference against the model's config.
func (r *Reference) compatible(c Config) error {
	kinds := r.Profile.Kinds
	for _, f := range c.Features {
		k, ok := kinds[f.Name]
		if !ok {
			return fmt.Errorf("reference.profile %s has no feature %q (it has %s)", r.Source, f.Name, featureList(r.Features))
		}
		if string(k) != f.Type && !(f.Type == Boolean && k == profile.KindCategorical) {
			return fmt.Errorf("feature %q is %s in the config but %s in the reference profile", f.Name, f.Type, k)
		}
	}
	if k, ok := kinds[PredictionFeature]; ok && (k == profile.KindCategorical) != c.Prediction.categorical() {
		what := map[bool]string{true: "classes", false: "numbers"}
		return fmt.Errorf("the reference profile's predictions are %s, the model's %s: profile again with the right --prediction-type (and --classes for a multiclass model)",
			what[k == profile.KindCategorical], what[c.Prediction.categorical()])
	}
	return nil
}

func featureList(fs []FeatureConfig) string {
	s := ""
	for i, f := range fs {
		if i > 0 {
			s += ", "
		}
		s += f.Name
	}
	return s
}

func profileFeatures(fs []FeatureConfig, pc PredictionConfig) []profile.Feature {
	out := make([]profile.Feature, 0, len(fs)+1)
	for _, f := range fs {
		out = append(out, profile.Feature{Name: f.Name, Kind: profile.Kind(f.Type)})
	}
	kind := profile.Kind(Numerical)
	if pc.categorical() {
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
	for _, c := range m.cfg.Prediction.Classes {
		s += "|class:" + c
	}
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
