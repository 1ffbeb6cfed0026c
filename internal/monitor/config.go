// Package monitor watches models in production: it takes predictions and
// (later) their labels through the ingest API, keeps mergeable profiles per
// model, version and time bucket, and writes drift, performance, estimated
// performance, fairness and data-quality series (mlre_model_*) that SLOs
// and alerts can use.
package monitor

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/mlre-dev/mlre/internal/drift"
)

// Feature types.
const (
	Numerical   = "numerical"
	Categorical = "categorical"
	Boolean     = "boolean"
)

// Prediction types.
const (
	Probability = "probability" // a binary classifier's P(positive class), or with classes a probability per class
	Class       = "class"       // a class label
	Regression  = "regression"  // a number
)

// ProbabilitySumTolerance is how far from 1 a multiclass model's
// probabilities may sum; each row is divided by its sum.
const ProbabilitySumTolerance = 0.01

// Config is one entry of `models:`.
type Config struct {
	Name string `yaml:"name" json:"name,omitempty"`
	// Features lists the inputs; empty: inferred from the reference.
	Features   []FeatureConfig  `yaml:"features" json:"features,omitempty"`
	Prediction PredictionConfig `yaml:"prediction" json:"prediction,omitempty"`
	// ProtectedAttributes are features (or extra fields of each prediction)
	// whose groups fairness compares.
	ProtectedAttributes []string        `yaml:"protected_attributes" json:"protected_attributes,omitempty"`
	Reference           ReferenceConfig `yaml:"reference" json:"reference,omitempty"`
	// Window is the span each evaluation covers (default 1h); Interval is
	// how often the monitor evaluates and writes its series (default 1m).
	Window   model.Duration `yaml:"window" json:"window,omitempty"`
	Interval model.Duration `yaml:"interval" json:"interval,omitempty"`
	// JoinWindow is how long a prediction waits for its label, and how long
	// a re-sent id is recognised (default 7d).
	JoinWindow model.Duration `yaml:"join_window" json:"join_window,omitempty"`
	// MaxPending caps the predictions held for label joins and duplicate
	// detection (default 1,000,000); beyond it the oldest are dropped.
	MaxPending int         `yaml:"max_pending" json:"max_pending,omitempty"`
	Drift      DriftConfig `yaml:"drift" json:"drift,omitempty"`
}

// FeatureConfig is one input.
type FeatureConfig struct {
	Name string `yaml:"name" json:"name,omitempty"`
	Type string `yaml:"type" json:"type,omitempty"`
}

// PredictionConfig says what the model outputs.
type PredictionConfig struct {
	Type string `yaml:"type" json:"type,omitempty"` // probability, class or regression
	// PositiveClass names the positive class of a binary classifier
	// (probability: the class the score is for); default "1".
	PositiveClass string `yaml:"positive_class" json:"positive_class,omitempty"`
	// Threshold turns a probability into a decision (default 0.5).
	Threshold *float64 `yaml:"threshold" json:"threshold,omitempty"`
	// Classes makes a probability model multiclass: each prediction is an
	// object of class to probability, and the predicted class the most
	// probable (the first of these in this order, on a tie).
	Classes []string `yaml:"classes" json:"classes,omitempty"`
}

// Multiclass reports whether the model outputs a probability per class.
func (p PredictionConfig) Multiclass() bool {
	return p.Type == Probability && len(p.Classes) > 0
}

// categorical reports whether the prediction is profiled as a class: the
// class itself, or a multiclass model's most probable class.
func (p PredictionConfig) categorical() bool {
	return p.Type == Class || p.Multiclass()
}

// ReferenceConfig is the data drift is measured against.
type ReferenceConfig struct {
	// File is the reference data: CSV with a header row, Parquet or JSONL, by
	// extension (relative to the config file).
	File string `yaml:"file" json:"file,omitempty"`
	// Profile is a reference saved by `mlre profile` (instead of File).
	Profile string `yaml:"profile" json:"profile,omitempty"`
	// PredictionColumn and LabelColumn name the reference's prediction and
	// label columns (default "prediction" and "label" when present).
	PredictionColumn string `yaml:"prediction_column" json:"prediction_column,omitempty"`
	LabelColumn      string `yaml:"label_column" json:"label_column,omitempty"`
}

// DriftConfig tunes drift detection.
type DriftConfig struct {
	// Method and Threshold apply to every feature (default: Evidently's
	// choice per feature).
	Method    string   `yaml:"method" json:"method,omitempty"`
	Threshold *float64 `yaml:"threshold" json:"threshold,omitempty"`
	// DriftShare is the share of drifted features that makes the dataset
	// drifted (default 0.5, Evidently's).
	DriftShare float64 `yaml:"drift_share" json:"drift_share,omitempty"`
	// FDR controls the false discovery rate across p-value tests
	// (Benjamini–Hochberg).
	FDR bool `yaml:"fdr" json:"fdr,omitempty"`
	// Features overrides the method and threshold per feature.
	Features map[string]FeatureDrift `yaml:"features" json:"features,omitempty"`
}

// FeatureDrift overrides drift settings for one feature.
type FeatureDrift struct {
	Method    string   `yaml:"method" json:"method,omitempty"`
	Threshold *float64 `yaml:"threshold" json:"threshold,omitempty"`
}

// Defaults.
const (
	DefaultWindow     = time.Hour
	DefaultInterval   = time.Minute
	DefaultJoinWindow = 7 * 24 * time.Hour
	DefaultMaxPending = 1_000_000
)

var nameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_.-]*$`)

// ConfigError names the model and field a problem is in.
type ConfigError struct {
	Index int
	Name  string
	Field string
	Err   error
}

func (e *ConfigError) Error() string {
	s := fmt.Sprintf("models[%d]", e.Index)
	if e.Name != "" {
		s += " (" + e.Name + ")"
	}
	if e.Field != "" {
		s += ": " + e.Field
	}
	return s + ": " + e.Err.Error()
}

func (e *ConfigError) Unwrap() error { return e.Err }

// ParseConfigs decodes the list under `models:` strictly, applies defaults
// and validates it; dir resolves relative reference paths.
func ParseConfigs(text []byte, dir string) ([]Config, error) {
	var cs []Config
	dec := yaml.NewDecoder(bytes.NewReader(text))
	dec.KnownFields(true)
	if err := dec.Decode(&cs); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("models: %w", rewriteYAML(err))
	}
	var errs []error
	seen := map[string]bool{}
	for i := range cs {
		c := &cs[i]
		fail := func(field string, format string, a ...any) {
			errs = append(errs, &ConfigError{Index: i, Name: c.Name, Field: field, Err: fmt.Errorf(format, a...)})
		}
		switch {
		case c.Name == "":
			fail("name", "is required")
		case !nameRE.MatchString(c.Name):
			fail("name", "%q: use letters, digits, _ . and - (it becomes the model label and a URL path segment)", c.Name)
		case seen[c.Name]:
			fail("name", "%q is used twice; model names must be unique", c.Name)
		}
		seen[c.Name] = true
		fseen := map[string]bool{}
		for j, f := range c.Features {
			field := fmt.Sprintf("features[%d]", j)
			switch {
			case f.Name == "":
				fail(field+".name", "is required")
			case fseen[f.Name]:
				fail(field+".name", "%q is listed twice", f.Name)
			}
			fseen[f.Name] = true
			switch f.Type {
			case Numerical, Categorical, Boolean:
			case "":
				fail(field+".type", "is required: numerical, categorical or boolean")
			default:
				fail(field+".type", "%q: use numerical, categorical or boolean", f.Type)
			}
		}
		switch c.Prediction.Type {
		case Probability, Class, Regression:
		case "":
			fail("prediction.type", "is required: probability, class or regression")
		default:
			fail("prediction.type", "%q: use probability, class or regression", c.Prediction.Type)
		}
		if len(c.Prediction.Classes) > 0 {
			checkClasses(&c.Prediction, len(c.ProtectedAttributes) > 0, fail)
		}
		switch {
		case len(c.Prediction.Classes) > 0:
		case c.Prediction.PositiveClass == "" && c.Prediction.Type == Probability:
			c.Prediction.PositiveClass = "1"
		case c.Prediction.Type == Regression && len(c.ProtectedAttributes) > 0:
			fail("protected_attributes", "fairness compares selection and error rates of a classifier; a regression has none")
		case c.Prediction.Type == Class && len(c.ProtectedAttributes) > 0 && c.Prediction.PositiveClass == "":
			fail("prediction.positive_class", "is required with protected_attributes: fairness compares how often each group gets the positive (favourable) class")
		}
		if c.Prediction.Threshold == nil {
			t := 0.5
			c.Prediction.Threshold = &t
		} else if t := *c.Prediction.Threshold; !(t > 0 && t < 1) {
			fail("prediction.threshold", "%v: use a probability between 0 and 1", t)
		}
		switch {
		case c.Reference.File == "" && c.Reference.Profile == "":
			fail("reference.file", "is required: a CSV file of the data the model was trained or validated on (or reference.profile, saved by mlre profile)")
		case c.Reference.File != "" && c.Reference.Profile != "":
			fail("reference", "set file or profile, not both")
		}
		for _, p := range []*string{&c.Reference.File, &c.Reference.Profile} {
			if *p != "" && dir != "" && !filepath.IsAbs(*p) {
				*p = filepath.Join(dir, *p)
			}
		}
		for _, a := range c.ProtectedAttributes {
			if a == "" {
				fail("protected_attributes", "an entry is empty")
			}
		}
		setDur := func(d *model.Duration, def time.Duration, field string, min time.Duration) {
			if *d == 0 {
				*d = model.Duration(def)
			}
			if time.Duration(*d) < min {
				fail(field, "%s is too short; use at least %s", *d, model.Duration(min))
			}
		}
		setDur(&c.Window, DefaultWindow, "window", time.Minute)
		setDur(&c.Interval, DefaultInterval, "interval", time.Second)
		setDur(&c.JoinWindow, DefaultJoinWindow, "join_window", time.Minute)
		if c.Interval > c.Window {
			fail("interval", "%s is longer than the window (%s)", c.Interval, c.Window)
		}
		if c.MaxPending == 0 {
			c.MaxPending = DefaultMaxPending
		} else if c.MaxPending < 0 {
			fail("max_pending", "%d: use a positive number", c.MaxPending)
		}
		if c.Drift.DriftShare == 0 {
			c.Drift.DriftShare = 0.5
		} else if !(c.Drift.DriftShare > 0 && c.Drift.DriftShare <= 1) {
			fail("drift.drift_share", "%v: use a share in (0, 1]", c.Drift.DriftShare)
		}
		checkMethod := func(field, m string) {
			if m != "" && !slices.Contains(drift.Methods(), m) {
				fail(field, "unknown method %q; use one of %s", m, strings.Join(drift.Methods(), ", "))
			}
		}
		checkMethod("drift.method", c.Drift.Method)
		for name, fd := range c.Drift.Features {
			checkMethod("drift.features."+name+".method", fd.Method)
			if len(c.Features) > 0 && !fseen[name] {
				fail("drift.features."+name, "is not one of the model's features")
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return cs, nil
}

// checkClasses validates a multiclass model's prediction.classes and the
// keys that go with it.
func checkClasses(p *PredictionConfig, fairness bool, fail func(field, format string, a ...any)) {
	if p.Type != Probability {
		fail("prediction.classes", "applies to probability models, whose predictions are then an object of class to probability (a class model sends the class itself)")
		return
	}
	if len(p.Classes) < 2 {
		fail("prediction.classes", "lists %d class; a multiclass model has at least 2", len(p.Classes))
	}
	seen := map[string]bool{}
	for i, c := range p.Classes {
		switch {
		case c == "":
			fail(fmt.Sprintf("prediction.classes[%d]", i), "is empty")
		case seen[c]:
			fail(fmt.Sprintf("prediction.classes[%d]", i), "%q is listed twice", c)
		}
		seen[c] = true
	}
	if p.Threshold != nil {
		fail("prediction.threshold", "applies to binary models; a multiclass model (prediction.classes) predicts its most probable class")
	}
	switch {
	case p.PositiveClass != "" && !seen[p.PositiveClass]:
		fail("prediction.positive_class", "%q is not one of prediction.classes", p.PositiveClass)
	case p.PositiveClass == "" && fairness:
		fail("prediction.positive_class", "is required with protected_attributes: fairness compares how often each group gets the positive (favourable) class, one of prediction.classes")
	}
}

var yamlFieldRE = regexp.MustCompile(`field (\S+) not found in type monitor\.(\w+)`)

func rewriteYAML(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	msgs := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		msgs[i] = yamlFieldRE.ReplaceAllStringFunc(m, func(s string) string {
			sm := yamlFieldRE.FindStringSubmatch(s)
			return fmt.Sprintf("unknown key %q in %s", sm[1], section(sm[2]))
		})
	}
	return errors.New(strings.Join(msgs, "; "))
}

func section(goType string) string {
	switch goType {
	case "Config":
		return "a model"
	case "FeatureConfig":
		return "features"
	case "PredictionConfig":
		return "prediction"
	case "ReferenceConfig":
		return "reference"
	case "DriftConfig":
		return "drift"
	case "FeatureDrift":
		return "drift.features"
	}
	return goType
}
