package health

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/mlre-dev/mlre/internal/testbin"
)

var update = flag.Bool("update", false, "rewrite testdata/golden")

func marshal(t *testing.T, gs []rulefmt.RuleGroup) []byte {
	t.Helper()
	b, err := yaml.Marshal(rulefmt.RuleGroups{Groups: gs})
	require.NoError(t, err)
	return b
}

func TestGolden(t *testing.T) {
	gs, err := Groups(nil)
	require.NoError(t, err)
	got := marshal(t, gs)
	p := filepath.Join("testdata", "golden", "health.rules.yml")
	if *update {
		require.NoError(t, os.WriteFile(p, got, 0o644))
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "go test ./internal/health -update creates it")
	require.Equal(t, string(want), string(got))
}

// TestPromtool checks the rules with promtool and runs the rule unit tests in
// testdata/promtool on synthetic dcgm-exporter, node_exporter and
// blackbox_exporter series.
func TestPromtool(t *testing.T) {
	promtool := testbin.Need(t, "promtool")
	cfg, err := ParseConfig([]byte("gpu_prices: [{model_name: 'NVIDIA H100.*', dollars_per_hour: 4.5}]\n"))
	require.NoError(t, err)
	gs, err := Groups(cfg)
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "health.rules.yml"), marshal(t, gs), 0o644))
	out, err := exec.Command(promtool, "check", "rules", filepath.Join(dir, "health.rules.yml")).CombinedOutput()
	require.NoError(t, err, "%s", out)
	tests, err := filepath.Glob("testdata/promtool/*.test.yml")
	require.NoError(t, err)
	require.NotEmpty(t, tests)
	for _, tf := range tests {
		t.Run(filepath.Base(tf), func(t *testing.T) {
			b, err := os.ReadFile(tf)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(tf)), b, 0o644))
			cmd := exec.Command(promtool, "test", "rules", filepath.Base(tf))
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
		})
	}
}

func TestConfig(t *testing.T) {
	cfg, err := ParseConfig([]byte("disable: [host, GPUIdle]\nrules: {GPUFramebufferNearlyFull: {threshold: 90, for: 30m, severity: page}}\n"))
	require.NoError(t, err)
	gs, err := Groups(cfg)
	require.NoError(t, err)
	var names []string
	for _, g := range gs {
		require.NotEqual(t, "mlre-health-host-v1", g.Name)
		for _, r := range g.Rules {
			names = append(names, r.Alert)
			if r.Alert == "GPUFramebufferNearlyFull" {
				require.Contains(t, r.Expr, "> 90")
				require.Equal(t, "30m", r.For.String())
				require.Equal(t, "page", r.Labels["severity"])
			}
		}
	}
	require.NotContains(t, names, "GPUIdle")
	require.Contains(t, names, "ProbeFailing")

	for doc, want := range map[string]string{
		"disable: [GPUIdel]":                                      `disable: "GPUIdel" is neither a built-in rule nor a group`,
		"rules: {Nope: {for: 1m}}":                                "rules.Nope: no built-in rule has that name",
		"rules: {GPUMissing: {threshold: 3}}":                     "rules.GPUMissing.threshold: this rule has no threshold",
		"rules: {GPUIdle: {severity: sev1}}":                      `rules.GPUIdle.severity: "sev1" is not page or ticket`,
		"gpu_prices: [{model_name: '(', dollars_per_hour: 1}]":    "gpu_prices[0].model_name",
		"gpu_prices: [{model_name: 'A100', dollars_per_hour: 0}]": "gpu_prices[0].dollars_per_hour: must be positive",
		"disabel: [x]": "field disabel not found",
	} {
		_, err := ParseConfig([]byte(doc))
		require.ErrorContains(t, err, want, doc)
	}
}

// TestDocsCoverEveryRule keeps docs/health-rules.md and the runbooks the
// alerts link to in step with the rules.
func TestDocsCoverEveryRule(t *testing.T) {
	rb, err := os.ReadFile("../../docs/runbooks/infrastructure.md")
	require.NoError(t, err)
	anchors := map[string]bool{}
	for _, line := range strings.Split(string(rb), "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			a := strings.ToLower(h)
			a = regexp.MustCompile(`[^a-z0-9 -]`).ReplaceAllString(a, "")
			anchors[strings.ReplaceAll(a, " ", "-")] = true
		}
	}
	doc, err := os.ReadFile("../../docs/health-rules.md")
	require.NoError(t, err)
	for _, r := range Rules {
		require.True(t, anchors[r.Runbook], "%s links to #%s, which docs/runbooks/infrastructure.md lacks", r.Name, r.Runbook)
		require.Contains(t, string(doc), "`"+r.Name+"`", "docs/health-rules.md does not describe %s", r.Name)
	}
}

func TestXIDRule(t *testing.T) {
	for code, want := range map[int]string{13: "GPUXidRestartApplication", 31: "GPUXidRestartApplication", 48: "GPUXidResetGPU",
		95: "GPUXidResetGPU", 140: "GPUXidResetGPU", 79: "GPUXidRestartNode", 74: "GPUXidNVLink", 61: "GPUXidContactSupport"} {
		got, ok := XIDRule(code)
		require.True(t, ok, code)
		require.Equal(t, want, got, code)
		r, ok := RuleByName(got)
		require.True(t, ok)
		require.NotEmpty(t, r.Action)
	}
	_, ok := XIDRule(63) // informational: no alert
	require.False(t, ok)
}
