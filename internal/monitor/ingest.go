package monitor

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// Schema is a model's resolved inputs: the configured features, or those
// inferred from the reference.
type Schema struct {
	Features   []FeatureConfig
	Prediction PredictionConfig
	// Attributes are the protected attributes, in config order.
	Attributes []string
	index      map[string]int // feature name → position in Features
}

// NewSchema indexes the features.
func NewSchema(features []FeatureConfig, pred PredictionConfig, attrs []string) *Schema {
	s := &Schema{Features: features, Prediction: pred, Attributes: attrs, index: map[string]int{}}
	for i, f := range features {
		s.index[f.Name] = i
	}
	return s
}

// Row is one validated prediction.
type Row struct {
	ID      string
	T       int64 // unix milliseconds
	Version string
	// Values holds each feature's value in schema order: a float64 for
	// numerical features, a string for categorical and boolean ones
	// ("true"/"false"), nil when missing or of the wrong type.
	Values []any
	// TypeErrors marks features whose value had the wrong type (counted by
	// data quality, and treated as missing).
	TypeErrors []bool
	// Unknown names fields not in the schema.
	Unknown []string
	// Pred is the probability or regression value; PredClass the class
	// (for probability models, the decision at the threshold).
	Pred      float64
	PredClass string
	// Attrs are the protected attributes' values ("" when absent).
	Attrs []string
	Label *Label
}

// Label is a ground truth value.
type Label struct {
	Class string  // classification
	Value float64 // regression
}

// LabelRow is one label sent after its prediction.
type LabelRow struct {
	ID    string
	Label Label
}

// RowError is a rejected row; it names the row (0-based, in the batch) and
// the field.
type RowError struct {
	Row   int
	Field string
	Err   error
}

func (e *RowError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("row %d: %v", e.Row, e.Err)
	}
	return fmt.Sprintf("row %d: %s: %v", e.Row, e.Field, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// ErrEmpty is returned for a body with no rows.
var ErrEmpty = errors.New("the body holds no rows: send a JSON array or NDJSON of objects")

// decodeRows calls f for each JSON object of a JSON array or NDJSON body.
func decodeRows(body io.Reader, f func(i int, raw json.RawMessage) error) (int, error) {
	br := bufio.NewReaderSize(body, 64<<10)
	// Peek past whitespace to tell an array from NDJSON.
	for {
		b, err := br.Peek(1)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return 0, ErrEmpty
			}
			return 0, err
		}
		if b[0] == ' ' || b[0] == '\n' || b[0] == '\r' || b[0] == '\t' {
			_, _ = br.ReadByte()
			continue
		}
		break
	}
	dec := json.NewDecoder(br)
	dec.UseNumber()
	n := 0
	first, _ := br.Peek(1)
	if first[0] == '[' {
		if _, err := dec.Token(); err != nil {
			return 0, fmt.Errorf("reading the JSON array: %w", err)
		}
		for dec.More() {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return n, &RowError{Row: n, Err: fmt.Errorf("not valid JSON: %w", err)}
			}
			if err := f(n, raw); err != nil {
				return n, err
			}
			n++
		}
		if _, err := dec.Token(); err != nil {
			return n, fmt.Errorf("the JSON array is not closed: %w", err)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return n, errors.New("data after the JSON array")
		}
	} else {
		for {
			var raw json.RawMessage
			err := dec.Decode(&raw)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return n, &RowError{Row: n, Err: fmt.Errorf("not valid JSON (NDJSON: one object per line): %w", err)}
			}
			if err := f(n, raw); err != nil {
				return n, err
			}
			n++
		}
	}
	if n == 0 {
		return 0, ErrEmpty
	}
	return n, nil
}

type rawPrediction struct {
	ID         any                        `json:"id"`
	Timestamp  any                        `json:"timestamp"`
	Version    any                        `json:"version"`
	Features   map[string]json.RawMessage `json:"features"`
	Prediction any                        `json:"prediction"`
	Label      any                        `json:"label"`
}

// Limits of what a prediction's timestamp may be, relative to now.
const maxFuture = 5 * time.Minute

// ParsePredictions validates a batch of predictions against s. now stamps
// rows without a timestamp; rows older than oldest are rejected. The batch
// is returned whole or not at all.
func ParsePredictions(body io.Reader, s *Schema, now time.Time, oldest time.Duration) ([]Row, error) {
	var rows []Row
	_, err := decodeRows(body, func(i int, raw json.RawMessage) error {
		var rp rawPrediction
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rp); err != nil {
			return &RowError{Row: i, Err: fmt.Errorf("%w (a row is {\"id\", \"timestamp\", \"version\", \"features\": {...}, \"prediction\", \"label\"})", err)}
		}
		r, err := s.row(i, &rp, now, oldest)
		if err != nil {
			return err
		}
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (s *Schema) row(i int, rp *rawPrediction, now time.Time, oldest time.Duration) (Row, error) {
	fail := func(field string, format string, a ...any) (Row, error) {
		return Row{}, &RowError{Row: i, Field: field, Err: fmt.Errorf(format, a...)}
	}
	r := Row{Values: make([]any, len(s.Features)), TypeErrors: make([]bool, len(s.Features))}
	id, ok := scalarString(rp.ID)
	if !ok || id == "" {
		return fail("id", "is required: a string or number that identifies the prediction, so its label can join it later")
	}
	r.ID = id
	t := now
	switch v := rp.Timestamp.(type) {
	case nil:
	case string:
		p, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return fail("timestamp", "%q: use RFC 3339 (2026-11-26T12:00:00Z) or Unix seconds", v)
		}
		t = p
	case json.Number:
		f, err := v.Float64()
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return fail("timestamp", "%s: use RFC 3339 or Unix seconds", v)
		}
		t = time.UnixMilli(int64(f * 1000))
	default:
		return fail("timestamp", "use an RFC 3339 string or Unix seconds")
	}
	if t.After(now.Add(maxFuture)) {
		return fail("timestamp", "%s is in the future (more than %s ahead of the server's clock)", t.UTC().Format(time.RFC3339), maxFuture)
	}
	if oldest > 0 && t.Before(now.Add(-oldest)) {
		return fail("timestamp", "%s is older than the model's join_window (%s)", t.UTC().Format(time.RFC3339), oldest)
	}
	r.T = t.UnixMilli()
	if rp.Version != nil {
		v, ok := scalarString(rp.Version)
		if !ok {
			return fail("version", "use a string")
		}
		r.Version = v
	}
	if rp.Features == nil {
		return fail("features", "is required: an object of feature name to value")
	}
	for name, raw := range rp.Features {
		k, ok := s.index[name]
		if !ok {
			if !containsAttr(s.Attributes, name) {
				r.Unknown = append(r.Unknown, name)
			}
			continue
		}
		v, typeErr := featureValue(s.Features[k].Type, raw)
		r.Values[k], r.TypeErrors[k] = v, typeErr
	}
	if len(s.Attributes) > 0 {
		r.Attrs = make([]string, len(s.Attributes))
		for j, a := range s.Attributes {
			if raw, ok := rp.Features[a]; ok {
				var x any
				if json.Unmarshal(raw, &x) == nil {
					r.Attrs[j], _ = scalarString(x)
				}
			}
		}
	}
	switch s.Prediction.Type {
	case Probability:
		p, ok := number(rp.Prediction)
		if !ok || p < 0 || p > 1 {
			return fail("prediction", "use the probability of the positive class (%s), a number from 0 to 1", s.Prediction.PositiveClass)
		}
		r.Pred = p
		if p >= *s.Prediction.Threshold {
			r.PredClass = s.Prediction.PositiveClass
		} else {
			r.PredClass = negative(s.Prediction.PositiveClass)
		}
	case Class:
		c, ok := scalarString(rp.Prediction)
		if !ok || c == "" {
			return fail("prediction", "use the predicted class (a string, number or boolean)")
		}
		r.PredClass = c
	case Regression:
		p, ok := number(rp.Prediction)
		if !ok {
			return fail("prediction", "use a finite number")
		}
		r.Pred = p
	}
	if rp.Label != nil {
		l, err := s.label(rp.Label)
		if err != nil {
			return fail("label", "%v", err)
		}
		r.Label = &l
	}
	return r, nil
}

func (s *Schema) label(v any) (Label, error) {
	if s.Prediction.Type == Regression {
		f, ok := number(v)
		if !ok {
			return Label{}, errors.New("use a finite number (the model is a regression)")
		}
		return Label{Value: f}, nil
	}
	c, ok := scalarString(v)
	if !ok || c == "" {
		return Label{}, errors.New("use the true class (a string, number or boolean)")
	}
	if s.Prediction.Type == Probability && c != s.Prediction.PositiveClass && c != negative(s.Prediction.PositiveClass) {
		return Label{}, fmt.Errorf("%q: a binary model's label is %q or %q", c, s.Prediction.PositiveClass, negative(s.Prediction.PositiveClass))
	}
	return Label{Class: c}, nil
}

type rawLabel struct {
	ID    any `json:"id"`
	Label any `json:"label"`
}

// ParseLabels validates a batch of labels.
func ParseLabels(body io.Reader, s *Schema) ([]LabelRow, error) {
	var rows []LabelRow
	_, err := decodeRows(body, func(i int, raw json.RawMessage) error {
		var rl rawLabel
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rl); err != nil {
			return &RowError{Row: i, Err: fmt.Errorf("%w (a row is {\"id\", \"label\"})", err)}
		}
		id, ok := scalarString(rl.ID)
		if !ok || id == "" {
			return &RowError{Row: i, Field: "id", Err: errors.New("is required: the id of the prediction this label is for")}
		}
		if rl.Label == nil {
			return &RowError{Row: i, Field: "label", Err: errors.New("is required")}
		}
		l, err := s.label(rl.Label)
		if err != nil {
			return &RowError{Row: i, Field: "label", Err: err}
		}
		rows = append(rows, LabelRow{ID: id, Label: l})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// negative names a binary model's other class: "0" for "1", "false" for
// "true", else "not <positive>".
func negative(pos string) string {
	switch pos {
	case "1":
		return "0"
	case "true":
		return "false"
	case "yes":
		return "no"
	}
	return "not " + pos
}

func containsAttr(attrs []string, name string) bool {
	for _, a := range attrs {
		if a == name {
			return true
		}
	}
	return false
}

// featureValue decodes a feature; the bool reports a type error.
func featureValue(typ string, raw json.RawMessage) (any, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, false
	}
	switch typ {
	case Numerical:
		if raw[0] == '"' { // a number sent as a string is a type error
			var s string
			if json.Unmarshal(raw, &s) == nil {
				if s == "" {
					return nil, false
				}
				if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
					return f, true
				}
			}
			return nil, true
		}
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, true
		}
		return f, false
	case Boolean:
		switch string(raw) {
		case "true", "1", `"true"`, `"1"`, `"True"`, `"TRUE"`:
			return "true", string(raw) != "true"
		case "false", "0", `"false"`, `"0"`, `"False"`, `"FALSE"`:
			return "false", string(raw) != "false"
		}
		return nil, true
	default: // categorical: strings; numbers and booleans as their text
		var x any
		if err := json.Unmarshal(raw, &x); err != nil {
			return nil, true
		}
		switch v := x.(type) {
		case string:
			if v == "" {
				return nil, false
			}
			return v, false
		case float64, bool:
			s, _ := scalarString(v)
			return s, false
		}
		return nil, true
	}
}

// scalarString turns a JSON scalar into text.
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

func number(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case json.Number:
		var err error
		if f, err = x.Float64(); err != nil {
			return 0, false
		}
	case float64:
		f = x
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}
