package slo

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"go.yaml.in/yaml/v3"
)

// Recording rule names. The windowed SLI names follow Sloth's
// (slo:sli_error:ratio_rate5m … ratio_rate30d) so Sloth's dashboards work.
const (
	RecErrorsRate5m     = "slo:sli_errors:rate5m" // bad events per second (event SLIs)
	RecTotalRate5m      = "slo:sli_total:rate5m"  // all events per second (event SLIs)
	RecErrorInstant     = "slo:sli_error:instant" // 1 while bad, 0 while good (time SLIs)
	RecObjective        = "slo:objective:ratio"
	RecErrorBudget      = "slo:error_budget:ratio"
	RecTimePeriodDays   = "slo:time_period:days"
	RecCurrentBurn      = "slo:current_burn_rate:ratio"
	RecPeriodBurn       = "slo:period_burn_rate:ratio"
	RecPeriodRemaining  = "slo:period_error_budget_remaining:ratio"
	RecInfo             = "mlre_slo_info"
	recErrorRatioPrefix = "slo:sli_error:ratio_rate"
	recTotalRatePrefix  = "slo:sli_total:rate"
)

// RecErrorRatio is the recording name of the SLI error ratio over w.
func RecErrorRatio(w time.Duration) string { return recErrorRatioPrefix + dur(w) }

// RecTotalRate is the recording name of the event rate over w.
func RecTotalRate(w time.Duration) string { return recTotalRatePrefix + dur(w) }

// Default alert names.
const (
	DefaultAlertName          = "SLOErrorBudgetBurn"
	DefaultNoDataAlertName    = "SLONoData"
	DefaultExhaustedAlertName = "SLOErrorBudgetExhausted"
	defaultNoDataFor          = model.Duration(10 * time.Minute)
	defaultExhaustedFor       = model.Duration(5 * time.Minute)
	sliWindow                 = 5 * time.Minute
	generatedGroupPrefix      = "mlre-slo-"
)

// SLIWindows are the windows the SLI error ratio is recorded over: 5m and
// every alert window, shortest first.
func (s *SLO) SLIWindows() []time.Duration {
	windows := []time.Duration{sliWindow}
	for _, w := range s.AlertWindows() {
		windows = append(windows, time.Duration(w.ShortWindow), time.Duration(w.LongWindow))
	}
	slices.Sort(windows)
	return slices.Compact(windows)
}

// GroupName is the rule group of an SLO.
func GroupName(s *SLO) string {
	return generatedGroupPrefix + s.Service + "-" + s.Name
}

// Rules turns validated SLOs into Prometheus rule groups, one group per SLO
// with its rules in evaluation order: SLI recordings, budget bookkeeping,
// alerts. Each group is self-contained, so it also runs in a Prometheus,
// Thanos or Mimir ruler.
func Rules(slos []SLO) (*rulefmt.RuleGroups, error) { return RulesAt(slos, time.Now()) }

// RulesAt is Rules with the time that calendar windows take their time
// zone's UTC offset at.
func RulesAt(slos []SLO, now time.Time) (*rulefmt.RuleGroups, error) {
	out := &rulefmt.RuleGroups{}
	seen := map[string]bool{}
	for i := range slos {
		s := &slos[i]
		if seen[s.ID()] {
			return nil, fmt.Errorf("SLO %s is defined twice; service and name together must be unique", s.ID())
		}
		seen[s.ID()] = true
		g, err := group(s, now)
		if err != nil {
			return nil, fmt.Errorf("SLO %s: %w", s.ID(), err)
		}
		out.Groups = append(out.Groups, g)
	}
	return out, nil
}

// RulesYAML is Rules written as a Prometheus rule file.
func RulesYAML(slos []SLO) ([]byte, error) {
	rg, err := Rules(slos)
	if err != nil {
		return nil, err
	}
	return MarshalRules(rg)
}

// MarshalRules writes groups as a Prometheus rule file.
func MarshalRules(rg *rulefmt.RuleGroups) ([]byte, error) {
	if rg.Groups == nil {
		rg = &rulefmt.RuleGroups{Groups: []rulefmt.RuleGroup{}}
	}
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(rg); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

// gen accumulates one SLO's rules.
type gen struct {
	s      *SLO
	sel    string            // {slo="…",service="…"}
	labels map[string]string // on every recording
	rules  []rulefmt.Rule
	err    error
	now    time.Time // for time zone offsets
}

func (g *gen) record(name, expr string, extra map[string]string) {
	if g.err != nil {
		return
	}
	e, err := canonical(expr)
	if err != nil {
		g.err = err
		return
	}
	ls := maps.Clone(g.labels)
	maps.Copy(ls, extra)
	g.rules = append(g.rules, rulefmt.Rule{Record: name, Expr: e, Labels: ls})
}

func (g *gen) alert(r rulefmt.Rule) {
	if g.err != nil {
		return
	}
	e, err := canonical(r.Expr)
	if err != nil {
		g.err = err
		return
	}
	r.Expr = e
	g.rules = append(g.rules, r)
}

// ref is a selector for one of this SLO's recordings.
func (g *gen) ref(name string) string { return name + g.sel }

func group(s *SLO, now time.Time) (rulefmt.RuleGroup, error) {
	g := &gen{
		s:      s,
		now:    now,
		sel:    fmt.Sprintf("{slo=%q,service=%q}", s.Name, s.Service),
		labels: map[string]string{"slo": s.Name, "service": s.Service},
	}
	maps.Copy(g.labels, s.Labels)

	var longWindows []time.Duration
	for _, w := range s.AlertWindows() {
		longWindows = append(longWindows, time.Duration(w.LongWindow))
	}
	slices.Sort(longWindows)
	longWindows = slices.Compact(longWindows)

	g.sliRecordings(s.SLIWindows(), longWindows)
	g.budgetRecordings()
	g.alerts()
	if g.err != nil {
		return rulefmt.RuleGroup{}, g.err
	}
	return rulefmt.RuleGroup{Name: GroupName(s), Rules: g.rules}, nil
}

// counts returns the PromQL for bad and all events per second over w, for
// event SLIs (events, latency).
func (g *gen) counts(w time.Duration) (bad, total string, err error) {
	switch sli := g.s.SLI; {
	case sli.Events != nil:
		be, err := expand(sli.Events.ErrorQuery, w)
		if err != nil {
			return "", "", err
		}
		te, err := expand(sli.Events.TotalQuery, w)
		if err != nil {
			return "", "", err
		}
		return sumOf(be), sumOf(te), nil
	case sli.Latency != nil:
		l := sli.Latency
		var ms []*labels.Matcher
		if l.Selector != "" {
			if ms, err = parseSelector(l.Selector); err != nil {
				return "", "", err
			}
		}
		if l.Native {
			h := fmt.Sprintf("sum(rate(%s[%s]))", selector(l.Metric, ms), dur(w))
			total = "histogram_count(" + h + ")"
			// Keep NaN (no observations) out of the recorded counts: a NaN
			// would poison every sum over the window that holds it.
			bad = fmt.Sprintf("(%s * (1 - histogram_fraction(0, %s, %s)) >= 0)", total, num(l.Threshold), h)
			return bad, total, nil
		}
		le := labels.MustNewMatcher(labels.MatchRegexp, "le", leRegexp(l.Threshold))
		total = fmt.Sprintf("sum(rate(%s[%s]))", selector(l.Metric+"_count", ms), dur(w))
		good := fmt.Sprintf("sum(rate(%s[%s]))", selector(l.Metric+"_bucket", ms, le), dur(w))
		return "(" + total + " - " + good + ")", total, nil
	}
	return "", "", fmt.Errorf("SLI kind %q does not count events", g.s.SLI.Kind())
}

func (g *gen) sliRecordings(windows, longWindows []time.Duration) {
	s := g.s
	period := s.Window.Length()
	switch {
	case s.SLI.Counted():
		for _, w := range windows {
			bad, total, err := g.counts(w)
			if err != nil {
				g.err = err
				return
			}
			if w == sliWindow {
				// The 5m rates are recorded on their own: the period's ratio
				// is the sum of bad over the sum of all, weighted by traffic.
				g.record(RecErrorsRate5m, bad+" or on() vector(0)", nil)
				g.record(RecTotalRate5m, total, nil)
				g.record(RecErrorRatio(w), g.ref(RecErrorsRate5m)+" / "+g.ref(RecTotalRate5m), nil)
				continue
			}
			g.record(RecErrorRatio(w), "("+bad+" or on() vector(0)) / "+total, nil)
		}
		if s.MinTraffic > 0 {
			for _, w := range longWindows {
				_, total, err := g.counts(w)
				if err != nil {
					g.err = err
					return
				}
				g.record(RecTotalRate(w), total, nil)
			}
		}
		if s.Window.Calendar != "" {
			g.calendarPeriod(g.ref(RecErrorsRate5m), g.ref(RecTotalRate5m))
			return
		}
		// The window's sum of the 5m rates is recorded on its own (as a
		// calendar window's accumulator is): the status API and the web UI
		// read it as one sample, rather than the whole window's history at
		// every request.
		g.record(RecPeriodAll, fmt.Sprintf("sum_over_time(%s[%s])", g.ref(RecTotalRate5m), dur(period)), nil)
		g.record(RecErrorRatio(period), fmt.Sprintf("sum_over_time(%s[%s]) / %s",
			g.ref(RecErrorsRate5m), dur(period), g.ref(RecPeriodAll)), nil)
	case s.SLI.Raw != nil:
		for _, w := range windows {
			e, err := expand(s.SLI.Raw.ErrorRatioQuery, w)
			if err != nil {
				g.err = err
				return
			}
			expr := sumOf(e)
			if w == sliWindow {
				// Drop NaN (0/0 when there is no traffic) so that it cannot
				// poison the period's average.
				expr = "(" + expr + " >= 0)"
			}
			g.record(RecErrorRatio(w), expr, nil)
		}
		if s.Window.Calendar != "" {
			r := g.ref(RecErrorRatio(sliWindow))
			g.calendarPeriod(r, r+" * 0 + 1")
			return
		}
		g.record(RecErrorRatio(period), fmt.Sprintf("avg_over_time(%s[%s])", g.ref(RecErrorRatio(sliWindow)), dur(period)), nil)
	default: // freshness, threshold: the share of bad time
		g.record(RecErrorInstant, g.instantBad(), nil)
		for _, w := range windows {
			g.record(RecErrorRatio(w), fmt.Sprintf("avg_over_time(%s[%s])", g.ref(RecErrorInstant), dur(w)), nil)
		}
		if s.Window.Calendar != "" {
			r := g.ref(RecErrorInstant)
			g.calendarPeriod(r, r+" * 0 + 1")
			return
		}
		g.record(RecErrorRatio(period), fmt.Sprintf("avg_over_time(%s[%s])", g.ref(RecErrorInstant), dur(period)), nil)
	}
}

// Calendar windows. PromQL ranges are fixed, so "since the first of the
// month" cannot be a range; instead two recordings accumulate bad and all
// (events per second for event SLIs, evaluations for the others) at every
// evaluation, and restart from zero when the period index changes. The
// accumulators read their own previous value over up to an hour, so a ruler
// that was down for less than an hour carries on where it stopped.
const (
	RecPeriodBad    = "slo:sli_error:period_bad"
	RecPeriodAll    = "slo:sli_error:period_all"
	RecPeriodIndex  = "slo:period:index"
	RecPeriodRatio  = "slo:sli_error:ratio_rate_period"
	accumulatorSpan = "1h"
)

// PeriodRatioName is the recording holding the error ratio over the SLO's window.
func PeriodRatioName(s *SLO) string {
	if s.Window.Calendar != "" {
		return RecPeriodRatio
	}
	return RecErrorRatio(s.Window.Length())
}

func (g *gen) calendarPeriod(bad, all string) {
	idx := g.periodIndex()
	same := fmt.Sprintf("last_over_time(%s[%s]) == %s", g.ref(RecPeriodIndex), accumulatorSpan, idx)
	acc := func(name, add string) {
		g.record(name, fmt.Sprintf("%s + on() ((last_over_time(%s[%s]) and on() (%s)) or on() vector(0))",
			add, g.ref(name), accumulatorSpan, same), nil)
	}
	acc(RecPeriodBad, bad)
	acc(RecPeriodAll, all)
	// The index is recorded after the accumulators, which compare it, as
	// it was at the previous evaluation, with the index now.
	g.record(RecPeriodIndex, "vector("+idx+")", nil)
	g.record(RecPeriodRatio, g.ref(RecPeriodBad)+" / "+g.ref(RecPeriodAll), nil)
}

// periodIndex is a PromQL scalar expression that changes exactly when a new
// calendar period starts in the SLO's time zone: see PeriodIndexExpr.
func (g *gen) periodIndex() string { return PeriodIndexExpr(g.s.Window, g.now) }

// PeriodIndexExpr is a PromQL scalar expression that changes exactly when a
// new calendar period of w starts in its time zone: months since year 0, or
// ISO weeks (Monday to Sunday) since 1970. PromQL knows no time zones, so
// the zone's UTC offset at now is written in; see docs/slos.md on daylight
// saving. Budgets (internal/cost) use it too.
func PeriodIndexExpr(w Window, now time.Time) string {
	t := zonedTime(w, now)
	if w.Calendar == "week" {
		// 1970-01-05, a Monday, is 4 days after the epoch.
		return fmt.Sprintf("scalar(floor(vector((%s - 345600) / 604800)))", t)
	}
	return fmt.Sprintf("scalar(year(vector(%s)) * 12 + month(vector(%s)) - 1)", t, t)
}

// PeriodSecondsLeftExpr is a PromQL scalar expression for the seconds left
// until the calendar period of w ends, in its time zone.
func PeriodSecondsLeftExpr(w Window, now time.Time) string {
	t := zonedTime(w, now)
	if w.Calendar == "week" {
		return fmt.Sprintf("(604800 - ((%s - 345600) %% 604800))", t)
	}
	return fmt.Sprintf("((scalar(days_in_month(vector(%s))) - scalar(day_of_month(vector(%s)))) * 86400 + 86400 - (%s %% 86400))", t, t, t)
}

func zonedTime(w Window, now time.Time) string {
	if off := tzOffset(w.Timezone, now); off != 0 {
		return fmt.Sprintf("(time() + %d)", off)
	}
	return "time()"
}

// tzOffset is the UTC offset of zone at t, in seconds.
func tzOffset(zone string, t time.Time) int {
	if zone == "" {
		return 0
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return 0 // Validate rejects unknown zones
	}
	_, off := t.In(loc).Zone()
	return off
}

// instantBad is 1 while a time SLI is bad and 0 while it is good.
func (g *gen) instantBad() string {
	switch sli := g.s.SLI; {
	case sli.Freshness != nil:
		return fmt.Sprintf("time() - min(%s) > bool %s", sli.Freshness.Query, num(time.Duration(sli.Freshness.MaxAge).Seconds()))
	case sli.Threshold != nil:
		t := sli.Threshold
		var parts []string
		if t.Min != nil {
			parts = append(parts, fmt.Sprintf("(min(%s) < bool %s)", t.Query, num(*t.Min)))
		}
		if t.Max != nil {
			parts = append(parts, fmt.Sprintf("(max(%s) > bool %s)", t.Query, num(*t.Max)))
		}
		if len(parts) == 1 {
			return parts[0]
		}
		return "clamp_max(" + strings.Join(parts, " + ") + ", 1)"
	}
	g.err = fmt.Errorf("SLI kind %q is not a time SLI", g.s.SLI.Kind())
	return "vector(0)"
}

func (g *gen) budgetRecordings() {
	s := g.s
	budget := num(s.Budget())
	g.record(RecObjective, "vector("+num(round12(s.Objective/100))+")", nil)
	g.record(RecErrorBudget, "vector("+budget+")", nil)
	g.record(RecTimePeriodDays, "vector("+num(round12(s.Window.Length().Hours()/24))+")", nil)
	g.record(RecCurrentBurn, g.ref(RecErrorRatio(sliWindow))+" / "+budget, nil)
	g.record(RecPeriodBurn, g.ref(PeriodRatioName(s))+" / "+budget, nil)
	g.record(RecPeriodRemaining, "1 - "+g.ref(RecPeriodBurn), nil)
	g.record(RecInfo, "vector(1)", map[string]string{
		"objective": num(s.Objective),
		"window":    s.Window.String(),
		"sli_kind":  s.SLI.Kind(),
	})
}

func (g *gen) alerts() {
	s := g.s
	a := s.Alerting
	name := a.Name
	if name == "" {
		name = DefaultAlertName
	}
	for _, sev := range []string{"page", "ticket"} {
		spec := a.PageAlert
		if sev == "ticket" {
			spec = a.TicketAlert
		}
		if spec.Disable {
			continue
		}
		var conds []string
		for _, w := range s.AlertWindows() {
			if w.Severity != sev {
				continue
			}
			conds = append(conds, g.burnCondition(w))
		}
		if len(conds) == 0 {
			continue
		}
		an := name
		if spec.Name != "" {
			an = spec.Name
		}
		g.alert(rulefmt.Rule{
			Alert:       an,
			Expr:        strings.Join(conds, " or "),
			For:         spec.For,
			Labels:      g.alertLabels(sev, spec),
			Annotations: g.alertAnnotations(spec, burnAnnotations(sev)),
		})
	}
	g.extraAlert(a.NoDataAlert, DefaultNoDataAlertName, defaultNoDataFor,
		"absent("+g.ref(RecErrorRatio(sliWindow))+")", noDataAnnotations)
	g.extraAlert(a.BudgetExhaustedAlert, DefaultExhaustedAlertName, defaultExhaustedFor,
		g.ref(RecPeriodRemaining)+" <= 0", exhaustedAnnotations)
}

// extraAlert adds a ticket alert (no data, budget exhausted) unless disabled.
func (g *gen) extraAlert(spec AlertSpec, name string, forDefault model.Duration, expr string, annotations map[string]string) {
	if spec.Disable {
		return
	}
	if spec.Name != "" {
		name = spec.Name
	}
	f := spec.For
	if f == 0 {
		f = forDefault
	}
	g.alert(rulefmt.Rule{
		Alert:       name,
		Expr:        expr,
		For:         f,
		Labels:      g.alertLabels("ticket", spec),
		Annotations: g.alertAnnotations(spec, annotations),
	})
}

// burnCondition is one row of the window table: both windows above the burn
// threshold, and (with min_traffic) enough traffic in the long window.
func (g *gen) burnCondition(w AlertWindow) string {
	s := g.s
	factor := w.Factor(s.Window.Length())
	// The threshold is written as Sloth writes it, factor times (100 -
	// objective) / 100 in float64, so that both fire at the same evaluations
	// even when an error ratio lands exactly on the threshold.
	budget := (100 - s.Objective) / 100
	threshold := fmt.Sprintf("(%s * %s)", num(factor), num(budget))
	op := ">"
	if factor*budget >= 1 {
		// An error ratio never exceeds 1: at this burn rate the alert could
		// never fire, so fire on a full outage instead.
		threshold, op = "1", ">="
	}
	short := time.Duration(w.ShortWindow)
	long := time.Duration(w.LongWindow)
	c := fmt.Sprintf("(%s %s %s and %s %s %s",
		g.ref(RecErrorRatio(short)), op, threshold,
		g.ref(RecErrorRatio(long)), op, threshold)
	if s.MinTraffic > 0 {
		c += fmt.Sprintf(" and on(slo, service) %s >= %s", g.ref(RecTotalRate(long)), num(s.MinTraffic))
	}
	return c + ")"
}

func (g *gen) alertLabels(severity string, spec AlertSpec) map[string]string {
	ls := map[string]string{}
	maps.Copy(ls, g.s.Labels)
	maps.Copy(ls, g.s.Alerting.Labels)
	maps.Copy(ls, spec.Labels)
	ls["severity"] = severity
	ls["slo"] = g.s.Name
	ls["service"] = g.s.Service
	return ls
}

func (g *gen) alertAnnotations(spec AlertSpec, defaults map[string]string) map[string]string {
	an := maps.Clone(defaults)
	if g.s.Description != "" {
		an["slo_description"] = g.s.Description
	}
	maps.Copy(an, g.s.Alerting.Annotations)
	maps.Copy(an, spec.Annotations)
	return an
}

// Annotation templates. They look up the burn rate and the budget left from
// the SLO's own recordings, so they read the same in any ruler.
const (
	tmplBurn   = `{{ with printf "slo:current_burn_rate:ratio{slo=%q,service=%q}" $labels.slo $labels.service | query }}{{ . | first | value | printf "%.1f" }}{{ else }}unknown{{ end }}`
	tmplBudget = `{{ with printf "slo:period_error_budget_remaining:ratio{slo=%q,service=%q}" $labels.slo $labels.service | query }}{{ . | first | value | humanizePercentage }}{{ else }}unknown{{ end }}`
)

func burnAnnotations(sev string) map[string]string {
	return map[string]string{
		"summary":     "(" + sev + ") {{ $labels.service }} {{ $labels.slo }}: SLO error budget is burning too fast",
		"description": "{{ $labels.service }} {{ $labels.slo }} is burning its error budget at " + tmplBurn + "x the sustainable rate (5m window); " + tmplBudget + " of the budget is left.",
	}
}

var (
	noDataAnnotations = map[string]string{
		"summary":     "{{ $labels.service }} {{ $labels.slo }}: the SLI has no data",
		"description": "The SLI of {{ $labels.service }} {{ $labels.slo }} has had no value for a while, so its burn-rate alerts cannot fire. Check that the SLI's series are still scraped.",
	}
	exhaustedAnnotations = map[string]string{
		"summary":     "{{ $labels.service }} {{ $labels.slo }}: the error budget is spent",
		"description": "{{ $labels.service }} {{ $labels.slo }} has spent its whole error budget for the window (" + tmplBudget + " left).",
	}
)
