package monitor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/valyala/fastjson"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// KServe's payload logger sends each inference request and its response as
// CloudEvents in binary mode: the body is the payload, and ce-* headers say
// what it is. The two halves share ce-id; once both are here they become
// prediction rows (id "<ce-id>/<index>").
const (
	ceRequest  = "org.kubeflow.serving.inference.request"
	ceResponse = "org.kubeflow.serving.inference.response"
	// halfTTL is how long one half waits for the other.
	halfTTL = 10 * time.Minute
	// maxHalves caps the halves waiting per model.
	maxHalves = 10000
)

// half is one side of an inference, waiting for the other.
type half struct {
	Type    string
	Body    []byte
	At      int64 // arrival, unix ms
	Version string
	Time    time.Time // ce-time, when sent
}

// KServeEvent is one CloudEvent from KServe's logger.
type KServeEvent struct {
	ID      string
	Type    string // ceRequest or ceResponse
	Time    time.Time
	Version string // from ce-component or the model version header
	Body    []byte
}

// ParseKServeEvent reads a binary-mode CloudEvent.
func ParseKServeEvent(h http.Header, body io.Reader) (KServeEvent, error) {
	e := KServeEvent{ID: h.Get("Ce-Id"), Type: h.Get("Ce-Type")}
	if e.ID == "" {
		return e, errors.New("header ce-id is missing: send KServe's payload logger events in CloudEvents binary mode")
	}
	if e.Type != ceRequest && e.Type != ceResponse {
		return e, fmt.Errorf("header ce-type %q: expected %s or %s", e.Type, ceRequest, ceResponse)
	}
	if t := h.Get("Ce-Time"); t != "" {
		p, err := time.Parse(time.RFC3339Nano, t)
		if err != nil {
			return e, fmt.Errorf("header ce-time %q: use RFC 3339", t)
		}
		e.Time = p
	}
	// The version: ce-modelid where the logger sends it, else KServe's
	// ce-endpoint (default or canary, the two sides of a rollout).
	e.Version = h.Get("Ce-Modelid")
	if e.Version == "" {
		e.Version = h.Get("Ce-Endpoint")
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return e, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return e, errors.New("the event has no body")
	}
	e.Body = b
	return e, nil
}

// kserveRows turns a joined request and response into prediction rows, in
// the KServe v1 ({"instances"} / {"predictions"}) or Open Inference
// Protocol v2 ({"inputs"} / {"outputs"}) format.
func (s *Schema) kserveRows(id string, req, resp []byte, t time.Time, version string) ([]Row, error) {
	instances, err := s.kserveInputs(req)
	if err != nil {
		return nil, fmt.Errorf("request %s: %w", id, err)
	}
	preds, err := kserveOutputs(resp)
	if err != nil {
		return nil, fmt.Errorf("response %s: %w", id, err)
	}
	if len(preds) != len(instances) {
		return nil, fmt.Errorf("inference %s: %d instances but %d predictions", id, len(instances), len(preds))
	}
	rows := make([]Row, 0, len(instances))
	rp := &rowParser{s: s, now: t, strs: map[string]string{}}
	var p fastjson.Parser
	for i, feats := range instances {
		raw := map[string]any{"id": id + "/" + strconv.Itoa(i), "timestamp": t.UTC().Format(time.RFC3339Nano),
			"features": feats, "prediction": s.kservePrediction(preds[i])}
		if version != "" {
			raw["version"] = version
		}
		b, err := json.Marshal(raw)
		if err != nil {
			return nil, fmt.Errorf("inference %s: %w", id, err)
		}
		v, err := p.ParseBytes(b)
		if err != nil {
			return nil, fmt.Errorf("inference %s: %w", id, err)
		}
		r, err := rp.row(i, v)
		if err != nil {
			return nil, fmt.Errorf("inference %s: %w", id, err)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// kserveInputs returns each instance's features by name.
func (s *Schema) kserveInputs(b []byte) ([]map[string]any, error) {
	var v1 struct {
		Instances []any `json:"instances"`
		Inputs    []struct {
			Name  string `json:"name"`
			Shape []int  `json:"shape"`
			Data  []any  `json:"data"`
		} `json:"inputs"`
	}
	if err := json.Unmarshal(b, &v1); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	switch {
	case v1.Instances != nil:
		out := make([]map[string]any, len(v1.Instances))
		for i, inst := range v1.Instances {
			switch x := inst.(type) {
			case map[string]any:
				out[i] = x
			case []any: // positional, in the schema's feature order
				if len(x) != len(s.Features) {
					return nil, fmt.Errorf("instances[%d] has %d values; the model has %d features (%s)", i, len(x), len(s.Features), s.featureNames())
				}
				m := make(map[string]any, len(x))
				for k, f := range s.Features {
					m[f.Name] = x[k]
				}
				out[i] = m
			default:
				return nil, fmt.Errorf("instances[%d] is neither an object of features nor an array of them", i)
			}
		}
		return out, nil
	case v1.Inputs != nil:
		// One tensor of shape [N, F] (features by position), or one
		// tensor per feature of shape [N] or [N, 1].
		if len(v1.Inputs) == 1 && len(v1.Inputs[0].Shape) == 2 && v1.Inputs[0].Shape[1] == len(s.Features) && len(s.Features) > 1 {
			in := v1.Inputs[0]
			n, f := in.Shape[0], in.Shape[1]
			if len(in.Data) != n*f {
				return nil, fmt.Errorf("inputs[0] %q: shape %v but %d values", in.Name, in.Shape, len(in.Data))
			}
			out := make([]map[string]any, n)
			for i := 0; i < n; i++ {
				m := make(map[string]any, f)
				for k, feat := range s.Features {
					m[feat.Name] = in.Data[i*f+k]
				}
				out[i] = m
			}
			return out, nil
		}
		n := -1
		for j, in := range v1.Inputs {
			if len(in.Shape) == 0 || (len(in.Shape) == 2 && in.Shape[1] != 1) || len(in.Shape) > 2 {
				return nil, fmt.Errorf("inputs[%d] %q: shape %v: send one tensor per feature of shape [N] or [N, 1], or one of shape [N, %d]", j, in.Name, in.Shape, len(s.Features))
			}
			if n == -1 {
				n = in.Shape[0]
			}
			if in.Shape[0] != n || len(in.Data) != n {
				return nil, fmt.Errorf("inputs[%d] %q: %d values for shape %v; every input must have the same N", j, in.Name, len(in.Data), in.Shape)
			}
		}
		out := make([]map[string]any, max(n, 0))
		for i := range out {
			out[i] = map[string]any{}
			for _, in := range v1.Inputs {
				out[i][in.Name] = in.Data[i]
			}
		}
		return out, nil
	}
	return nil, errors.New(`neither "instances" (KServe v1) nor "inputs" (Open Inference Protocol v2)`)
}

func (s *Schema) featureNames() string {
	names := make([]string, len(s.Features))
	for i, f := range s.Features {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

// kserveOutputs returns each instance's prediction: a number, a class, or
// a list of class probabilities.
func kserveOutputs(b []byte) ([]any, error) {
	var v struct {
		Predictions []any `json:"predictions"`
		Outputs     []struct {
			Name  string `json:"name"`
			Shape []int  `json:"shape"`
			Data  []any  `json:"data"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	switch {
	case v.Predictions != nil:
		return v.Predictions, nil
	case len(v.Outputs) > 0:
		o := v.Outputs[0]
		if len(o.Shape) == 2 && o.Shape[1] > 1 { // [N, classes]
			n, k := o.Shape[0], o.Shape[1]
			if len(o.Data) != n*k {
				return nil, fmt.Errorf("outputs[0] %q: shape %v but %d values", o.Name, o.Shape, len(o.Data))
			}
			out := make([]any, n)
			for i := range out {
				out[i] = o.Data[i*k : (i+1)*k]
			}
			return out, nil
		}
		return o.Data, nil
	}
	return nil, errors.New(`neither "predictions" (KServe v1) nor "outputs" (Open Inference Protocol v2)`)
}

// kservePrediction maps one output to the model's prediction: for a
// probability model given class probabilities, the positive class's (the
// last of two, or index positive_class when it is a number).
func (s *Schema) kservePrediction(p any) any {
	list, ok := p.([]any)
	if !ok {
		return p
	}
	if classes := s.Prediction.Classes; s.Prediction.Multiclass() {
		if len(list) != len(classes) {
			return list // rejected by the row, naming the classes
		}
		m := make(map[string]any, len(list))
		for i, c := range classes {
			m[c] = list[i]
		}
		return m
	}
	if len(list) == 1 {
		return list[0]
	}
	switch s.Prediction.Type {
	case Probability:
		k := len(list) - 1
		if i, err := strconv.Atoi(s.Prediction.PositiveClass); err == nil && i >= 0 && i < len(list) {
			k = i
		}
		return list[k]
	case Class: // argmax
		best, bi := math.Inf(-1), 0
		for i, x := range list {
			if f, ok := x.(float64); ok && f > best {
				best, bi = f, i
			}
		}
		return strconv.Itoa(bi)
	}
	return p
}
