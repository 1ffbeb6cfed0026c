package monitor

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/prometheus/common/model"
	"github.com/valyala/fastjson"
	"io"
	"math"
	"strconv"
	"strings"
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
	classIndex map[string]int // a multiclass model's class → position in Prediction.Classes
}

// NewSchema indexes the features.
func NewSchema(features []FeatureConfig, pred PredictionConfig, attrs []string) *Schema {
	s := &Schema{Features: features, Prediction: pred, Attributes: attrs, index: map[string]int{}, classIndex: map[string]int{}}
	for i, f := range features {
		s.index[f.Name] = i
	}
	for i, c := range pred.Classes {
		s.classIndex[c] = i
	}
	return s
}

// Row is one validated prediction.
type Row struct {
	ID      string
	T       int64 // unix milliseconds
	Version string
	// Num holds numerical features' values in schema order (NaN: missing,
	// of the wrong type, or not a numerical feature); Str the categorical
	// and boolean ones' ("true"/"false"; "": missing).
	Num []float64
	Str []string
	// TypeErrors marks features whose value had the wrong type (counted by
	// data quality, and treated as missing).
	TypeErrors []bool
	// Unknown names fields not in the schema.
	Unknown []string
	// Pred is the probability or regression value; PredClass the class
	// (for probability models, the decision at the threshold; for
	// multiclass ones, the most probable class, whose probability Pred is).
	Pred      float64
	PredClass string
	// Probs are a multiclass model's probabilities in the order of its
	// classes, divided by their sum.
	Probs []float64
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

// Limits of what a prediction's timestamp may be, relative to now.
const maxFuture = 5 * time.Minute

var parsers fastjson.ParserPool

// ParsePredictions validates a batch of predictions against s: a JSON
// array or NDJSON (one object per line). now stamps rows without a
// timestamp; rows older than oldest are rejected. The batch is returned
// whole or not at all.
func ParsePredictions(body io.Reader, s *Schema, now time.Time, oldest time.Duration) ([]Row, error) {
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return nil, ErrEmpty
	}
	p := parsers.Get()
	defer parsers.Put(p)
	rp := &rowParser{s: s, now: now, oldest: oldest, strs: map[string]string{}}
	var rows []Row
	if b[0] == '[' {
		v, err := p.ParseBytes(b)
		if err != nil {
			return nil, fmt.Errorf("not valid JSON: %w", err)
		}
		arr, _ := v.Array()
		rows = make([]Row, 0, len(arr))
		for i, item := range arr {
			r, err := rp.row(i, item)
			if err != nil {
				return nil, err
			}
			rows = append(rows, r)
		}
	} else {
		for i := 0; len(b) > 0; {
			line := b
			if k := bytes.IndexByte(b, '\n'); k >= 0 {
				line, b = b[:k], b[k+1:]
			} else {
				b = nil
			}
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			v, err := p.ParseBytes(line)
			if err != nil {
				return nil, &RowError{Row: i, Err: fmt.Errorf("not valid JSON (NDJSON: one object per line): %w", err)}
			}
			r, err := rp.row(i, v)
			if err != nil {
				return nil, err
			}
			rows = append(rows, r)
			i++
		}
	}
	if len(rows) == 0 {
		return nil, ErrEmpty
	}
	return rows, nil
}

// rowParser turns parsed JSON objects into rows; it interns repeated
// strings (categories, versions) within a batch.
type rowParser struct {
	s      *Schema
	now    time.Time
	oldest time.Duration
	strs   map[string]string
}

func (rp *rowParser) str(b []byte) string {
	if s, ok := rp.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(rp.strs) < 4096 {
		rp.strs[s] = s
	}
	return s
}

const rowShape = `(a row is {"id", "timestamp", "version", "features": {...}, "prediction", "label"})`

func (rp *rowParser) row(i int, v *fastjson.Value) (Row, error) {
	s := rp.s
	fail := func(field string, format string, a ...any) (Row, error) {
		return Row{}, &RowError{Row: i, Field: field, Err: fmt.Errorf(format, a...)}
	}
	obj, err := v.Object()
	if err != nil {
		return fail("", "not an object %s", rowShape)
	}
	n := len(s.Features)
	r := Row{Num: make([]float64, n), Str: make([]string, n), TypeErrors: make([]bool, n)}
	for k := range r.Num {
		r.Num[k] = math.NaN()
	}
	var id, ts, version, features, pred, label *fastjson.Value
	var unknown string
	obj.Visit(func(key []byte, x *fastjson.Value) {
		switch string(key) {
		case "id":
			id = x
		case "timestamp":
			ts = x
		case "version":
			version = x
		case "features":
			features = x
		case "prediction":
			pred = x
		case "label":
			label = x
		default:
			if unknown == "" {
				unknown = string(key)
			}
		}
	})
	if unknown != "" {
		return fail("", "unknown field %q %s", unknown, rowShape)
	}
	r.ID = scalarText(id)
	if r.ID == "" {
		return fail("id", "is required: a string or number that identifies the prediction, so its label can join it later")
	}
	t := rp.now
	if ts != nil {
		switch ts.Type() {
		case fastjson.TypeNull:
		case fastjson.TypeString:
			sb, _ := ts.StringBytes()
			p, err := time.Parse(time.RFC3339Nano, string(sb))
			if err != nil {
				return fail("timestamp", "%q: use RFC 3339 (2026-11-26T12:00:00Z) or Unix seconds", sb)
			}
			t = p
		case fastjson.TypeNumber:
			f, err := ts.Float64()
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return fail("timestamp", "%s: use RFC 3339 or Unix seconds", ts)
			}
			t = time.UnixMilli(int64(f * 1000))
		default:
			return fail("timestamp", "use an RFC 3339 string or Unix seconds")
		}
	}
	if t.After(rp.now.Add(maxFuture)) {
		return fail("timestamp", "%s is in the future (more than %s ahead of the server's clock)", t.UTC().Format(time.RFC3339), maxFuture)
	}
	if rp.oldest > 0 && t.Before(rp.now.Add(-rp.oldest)) {
		return fail("timestamp", "%s is older than the model's join_window (%s)", t.UTC().Format(time.RFC3339), model.Duration(rp.oldest))
	}
	r.T = t.UnixMilli()
	if version != nil && version.Type() != fastjson.TypeNull {
		if version.Type() != fastjson.TypeString && version.Type() != fastjson.TypeNumber {
			return fail("version", "use a string")
		}
		r.Version = rp.scalar(version)
	}
	if features == nil || features.Type() == fastjson.TypeNull {
		return fail("features", "is required: an object of feature name to value")
	}
	fo, err := features.Object()
	if err != nil {
		return fail("features", "is %s; use an object of feature name to value", features.Type())
	}
	if len(s.Attributes) > 0 {
		r.Attrs = make([]string, len(s.Attributes))
	}
	fo.Visit(func(key []byte, x *fastjson.Value) {
		attr := false
		for j, a := range s.Attributes {
			if a == string(key) {
				r.Attrs[j] = rp.scalar(x)
				attr = true
			}
		}
		k, ok := s.index[string(key)]
		if !ok {
			if !attr {
				r.Unknown = append(r.Unknown, string(key))
			}
			return
		}
		switch s.Features[k].Type {
		case Numerical:
			r.Num[k], r.TypeErrors[k] = numericValue(x)
		case Boolean:
			r.Str[k], r.TypeErrors[k] = boolValue(x)
		default:
			switch x.Type() {
			case fastjson.TypeString:
				sb, _ := x.StringBytes()
				if len(sb) > 0 {
					r.Str[k] = rp.str(sb)
				}
			case fastjson.TypeNumber, fastjson.TypeTrue, fastjson.TypeFalse:
				r.Str[k] = rp.scalar(x)
			case fastjson.TypeNull:
			default:
				r.TypeErrors[k] = true
			}
		}
	})
	if pred == nil {
		pred = nullValue
	}
	switch s.Prediction.Type {
	case Probability:
		if s.Prediction.Multiclass() {
			if err := s.classProbs(pred, &r); err != nil {
				return fail("prediction", "%v", err)
			}
			break
		}
		p, ok := finiteNumber(pred)
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
		c := rp.scalar(pred)
		if c == "" {
			return fail("prediction", "use the predicted class (a string, number or boolean)")
		}
		r.PredClass = c
	case Regression:
		p, ok := finiteNumber(pred)
		if !ok {
			return fail("prediction", "use a finite number")
		}
		r.Pred = p
	}
	if label != nil && label.Type() != fastjson.TypeNull {
		var l Label
		var err error
		if s.Prediction.Type == Regression {
			f, ok := finiteNumber(label)
			if !ok {
				err = errors.New("use a finite number (the model is a regression)")
			}
			l.Value = f
		} else {
			l, err = s.label(rp.scalar(label))
		}
		if err != nil {
			return fail("label", "%v", err)
		}
		r.Label = &l
	}
	return r, nil
}

var nullValue = fastjson.MustParse("null")

// classProbs reads a multiclass model's prediction, an object of class to
// probability, into r: the probabilities divided by their sum, the most
// probable class (the first in the order of the classes on a tie) and its
// probability.
func (s *Schema) classProbs(pred *fastjson.Value, r *Row) error {
	classes := s.Prediction.Classes
	if pred.Type() == fastjson.TypeArray {
		arr, _ := pred.Array()
		return fmt.Errorf("is a list of %d values; use an object of class to probability for each of the classes (%s) (from KServe: a list of %d probabilities in the order of prediction.classes)",
			len(arr), strings.Join(classes, ", "), len(classes))
	}
	obj, err := pred.Object()
	if err != nil {
		return fmt.Errorf("use an object of class to probability for each of the classes (%s)", strings.Join(classes, ", "))
	}
	probs := make([]float64, len(classes))
	set := make([]bool, len(classes))
	obj.Visit(func(key []byte, x *fastjson.Value) {
		if err != nil {
			return
		}
		k, ok := s.classIndex[string(key)]
		switch {
		case !ok:
			err = fmt.Errorf("unknown class %q; the model's classes are %s", key, strings.Join(classes, ", "))
		case set[k]:
			err = fmt.Errorf("class %q is given twice", key)
		default:
			p, ok := finiteNumber(x)
			if !ok || p < 0 || p > 1 {
				err = fmt.Errorf("class %q: %s: use a probability, a number from 0 to 1", key, x)
				return
			}
			probs[k], set[k] = p, true
		}
	})
	if err != nil {
		return err
	}
	var missing []string
	var sum float64
	for k, c := range classes {
		if !set[k] {
			missing = append(missing, c)
		}
		sum += probs[k]
	}
	if len(missing) > 0 {
		return fmt.Errorf("no probability for class %s; give one for each of the classes (%s)", strings.Join(missing, ", "), strings.Join(classes, ", "))
	}
	if math.Abs(sum-1) > ProbabilitySumTolerance {
		return fmt.Errorf("the probabilities sum to %s; they must sum to 1 (within %v)", strconv.FormatFloat(sum, 'g', 6, 64), ProbabilitySumTolerance)
	}
	best := 0
	for k := range probs {
		probs[k] /= sum
		if probs[k] > probs[best] {
			best = k
		}
	}
	r.Probs, r.PredClass, r.Pred = probs, classes[best], probs[best]
	return nil
}

// scalar is a JSON scalar's text: a string's contents, a number as
// written, true or false; "" otherwise.
func (rp *rowParser) scalar(v *fastjson.Value) string {
	switch v.Type() {
	case fastjson.TypeString:
		sb, _ := v.StringBytes()
		return rp.str(sb)
	case fastjson.TypeNumber:
		return rp.str(v.MarshalTo(nil))
	case fastjson.TypeTrue:
		return "true"
	case fastjson.TypeFalse:
		return "false"
	}
	return ""
}

func scalarText(v *fastjson.Value) string {
	if v == nil {
		return ""
	}
	switch v.Type() {
	case fastjson.TypeString:
		sb, _ := v.StringBytes()
		return string(sb)
	case fastjson.TypeNumber:
		return string(v.MarshalTo(nil))
	}
	return ""
}

func finiteNumber(v *fastjson.Value) (float64, bool) {
	if v.Type() != fastjson.TypeNumber {
		return 0, false
	}
	f, err := v.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// numericValue decodes a numerical feature; NaN is missing, and the bool
// reports a type error (a number sent as a string keeps its value).
func numericValue(x *fastjson.Value) (float64, bool) {
	switch x.Type() {
	case fastjson.TypeNull:
		return math.NaN(), false
	case fastjson.TypeNumber:
		f, err := x.Float64()
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return math.NaN(), true
		}
		return f, false
	case fastjson.TypeString:
		sb, _ := x.StringBytes()
		if len(sb) == 0 {
			return math.NaN(), false
		}
		if f, err := strconv.ParseFloat(string(sb), 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f, true
		}
	}
	return math.NaN(), true
}

// boolValue decodes a boolean feature as "true"/"false"; "" is missing.
// Anything but a JSON boolean is a type error (1, "true" … keep their
// value).
func boolValue(x *fastjson.Value) (string, bool) {
	switch x.Type() {
	case fastjson.TypeNull:
		return "", false
	case fastjson.TypeTrue:
		return "true", false
	case fastjson.TypeFalse:
		return "false", false
	}
	switch string(x.MarshalTo(nil)) {
	case "1", `"true"`, `"1"`, `"True"`, `"TRUE"`:
		return "true", true
	case "0", `"false"`, `"0"`, `"False"`, `"FALSE"`:
		return "false", true
	}
	return "", true
}

// label checks a classifier's label text.
func (s *Schema) label(c string) (Label, error) {
	if c == "" {
		return Label{}, errors.New("use the true class (a string, number or boolean)")
	}
	if s.Prediction.Multiclass() {
		if _, ok := s.classIndex[c]; !ok {
			return Label{}, fmt.Errorf("%q is not one of the model's classes (%s)", c, strings.Join(s.Prediction.Classes, ", "))
		}
		return Label{Class: c}, nil
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
		var l Label
		var err error
		if s.Prediction.Type == Regression {
			f, ok := number(rl.Label)
			if !ok {
				err = errors.New("use a finite number (the model is a regression)")
			}
			l.Value = f
		} else {
			c, _ := scalarString(rl.Label)
			l, err = s.label(c)
		}
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
