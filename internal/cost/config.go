package cost

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"

	"github.com/mlre-dev/mlre/internal/slo"
)

// Defaults. The CPU and memory prices are OpenCost's defaults for a node
// with no cloud pricing (its default.json), so the two tools agree out of
// the box.
const (
	DefaultInterval       = time.Minute
	DefaultCurrency       = "USD"
	DefaultCPUCoreHour    = 0.031611
	DefaultMemoryGiBHour  = 0.004237
	DefaultIdlePercent    = 5
	DefaultIdleFor        = 2 * time.Hour
	DefaultPageBurnRate   = 6   // a 30-day budget spent in 5 days
	DefaultTicketBurnRate = 1.1 // 10% over the even rate, sustained
	OpenCostMetric        = "node_gpu_hourly_cost"
)

// DefaultOwnerLabels are the labels spend is broken down by: team, project,
// model and version, dcgm-exporter's Kubernetes labels, and a training job.
var DefaultOwnerLabels = []string{"team", "project", "model", "version", "namespace", "pod", "container", "training_job"}

// Config is the `cost:` section.
type Config struct {
	// Interval is how often the cost rules run; spend accumulates per run.
	Interval model.Duration `yaml:"interval"`
	// Currency names the unit of every price and budget (no conversion).
	Currency string `yaml:"currency"`
	// PriceSource is "catalog" (the built-in catalog and prices:) or
	// "opencost" (OpenCost's node_gpu_hourly_cost series).
	PriceSource string         `yaml:"price_source"`
	OpenCost    OpenCostConfig `yaml:"opencost"`
	// GPUSelector narrows the GPU series that are priced, e.g.
	// {job="dcgm-exporter"} where two exporters read the same GPUs.
	GPUSelector string `yaml:"gpu_selector"`
	// InstanceTypeLabel is the label on GPU series that holds the node's
	// instance type (e.g. label_node_kubernetes_io_instance_type); empty:
	// prices go by GPU model only.
	InstanceTypeLabel string `yaml:"instance_type_label"`
	// OwnerLabels are the labels spend is broken down by.
	OwnerLabels []string `yaml:"owner_labels"`
	// LabelMap fills an owner label from another label of the GPU series,
	// e.g. {team: label_team}.
	LabelMap  map[string]string `yaml:"label_map"`
	Prices    Prices            `yaml:"prices"`
	Discounts []Discount        `yaml:"discounts"`
	Idle      Idle              `yaml:"idle"`
	// Builtin is false to ignore the built-in catalog; nil is true.
	Builtin *bool `yaml:"builtin_catalog"`

	catalog *Catalog
}

// OpenCostConfig joins OpenCost's per-node GPU price to GPU series.
type OpenCostConfig struct {
	// NodeLabel is the label of node_gpu_hourly_cost naming the node
	// (default "node"); GPULabel the label of the GPU series with the same
	// value (default "Hostname", dcgm-exporter's).
	NodeLabel string `yaml:"node_label"`
	GPULabel  string `yaml:"gpu_label"`
}

// Prices override the catalog.
type Prices struct {
	GPUs          []GPUOverride      `yaml:"gpus"`
	InstanceTypes []InstanceOverride `yaml:"instance_types"`
	Nodes         []NodeOverride     `yaml:"nodes"`
	CPUCoreHour   *float64           `yaml:"cpu_core_hour"`
	MemoryGiBHour *float64           `yaml:"memory_gib_hour"`
}

// GPUOverride sets the price of a GPU model.
type GPUOverride struct {
	ModelName         string  `yaml:"model_name"`
	DollarsPerGPUHour float64 `yaml:"dollars_per_gpu_hour"`
}

// InstanceOverride sets the per-GPU price on an instance type.
type InstanceOverride struct {
	InstanceType      string  `yaml:"instance_type"`
	DollarsPerGPUHour float64 `yaml:"dollars_per_gpu_hour"`
}

// NodeOverride prices the GPUs whose series match a selector (a node
// label, a node pool); the first match wins and beats every other price.
type NodeOverride struct {
	Selector          string  `yaml:"selector"`
	DollarsPerGPUHour float64 `yaml:"dollars_per_gpu_hour"`
}

// Discount takes a share off the price of the GPUs whose series match a
// selector (spot, reserved, committed use); the first match applies.
type Discount struct {
	Name     string  `yaml:"name"`
	Selector string  `yaml:"selector"`
	Percent  float64 `yaml:"percent"`
}

// Idle says when an allocated GPU counts as idle waste.
type Idle struct {
	BelowPercent float64        `yaml:"below_percent"`
	For          model.Duration `yaml:"for"`
}

// Budget is one `budgets:` entry.
type Budget struct {
	Name     string     `yaml:"name"`
	Amount   float64    `yaml:"amount"`
	Currency string     `yaml:"currency"`
	Period   slo.Window `yaml:"period"`
	// Scope selects the owner labels the budget covers, e.g.
	// {team="research"}; empty: all GPU spend, unallocated GPUs included.
	Scope  string   `yaml:"scope"`
	Owners []string `yaml:"owners"`
	// Spend is "allocated" (default: what the owners hold) or "used".
	Spend string `yaml:"spend"`
	// Labels are added to the budget's alerts (routing).
	Labels   map[string]string `yaml:"labels"`
	Alerting BudgetAlerting    `yaml:"alerting"`

	scope []*labels.Matcher
}

// BudgetAlerting tunes a budget's alerts.
type BudgetAlerting struct {
	Disabled       bool    `yaml:"disabled"`
	PageBurnRate   float64 `yaml:"page_burn_rate"`
	TicketBurnRate float64 `yaml:"ticket_burn_rate"`
}

var promParser = parser.NewParser(parser.Options{})

var labelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// ParseConfig reads the `cost:` section (nil or empty: defaults).
func ParseConfig(b []byte) (*Config, error) {
	c := &Config{}
	if err := decodeStrict(b, c); err != nil {
		return nil, fmt.Errorf("cost: %w", err)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("cost: %w", err)
	}
	return c, nil
}

// ParseBudgets reads the `budgets:` section against a validated cost config.
func ParseBudgets(b []byte, c *Config) ([]Budget, error) {
	var bs []Budget
	if err := decodeStrict(b, &bs); err != nil {
		return nil, fmt.Errorf("budgets: %w", err)
	}
	seen := map[string]bool{}
	for i := range bs {
		bu := &bs[i]
		where := fmt.Sprintf("budgets[%d]", i)
		if bu.Name != "" {
			where += " (" + bu.Name + ")"
		}
		if err := bu.validate(c); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if seen[bu.Name] {
			return nil, fmt.Errorf("%s: name is used twice; budget names must be unique", where)
		}
		seen[bu.Name] = true
	}
	return bs, nil
}

func decodeStrict(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			msgs := make([]string, len(te.Errors))
			for i, m := range te.Errors {
				msgs[i] = unknownField.ReplaceAllString(m, `unknown key "$1"`)
			}
			return errors.New(strings.Join(msgs, "; "))
		}
		return errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return nil
}

var unknownField = regexp.MustCompile(`field (\S+) not found in type \S+`)

func (c *Config) validate() error {
	if c.Interval == 0 {
		c.Interval = model.Duration(DefaultInterval)
	}
	if c.Interval < model.Duration(10*time.Second) || c.Interval > model.Duration(time.Hour) {
		return fmt.Errorf("interval %s: use 10s to 1h", c.Interval)
	}
	if c.Currency == "" {
		c.Currency = DefaultCurrency
	}
	switch c.PriceSource {
	case "":
		c.PriceSource = "catalog"
	case "catalog":
	case "opencost":
		if c.OpenCost.NodeLabel == "" {
			c.OpenCost.NodeLabel = "node"
		}
		if c.OpenCost.GPULabel == "" {
			c.OpenCost.GPULabel = "Hostname"
		}
		for f, v := range map[string]string{"opencost.node_label": c.OpenCost.NodeLabel, "opencost.gpu_label": c.OpenCost.GPULabel} {
			if !labelName.MatchString(v) {
				return fmt.Errorf("%s %q is not a label name", f, v)
			}
		}
	default:
		return fmt.Errorf("price_source %q: use catalog (the built-in catalog and prices:) or opencost (OpenCost's %s)", c.PriceSource, OpenCostMetric)
	}
	if c.GPUSelector != "" {
		if _, err := promParser.ParseMetricSelector(c.GPUSelector); err != nil {
			return fmt.Errorf("gpu_selector %q: %w; write a selector like {job=\"dcgm-exporter\"}", c.GPUSelector, err)
		}
	}
	if c.InstanceTypeLabel != "" && !labelName.MatchString(c.InstanceTypeLabel) {
		return fmt.Errorf("instance_type_label %q is not a label name", c.InstanceTypeLabel)
	}
	if c.OwnerLabels == nil {
		c.OwnerLabels = slices.Clone(DefaultOwnerLabels)
	}
	if len(c.OwnerLabels) == 0 {
		return errors.New("owner_labels is empty; name the labels spend is broken down by, e.g. [team, project]")
	}
	seen := map[string]bool{}
	for _, l := range c.OwnerLabels {
		if !labelName.MatchString(l) || strings.HasPrefix(l, "__") {
			return fmt.Errorf("owner_labels: %q is not a label name", l)
		}
		if seen[l] {
			return fmt.Errorf("owner_labels: %q is listed twice", l)
		}
		seen[l] = true
	}
	for to, from := range c.LabelMap {
		if !seen[to] {
			return fmt.Errorf("label_map: %q is not in owner_labels %v; label_map fills owner labels", to, c.OwnerLabels)
		}
		if !labelName.MatchString(from) {
			return fmt.Errorf("label_map.%s: %q is not a label name", to, from)
		}
	}
	models := map[string]bool{}
	for i, g := range c.Prices.GPUs {
		if g.ModelName == "" {
			return fmt.Errorf("prices.gpus[%d]: model_name is required (dcgm-exporter's modelName, e.g. \"NVIDIA H100 80GB HBM3\")", i)
		}
		if models[g.ModelName] {
			return fmt.Errorf("prices.gpus[%d]: %q is priced twice", i, g.ModelName)
		}
		models[g.ModelName] = true
		if !(g.DollarsPerGPUHour >= 0) {
			return fmt.Errorf("prices.gpus[%d] (%s): dollars_per_gpu_hour must be 0 or more", i, g.ModelName)
		}
	}
	types := map[string]bool{}
	for i, t := range c.Prices.InstanceTypes {
		if t.InstanceType == "" {
			return fmt.Errorf("prices.instance_types[%d]: instance_type is required", i)
		}
		if types[t.InstanceType] {
			return fmt.Errorf("prices.instance_types[%d]: %q is priced twice", i, t.InstanceType)
		}
		types[t.InstanceType] = true
		if !(t.DollarsPerGPUHour >= 0) {
			return fmt.Errorf("prices.instance_types[%d] (%s): dollars_per_gpu_hour must be 0 or more", i, t.InstanceType)
		}
	}
	if len(c.Prices.InstanceTypes) > 0 && c.InstanceTypeLabel == "" {
		return errors.New("prices.instance_types needs instance_type_label: the label on GPU series that names the instance type")
	}
	for i, n := range c.Prices.Nodes {
		if _, err := promParser.ParseMetricSelector(n.Selector); err != nil || n.Selector == "" {
			return fmt.Errorf("prices.nodes[%d]: selector %q: write a selector on GPU series labels like {node_pool=\"a100-spot\"}", i, n.Selector)
		}
		if !(n.DollarsPerGPUHour >= 0) {
			return fmt.Errorf("prices.nodes[%d]: dollars_per_gpu_hour must be 0 or more", i)
		}
	}
	for f, p := range map[string]*float64{"prices.cpu_core_hour": c.Prices.CPUCoreHour, "prices.memory_gib_hour": c.Prices.MemoryGiBHour} {
		if p != nil && !(*p >= 0) {
			return fmt.Errorf("%s must be 0 or more", f)
		}
	}
	if c.Prices.CPUCoreHour == nil {
		v := DefaultCPUCoreHour
		c.Prices.CPUCoreHour = &v
	}
	if c.Prices.MemoryGiBHour == nil {
		v := DefaultMemoryGiBHour
		c.Prices.MemoryGiBHour = &v
	}
	for i, d := range c.Discounts {
		if _, err := promParser.ParseMetricSelector(d.Selector); err != nil || d.Selector == "" {
			return fmt.Errorf("discounts[%d]: selector %q: write a selector on GPU series labels like {capacity_type=\"spot\"}", i, d.Selector)
		}
		if !(d.Percent > 0 && d.Percent <= 100) {
			return fmt.Errorf("discounts[%d]: percent %v: use more than 0 and at most 100", i, d.Percent)
		}
	}
	if c.Idle.BelowPercent == 0 {
		c.Idle.BelowPercent = DefaultIdlePercent
	}
	if !(c.Idle.BelowPercent > 0 && c.Idle.BelowPercent < 100) {
		return fmt.Errorf("idle.below_percent %v: use more than 0 and less than 100", c.Idle.BelowPercent)
	}
	if c.Idle.For == 0 {
		c.Idle.For = model.Duration(DefaultIdleFor)
	}
	c.catalog = &Catalog{}
	if c.Builtin == nil || *c.Builtin {
		c.catalog = BuiltinCatalog()
	}
	return nil
}

func (b *Budget) validate(c *Config) error {
	if b.Name == "" || !regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`).MatchString(b.Name) {
		return fmt.Errorf("name %q: use letters, digits, '_', '.' and '-'", b.Name)
	}
	if !(b.Amount > 0) {
		return fmt.Errorf("amount must be more than 0 (in %s)", c.Currency)
	}
	if b.Currency == "" {
		b.Currency = c.Currency
	}
	if b.Currency != c.Currency {
		return fmt.Errorf("currency %s differs from cost.currency %s; mlre does not convert currencies", b.Currency, c.Currency)
	}
	if b.Period.Rolling == 0 && b.Period.Calendar == "" {
		b.Period = slo.Window{Calendar: "month"}
	}
	switch b.Period.Calendar {
	case "", "month", "week":
	default:
		return fmt.Errorf("period.calendar %q: use month or week", b.Period.Calendar)
	}
	if b.Period.Timezone != "" {
		if _, err := time.LoadLocation(b.Period.Timezone); err != nil {
			return fmt.Errorf("period.timezone %q: not an IANA time zone (e.g. Europe/Berlin)", b.Period.Timezone)
		}
	}
	if b.Period.Calendar == "" && (b.Period.Rolling < 24*time.Hour || b.Period.Rolling > 400*24*time.Hour) {
		return fmt.Errorf("period %s: a rolling period is 1d to 400d", b.Period)
	}
	if b.Scope != "" {
		ms, err := promParser.ParseMetricSelector(b.Scope)
		if err != nil {
			return fmt.Errorf("scope %q: %w; write a selector on owner labels like {team=\"research\"}", b.Scope, err)
		}
		for _, m := range ms {
			if m.Name == labels.MetricName {
				return fmt.Errorf("scope %q: select owner labels only, not a metric name", b.Scope)
			}
			if !slices.Contains(c.OwnerLabels, m.Name) {
				return fmt.Errorf("scope %q: %q is not an owner label; add it to cost.owner_labels (now %v)", b.Scope, m.Name, c.OwnerLabels)
			}
		}
		b.scope = ms
	}
	switch b.Spend {
	case "":
		b.Spend = "allocated"
	case "allocated", "used":
	default:
		return fmt.Errorf("spend %q: use allocated (what the owners hold) or used (weighted by how busy the GPUs are)", b.Spend)
	}
	for k := range b.Labels {
		if !labelName.MatchString(k) || k == "severity" || k == "budget" || k == "alertname" {
			return fmt.Errorf("labels: %q is not a label name mlre can add (severity, budget and alertname are its own)", k)
		}
	}
	a := &b.Alerting
	if a.PageBurnRate == 0 {
		a.PageBurnRate = DefaultPageBurnRate
	}
	if a.TicketBurnRate == 0 {
		a.TicketBurnRate = DefaultTicketBurnRate
	}
	if !(a.TicketBurnRate >= 1 && a.PageBurnRate > a.TicketBurnRate) {
		return fmt.Errorf("alerting: ticket_burn_rate %v and page_burn_rate %v: need 1 <= ticket < page", a.TicketBurnRate, a.PageBurnRate)
	}
	return nil
}

// PeriodHours is the budget period's nominal length in hours (30 days for
// a calendar month, 7 for a week), which burn rates divide by.
func (b *Budget) PeriodHours() float64 { return b.Period.Length().Hours() }
