package cost

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/mlre-dev/mlre/internal/testbin"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// loadFleet reads testdata/fleet.yml as config.Load would: the cost and
// budgets sections, each parsed by this package.
func loadFleet(t *testing.T, name string) (*Config, []Budget) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	var doc struct {
		Cost    yaml.Node `yaml:"cost"`
		Budgets yaml.Node `yaml:"budgets"`
	}
	require.NoError(t, yaml.Unmarshal(b, &doc))
	cb, err := yaml.Marshal(&doc.Cost)
	require.NoError(t, err)
	bb, err := yaml.Marshal(&doc.Budgets)
	require.NoError(t, err)
	c, err := ParseConfig(cb)
	require.NoError(t, err)
	bs, err := ParseBudgets(bb, c)
	require.NoError(t, err)
	return c, bs
}

func rulesYAML(t *testing.T, c *Config, bs []Budget) []byte {
	t.Helper()
	groups, err := Rules(c, bs, time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	out, err := yaml.Marshal(&rulefmt.RuleGroups{Groups: groups})
	require.NoError(t, err)
	return out
}

func TestRulesGolden(t *testing.T) {
	c, bs := loadFleet(t, "fleet.yml")
	got := rulesYAML(t, c, bs)
	golden := filepath.Join("testdata", "golden", "fleet.rules.yml")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.Equal(t, string(want), string(got), "go test ./internal/cost -update accepts new output")

	promtool := testbin.Need(t, "promtool")
	f := filepath.Join(t.TempDir(), "cost.rules.yml")
	require.NoError(t, os.WriteFile(f, got, 0o644))
	res, err := exec.Command(promtool, "check", "rules", f).CombinedOutput()
	require.NoError(t, err, "promtool check rules:\n%s", res)
}

// TestRulesBehaviour runs promtool's rule unit tests (testdata/promtool)
// against the rules generated for testdata/fleet.yml (allocation to the
// cent, a steady overspend: tickets, no page; a runaway job: a page within
// the hour; an on-budget fleet: nothing) and testdata/pricing.yml (which
// price each GPU gets).
func TestRulesBehaviour(t *testing.T) {
	promtool := testbin.Need(t, "promtool")
	dir := t.TempDir()
	for spec, rules := range map[string]string{"fleet.yml": "cost.rules.yml", "pricing.yml": "pricing.rules.yml"} {
		c, bs := loadFleet(t, spec)
		require.NoError(t, os.WriteFile(filepath.Join(dir, rules), rulesYAML(t, c, bs), 0o644))
	}
	tests, err := filepath.Glob(filepath.Join("testdata", "promtool", "*.test.yml"))
	require.NoError(t, err)
	require.Len(t, tests, 5)
	for _, tf := range tests {
		t.Run(filepath.Base(tf), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(tf)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(tf)), b, 0o644))
			cmd := exec.Command(promtool, "test", "rules", filepath.Base(tf))
			cmd.Dir = dir
			res, err := cmd.CombinedOutput()
			require.NoError(t, err, "promtool test rules %s:\n%s", tf, res)
			require.Contains(t, string(res), "SUCCESS")
		})
	}
}

func TestBuiltinCatalog(t *testing.T) {
	c := BuiltinCatalog()
	require.GreaterOrEqual(t, len(c.GPUs), 10)
	require.GreaterOrEqual(t, len(c.InstanceTypes), 30)
	byModel := map[string]GPUPrice{}
	for _, g := range c.GPUs {
		byModel[g.ModelName] = g
		require.NotEmpty(t, g.Source, g.ModelName)
		require.NotEmpty(t, g.AsOf, g.ModelName)
		if g.GPUsPerInstance > 0 && g.InstanceDollarsPerHour > 0 {
			// dollars_per_gpu_hour is the instance price over its GPUs, to 4 places.
			require.InDelta(t, g.InstanceDollarsPerHour/float64(g.GPUsPerInstance), g.DollarsPerGPUHour, 0.00005, g.ModelName)
		}
	}
	for _, it := range c.InstanceTypes {
		require.InDelta(t, it.InstanceDollarsPerHour/float64(it.GPUsPerInstance), it.DollarsPerGPUHour, 0.00005, it.InstanceType)
		require.NotEmpty(t, it.Source, it.InstanceType)
	}
	for _, m := range []string{"NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-80GB", "NVIDIA H200", "NVIDIA L4"} {
		require.Contains(t, byModel, m)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ cost, budgets, want string }{
		{"price_source: kubecost", "", `cost: price_source "kubecost": use catalog`},
		{"interval: 1s", "", "cost: interval 1s: use 10s to 1h"},
		{"gpu_selector: 'job=dcgm'", "", `cost: gpu_selector "job=dcgm"`},
		{"owner_labels: []", "", "cost: owner_labels is empty"},
		{"owner_labels: [team, team]", "", `cost: owner_labels: "team" is listed twice`},
		{"owner_labels: [team]\nlabel_map: {project: label_project}", "", `cost: label_map: "project" is not in owner_labels [team]`},
		{"prices: {gpus: [{dollars_per_gpu_hour: 1}]}", "", "cost: prices.gpus[0]: model_name is required"},
		{"prices: {gpus: [{model_name: X, dollars_per_gpu_hour: -1}]}", "", "cost: prices.gpus[0] (X): dollars_per_gpu_hour must be 0 or more"},
		{"prices: {instance_types: [{instance_type: p5.48xlarge, dollars_per_gpu_hour: 3}]}", "", "cost: prices.instance_types needs instance_type_label"},
		{"prices: {nodes: [{selector: '', dollars_per_gpu_hour: 3}]}", "", `cost: prices.nodes[0]: selector ""`},
		{"discounts: [{selector: '{spot=\"true\"}', percent: 150}]", "", "cost: discounts[0]: percent 150"},
		{"idle: {below_percent: 100}", "", "cost: idle.below_percent 100"},
		{"pricez: {}", "", `cost: line 1: unknown key "pricez"`},
		{"", "- {name: a, amount: 0}", "budgets[0] (a): amount must be more than 0 (in USD)"},
		{"", "- {name: 'a b', amount: 1}", `budgets[0] (a b): name "a b": use letters`},
		{"", "- {name: a, amount: 1, currency: EUR}", "budgets[0] (a): currency EUR differs from cost.currency USD"},
		{"", "- {name: a, amount: 1, period: {calendar: year}}", `budgets[0] (a): period.calendar "year": use month or week`},
		{"", "- {name: a, amount: 1, period: {calendar: month, timezone: Mars/Olympus}}", `budgets[0] (a): period.timezone "Mars/Olympus"`},
		{"", "- {name: a, amount: 1, period: 2h}", "budgets[0] (a): period 2h: a rolling period is 1d to 400d"},
		{"", "- {name: a, amount: 1, scope: '{cluster=\"x\"}'}", `budgets[0] (a): scope "{cluster=\"x\"}": "cluster" is not an owner label; add it to cost.owner_labels`},
		{"", "- {name: a, amount: 1, spend: idle}", `budgets[0] (a): spend "idle": use allocated`},
		{"", "- {name: a, amount: 1, labels: {severity: x}}", `budgets[0] (a): labels: "severity"`},
		{"", "- {name: a, amount: 1, alerting: {page_burn_rate: 1, ticket_burn_rate: 2}}", "budgets[0] (a): alerting: ticket_burn_rate 2 and page_burn_rate 1"},
		{"", "- {name: a, amount: 1}\n- {name: a, amount: 2}", "budgets[1] (a): name is used twice"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			c, err := ParseConfig([]byte(tc.cost))
			if err == nil {
				_, err = ParseBudgets([]byte(tc.budgets), c)
			}
			require.Error(t, err)
			require.True(t, strings.HasPrefix(err.Error(), tc.want), "got %q\nwant prefix %q", err, tc.want)
		})
	}
}

func TestDefaults(t *testing.T) {
	c, err := ParseConfig(nil)
	require.NoError(t, err)
	require.Equal(t, "USD", c.Currency)
	require.Equal(t, "catalog", c.PriceSource)
	require.Equal(t, DefaultOwnerLabels, c.OwnerLabels)
	require.Equal(t, DefaultCPUCoreHour, *c.Prices.CPUCoreHour)
	bs, err := ParseBudgets([]byte("- {name: all, amount: 1000}"), c)
	require.NoError(t, err)
	require.Equal(t, "month", bs[0].Period.Calendar)
	require.Equal(t, "allocated", bs[0].Spend)
	require.Equal(t, 720.0, bs[0].PeriodHours())
	groups, err := Rules(c, bs, time.Now())
	require.NoError(t, err)
	require.Len(t, groups, 1)
	// An unscoped budget counts every GPU, held or not.
	var rate string
	for _, r := range groups[0].Rules {
		if r.Record == RecBudgetRate {
			rate = r.Expr
		}
	}
	require.Contains(t, rate, `kind=~"allocated|unallocated"`)
}
