// Package slostatus answers GET /api/v1/slos: for every configured SLO, the
// SLI now, the error budget left (as a ratio and in events or time), the
// burn rate over each alert window, its alerts, and when the budget runs out
// at the current burn rate. It reads the series the generated SLO rules
// record, through PromQL, so it shows what the alerts see.
package slostatus

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/common/route"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/rules"

	"github.com/mlre-dev/mlre/internal/httperr"
	"github.com/mlre-dev/mlre/internal/slo"
)

// QueryFunc runs an instant PromQL query (rules.EngineQueryFunc is one).
type QueryFunc func(ctx context.Context, q string, t time.Time) (promql.Vector, error)

// Service serves the SLO status API.
type Service struct {
	Query QueryFunc
	// Alerts returns the rule manager's alerting rules.
	Alerts func() []*rules.AlertingRule
	// SLOs returns the configured SLOs and the rule evaluation interval.
	SLOs func() ([]slo.SLO, time.Duration)
	Now  func() time.Time
}

// Status is one SLO's state.
type Status struct {
	Name        string            `json:"name"`
	Service     string            `json:"service"`
	Description string            `json:"description,omitempty"`
	Source      string            `json:"source,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Objective   float64           `json:"objective"` // percent
	Window      string            `json:"window"`
	SLIKind     string            `json:"sli_kind"`
	// SLI is the share of good events (or time) over the last 5 minutes.
	SLI *float64 `json:"sli"`
	// ErrorRatio and BurnRate are keyed by window (5m, 1h, …, and "period").
	ErrorRatio  map[string]*float64 `json:"error_ratio"`
	BurnRate    map[string]*float64 `json:"burn_rate"`
	ErrorBudget Budget              `json:"error_budget"`
	// TimeToExhaustion is how long the budget left lasts at the burn rate
	// of the last hour; null while nothing burns.
	TimeToExhaustion *float64      `json:"time_to_exhaustion_seconds"`
	Alerts           []AlertStatus `json:"alerts"`
	// AlertWindows are the multi-window burn-rate conditions the SLO's
	// alerts fire on: both windows over BurnRate.
	AlertWindows []AlertWindow `json:"alert_windows"`
}

// AlertWindow is one burn-rate alert condition.
type AlertWindow struct {
	Severity    string  `json:"severity"`
	LongWindow  string  `json:"long_window"`
	ShortWindow string  `json:"short_window"`
	BurnRate    float64 `json:"burn_rate"`
}

// Budget is the error budget over the SLO's window.
type Budget struct {
	// Ratio is the budget as a share of all events or time: 1 - objective.
	Ratio float64 `json:"ratio"`
	// RemainingRatio is the share of the budget left (negative when overspent).
	RemainingRatio *float64 `json:"remaining_ratio"`
	// Unit is "events" for event SLIs (events, latency) and "seconds" for
	// time SLIs (freshness, threshold, raw).
	Unit      string   `json:"unit"`
	Total     *float64 `json:"total"`
	Remaining *float64 `json:"remaining"`
}

// AlertStatus is one of the SLO's alerting rules.
type AlertStatus struct {
	Name     string     `json:"name"`
	Severity string     `json:"severity"`
	State    string     `json:"state"`
	Since    *time.Time `json:"active_since,omitempty"`
}

// Register adds the routes to the /api/v1 router.
func (s *Service) Register(r *route.Router) {
	r.Get("/slos", s.list)
	r.Get("/slos/*id", s.get)
}

func (s *Service) list(w http.ResponseWriter, r *http.Request) {
	all, interval := s.SLOs()
	out, err := s.List(r.Context(), all, interval)
	if err != nil {
		httperr.Write(w, http.StatusInternalServerError, httperr.TypeExecution, err.Error())
		return
	}
	httperr.WriteData(w, out)
}

func (s *Service) get(w http.ResponseWriter, r *http.Request) {
	id := strings.Trim(route.Param(r.Context(), "id"), "/")
	all, interval := s.SLOs()
	var match []*slo.SLO
	for i := range all {
		if all[i].ID() == id || all[i].Name == id {
			match = append(match, &all[i])
		}
	}
	switch len(match) {
	case 0:
		httperr.Write(w, http.StatusNotFound, httperr.TypeNotFound, fmt.Sprintf("no SLO %q; GET /api/v1/slos lists them (address one as <name> or <service>/<name>)", id))
		return
	case 1:
	default:
		ids := make([]string, len(match))
		for i, m := range match {
			ids[i] = m.ID()
		}
		httperr.Write(w, http.StatusBadRequest, httperr.TypeBadData, fmt.Sprintf("%q names SLOs in several services (%s); use <service>/<name>", id, strings.Join(ids, ", ")))
		return
	}
	st, err := s.Status(r.Context(), match[0], interval)
	if err != nil {
		httperr.Write(w, http.StatusInternalServerError, httperr.TypeExecution, err.Error())
		return
	}
	httperr.WriteData(w, st)
}

// Status computes one SLO's status now.
func (s *Service) Status(ctx context.Context, o *slo.SLO, interval time.Duration) (Status, error) {
	out, err := s.List(ctx, []slo.SLO{*o}, interval)
	if err != nil {
		return Status{}, err
	}
	return out[0], nil
}

// sloKey identifies an SLO's series: its slo and service labels.
type sloKey struct{ slo, service string }

// List computes the status of every SLO in all now, in their order. It
// reads every SLO's recordings with one query, and their events with one
// more, so that it stays fast with hundreds of SLOs and a long history.
func (s *Service) List(ctx context.Context, all []slo.SLO, interval time.Duration) ([]Status, error) {
	now := s.Now()
	out := make([]Status, 0, len(all))
	if len(all) == 0 {
		return out, nil
	}
	sel := `{slo!=""}`
	if len(all) == 1 {
		sel = fmt.Sprintf(`{slo=%q,service=%q}`, all[0].Name, all[0].Service)
	}
	vec, err := s.Query(ctx, `{__name__=~"slo:.+",`+sel[1:], now)
	if err != nil {
		return nil, fmt.Errorf("querying the SLO recordings: %w", err)
	}
	vals := map[sloKey]map[string]float64{}
	for _, smp := range vec {
		k := sloKey{smp.Metric.Get("slo"), smp.Metric.Get("service")}
		if vals[k] == nil {
			vals[k] = map[string]float64{}
		}
		vals[k][smp.Metric.Get("__name__")] = smp.F
	}
	events, err := s.periodEvents(ctx, all, sel, interval, now)
	if err != nil {
		return nil, err
	}
	alerts := s.alertsBySLO()
	for i := range all {
		o := &all[i]
		k := sloKey{o.Name, o.Service}
		st := status(o, vals[k], events[k])
		st.Alerts = alerts[k]
		if st.Alerts == nil {
			st.Alerts = []AlertStatus{}
		}
		out = append(out, st)
	}
	return out, nil
}

// status computes an SLO's status from its recordings now (val, by name)
// and the events in its window so far (nil: unknown or a time SLI).
func status(o *slo.SLO, val map[string]float64, events *float64) Status {
	st := Status{
		Name: o.Name, Service: o.Service, Description: o.Description, Source: o.Source, Labels: o.Labels,
		Objective: o.Objective, Window: o.Window.String(), SLIKind: o.SLI.Kind(),
		ErrorRatio: map[string]*float64{}, BurnRate: map[string]*float64{},
		ErrorBudget: Budget{Ratio: o.Budget()},
	}
	for _, w := range o.AlertWindows() {
		st.AlertWindows = append(st.AlertWindows, AlertWindow{Severity: w.Severity, LongWindow: w.LongWindow.String(),
			ShortWindow: w.ShortWindow.String(), BurnRate: w.Factor(o.Window.Length())})
	}
	get := func(name string) *float64 {
		v, ok := val[name]
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	budget := o.Budget()
	for _, w := range o.SLIWindows() {
		k := model.Duration(w).String()
		st.ErrorRatio[k] = get(slo.RecErrorRatio(w))
		st.BurnRate[k] = div(st.ErrorRatio[k], budget)
	}
	st.ErrorRatio["period"] = get(slo.PeriodRatioName(o))
	st.BurnRate["period"] = get(slo.RecPeriodBurn)
	if r := st.ErrorRatio["5m"]; r != nil {
		v := 1 - *r
		st.SLI = &v
	}
	b := &st.ErrorBudget
	b.RemainingRatio = get(slo.RecPeriodRemaining)
	windowSeconds := o.Window.Length().Seconds()
	if o.SLI.Counted() {
		b.Unit = "events"
		if events != nil {
			v := budget * *events
			b.Total = &v
		}
	} else {
		b.Unit = "seconds"
		v := budget * windowSeconds
		b.Total = &v
	}
	if b.Total != nil && b.RemainingRatio != nil {
		v := *b.Total * *b.RemainingRatio
		b.Remaining = &v
	}
	if b.RemainingRatio != nil && *b.RemainingRatio <= 0 {
		v := 0.0
		st.TimeToExhaustion = &v
	} else if burn := recentBurn(o, st.BurnRate); burn != nil && b.RemainingRatio != nil && *burn > 0 {
		v := *b.RemainingRatio * windowSeconds / *burn
		st.TimeToExhaustion = &v
	}
	return st
}

// recentBurn is the burn rate of the last hour, or of the SLO's longest
// window under an hour when it has no 1h window (short demo windows).
func recentBurn(o *slo.SLO, burn map[string]*float64) *float64 {
	if b := burn["1h"]; b != nil {
		return b
	}
	var best time.Duration
	var out *float64
	for _, w := range o.SLIWindows() {
		if b := burn[model.Duration(w).String()]; b != nil && w <= time.Hour && w > best {
			best, out = w, b
		}
	}
	return out
}

// periodEvents estimates the events in each counted SLO's window so far:
// the sum of the 5m rates recorded at every evaluation (the rules record it
// as slo:sli_error:period_all, for rolling and calendar windows alike),
// times the evaluation interval. One query reads every SLO's.
func (s *Service) periodEvents(ctx context.Context, all []slo.SLO, sel string, interval time.Duration, now time.Time) (map[sloKey]*float64, error) {
	out := map[sloKey]*float64{}
	counted := false
	for i := range all {
		counted = counted || all[i].SLI.Counted()
	}
	if !counted {
		return out, nil
	}
	vec, err := s.Query(ctx, slo.RecPeriodAll+sel, now)
	if err != nil {
		return nil, fmt.Errorf("querying the events of the SLOs: %w", err)
	}
	for _, smp := range vec {
		if math.IsNaN(smp.F) {
			continue
		}
		v := smp.F * interval.Seconds()
		out[sloKey{smp.Metric.Get("slo"), smp.Metric.Get("service")}] = &v
	}
	return out, nil
}

// alertsBySLO returns each SLO's alerting rules, pages first.
func (s *Service) alertsBySLO() map[sloKey][]AlertStatus {
	out := map[sloKey][]AlertStatus{}
	if s.Alerts == nil {
		return out
	}
	for _, r := range s.Alerts() {
		ls := r.Labels()
		if ls.Get("slo") == "" {
			continue
		}
		a := AlertStatus{Name: r.Name(), Severity: ls.Get("severity"), State: r.State().String()}
		for _, act := range r.ActiveAlerts() {
			if t := act.ActiveAt; a.Since == nil || t.Before(*a.Since) {
				a.Since = &t
			}
		}
		k := sloKey{ls.Get("slo"), ls.Get("service")}
		out[k] = append(out[k], a)
	}
	for _, as := range out {
		sort.SliceStable(as, func(i, j int) bool { return as[i].Severity < as[j].Severity })
	}
	return out
}

func div(v *float64, d float64) *float64 {
	if v == nil || d == 0 {
		return nil
	}
	r := *v / d
	return &r
}
