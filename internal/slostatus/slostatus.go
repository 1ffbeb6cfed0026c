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
	out := make([]Status, 0, len(all))
	for i := range all {
		st, err := s.Status(r.Context(), &all[i], interval)
		if err != nil {
			httperr.Write(w, http.StatusInternalServerError, httperr.TypeExecution, err.Error())
			return
		}
		out = append(out, st)
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
	now := s.Now()
	st := Status{
		Name: o.Name, Service: o.Service, Description: o.Description, Source: o.Source, Labels: o.Labels,
		Objective: o.Objective, Window: o.Window.String(), SLIKind: o.SLI.Kind(),
		ErrorRatio: map[string]*float64{}, BurnRate: map[string]*float64{},
		ErrorBudget: Budget{Ratio: o.Budget()},
		Alerts:      []AlertStatus{},
	}
	sel := fmt.Sprintf(`{slo=%q,service=%q}`, o.Name, o.Service)
	vec, err := s.Query(ctx, `{__name__=~"slo:.+",`+sel[1:], now)
	if err != nil {
		return st, fmt.Errorf("querying the recordings of SLO %s: %w", o.ID(), err)
	}
	val := map[string]float64{}
	for _, s := range vec {
		val[s.Metric.Get("__name__")] = s.F
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
		total, err := s.periodEvents(ctx, o, sel, interval, now)
		if err != nil {
			return st, err
		}
		if total != nil {
			v := budget * *total
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
	if burn := st.BurnRate["1h"]; burn != nil && b.RemainingRatio != nil {
		switch {
		case *b.RemainingRatio <= 0:
			v := 0.0
			st.TimeToExhaustion = &v
		case *burn > 0:
			v := *b.RemainingRatio * windowSeconds / *burn
			st.TimeToExhaustion = &v
		}
	}
	st.Alerts = s.alerts(o)
	return st, nil
}

// periodEvents estimates the events in the SLO's window so far: the 5m rates
// recorded at every evaluation, times the evaluation interval.
func (s *Service) periodEvents(ctx context.Context, o *slo.SLO, sel string, interval time.Duration, now time.Time) (*float64, error) {
	q := fmt.Sprintf("sum_over_time(%s%s[%s])", slo.RecTotalRate5m, sel, durString(o.Window.Length()))
	if o.Window.Calendar != "" {
		q = slo.RecPeriodAll + sel
	}
	vec, err := s.Query(ctx, q, now)
	if err != nil {
		return nil, fmt.Errorf("querying the events of SLO %s: %w", o.ID(), err)
	}
	if len(vec) == 0 || math.IsNaN(vec[0].F) {
		return nil, nil
	}
	v := vec[0].F * interval.Seconds()
	return &v, nil
}

func (s *Service) alerts(o *slo.SLO) []AlertStatus {
	out := []AlertStatus{}
	if s.Alerts == nil {
		return out
	}
	for _, r := range s.Alerts() {
		ls := r.Labels()
		if ls.Get("slo") != o.Name || ls.Get("service") != o.Service {
			continue
		}
		a := AlertStatus{Name: r.Name(), Severity: ls.Get("severity"), State: r.State().String()}
		for _, act := range r.ActiveAlerts() {
			if t := act.ActiveAt; a.Since == nil || t.Before(*a.Since) {
				a.Since = &t
			}
		}
		out = append(out, a)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Severity < out[j].Severity })
	return out
}

func div(v *float64, d float64) *float64 {
	if v == nil || d == 0 {
		return nil
	}
	r := *v / d
	return &r
}

func durString(d time.Duration) string { return fmt.Sprintf("%ds", int64(d.Seconds())) }
