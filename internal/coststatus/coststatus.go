// Package coststatus answers the cost API: GET /api/v1/budgets (each
// budget's spend, burn rates, forecast and alerts), GET /api/v1/cost (spend
// by an owner label over a time range: the chargeback table) and GET
// /api/v1/cost/recommendations (idle GPUs, oversized GPUs, spend jumps). It
// reads the series the generated cost rules record, through PromQL, so it
// shows what the alerts see.
package coststatus

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/common/route"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/rules"

	"github.com/mlre-dev/mlre/internal/cost"
	"github.com/mlre-dev/mlre/internal/httperr"
)

// QueryFunc runs an instant PromQL query (rules.EngineQueryFunc is one).
type QueryFunc func(ctx context.Context, q string, t time.Time) (promql.Vector, error)

// Service serves the cost API.
type Service struct {
	Query QueryFunc
	// Alerts returns the rule manager's alerting rules.
	Alerts func() []*rules.AlertingRule
	// Config returns the cost config (nil: cost is off) and the budgets.
	Config func() (*cost.Config, []cost.Budget)
	Now    func() time.Time
}

// Register adds the routes to the /api/v1 router.
func (s *Service) Register(r *route.Router) {
	r.Get("/budgets", s.listBudgets)
	r.Get("/budgets/:name", s.getBudget)
	r.Get("/cost", s.spend)
	r.Get("/cost/recommendations", s.recommendations)
}

// BudgetStatus is one budget's state now.
type BudgetStatus struct {
	Name     string            `json:"name"`
	Amount   float64           `json:"amount"`
	Currency string            `json:"currency"`
	Period   string            `json:"period"`
	Scope    string            `json:"scope"`
	Spend    string            `json:"spend"` // allocated or used
	Owners   []string          `json:"owners"`
	Labels   map[string]string `json:"labels,omitempty"`
	// Spent is the spend in the period so far; Remaining the amount left
	// (negative when overspent) and RemainingRatio its share.
	Spent          *float64 `json:"spent"`
	Remaining      *float64 `json:"remaining"`
	RemainingRatio *float64 `json:"remaining_ratio"`
	// RatePerHour is the spend rate now; EvenRatePerHour the rate that
	// spends exactly the amount over the period.
	RatePerHour     *float64 `json:"rate_per_hour"`
	EvenRatePerHour float64  `json:"even_rate_per_hour"`
	// BurnRate is the average rate over each window over the even rate.
	BurnRate map[string]*float64 `json:"burn_rate"`
	// Forecast is the spend expected at the period's end, with the low and
	// high bounds from the last day's 10th and 90th percentile rates.
	Forecast Forecast `json:"forecast"`
	// TimeToExhaustion is how long the amount left lasts at the last
	// hour's rate; null while nothing is spent, 0 once exhausted.
	TimeToExhaustion *float64      `json:"time_to_exhaustion_seconds"`
	Alerts           []AlertStatus `json:"alerts"`
}

// Forecast is the spend expected at the end of the period.
type Forecast struct {
	Expected *float64 `json:"expected"`
	Low      *float64 `json:"low"`
	High     *float64 `json:"high"`
	// OverBudget is true when the expected spend exceeds the amount.
	OverBudget bool `json:"over_budget"`
}

// AlertStatus is one of a budget's alerting rules.
type AlertStatus struct {
	Name     string     `json:"name"`
	Severity string     `json:"severity"`
	State    string     `json:"state"`
	Since    *time.Time `json:"active_since,omitempty"`
}

func (s *Service) config(w http.ResponseWriter) (*cost.Config, []cost.Budget, bool) {
	c, bs := s.Config()
	if c == nil {
		httperr.Write(w, http.StatusNotFound, httperr.TypeNotFound, "cost is off: add a cost: section (and budgets:) to the config; see docs/cost.md")
		return nil, nil, false
	}
	return c, bs, true
}

func (s *Service) listBudgets(w http.ResponseWriter, r *http.Request) {
	_, bs, ok := s.config(w)
	if !ok {
		return
	}
	out, err := s.Budgets(r.Context(), bs)
	if err != nil {
		httperr.Write(w, http.StatusInternalServerError, httperr.TypeExecution, err.Error())
		return
	}
	httperr.WriteData(w, out)
}

// Budgets is the status of each budget in bs now, in their order.
func (s *Service) Budgets(ctx context.Context, bs []cost.Budget) ([]BudgetStatus, error) {
	out := make([]BudgetStatus, 0, len(bs))
	for i := range bs {
		st, err := s.Budget(ctx, &bs[i])
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

func (s *Service) getBudget(w http.ResponseWriter, r *http.Request) {
	_, bs, ok := s.config(w)
	if !ok {
		return
	}
	name := route.Param(r.Context(), "name")
	for i := range bs {
		if bs[i].Name == name {
			st, err := s.Budget(r.Context(), &bs[i])
			if err != nil {
				httperr.Write(w, http.StatusInternalServerError, httperr.TypeExecution, err.Error())
				return
			}
			httperr.WriteData(w, st)
			return
		}
	}
	httperr.Write(w, http.StatusNotFound, httperr.TypeNotFound, fmt.Sprintf("no budget %q; GET /api/v1/budgets lists them", name))
}

// Budget computes one budget's status now.
func (s *Service) Budget(ctx context.Context, b *cost.Budget) (BudgetStatus, error) {
	st := BudgetStatus{
		Name: b.Name, Amount: b.Amount, Currency: b.Currency, Period: b.Period.String(), Scope: b.Scope,
		Spend: b.Spend, Owners: b.Owners, Labels: b.Labels, EvenRatePerHour: b.Amount / b.PeriodHours(),
		BurnRate: map[string]*float64{}, Alerts: []AlertStatus{},
	}
	if st.Owners == nil {
		st.Owners = []string{}
	}
	vec, err := s.Query(ctx, fmt.Sprintf(`{__name__=~"mlre_cost:budget_.+", budget=%q}`, b.Name), s.Now())
	if err != nil {
		return st, fmt.Errorf("querying the recordings of budget %s: %w", b.Name, err)
	}
	val := map[string]float64{}
	for _, smp := range vec {
		k := smp.Metric.Get(labels.MetricName)
		if w := smp.Metric.Get("window"); w != "" {
			k += "/" + w
		}
		if bound := smp.Metric.Get("bound"); bound != "" {
			k += "/" + bound
		}
		val[k] = smp.F
	}
	get := func(k string) *float64 {
		v, ok := val[k]
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	st.Spent = get(cost.RecBudgetSpent)
	st.Remaining = get(cost.RecBudgetRemaining)
	if st.Remaining != nil {
		v := *st.Remaining / b.Amount
		st.RemainingRatio = &v
	}
	st.RatePerHour = get(cost.RecBudgetRate)
	for _, w := range cost.BurnWindows {
		k := model.Duration(w).String()
		st.BurnRate[k] = get(cost.RecBudgetBurn + "/" + k)
	}
	st.Forecast = Forecast{
		Expected: get(cost.RecBudgetForecast + "/expected"),
		Low:      get(cost.RecBudgetForecast + "/low"),
		High:     get(cost.RecBudgetForecast + "/high"),
	}
	st.Forecast.OverBudget = st.Forecast.Expected != nil && *st.Forecast.Expected > b.Amount
	if burn := st.BurnRate["1h"]; burn != nil && st.Remaining != nil {
		switch {
		case *st.Remaining <= 0:
			v := 0.0
			st.TimeToExhaustion = &v
		case *burn > 0:
			v := *st.Remaining / (*burn * st.EvenRatePerHour) * 3600
			st.TimeToExhaustion = &v
		}
	}
	if s.Alerts != nil {
		for _, ar := range s.Alerts() {
			ls := ar.Labels()
			if ls.Get("budget") != b.Name || !strings.HasPrefix(ar.Name(), "CostBudget") {
				continue
			}
			a := AlertStatus{Name: ar.Name(), Severity: ls.Get("severity"), State: ar.State().String()}
			for _, act := range ar.ActiveAlerts() {
				if t := act.ActiveAt; a.Since == nil || t.Before(*a.Since) {
					a.Since = &t
				}
			}
			st.Alerts = append(st.Alerts, a)
		}
		sort.SliceStable(st.Alerts, func(i, j int) bool { return st.Alerts[i].Severity < st.Alerts[j].Severity })
	}
	return st, nil
}

// Spend is the answer of GET /api/v1/cost: spend by one owner label over a
// time range, per kind.
type Spend struct {
	From     time.Time  `json:"from"`
	To       time.Time  `json:"to"`
	By       string     `json:"by"`
	Currency string     `json:"currency"`
	Rows     []SpendRow `json:"rows"`
	// Total sums the rows; Unallocated is the spend of GPUs no owner holds.
	Total       SpendRow `json:"total"`
	Unallocated float64  `json:"unallocated"`
}

// SpendRow is one owner's spend. Owner is "" for spend with no value of
// the label (held by owners identified by other labels).
type SpendRow struct {
	Owner     string  `json:"owner"`
	Allocated float64 `json:"allocated"`
	Used      float64 `json:"used"`
	Idle      float64 `json:"idle"`
	// DollarsPer1kPredictions is the cost per 1,000 predictions at the
	// range's end (by=model only, where the model monitor counts them).
	DollarsPer1kPredictions *float64 `json:"per_1k_predictions,omitempty"`
}

// ByAliases maps the short names `mlre cost report --by` takes to owner labels.
var ByAliases = map[string]string{"job": "training_job"}

// ParseRange reads from/to (RFC 3339 or Unix seconds) or period (a month,
// 2026-11, or a day, 2026-11-27, in UTC); the default is the month so far.
func ParseRange(q func(string) string, now time.Time) (from, to time.Time, err error) {
	if p := q("period"); p != "" {
		if q("from") != "" || q("to") != "" {
			return from, to, fmt.Errorf("period %q: give period, or from and to, not both", p)
		}
		if t, e := time.Parse("2006-01", p); e == nil {
			from, to = t, t.AddDate(0, 1, 0)
		} else if t, e := time.Parse("2006-01-02", p); e == nil {
			from, to = t, t.AddDate(0, 0, 1)
		} else {
			return from, to, fmt.Errorf("period %q: write a month (2026-11) or a day (2026-11-27)", p)
		}
		if to.After(now) {
			to = now
		}
		return from, to, nil
	}
	to = now
	if v := q("to"); v != "" {
		if to, err = parseTime(v); err != nil {
			return from, to, fmt.Errorf("to: %w", err)
		}
	}
	from = time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, time.UTC)
	if !to.After(from) {
		from = from.AddDate(0, -1, 0)
	}
	if v := q("from"); v != "" {
		if from, err = parseTime(v); err != nil {
			return from, to, fmt.Errorf("from: %w", err)
		}
	}
	if !to.After(from) {
		return from, to, fmt.Errorf("from %s is not before to %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return from, to, nil
}

func parseTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither RFC 3339 (2026-11-01T00:00:00Z) nor Unix seconds", v)
}

func (s *Service) spend(w http.ResponseWriter, r *http.Request) {
	c, _, ok := s.config(w)
	if !ok {
		return
	}
	q := r.URL.Query()
	by, err := ownerLabel(c, q.Get("by"))
	if err != nil {
		httperr.Write(w, http.StatusBadRequest, httperr.TypeBadData, err.Error())
		return
	}
	from, to, err := ParseRange(q.Get, s.Now())
	if err != nil {
		httperr.Write(w, http.StatusBadRequest, httperr.TypeBadData, err.Error())
		return
	}
	out, err := s.Spend(r.Context(), c, by, from, to)
	if err != nil {
		httperr.Write(w, http.StatusInternalServerError, httperr.TypeExecution, err.Error())
		return
	}
	httperr.WriteData(w, out)
}

// Spend sums each kind of spend by one owner label between from and to.
func (s *Service) Spend(ctx context.Context, c *cost.Config, by string, from, to time.Time) (Spend, error) {
	out := Spend{From: from, To: to, By: by, Currency: c.Currency, Rows: []SpendRow{}}
	rng := model.Duration(to.Sub(from)).String()
	rows := map[string]*SpendRow{}
	row := func(owner string) *SpendRow {
		if rows[owner] == nil {
			rows[owner] = &SpendRow{Owner: owner}
		}
		return rows[owner]
	}
	for _, kind := range cost.Kinds {
		sel := fmt.Sprintf("%s{kind=%q}", cost.SeriesGPUSpend, kind)
		agg := "sum by (" + by + ") "
		if kind == cost.KindUnallocated {
			agg = "sum "
		}
		vec, err := s.Query(ctx, agg+"("+increaseExpr(sel, rng, "")+")", to)
		if err != nil {
			return out, fmt.Errorf("querying %s spend: %w", kind, err)
		}
		for _, smp := range vec {
			v := smp.F
			if math.IsNaN(v) {
				continue
			}
			switch kind {
			case cost.KindAllocated:
				row(smp.Metric.Get(by)).Allocated = v
			case cost.KindUsed:
				row(smp.Metric.Get(by)).Used = v
			case cost.KindIdle:
				row(smp.Metric.Get(by)).Idle = v
			case cost.KindUnallocated:
				out.Unallocated = v
			}
		}
	}
	if by == "model" {
		vec, err := s.Query(ctx, cost.RecModelUnitCost+`{version=""}`, to)
		if err != nil {
			return out, fmt.Errorf("querying the cost per 1,000 predictions: %w", err)
		}
		for _, smp := range vec {
			if r, ok := rows[smp.Metric.Get("model")]; ok && !math.IsNaN(smp.F) {
				v := smp.F
				r.DollarsPer1kPredictions = &v
			}
		}
	}
	for _, r := range rows {
		out.Rows = append(out.Rows, *r)
		out.Total.Allocated += r.Allocated
		out.Total.Used += r.Used
		out.Total.Idle += r.Idle
	}
	sort.Slice(out.Rows, func(i, j int) bool {
		a, b := out.Rows[i], out.Rows[j]
		if a.Allocated != b.Allocated {
			return a.Allocated > b.Allocated
		}
		return a.Owner < b.Owner
	})
	return out, nil
}

// increaseExpr is the growth of the accumulator sel over rng ending offset
// before the query time. mlre_cost_gpu_dollars_total only grows (it starts
// again from 0 only after an hour without data), so the growth is its
// largest value in the range less its value at the range's start; a series
// that starts inside the range counts from its first value.
func increaseExpr(sel, rng, offset string) string {
	off := ""
	start := rng
	if offset != "" {
		off = " offset " + offset
		d1, _ := model.ParseDuration(rng)
		d2, _ := model.ParseDuration(offset)
		start = model.Duration(d1 + d2).String()
	}
	return fmt.Sprintf("max_over_time(%s[%s]%s) - (%s offset %s or min_over_time(%s[%s]%s))", sel, rng, off, sel, start, sel, rng, off)
}

// ownerLabel resolves the by parameter: an owner label or an alias of one;
// empty is the first owner label.
func ownerLabel(c *cost.Config, by string) (string, error) {
	if by == "" {
		return c.OwnerLabels[0], nil
	}
	if a, ok := ByAliases[by]; ok {
		by = a
	}
	if !slices.Contains(c.OwnerLabels, by) {
		return "", fmt.Errorf("by %q is not an owner label; use one of %s (cost.owner_labels)", by, strings.Join(c.OwnerLabels, ", "))
	}
	return by, nil
}
