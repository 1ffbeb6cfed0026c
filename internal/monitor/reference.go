package monitor

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mlre-dev/mlre/internal/dataset"
	"github.com/mlre-dev/mlre/internal/modelmetrics"
	"github.com/mlre-dev/mlre/internal/profile"
)

// Reference is what a model's live data is compared with: a profile of
// its reference data (features and, when the data has them, predictions),
// and the calibration its labels give. `mlre profile` saves one, so serve
// need not read the reference data again.
type Reference struct {
	Source     string                   `json:"source"`
	Created    time.Time                `json:"created"`
	Rows       int64                    `json:"rows"`
	Features   []FeatureConfig          `json:"features"`
	Prediction string                   `json:"prediction,omitempty"` // the prediction type profiled, "" when none
	Calibrator *modelmetrics.Calibrator `json:"calibrator,omitempty"`
	Profile    *profile.Profile         `json:"-"`
}

// referenceMagic starts a saved reference; the version follows.
const referenceMagic = "mlre-reference-profile 1\n"

// ReferenceOptions say how to read reference data.
type ReferenceOptions struct {
	// Features to profile; empty: every column but the prediction, label
	// and protected attribute columns, typed as the data reads.
	Features []FeatureConfig
	// Prediction is the model's prediction (its type decides how the
	// prediction column is profiled); Type "" profiles no prediction.
	Prediction       PredictionConfig
	PredictionColumn string // default "prediction" when present
	LabelColumn      string // default "label" when present
	Exclude          []string
}

// BuildReference reads reference data and profiles it.
func BuildReference(path string, o ReferenceOptions) (*Reference, error) {
	types := map[string]dataset.Type{}
	for _, f := range o.Features {
		if f.Type == Numerical {
			types[f.Name] = dataset.Numerical
		} else {
			types[f.Name] = dataset.Categorical
		}
	}
	t, err := dataset.ReadFile(path, dataset.Options{Types: types})
	if err != nil {
		return nil, fmt.Errorf("reading reference: %w", err)
	}
	predCol, labelCol := o.PredictionColumn, o.LabelColumn
	for _, col := range []struct{ name, field string }{{predCol, "prediction_column"}, {labelCol, "label_column"}} {
		if col.name != "" && t.Column(col.name) == nil {
			return nil, fmt.Errorf("reference.%s: %s has no column %q", col.field, path, col.name)
		}
	}
	if predCol == "" && t.Column("prediction") != nil {
		predCol = "prediction"
	}
	if labelCol == "" && t.Column("label") != nil {
		labelCol = "label"
	}
	features := o.Features
	if len(features) == 0 {
		for _, col := range t.Columns {
			if col.Name == predCol || col.Name == labelCol || slices.Contains(o.Exclude, col.Name) {
				continue
			}
			typ := Numerical
			if col.Type == dataset.Categorical {
				typ = Categorical
			}
			features = append(features, FeatureConfig{Name: col.Name, Type: typ})
		}
	}
	if len(features) == 0 {
		return nil, errors.New("no features: list them under features or give a reference with feature columns")
	}
	for _, f := range features {
		if t.Column(f.Name) == nil {
			return nil, fmt.Errorf("feature %q is not a column of the reference %s", f.Name, path)
		}
	}
	ref := &Reference{Source: path, Created: time.Now().UTC(), Rows: int64(t.Rows), Features: features}
	pfeat := profileFeatures(features, o.Prediction)
	sub := &dataset.Table{Path: t.Path, Rows: t.Rows}
	for _, f := range features {
		sub.Columns = append(sub.Columns, t.Column(f.Name))
	}
	if predCol != "" && o.Prediction.Type != "" {
		pc := *t.Column(predCol)
		pc.Name = PredictionFeature
		if o.Prediction.categorical() { // the class, or a multiclass model's most probable one
			if pc.Type != dataset.Categorical {
				pc = categoricalOf(&pc)
			}
		} else if pc.Type != dataset.Numerical {
			return nil, fmt.Errorf("reference column %q holds text, but a %s model's prediction is a number", predCol, o.Prediction.Type)
		}
		sub.Columns = append(sub.Columns, &pc)
		ref.Prediction = o.Prediction.Type
	} else {
		pfeat = pfeat[:len(pfeat)-1]
	}
	ref.Profile, _, err = profile.FromTable(sub, pfeat, 0)
	if err != nil {
		return nil, fmt.Errorf("profiling the reference: %w", err)
	}
	if o.Prediction.Type == Probability && !o.Prediction.Multiclass() && predCol != "" && labelCol != "" {
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
			labels = append(labels, l == o.Prediction.PositiveClass)
		}
		if len(probs) > 0 {
			if ref.Calibrator, err = modelmetrics.FitCalibrator(probs, labels); err != nil {
				return nil, fmt.Errorf("calibrating on the reference's %s and %s: %w", predCol, labelCol, err)
			}
		}
	}
	return ref, nil
}

// WriteTo saves the reference: a magic line, a JSON header line, then the
// profile's binary encoding.
func (r *Reference) WriteTo(w io.Writer) (int64, error) {
	hdr, err := json.Marshal(r)
	if err != nil {
		return 0, err
	}
	prof, err := r.Profile.MarshalBinary()
	if err != nil {
		return 0, err
	}
	var b bytes.Buffer
	b.WriteString(referenceMagic)
	b.Write(hdr)
	b.WriteByte('\n')
	b.Write(prof)
	return b.WriteTo(w)
}

// ProfileExt is the file name extension `mlre profile`'s examples use.
const ProfileExt = ".mlreprofile"

// IsReferenceProfile reports whether path holds a reference saved by
// `mlre profile` (it starts with the profile's magic line), or is named
// like one (ProfileExt), so that ReadReference says what is wrong with it.
// A file that cannot be read is not one: reading it as data reports why.
func IsReferenceProfile(path string) bool {
	if strings.EqualFold(filepath.Ext(path), ProfileExt) {
		return true
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, len(referenceMagic))
	n, _ := io.ReadFull(f, b)
	return string(b[:n]) == referenceMagic
}

// ReadReference loads a reference saved by WriteTo (`mlre profile`).
func ReadReference(path string) (*Reference, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	magic, err := br.ReadString('\n')
	if err != nil || magic != referenceMagic {
		return nil, fmt.Errorf("%s is not a reference profile saved by mlre profile (or is from a newer mlre)", path)
	}
	hdr, err := br.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("%s: truncated header: %w", path, err)
	}
	var r Reference
	if err := json.Unmarshal(hdr, &r); err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	rest, err := io.ReadAll(br)
	if err != nil {
		return nil, err
	}
	r.Profile = &profile.Profile{}
	if err := r.Profile.UnmarshalBinary(rest); err != nil {
		return nil, fmt.Errorf("%s: profile: %w", path, err)
	}
	if r.Calibrator != nil {
		if err := r.Calibrator.Validate(); err != nil {
			return nil, fmt.Errorf("%s: calibrator: %w", path, err)
		}
	}
	for _, f := range r.Features {
		if _, ok := r.Profile.Kinds[f.Name]; !ok {
			return nil, fmt.Errorf("%s: the header lists feature %q but the profile has none", path, f.Name)
		}
	}
	return &r, nil
}
