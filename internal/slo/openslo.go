package slo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"
)

// OpenSLO v1 (https://github.com/OpenSLO/OpenSLO): the parts that map onto a
// Prometheus SLO. Anything that does not map is an error naming the field.
type osloDoc struct {
	APIVersion string       `yaml:"apiVersion"`
	Kind       string       `yaml:"kind"`
	Metadata   osloMetadata `yaml:"metadata"`
	Spec       yaml.Node    `yaml:"spec"`
}

type osloMetadata struct {
	Name        string            `yaml:"name"`
	DisplayName string            `yaml:"displayName"`
	Labels      map[string]any    `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type osloSLOSpec struct {
	Description     string           `yaml:"description"`
	Service         string           `yaml:"service"`
	Indicator       *osloInlineSLI   `yaml:"indicator"`
	IndicatorRef    string           `yaml:"indicatorRef"`
	TimeWindow      []osloTimeWindow `yaml:"timeWindow"`
	BudgetingMethod string           `yaml:"budgetingMethod"`
	Objectives      []osloObjective  `yaml:"objectives"`
	AlertPolicies   []any            `yaml:"alertPolicies"`
}

type osloInlineSLI struct {
	Metadata osloMetadata `yaml:"metadata"`
	Spec     osloSLISpec  `yaml:"spec"`
}

type osloSLISpec struct {
	Description     string           `yaml:"description"`
	ThresholdMetric *osloMetric      `yaml:"thresholdMetric"`
	RatioMetric     *osloRatioMetric `yaml:"ratioMetric"`
}

type osloRatioMetric struct {
	Counter bool        `yaml:"counter"`
	Good    *osloMetric `yaml:"good"`
	Bad     *osloMetric `yaml:"bad"`
	Total   *osloMetric `yaml:"total"`
	RawType string      `yaml:"rawType"`
	Raw     *osloMetric `yaml:"raw"`
}

type osloMetric struct {
	MetricSource osloMetricSource `yaml:"metricSource"`
}

type osloMetricSource struct {
	MetricSourceRef string         `yaml:"metricSourceRef"`
	Type            string         `yaml:"type"`
	Spec            map[string]any `yaml:"spec"`
}

type osloTimeWindow struct {
	Duration  string        `yaml:"duration"`
	IsRolling bool          `yaml:"isRolling"`
	Calendar  *osloCalendar `yaml:"calendar"`
}

type osloCalendar struct {
	StartTime string `yaml:"startTime"`
	TimeZone  string `yaml:"timeZone"`
}

type osloObjective struct {
	DisplayName     string         `yaml:"displayName"`
	Op              string         `yaml:"op"`
	Value           *float64       `yaml:"value"`
	Target          *float64       `yaml:"target"`
	TargetPercent   *float64       `yaml:"targetPercent"`
	TimeSliceTarget *float64       `yaml:"timeSliceTarget"`
	TimeSliceWindow any            `yaml:"timeSliceWindow"`
	Indicator       *osloInlineSLI `yaml:"indicator"`
	IndicatorRef    string         `yaml:"indicatorRef"`
	CompositeWeight *float64       `yaml:"compositeWeight"`
}

type osloDataSourceSpec struct {
	Description       string         `yaml:"description"`
	Type              string         `yaml:"type"`
	ConnectionDetails map[string]any `yaml:"connectionDetails"`
}

// parseOpenSLO reads every document of an OpenSLO file (a YAML stream whose
// documents are objects or lists of objects) and returns its SLOs. SLIs and
// Prometheus DataSources in the file resolve indicatorRef and metricSourceRef.
func parseOpenSLO(b []byte, source string) ([]SLO, error) {
	var docs []osloDoc
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(n.Content) == 0 {
			continue // an empty document
		}
		items := []*yaml.Node{n.Content[0]}
		if n.Content[0].Kind == yaml.SequenceNode {
			items = n.Content[0].Content
		}
		for _, it := range items {
			var d osloDoc
			if err := decodeNodeStrict(it, &d); err != nil {
				return nil, fmt.Errorf("line %d: %w", it.Line, err)
			}
			if d.APIVersion != "openslo/v1" {
				return nil, fmt.Errorf("line %d: apiVersion %q is not supported; mlre reads openslo/v1", it.Line, d.APIVersion)
			}
			docs = append(docs, d)
		}
	}
	slis := map[string]osloSLISpec{}
	sources := map[string]string{} // DataSource name → type
	for _, d := range docs {
		switch d.Kind {
		case "SLI":
			var sp osloSLISpec
			if err := decodeNodeStrict(&d.Spec, &sp); err != nil {
				return nil, fmt.Errorf("SLI %s: %w", d.Metadata.Name, err)
			}
			slis[d.Metadata.Name] = sp
		case "DataSource":
			var sp osloDataSourceSpec
			if err := decodeNodeStrict(&d.Spec, &sp); err != nil {
				return nil, fmt.Errorf("DataSource %s: %w", d.Metadata.Name, err)
			}
			sources[d.Metadata.Name] = sp.Type
		}
	}
	var out []SLO
	for _, d := range docs {
		if d.Kind != "SLO" {
			continue // Service, AlertPolicy, … carry nothing mlre evaluates
		}
		s, err := osloToSLO(d, slis, sources)
		if err != nil {
			return nil, fmt.Errorf("SLO %s: %w", d.Metadata.Name, err)
		}
		s.Source = source + " (OpenSLO)"
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, errors.New("the OpenSLO file holds no kind: SLO document")
	}
	return validateAll(out, "SLOs")
}

func osloToSLO(d osloDoc, slis map[string]osloSLISpec, sources map[string]string) (SLO, error) {
	var sp osloSLOSpec
	if err := decodeNodeStrict(&d.Spec, &sp); err != nil {
		return SLO{}, err
	}
	s := SLO{
		Name:        d.Metadata.Name,
		Service:     sp.Service,
		Description: sp.Description,
		Labels:      osloLabels(d.Metadata.Labels),
	}
	if m := sp.BudgetingMethod; m != "Occurrences" {
		if m == "" {
			return s, fieldErr("spec.budgetingMethod", "is required; mlre supports Occurrences")
		}
		return s, fieldErr("spec.budgetingMethod", fmt.Sprintf("%s is not supported; mlre budgets by Occurrences", m))
	}
	if len(sp.Objectives) != 1 {
		return s, fieldErr("spec.objectives", fmt.Sprintf("has %d entries; mlre takes exactly one objective per SLO (split the others into their own SLOs)", len(sp.Objectives)))
	}
	obj := sp.Objectives[0]
	switch {
	case obj.Indicator != nil || obj.IndicatorRef != "" || obj.CompositeWeight != nil:
		return s, fieldErr("spec.objectives[0]", "composite SLOs (indicator, indicatorRef or compositeWeight on an objective) are not supported")
	case obj.TimeSliceTarget != nil || obj.TimeSliceWindow != nil:
		return s, fieldErr("spec.objectives[0]", "timeSliceTarget and timeSliceWindow belong to Timeslices budgeting, which is not supported")
	case obj.Target != nil && obj.TargetPercent != nil:
		return s, fieldErr("spec.objectives[0]", "set target or targetPercent, not both")
	case obj.Target != nil:
		s.Objective = round12(*obj.Target * 100)
	case obj.TargetPercent != nil:
		s.Objective = *obj.TargetPercent
	default:
		return s, fieldErr("spec.objectives[0].target", "is required (a ratio like 0.999, or targetPercent: 99.9)")
	}
	w, err := osloWindow(sp.TimeWindow)
	if err != nil {
		return s, err
	}
	s.Window = w

	var sli osloSLISpec
	switch {
	case sp.Indicator != nil && sp.IndicatorRef != "":
		return s, fieldErr("spec", "set indicator or indicatorRef, not both")
	case sp.Indicator != nil:
		sli = sp.Indicator.Spec
	case sp.IndicatorRef != "":
		var ok bool
		if sli, ok = slis[sp.IndicatorRef]; !ok {
			return s, fieldErr("spec.indicatorRef", fmt.Sprintf("no kind: SLI named %q in this file", sp.IndicatorRef))
		}
	default:
		return s, fieldErr("spec", "indicator or indicatorRef is required")
	}
	if err := osloSLI(&s, sli, obj, sources); err != nil {
		return s, err
	}
	return s, nil
}

func osloWindow(tws []osloTimeWindow) (Window, error) {
	if len(tws) != 1 {
		return Window{}, fieldErr("spec.timeWindow", "must hold exactly one window")
	}
	tw := tws[0]
	if tw.IsRolling {
		if tw.Calendar != nil {
			return Window{}, fieldErr("spec.timeWindow[0].calendar", "is only for isRolling: false")
		}
		d, err := model.ParseDuration(tw.Duration)
		if err != nil {
			return Window{}, fieldErr("spec.timeWindow[0].duration", fmt.Sprintf("%q: %v; rolling windows are days or weeks, like 28d or 4w", tw.Duration, err))
		}
		return Window{Rolling: time.Duration(d)}, nil
	}
	w := Window{}
	switch tw.Duration {
	case "1M":
		w.Calendar = "month"
	case "1w", "7d":
		w.Calendar = "week"
	default:
		return Window{}, fieldErr("spec.timeWindow[0].duration", fmt.Sprintf("%q: calendar windows are 1M (a month) or 1w (a week)", tw.Duration))
	}
	if tw.Calendar == nil {
		return Window{}, fieldErr("spec.timeWindow[0].calendar", "is required when isRolling is false")
	}
	w.Timezone = tw.Calendar.TimeZone
	if tw.Calendar.StartTime != "" {
		st, err := time.Parse(time.DateTime, tw.Calendar.StartTime)
		if err != nil {
			return Window{}, fieldErr("spec.timeWindow[0].calendar.startTime", fmt.Sprintf("%q is not a time like 2022-01-01 00:00:00", tw.Calendar.StartTime))
		}
		if w.Calendar == "week" && st.Weekday() != time.Monday {
			return Window{}, fieldErr("spec.timeWindow[0].calendar.startTime", fmt.Sprintf("is a %s; mlre's calendar weeks start on Monday", st.Weekday()))
		}
		if w.Calendar == "month" && st.Day() != 1 {
			return Window{}, fieldErr("spec.timeWindow[0].calendar.startTime", "mlre's calendar months start on the first of the month")
		}
	}
	return w, nil
}

func osloSLI(s *SLO, sli osloSLISpec, obj osloObjective, sources map[string]string) error {
	switch {
	case sli.RatioMetric != nil && sli.ThresholdMetric != nil:
		return fieldErr("indicator.spec", "set ratioMetric or thresholdMetric, not both")
	case sli.ThresholdMetric != nil:
		q, err := osloQuery("indicator.spec.thresholdMetric", sli.ThresholdMetric, sources)
		if err != nil {
			return err
		}
		if obj.Value == nil {
			return fieldErr("spec.objectives[0].value", "is required with a thresholdMetric")
		}
		t := &ThresholdSLI{Query: q}
		switch obj.Op {
		case "lt", "lte":
			t.Max = obj.Value
		case "gt", "gte":
			t.Min = obj.Value
		default:
			return fieldErr("spec.objectives[0].op", fmt.Sprintf("%q is not lt, lte, gt or gte", obj.Op))
		}
		s.SLI.Threshold = t
		return nil
	case sli.RatioMetric != nil:
		r := sli.RatioMetric
		const f = "indicator.spec.ratioMetric"
		if r.Raw != nil {
			q, err := osloQuery(f+".raw", r.Raw, sources)
			if err != nil {
				return err
			}
			if !windowRE.MatchString(q) {
				return fieldErr(f+".raw", "the query needs a {{.window}} placeholder for the range")
			}
			switch r.RawType {
			case "failure":
			case "success":
				q = "1 - (" + q + ")"
			default:
				return fieldErr(f+".rawType", fmt.Sprintf("%q is not success or failure", r.RawType))
			}
			s.SLI.Raw = &RawSLI{ErrorRatioQuery: q}
			return nil
		}
		if r.Total == nil || (r.Good == nil) == (r.Bad == nil) {
			return fieldErr(f, "needs total and exactly one of good or bad (or raw with rawType)")
		}
		total, err := osloRatioQuery(f+".total", r.Total, r.Counter, sources)
		if err != nil {
			return err
		}
		var bad string
		if r.Bad != nil {
			if bad, err = osloRatioQuery(f+".bad", r.Bad, r.Counter, sources); err != nil {
				return err
			}
		} else {
			good, err := osloRatioQuery(f+".good", r.Good, r.Counter, sources)
			if err != nil {
				return err
			}
			bad = "(" + total + ") - (" + good + ")"
		}
		s.SLI.Events = &EventsSLI{ErrorQuery: bad, TotalQuery: total}
		return nil
	}
	return fieldErr("indicator.spec", "ratioMetric or thresholdMetric is required")
}

// osloQuery returns the PromQL of a Prometheus metric source.
func osloQuery(field string, m *osloMetric, sources map[string]string) (string, error) {
	ms := m.MetricSource
	typ := ms.Type
	if typ == "" && ms.MetricSourceRef != "" {
		var ok bool
		if typ, ok = sources[ms.MetricSourceRef]; !ok {
			return "", fieldErr(field+".metricSource.metricSourceRef", fmt.Sprintf("no kind: DataSource named %q in this file, and no type given", ms.MetricSourceRef))
		}
	}
	if !strings.EqualFold(typ, "prometheus") {
		return "", fieldErr(field+".metricSource.type", fmt.Sprintf("%q is not supported; mlre evaluates Prometheus sources only", typ))
	}
	q, _ := ms.Spec["query"].(string)
	if strings.TrimSpace(q) == "" {
		return "", fieldErr(field+".metricSource.spec.query", "is required")
	}
	return strings.TrimSpace(q), nil
}

// osloRatioQuery returns a rate query over {{.window}}. Queries that hold
// {{.window}} are used as they are; with counter: true, a query over raw
// counters (sum(http_requests_total{…})) has each of its series selectors
// turned into rate(…[{{.window}}]).
func osloRatioQuery(field string, m *osloMetric, counter bool, sources map[string]string) (string, error) {
	q, err := osloQuery(field, m, sources)
	if err != nil {
		return "", err
	}
	if windowRE.MatchString(q) {
		return q, nil
	}
	if !counter {
		return "", fieldErr(field, "the query has no {{.window}} placeholder; with counter: false mlre cannot tell how to aggregate it over a window (write the range as [{{.window}}], or set counter: true for counter metrics)")
	}
	return rateOverWindow(q)
}

var osloLabelRE = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// osloLabels turns OpenSLO metadata labels (string or list values) into
// Prometheus labels: invalid characters in names become '_', lists are joined
// with ','.
func osloLabels(m map[string]any) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := map[string]string{}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := osloLabelRE.ReplaceAllString(k, "_")
		if name == "" || (name[0] >= '0' && name[0] <= '9') {
			name = "_" + name
		}
		if reservedLabels[name] {
			name = "openslo_" + name
		}
		switch v := m[k].(type) {
		case []any:
			parts := make([]string, len(v))
			for i, p := range v {
				parts[i] = fmt.Sprint(p)
			}
			out[name] = strings.Join(parts, ",")
		default:
			out[name] = fmt.Sprint(v)
		}
	}
	return out
}

// decodeNodeStrict decodes n into v, refusing unknown keys at any depth.
func decodeNodeStrict(n *yaml.Node, v any) error {
	b, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return err
		}
		// Re-encoding renumbered the lines, so name the key and section.
		msgs := make([]string, len(te.Errors))
		for i, m := range te.Errors {
			if sm := unknownFieldRE.FindStringSubmatch(m); sm != nil {
				m = fmt.Sprintf("unknown key %q in %s", sm[2], osloSections[sm[3]])
			} else {
				m = lineRE.ReplaceAllString(m, "")
			}
			msgs[i] = m
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	return nil
}

var lineRE = regexp.MustCompile(`line \d+: `)

var osloSections = map[string]string{
	"slo.osloDoc": "the document", "slo.osloMetadata": "metadata", "slo.osloSLOSpec": "SLO spec",
	"slo.osloInlineSLI": "spec.indicator", "slo.osloSLISpec": "the SLI spec", "slo.osloRatioMetric": "ratioMetric",
	"slo.osloMetric": "a metric", "slo.osloMetricSource": "metricSource", "slo.osloTimeWindow": "timeWindow",
	"slo.osloCalendar": "timeWindow.calendar", "slo.osloObjective": "objectives", "slo.osloDataSourceSpec": "the DataSource spec",
}

// rateOverWindow rewrites a query over raw counters so that every series
// selector becomes rate(selector[{{.window}}]).
func rateOverWindow(q string) (string, error) {
	e, err := promParser.ParseExpr(q)
	if err != nil {
		return "", err
	}
	const sentinel = 12345 * time.Second
	var walkErr error
	var walk func(parser.Expr) parser.Expr
	walk = func(e parser.Expr) parser.Expr {
		switch x := e.(type) {
		case *parser.VectorSelector:
			return &parser.Call{Func: parser.Functions["rate"], Args: parser.Expressions{&parser.MatrixSelector{VectorSelector: x, Range: sentinel}}}
		case *parser.MatrixSelector, *parser.SubqueryExpr:
			walkErr = errors.New("the query already selects a range; write the range as [{{.window}}] instead")
		case *parser.AggregateExpr:
			x.Expr = walk(x.Expr)
		case *parser.BinaryExpr:
			x.LHS, x.RHS = walk(x.LHS), walk(x.RHS)
		case *parser.ParenExpr:
			x.Expr = walk(x.Expr)
		case *parser.UnaryExpr:
			x.Expr = walk(x.Expr)
		case *parser.Call:
			for i, a := range x.Args {
				x.Args[i] = walk(a)
			}
		}
		return e
	}
	e = walk(e)
	if walkErr != nil {
		return "", walkErr
	}
	return strings.ReplaceAll(e.String(), "["+model.Duration(sentinel).String()+"]", "[{{.window}}]"), nil
}
