// Package health holds mlre's built-in health rules for ML infrastructure:
// GPUs (over dcgm-exporter's series names), hosts (node_exporter's) and
// endpoint probes (blackbox_exporter's). They are Prometheus rules, so they
// work the same on data from mlre's own collectors and on scraped exporters,
// and they run unchanged in any Prometheus-compatible ruler.
//
// The package is pure: config in, rule groups out.
package health

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"
)

// Version is the version of the shipped rule set; it is part of every group
// name, so a ruler running two versions shows which is which.
const Version = "1"

// Config is the `health_rules:` section of mlre.yaml.
type Config struct {
	// Disable names rules (alert names) or whole groups (gpu, host, probes)
	// to leave out.
	Disable []string `yaml:"disable,omitempty"`
	// Rules changes a rule's threshold, `for` or severity, by alert name.
	Rules map[string]Override `yaml:"rules,omitempty"`
	// GPUPrices give the hourly price of GPU models, for the idle-GPU
	// alert's waste estimate. model_name is a regular expression matched
	// against dcgm-exporter's modelName label.
	GPUPrices []GPUPrice `yaml:"gpu_prices,omitempty"`
}

// Override changes one rule.
type Override struct {
	Threshold *float64        `yaml:"threshold,omitempty"`
	For       *model.Duration `yaml:"for,omitempty"`
	Severity  string          `yaml:"severity,omitempty"`
}

// GPUPrice is the hourly price of the GPUs whose modelName matches.
type GPUPrice struct {
	ModelName      string  `yaml:"model_name"`
	DollarsPerHour float64 `yaml:"dollars_per_hour"`
}

// Rule is one built-in alert.
type Rule struct {
	Group string // gpu, host, probes
	Name  string // the alert name
	// Expr is a text/template over {{.Threshold}} (a PromQL number).
	Expr      string
	Threshold float64 // NaN when the rule has none
	Unit      string  // what Threshold is in, for docs and errors
	For       time.Duration
	Severity  string // page or ticket
	Summary   string // annotation template
	Action    string // what to do, in a sentence
	Runbook   string // anchor in docs/runbooks/infrastructure.md
}

// ParseConfig decodes `health_rules:` strictly from its YAML.
func ParseConfig(b []byte) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return &c, c.Validate()
}

// Validate checks names, thresholds and prices.
func (c *Config) Validate() error {
	known := map[string]*Rule{}
	groups := map[string]bool{}
	for i := range Rules {
		known[Rules[i].Name] = &Rules[i]
		groups[Rules[i].Group] = true
	}
	for _, d := range c.Disable {
		if known[d] == nil && !groups[d] {
			return fmt.Errorf("disable: %q is neither a built-in rule nor a group (gpu, host, probes); `mlre rules generate` lists the rules", d)
		}
	}
	names := make([]string, 0, len(c.Rules))
	for n := range c.Rules {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		o, r := c.Rules[n], known[n]
		if r == nil {
			return fmt.Errorf("rules.%s: no built-in rule has that name", n)
		}
		if o.Threshold != nil {
			if math.IsNaN(r.Threshold) {
				return fmt.Errorf("rules.%s.threshold: this rule has no threshold", n)
			}
			if math.IsNaN(*o.Threshold) || math.IsInf(*o.Threshold, 0) {
				return fmt.Errorf("rules.%s.threshold: must be a number (%s)", n, r.Unit)
			}
		}
		if o.For != nil && *o.For < 0 {
			return fmt.Errorf("rules.%s.for: must not be negative", n)
		}
		if o.Severity != "" && o.Severity != "page" && o.Severity != "ticket" {
			return fmt.Errorf("rules.%s.severity: %q is not page or ticket", n, o.Severity)
		}
	}
	for i, p := range c.GPUPrices {
		if _, err := regexp.Compile("^(?:" + p.ModelName + ")$"); err != nil || p.ModelName == "" {
			return fmt.Errorf("gpu_prices[%d].model_name: %q is not a regular expression: %v", i, p.ModelName, err)
		}
		if !(p.DollarsPerHour > 0) {
			return fmt.Errorf("gpu_prices[%d].dollars_per_hour: must be positive", i)
		}
	}
	return nil
}

// RecGPUPrice is the recording that holds configured GPU prices.
const RecGPUPrice = "mlre_gpu_price_dollars_per_hour"

// Groups returns the rule groups for c (nil c: every rule with its defaults).
func Groups(c *Config) ([]rulefmt.RuleGroup, error) {
	if c == nil {
		c = &Config{}
	}
	off := map[string]bool{}
	for _, d := range c.Disable {
		off[d] = true
	}
	p := parser.NewParser(parser.Options{})
	byGroup := map[string][]rulefmt.Rule{}
	var order []string
	for _, r := range Rules {
		if off[r.Name] || off[r.Group] {
			continue
		}
		if _, ok := byGroup[r.Group]; !ok {
			order = append(order, r.Group)
		}
		o := c.Rules[r.Name]
		th := r.Threshold
		if o.Threshold != nil {
			th = *o.Threshold
		}
		var buf strings.Builder
		if err := template.Must(template.New(r.Name).Parse(r.Expr)).Execute(&buf, map[string]string{"Threshold": strconv.FormatFloat(th, 'g', -1, 64)}); err != nil {
			return nil, err
		}
		e, err := p.ParseExpr(buf.String())
		if err != nil {
			return nil, fmt.Errorf("built-in rule %s does not parse (a bug in mlre): %w", r.Name, err)
		}
		f := model.Duration(r.For)
		if o.For != nil {
			f = *o.For
		}
		sev := r.Severity
		if o.Severity != "" {
			sev = o.Severity
		}
		byGroup[r.Group] = append(byGroup[r.Group], rulefmt.Rule{
			Alert:  r.Name,
			Expr:   e.String(),
			For:    f,
			Labels: map[string]string{"severity": sev},
			Annotations: map[string]string{
				"summary":     r.Summary,
				"action":      r.Action,
				"runbook_url": "https://github.com/mlre-dev/mlre/blob/main/docs/runbooks/infrastructure.md#" + r.Runbook,
			},
		})
	}
	var out []rulefmt.RuleGroup
	for _, g := range order {
		rules := byGroup[g]
		if g == "gpu" && len(c.GPUPrices) > 0 {
			prices := make([]rulefmt.Rule, 0, len(c.GPUPrices))
			for _, gp := range c.GPUPrices {
				// One price series per modelName the regular expression
				// matches among the GPUs present.
				expr := fmt.Sprintf(`max by (modelName) (0 * DCGM_FI_DEV_GPU_UTIL{modelName=~%q}) + %s`, gp.ModelName, strconv.FormatFloat(gp.DollarsPerHour, 'g', -1, 64))
				if _, err := p.ParseExpr(expr); err != nil {
					return nil, fmt.Errorf("gpu_prices: %w", err)
				}
				prices = append(prices, rulefmt.Rule{Record: RecGPUPrice, Expr: expr})
			}
			rules = append(prices, rules...)
		}
		out = append(out, rulefmt.RuleGroup{Name: "mlre-health-" + g + "-v" + Version, Rules: rules})
	}
	return out, nil
}
