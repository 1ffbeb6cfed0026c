package cost

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"

	"github.com/mlre-dev/mlre/internal/slo"
)

// Series and recordings the cost rules write. Prices are plain series (a
// price is a fact, not a derivation); the rest are recordings.
const (
	SeriesGPUPrice     = "mlre_cost_gpu_hourly_price_dollars"
	SeriesCPUPrice     = "mlre_cost_cpu_core_hourly_price_dollars"
	SeriesMemoryPrice  = "mlre_cost_memory_gib_hourly_price_dollars"
	SeriesGPUSpend     = "mlre_cost_gpu_dollars_total"
	RecGPUListPrice    = "mlre_cost:gpu_list_price_dollars_per_hour"
	RecGPUPrice        = "mlre_cost:gpu_price_dollars_per_hour"
	RecGPUBusy         = "mlre_cost:gpu_busy_ratio"
	RecGPUsUnpriced    = "mlre_cost:gpus_unpriced"
	RecSpendRate       = "mlre_cost:gpu_dollars_per_hour"
	RecNodeSpendRate   = "mlre_cost:node_dollars_per_hour"
	RecModelUnitCost   = "mlre_cost:model_dollars_per_1k_predictions"
	RecBudgetAmount    = "mlre_cost:budget_amount_dollars"
	RecBudgetRate      = "mlre_cost:budget_dollars_per_hour"
	RecBudgetBurn      = "mlre_cost:budget_burn_rate"
	RecBudgetSpent     = "mlre_cost:budget_spent_dollars"
	RecBudgetTotal     = "mlre_cost:budget_spent_dollars_total"
	RecBudgetIndex     = "mlre_cost:budget_period_index"
	RecBudgetRemaining = "mlre_cost:budget_remaining_dollars"
	RecBudgetForecast  = "mlre_cost:budget_forecast_dollars"

	// Spend kinds (the kind label of the spend series).
	KindAllocated   = "allocated"   // GPUs held by an owner, busy or not
	KindUsed        = "used"        // allocated, weighted by how busy
	KindIdle        = "idle"        // allocated minus used
	KindUnallocated = "unallocated" // GPUs no owner holds

	GroupCost = "mlre-cost"
	// RunbookBase is where the alerts' runbook_url points (docs/runbooks/cost.md).
	RunbookBase     = "https://github.com/mlre-dev/mlre/blob/main/docs/runbooks/cost.md"
	accumulatorSpan = "1h"
	gpuUtil         = "DCGM_FI_DEV_GPU_UTIL"
	gpuEngineActive = "DCGM_FI_PROF_GR_ENGINE_ACTIVE"
)

// Kinds lists the spend kinds in report order.
var Kinds = []string{KindAllocated, KindUsed, KindIdle, KindUnallocated}

// BurnWindows are the windows each budget's burn rate is recorded over.
var BurnWindows = []time.Duration{5 * time.Minute, 30 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour, 3 * 24 * time.Hour}

// Rules returns the cost rule group: prices, spend, then each budget. now fixes the UTC offset of calendar periods' time zones.
func Rules(c *Config, budgets []Budget, now time.Time) ([]rulefmt.RuleGroup, error) {
	if c == nil {
		return nil, nil
	}
	g := &gen{c: c}
	g.prices()
	g.perGPU()
	g.spend()
	g.unitCost()
	g.costAlerts()
	// The budgets' rules follow in the same group, so that they read the
	// spend of the same evaluation: separate groups run at their own
	// offsets, which would lag a budget by up to one interval.
	for i := range budgets {
		g.budget(&budgets[i], now)
		if g.err != nil {
			return nil, fmt.Errorf("budget %s: %w", budgets[i].Name, g.err)
		}
	}
	return []rulefmt.RuleGroup{{Name: GroupCost, Interval: c.Interval, Rules: g.rules}}, nil
}

type gen struct {
	c     *Config
	rules []rulefmt.Rule
	err   error
}

func (g *gen) record(name, expr string, ls map[string]string) {
	if g.err != nil {
		return
	}
	e, err := canonical(expr)
	if err != nil {
		g.err = err
		return
	}
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

func canonical(e string) (string, error) {
	x, err := promParser.ParseExpr(e)
	if err != nil {
		return "", fmt.Errorf("generated expression does not parse (a bug in mlre): %s: %w", e, err)
	}
	return x.String(), nil
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// prices writes the price catalog (merged with the config's overrides) as
// series, one recording per price.
func (g *gen) prices() {
	models := map[string]GPUPrice{}
	for _, p := range g.c.catalog.GPUs {
		models[p.ModelName] = p
	}
	src := map[string]string{}
	for name := range models {
		src[name] = "catalog"
	}
	for _, o := range g.c.Prices.GPUs {
		models[o.ModelName] = GPUPrice{ModelName: o.ModelName, DollarsPerGPUHour: o.DollarsPerGPUHour}
		src[o.ModelName] = "config"
	}
	for _, name := range slices.Sorted(maps.Keys(models)) {
		g.record(SeriesGPUPrice, "vector("+num(models[name].DollarsPerGPUHour)+")",
			map[string]string{"modelName": name, "source": src[name], "currency": g.c.Currency})
	}
	if g.c.InstanceTypeLabel == "" {
		// Nothing would read instance types' prices.
		g.hostPrices()
		return
	}
	types := map[string]float64{}
	tsrc := map[string]string{}
	for _, p := range g.c.catalog.InstanceTypes {
		types[p.InstanceType], tsrc[p.InstanceType] = p.DollarsPerGPUHour, "catalog"
	}
	for _, o := range g.c.Prices.InstanceTypes {
		types[o.InstanceType], tsrc[o.InstanceType] = o.DollarsPerGPUHour, "config"
	}
	for _, t := range slices.Sorted(maps.Keys(types)) {
		g.record(SeriesGPUPrice, "vector("+num(types[t])+")",
			map[string]string{"instance_type": t, "source": tsrc[t], "currency": g.c.Currency})
	}
	g.hostPrices()
}

func (g *gen) hostPrices() {
	g.record(SeriesCPUPrice, "vector("+num(*g.c.Prices.CPUCoreHour)+")", map[string]string{"currency": g.c.Currency})
	g.record(SeriesMemoryPrice, "vector("+num(*g.c.Prices.MemoryGiBHour)+")", map[string]string{"currency": g.c.Currency})
}

// gpuSeries selects metric narrowed by gpu_selector and extra, with the
// owner labels that label_map fills.
func (g *gen) gpuSeries(metric, extra string) string {
	ms := append(matchers(g.c.GPUSelector), matchers(extra)...)
	var parts []string
	for _, m := range ms {
		parts = append(parts, m.String())
	}
	e := metric
	if len(parts) > 0 {
		e += "{" + strings.Join(parts, ", ") + "}"
	}
	for _, to := range slices.Sorted(maps.Keys(g.c.LabelMap)) {
		e = fmt.Sprintf(`label_replace(%s, %q, "$1", %q, "(.+)")`, e, to, g.c.LabelMap[to])
	}
	return e
}

func matchers(sel string) []*labels.Matcher {
	if sel == "" {
		return nil
	}
	ms, _ := promParser.ParseMetricSelector(sel) // validated
	return ms
}

// perGPU records each GPU's list price (the first of: a node override, the
// OpenCost node price, the instance type's, the model's), its price after
// discounts, and how busy it is.
func (g *gen) perGPU() {
	var alts []string
	for _, n := range g.c.Prices.Nodes {
		alts = append(alts, fmt.Sprintf("(%s * 0 + %s)", g.gpuSeries(gpuUtil, n.Selector), num(n.DollarsPerGPUHour)))
	}
	base := g.gpuSeries(gpuUtil, "")
	if g.c.PriceSource == "opencost" {
		oc := g.c.OpenCost
		alts = append(alts, fmt.Sprintf(`(%s * 0 + on(%s) group_left() label_replace(max by (%s) (%s), %q, "$1", %q, "(.*)"))`,
			base, oc.GPULabel, oc.NodeLabel, OpenCostMetric, oc.GPULabel, oc.NodeLabel))
	}
	if l := g.c.InstanceTypeLabel; l != "" {
		alts = append(alts, fmt.Sprintf(`(%s * 0 + on(%s) group_left() label_replace(%s{instance_type!=""}, %q, "$1", "instance_type", "(.*)"))`,
			base, l, SeriesGPUPrice, l))
	}
	alts = append(alts, fmt.Sprintf(`(%s * 0 + on(modelName) group_left() %s{modelName!="", instance_type=""})`, base, SeriesGPUPrice))
	g.record(RecGPUListPrice, strings.Join(alts, " or "), nil)

	list := RecGPUListPrice
	var disc []string
	for _, d := range g.c.Discounts {
		ms := matchers(d.Selector)
		var parts []string
		for _, m := range ms {
			parts = append(parts, m.String())
		}
		disc = append(disc, fmt.Sprintf("(%s{%s} * %s)", list, strings.Join(parts, ", "), num(1-d.Percent/100)))
	}
	g.record(RecGPUPrice, strings.Join(append(disc, list), " or "), nil)
	g.record(RecGPUBusy, fmt.Sprintf("clamp(%s or (%s / 100), 0, 1)",
		g.gpuSeries(gpuEngineActive, ""), g.gpuSeries(gpuUtil, "")), nil)
	g.record(RecGPUsUnpriced, fmt.Sprintf("count(%s unless %s) or vector(0)", base, RecGPUPrice), nil)
}

// unowned selects series whose owner labels are all empty.
func (g *gen) unowned(metric string) string {
	var parts []string
	for _, l := range g.c.OwnerLabels {
		parts = append(parts, l+`=""`)
	}
	return metric + "{" + strings.Join(parts, ", ") + "}"
}

func (g *gen) by() string { return "sum by (" + strings.Join(g.c.OwnerLabels, ", ") + ") " }

// spend records spend per hour by owner and kind, and accumulates it into
// mlre_cost_gpu_dollars_total: at each evaluation the rate now times the
// time since the previous evaluation. After a gap of more than 5 minutes
// the total carries on flat (the gap is not charged) for up to an hour.
func (g *gen) spend() {
	p, busy := RecGPUPrice, RecGPUBusy
	owned := func(e string) string { return "(" + e + ") unless " + g.unowned(p) }
	rates := map[string]string{
		KindAllocated:   g.by() + "(" + owned(p) + ")",
		KindUsed:        g.by() + "(" + owned(p+" * "+busy) + ")",
		KindIdle:        g.by() + "(" + owned(p+" * (1 - "+busy+")") + ")",
		KindUnallocated: "sum(" + g.unowned(p) + ")",
	}
	for _, k := range Kinds {
		g.record(RecSpendRate, rates[k], map[string]string{"kind": k})
	}
	for _, k := range Kinds {
		s := fmt.Sprintf("%s{kind=%q}", SeriesGPUSpend, k)
		r := fmt.Sprintf("%s{kind=%q}", RecSpendRate, k)
		g.record(SeriesGPUSpend, fmt.Sprintf("(%s + %s * ((time() - timestamp(%s)) / 3600)) or last_over_time(%s[%s]) or %s * 0",
			s, r, s, s, accumulatorSpan, r), map[string]string{"kind": k})
	}
	// Nodes' CPU and memory from node_exporter, priced per core and GiB.
	g.record(RecNodeSpendRate, fmt.Sprintf(`count by (instance) (node_cpu_seconds_total{mode="idle"}) * %s`,
		num(*g.c.Prices.CPUCoreHour)), map[string]string{"resource": "cpu"})
	g.record(RecNodeSpendRate, fmt.Sprintf(`sum by (instance) (node_memory_MemTotal_bytes) / 1073741824 * %s`,
		num(*g.c.Prices.MemoryGiBHour)), map[string]string{"resource": "memory"})
}

// unitCost records dollars per 1,000 predictions per model (and version,
// where GPU series carry a version label), over the last hour: allocated
// GPU spend of the model's GPUs over the model monitor's prediction rate.
func (g *gen) unitCost() {
	if !slices.Contains(g.c.OwnerLabels, "model") {
		return
	}
	for _, by := range [][]string{{"model"}, {"model", "version"}} {
		if by[len(by)-1] == "version" && !slices.Contains(g.c.OwnerLabels, "version") {
			continue
		}
		b := strings.Join(by, ", ")
		g.record(RecModelUnitCost, fmt.Sprintf(
			`sum by (%s) (avg_over_time(%s{kind="allocated", model!=""}[1h])) / on(%s) (sum by (%s) (rate(mlre_model_predictions_total[1h])) * 3.6 > 0)`,
			b, RecSpendRate, b, b), nil)
	}
}

func (g *gen) costAlerts() {
	g.alert(rulefmt.Rule{
		Alert:  "CostGPUsUnpriced",
		Expr:   RecGPUsUnpriced + " > 0",
		For:    model.Duration(time.Hour),
		Labels: map[string]string{"severity": "ticket"},
		Annotations: map[string]string{
			"summary":     "{{ $value }} GPUs have no price, so their spend is not counted",
			"description": "No price in the catalog or the config matches these GPUs' modelName (or instance type). Add one under cost.prices.gpus, e.g. `- {model_name: \"<modelName>\", dollars_per_gpu_hour: 2.5}`.",
			"runbook_url": RunbookBase + "#unpriced-gpus",
		},
	})
}

// budget writes one budget's group: its spend rate, burn rates, spend in
// the period, forecast and alerts.
func (g *gen) budget(b *Budget, now time.Time) {
	ls := map[string]string{"budget": b.Name, "currency": b.Currency}
	sel := fmt.Sprintf("{budget=%q}", b.Name)
	ref := func(name string) string { return name + sel }
	refW := func(name, w string) string { return fmt.Sprintf("%s{budget=%q, window=%q}", name, b.Name, w) }

	even := b.Amount / b.PeriodHours() // dollars per hour that spend the budget exactly
	g.record(RecBudgetAmount, "vector("+num(b.Amount)+")", ls)
	g.record(RecBudgetRate, fmt.Sprintf("sum(%s) or vector(0)", budgetSpend(b)), ls)
	for _, w := range BurnWindows {
		wl := maps.Clone(ls)
		wl["window"] = model.Duration(w).String()
		g.record(RecBudgetBurn, fmt.Sprintf("avg_over_time(%s[%s]) / %s", ref(RecBudgetRate), model.Duration(w), num(even)), wl)
	}
	// Spend since the budget started counting, never reset.
	total := ref(RecBudgetTotal)
	g.record(RecBudgetTotal, fmt.Sprintf("(%s + on() (%s * on() ((time() - timestamp(%s)) / 3600))) or on() last_over_time(%s[%s]) or on() vector(0)",
		total, ref(RecBudgetRate), total, total, accumulatorSpan), ls)
	spent := ref(RecBudgetSpent)
	var left string // PromQL for the hours left in the period
	if b.Period.Calendar != "" {
		idx := slo.PeriodIndexExpr(b.Period, now)
		same := fmt.Sprintf("(last_over_time(%s[%s]) == %s)", ref(RecBudgetIndex), accumulatorSpan, idx)
		g.record(RecBudgetSpent, fmt.Sprintf("((%s + on() (%s * on() ((time() - timestamp(%s)) / 3600))) and on() %s) or on() (last_over_time(%s[%s]) and on() %s) or on() vector(0)",
			spent, ref(RecBudgetRate), spent, same, spent, accumulatorSpan, same), ls)
		g.record(RecBudgetIndex, "vector("+idx+")", ls)
		left = "(" + slo.PeriodSecondsLeftExpr(b.Period, now) + " / 3600)"
	} else {
		p := model.Duration(b.Period.Rolling).String()
		g.record(RecBudgetSpent, fmt.Sprintf("%s - on() (%s offset %s or on() vector(0))", total, total, p), ls)
		left = num(b.PeriodHours())
	}
	g.record(RecBudgetRemaining, fmt.Sprintf("%s - on() %s", ref(RecBudgetAmount), spent), ls)
	// Forecast: spend so far plus the last day's rate for the hours left;
	// the low and high bounds take the last day's 10th and 90th percentile
	// hourly rate instead of its mean. For a rolling period: a whole period
	// at those rates.
	rate := map[string]string{
		"expected": fmt.Sprintf("avg_over_time(%s[1d])", ref(RecBudgetRate)),
		"low":      fmt.Sprintf("quantile_over_time(0.1, %s[1d])", ref(RecBudgetRate)),
		"high":     fmt.Sprintf("quantile_over_time(0.9, %s[1d])", ref(RecBudgetRate)),
	}
	for _, bound := range []string{"expected", "low", "high"} {
		fl := maps.Clone(ls)
		fl["bound"] = bound
		if b.Period.Calendar != "" {
			g.record(RecBudgetForecast, fmt.Sprintf("%s + on() (%s * %s)", spent, rate[bound], left), fl)
		} else {
			g.record(RecBudgetForecast, fmt.Sprintf("%s * %s", rate[bound], left), fl)
		}
	}
	if b.Alerting.Disabled {
		return
	}
	alertLabels := func(sev string) map[string]string {
		l := maps.Clone(b.Labels)
		if l == nil {
			l = map[string]string{}
		}
		l["budget"], l["severity"] = b.Name, sev
		return l
	}
	top := g.topSpenders(b)
	ann := func(summary string) map[string]string {
		a := map[string]string{
			"summary":      summary,
			"top_spenders": top,
			"runbook_url":  RunbookBase + "#budget-burning",
		}
		if len(b.Owners) > 0 {
			a["owners"] = strings.Join(b.Owners, ", ")
		}
		return a
	}
	pr, tr := b.Alerting.PageBurnRate, b.Alerting.TicketBurnRate
	amount := fmt.Sprintf("%s %s", humanMoney(b.Amount), b.Currency)
	// Each alert keeps the budget label alone: the window, bound and
	// currency of the series it compares are not the alert's.
	one := func(e string) string { return "max by (budget) (" + e + ")" }
	g.alert(rulefmt.Rule{
		Alert: "CostBudgetBurnRateHigh",
		Expr: one(fmt.Sprintf("(%s > %s and on() %s > %s) or on() (%s > %s and on() %s > %s)",
			refW(RecBudgetBurn, "1h"), num(pr), refW(RecBudgetBurn, "5m"), num(pr),
			refW(RecBudgetBurn, "6h"), num(pr/2), refW(RecBudgetBurn, "30m"), num(pr/2))),
		For:    model.Duration(2 * time.Minute),
		Labels: alertLabels("page"),
		Annotations: ann(fmt.Sprintf("Budget %s (%s per %s) is burning {{ $value | printf \"%%.1f\" }}× its even rate: at this rate it is spent in %s",
			b.Name, amount, b.Period, burnTime(b, pr))),
	})
	g.alert(rulefmt.Rule{
		Alert:  "CostBudgetBurnRateHigh",
		Expr:   one(fmt.Sprintf("%s > %s and on() %s > %s", refW(RecBudgetBurn, "3d"), num(tr), refW(RecBudgetBurn, "6h"), num(tr))),
		For:    model.Duration(15 * time.Minute),
		Labels: alertLabels("ticket"),
		Annotations: ann(fmt.Sprintf("Budget %s (%s per %s) has spent {{ $value | printf \"%%.2f\" }}× its even rate over 3 days",
			b.Name, amount, b.Period)),
	})
	g.alert(rulefmt.Rule{
		Alert: "CostBudgetForecastOverrun",
		// A forecast needs most of a day of history: before that, the last
		// day's rate is a few hours' rate. The budget's running total
		// existing 0.9 days ago says so in one sample (counting a day of
		// samples cost a tenth of the cost group's evaluation).
		Expr: one(fmt.Sprintf(`%s{budget=%q, bound="expected"} > %s and on() (%s offset 1296m)`,
			RecBudgetForecast, b.Name, num(b.Amount), total)),
		For:    model.Duration(30 * time.Minute),
		Labels: alertLabels("ticket"),
		Annotations: ann(fmt.Sprintf("Budget %s will end its period at about {{ $value | printf \"%%.0f\" }} %s, over its %s",
			b.Name, b.Currency, amount)),
	})
	g.alert(rulefmt.Rule{
		Alert:       "CostBudgetExhausted",
		Expr:        one(fmt.Sprintf("%s >= %s", spent, num(b.Amount))),
		Labels:      alertLabels("ticket"),
		Annotations: ann(fmt.Sprintf("Budget %s is spent: {{ $value | printf \"%%.0f\" }} %s of %s", b.Name, b.Currency, amount)),
	})
}

// topSpenders is an annotation template listing the three owners that
// spend most of the budget now.
func (g *gen) topSpenders(b *Budget) string {
	q := fmt.Sprintf("topk(3, %s(%s))", g.by(), budgetSpend(b))
	return "{{ range query `" + q + "` }}{{ range $k, $v := .Labels }}{{ $k }}={{ $v }} {{ end }}{{ .Value | printf \"%.2f\" }}/h; {{ end }}"
}

// budgetSpend selects the spend rates a budget counts: its kind of spend
// (allocated, or used) of the owners its scope selects; an unscoped
// allocated budget counts all spend, unallocated GPUs included.
func budgetSpend(b *Budget) string {
	kinds := b.Spend
	if b.Spend == KindAllocated && len(b.scope) == 0 {
		kinds = KindAllocated + "|" + KindUnallocated
	}
	parts := []string{fmt.Sprintf("kind=~%q", kinds)}
	for _, m := range b.scope {
		parts = append(parts, m.String())
	}
	return RecSpendRate + "{" + strings.Join(parts, ", ") + "}"
}

// burnTime says how long the budget lasts at burn rate r.
func burnTime(b *Budget, r float64) string {
	h := b.PeriodHours() / r
	if h >= 48 {
		return fmt.Sprintf("%.0f days", h/24)
	}
	return fmt.Sprintf("%.0f hours", h)
}

func humanMoney(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	var out []byte
	for i, ch := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, byte(ch))
	}
	if frac != "" {
		return string(out) + "." + frac
	}
	return string(out)
}
