// Package slo holds service level objectives: their spec (native, Sloth and
// OpenSLO formats), validation, and the Prometheus rules that evaluate them —
// SLI recordings, error budget bookkeeping and multi-window multi-burn-rate
// alerts from the Google SRE Workbook.
//
// The package is pure: it parses bytes and returns rules; it does no I/O.
package slo

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // time zones for calendar windows, also where the OS has no tzdata

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// SLO is one objective in mlre's native format. Its fields follow Sloth's so
// that a Sloth user finds what they expect.
type SLO struct {
	Name        string `yaml:"name"`
	Service     string `yaml:"service"`
	Description string `yaml:"description,omitempty"`
	// Objective is the target in percent, e.g. 99.9.
	Objective float64           `yaml:"objective"`
	Labels    map[string]string `yaml:"labels,omitempty"`
	Window    Window            `yaml:"window"`
	// MinTraffic is the event rate (per second, over an alert's long window)
	// below which burn-rate alerts do not fire. Zero turns the gate off.
	MinTraffic float64  `yaml:"min_traffic,omitempty"`
	SLI        SLI      `yaml:"sli"`
	Alerting   Alerting `yaml:"alerting"`

	// Source names where the SLO came from (file and format), for errors.
	Source string `yaml:"-"`
}

// ID is service/name, unique across all SLOs.
func (s *SLO) ID() string { return s.Service + "/" + s.Name }

// Window is the SLO's compliance period: rolling (Rolling > 0) or calendar.
type Window struct {
	Rolling  time.Duration
	Calendar string // "month" or "week"
	Timezone string // IANA name; "" is UTC
}

// DefaultWindow is the window of an SLO that names none.
const DefaultWindow = 30 * 24 * time.Hour

// Length is the window's nominal length: the rolling duration, 30d for a
// calendar month and 7d for a calendar week. Burn-rate factors scale with it.
func (w Window) Length() time.Duration {
	switch w.Calendar {
	case "month":
		return 30 * 24 * time.Hour
	case "week":
		return 7 * 24 * time.Hour
	}
	return w.Rolling
}

// String is 30d for rolling windows, "calendar month (Europe/Berlin)" otherwise.
func (w Window) String() string {
	if w.Calendar == "" {
		return model.Duration(w.Rolling).String()
	}
	tz := w.Timezone
	if tz == "" {
		tz = "UTC"
	}
	return "calendar " + w.Calendar + " (" + tz + ")"
}

// UnmarshalYAML takes `30d` or `{calendar: month, timezone: Europe/Berlin}`
// (or `{rolling: 30d}`).
func (w *Window) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		d, err := model.ParseDuration(n.Value)
		if err != nil {
			return fmt.Errorf("line %d: window %q: %w; write a rolling window like 30d or 28d, or {calendar: month}", n.Line, n.Value, err)
		}
		*w = Window{Rolling: time.Duration(d)}
		return nil
	}
	var raw struct {
		Rolling  string `yaml:"rolling"`
		Calendar string `yaml:"calendar"`
		Timezone string `yaml:"timezone"`
	}
	if err := decodeStrict(n, &raw); err != nil {
		return err
	}
	if raw.Rolling != "" {
		if raw.Calendar != "" || raw.Timezone != "" {
			return fmt.Errorf("line %d: window: rolling cannot be combined with calendar or timezone", n.Line)
		}
		d, err := model.ParseDuration(raw.Rolling)
		if err != nil {
			return fmt.Errorf("line %d: window.rolling %q: %w", n.Line, raw.Rolling, err)
		}
		*w = Window{Rolling: time.Duration(d)}
		return nil
	}
	*w = Window{Calendar: raw.Calendar, Timezone: raw.Timezone}
	return nil
}

// MarshalYAML writes the forms UnmarshalYAML reads.
func (w Window) MarshalYAML() (any, error) {
	if w.Calendar == "" {
		return model.Duration(w.Rolling).String(), nil
	}
	m := map[string]string{"calendar": w.Calendar}
	if w.Timezone != "" {
		m["timezone"] = w.Timezone
	}
	return m, nil
}

// SLI says what is good and what is bad. Exactly one kind is set.
type SLI struct {
	Events    *EventsSLI    `yaml:"events,omitempty"`
	Raw       *RawSLI       `yaml:"raw,omitempty"`
	Latency   *LatencySLI   `yaml:"latency,omitempty"`
	Freshness *FreshnessSLI `yaml:"freshness,omitempty"`
	Threshold *ThresholdSLI `yaml:"threshold,omitempty"`
}

// Kind is the name of the SLI kind set, or "" when none is.
func (s SLI) Kind() string {
	switch {
	case s.Events != nil:
		return "events"
	case s.Raw != nil:
		return "raw"
	case s.Latency != nil:
		return "latency"
	case s.Freshness != nil:
		return "freshness"
	case s.Threshold != nil:
		return "threshold"
	}
	return ""
}

// Counted reports whether the SLI counts events (so budgets are in events and
// min_traffic applies) rather than time.
func (s SLI) Counted() bool { return s.Events != nil || s.Latency != nil }

// EventsSLI is a ratio of bad to all events. Both queries hold {{.window}}
// where the range goes, e.g. sum(rate(http_requests_total{code=~"5.."}[{{.window}}])).
type EventsSLI struct {
	ErrorQuery string `yaml:"error_query"`
	TotalQuery string `yaml:"total_query"`
}

// RawSLI is an error ratio query with {{.window}}.
type RawSLI struct {
	ErrorRatioQuery string `yaml:"error_ratio_query"`
}

// LatencySLI: an event is good when it took at most Threshold seconds.
type LatencySLI struct {
	// Metric is the histogram's name, without _bucket/_count.
	Metric string `yaml:"metric"`
	// Selector restricts the series, e.g. {job="model-api",handler="/predict"}.
	Selector string `yaml:"selector,omitempty"`
	// Threshold in seconds. For a classic histogram it must be a bucket
	// boundary (le); native histograms take any value.
	Threshold float64 `yaml:"threshold"`
	// Native reads a native histogram instead of classic _bucket series.
	Native bool `yaml:"native,omitempty"`
}

// FreshnessSLI: the time is good while the newest timestamp the query returns
// (Unix seconds) is at most MaxAge old. With several series, the oldest counts.
type FreshnessSLI struct {
	Query  string         `yaml:"query"`
	MaxAge model.Duration `yaml:"max_age"`
}

// ThresholdSLI: the time is good while the query's value stays within
// [Min, Max] (either may be unset). With several series, all must be within.
type ThresholdSLI struct {
	Query string   `yaml:"query"`
	Min   *float64 `yaml:"min,omitempty"`
	Max   *float64 `yaml:"max,omitempty"`
}

// Alerting configures the alerts generated for an SLO.
type Alerting struct {
	// Name is the burn-rate alert's name; page and ticket alerts share it and
	// differ in their severity label.
	Name        string            `yaml:"name,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
	PageAlert   AlertSpec         `yaml:"page_alert,omitempty"`
	TicketAlert AlertSpec         `yaml:"ticket_alert,omitempty"`
	// NoDataAlert fires when the SLI has had no value for a while.
	NoDataAlert AlertSpec `yaml:"no_data_alert,omitempty"`
	// BudgetExhaustedAlert fires while the period's error budget is spent.
	BudgetExhaustedAlert AlertSpec `yaml:"budget_exhausted_alert,omitempty"`
	// Windows replaces the SRE Workbook's window table.
	Windows []AlertWindow `yaml:"windows,omitempty"`
}

// AlertSpec tunes one generated alert.
type AlertSpec struct {
	Disable     bool              `yaml:"disable,omitempty"`
	Name        string            `yaml:"name,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
	For         model.Duration    `yaml:"for,omitempty"`
}

// AlertWindow is one row of a multi-window multi-burn-rate table: alert with
// Severity when both the short and long window burn faster than the rate
// that spends BudgetPercent of the budget within LongWindow.
type AlertWindow struct {
	Severity      string         `yaml:"severity"`
	ShortWindow   model.Duration `yaml:"short_window"`
	LongWindow    model.Duration `yaml:"long_window"`
	BudgetPercent float64        `yaml:"budget_percent"`
}

// Factor is the burn rate the window alerts on for an SLO window of length
// period: the budget share times period over the long window. For 30 days,
// 2% in 1h is 14.4.
func (w AlertWindow) Factor(period time.Duration) float64 {
	return round12(w.BudgetPercent / 100 * float64(period) / float64(w.LongWindow))
}

// DefaultWindows is the table from the Google SRE Workbook, chapter 5.
var DefaultWindows = []AlertWindow{
	{Severity: "page", ShortWindow: model.Duration(5 * time.Minute), LongWindow: model.Duration(time.Hour), BudgetPercent: 2},
	{Severity: "page", ShortWindow: model.Duration(30 * time.Minute), LongWindow: model.Duration(6 * time.Hour), BudgetPercent: 5},
	{Severity: "ticket", ShortWindow: model.Duration(2 * time.Hour), LongWindow: model.Duration(24 * time.Hour), BudgetPercent: 10},
	{Severity: "ticket", ShortWindow: model.Duration(6 * time.Hour), LongWindow: model.Duration(72 * time.Hour), BudgetPercent: 10},
}

// Budget is the error budget as a ratio: 1 - objective/100.
func (s *SLO) Budget() float64 { return round12((100 - s.Objective) / 100) }

// AlertWindows is the SLO's window table: its own or the default.
func (s *SLO) AlertWindows() []AlertWindow {
	if len(s.Alerting.Windows) > 0 {
		return s.Alerting.Windows
	}
	return DefaultWindows
}

// round12 rounds to 12 significant digits, so 1-0.999 prints as 0.001.
func round12(v float64) float64 {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return v
	}
	var f float64
	fmt.Sscanf(fmt.Sprintf("%.12g", v), "%g", &f)
	return f
}

var (
	nameRE      = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)
	labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
	metricRE    = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
)

// reservedLabels are set by the generated rules themselves.
var reservedLabels = map[string]bool{"slo": true, "service": true, "severity": true, "__name__": true}

// Validate checks the SLO and fills in defaults. Its errors name the field.
func (s *SLO) Validate() error {
	if s.Name == "" {
		return fieldErr("name", "is required")
	}
	if !nameRE.MatchString(s.Name) {
		return fieldErr("name", fmt.Sprintf("%q may hold only letters, digits, '_', '-' and '.'", s.Name))
	}
	if s.Service == "" {
		return fieldErr("service", "is required")
	}
	if !nameRE.MatchString(s.Service) {
		return fieldErr("service", fmt.Sprintf("%q may hold only letters, digits, '_', '-' and '.'", s.Service))
	}
	if !(s.Objective > 0 && s.Objective < 100) {
		return fieldErr("objective", fmt.Sprintf("%v is not a percentage between 0 and 100 (exclusive); write 99.9 for 99.9%%", s.Objective))
	}
	if s.Objective < 1 {
		return fieldErr("objective", fmt.Sprintf("%v looks like a ratio; objectives are percentages: write 99.9 for 99.9%%", s.Objective))
	}
	if s.MinTraffic < 0 || math.IsNaN(s.MinTraffic) {
		return fieldErr("min_traffic", "must be zero or a positive rate per second")
	}
	if err := checkLabels("labels", s.Labels); err != nil {
		return err
	}
	if err := s.validateWindow(); err != nil {
		return err
	}
	if err := s.validateSLI(); err != nil {
		return err
	}
	if s.MinTraffic > 0 && !s.SLI.Counted() {
		return fieldErr("min_traffic", fmt.Sprintf("applies to event SLIs (events, latency), not to %s", s.SLI.Kind()))
	}
	return s.validateAlerting()
}

func (s *SLO) validateWindow() error {
	w := &s.Window
	switch {
	case w.Calendar == "" && w.Rolling == 0:
		if w.Timezone != "" {
			return fieldErr("window.timezone", "applies to calendar windows only; add calendar: month or calendar: week")
		}
		w.Rolling = DefaultWindow
	case w.Calendar == "":
		if w.Rolling < 24*time.Hour {
			return fieldErr("window", fmt.Sprintf("%s is shorter than a day; SLO windows are days or weeks (30d, 28d, 7d)", model.Duration(w.Rolling)))
		}
		if w.Rolling%time.Minute != 0 {
			return fieldErr("window", "must be a whole number of minutes")
		}
	case w.Calendar == "month" || w.Calendar == "week":
		if w.Timezone != "" {
			if _, err := time.LoadLocation(w.Timezone); err != nil {
				return fieldErr("window.timezone", fmt.Sprintf("%q is not a known IANA time zone (like Europe/Berlin): %v", w.Timezone, err))
			}
		}
	default:
		return fieldErr("window.calendar", fmt.Sprintf("%q is not month or week", w.Calendar))
	}
	return nil
}

func (s *SLO) validateSLI() error {
	n := 0
	for _, set := range []bool{s.SLI.Events != nil, s.SLI.Raw != nil, s.SLI.Latency != nil, s.SLI.Freshness != nil, s.SLI.Threshold != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return fieldErr("sli", "set exactly one of events, raw, latency, freshness or threshold")
	}
	switch k := s.SLI; {
	case k.Events != nil:
		if err := checkWindowQuery("sli.events.error_query", k.Events.ErrorQuery); err != nil {
			return err
		}
		return checkWindowQuery("sli.events.total_query", k.Events.TotalQuery)
	case k.Raw != nil:
		return checkWindowQuery("sli.raw.error_ratio_query", k.Raw.ErrorRatioQuery)
	case k.Latency != nil:
		l := k.Latency
		if !metricRE.MatchString(l.Metric) {
			return fieldErr("sli.latency.metric", fmt.Sprintf("%q is not a metric name", l.Metric))
		}
		if strings.HasSuffix(l.Metric, "_bucket") || strings.HasSuffix(l.Metric, "_count") {
			return fieldErr("sli.latency.metric", "name the histogram without its _bucket or _count suffix")
		}
		if !(l.Threshold > 0) || math.IsInf(l.Threshold, 0) {
			return fieldErr("sli.latency.threshold", "must be a positive number of seconds, e.g. 0.3")
		}
		if l.Selector != "" {
			if _, err := parseSelector(l.Selector); err != nil {
				return fieldErr("sli.latency.selector", err.Error())
			}
		}
	case k.Freshness != nil:
		if err := checkQuery("sli.freshness.query", k.Freshness.Query); err != nil {
			return err
		}
		if k.Freshness.MaxAge <= 0 {
			return fieldErr("sli.freshness.max_age", "is required, e.g. 1h")
		}
	case k.Threshold != nil:
		t := k.Threshold
		if err := checkQuery("sli.threshold.query", t.Query); err != nil {
			return err
		}
		if t.Min == nil && t.Max == nil {
			return fieldErr("sli.threshold", "set min, max or both: the range the value must stay in")
		}
		if t.Min != nil && t.Max != nil && *t.Min > *t.Max {
			return fieldErr("sli.threshold", fmt.Sprintf("min %v is above max %v", *t.Min, *t.Max))
		}
	}
	return nil
}

func (s *SLO) validateAlerting() error {
	a := &s.Alerting
	if a.Name != "" && !metricRE.MatchString(a.Name) {
		return fieldErr("alerting.name", fmt.Sprintf("%q is not a valid alert name (letters, digits, '_')", a.Name))
	}
	if err := checkLabels("alerting.labels", a.Labels); err != nil {
		return err
	}
	for _, as := range []struct {
		f string
		a *AlertSpec
	}{{"page_alert", &a.PageAlert}, {"ticket_alert", &a.TicketAlert}, {"no_data_alert", &a.NoDataAlert}, {"budget_exhausted_alert", &a.BudgetExhaustedAlert}} {
		if as.a.Name != "" && !metricRE.MatchString(as.a.Name) {
			return fieldErr("alerting."+as.f+".name", fmt.Sprintf("%q is not a valid alert name", as.a.Name))
		}
		if err := checkLabels("alerting."+as.f+".labels", as.a.Labels); err != nil {
			return err
		}
	}
	for i, w := range a.Windows {
		f := fmt.Sprintf("alerting.windows[%d]", i)
		if w.Severity != "page" && w.Severity != "ticket" {
			return fieldErr(f+".severity", fmt.Sprintf("%q is not page or ticket", w.Severity))
		}
		if w.ShortWindow <= 0 || w.LongWindow <= 0 {
			return fieldErr(f, "short_window and long_window are required")
		}
		if w.ShortWindow >= w.LongWindow {
			return fieldErr(f, "short_window must be shorter than long_window")
		}
		if !(w.BudgetPercent > 0 && w.BudgetPercent <= 100) {
			return fieldErr(f+".budget_percent", "must be a percentage in (0, 100]")
		}
	}
	for _, w := range s.AlertWindows() {
		if time.Duration(w.LongWindow) > s.Window.Length() {
			return fieldErr("window", fmt.Sprintf("%s is shorter than the %s alert window; use a longer SLO window or custom alerting.windows", s.Window, w.LongWindow))
		}
	}
	return nil
}

func checkLabels(field string, m map[string]string) error {
	for k := range m {
		if !labelNameRE.MatchString(k) {
			return fieldErr(field, fmt.Sprintf("%q is not a valid label name", k))
		}
		if reservedLabels[k] {
			return fieldErr(field, fmt.Sprintf("label %q is set by mlre itself; pick another name", k))
		}
	}
	return nil
}

// FieldError is a validation error naming the field.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErr(field, msg string) error { return &FieldError{Field: field, Msg: msg} }

// decodeStrict decodes the mapping n into the flat struct v, refusing keys
// that v has no field for. (yaml.Node.Decode does not honour KnownFields.)
func decodeStrict(n *yaml.Node, v any) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: expected a mapping", n.Line)
	}
	known := map[string]bool{}
	t := reflect.TypeOf(v).Elem()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		known[name] = true
	}
	for i := 0; i < len(n.Content); i += 2 {
		if k := n.Content[i]; !known[k.Value] {
			keys := make([]string, 0, len(known))
			for k := range known {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			return fmt.Errorf("line %d: unknown key %q; expected one of %s", k.Line, k.Value, strings.Join(keys, ", "))
		}
	}
	return n.Decode(v)
}
