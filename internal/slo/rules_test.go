package slo

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/testbin"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func loadTestSLOs(t *testing.T, name string) []SLO {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	slos, err := ParseFile(b, name)
	require.NoError(t, err)
	return slos
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", "golden", name)
	if *update {
		require.NoError(t, os.WriteFile(p, got, 0o644))
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "run go test ./internal/slo -update to create it")
	require.Equal(t, string(want), string(got), "generated rules differ from %s; run with -update if the change is intended", p)
}

func TestRulesGolden(t *testing.T) {
	for _, name := range []string{"slos.yml"} {
		t.Run(name, func(t *testing.T) {
			out, err := RulesYAML(loadTestSLOs(t, name))
			require.NoError(t, err)
			golden(t, strings.TrimSuffix(name, ".yml")+".rules.yml", out)
		})
	}
}

// TestRulesPassPromtool checks the generated file with Prometheus's own
// checker, as a user exporting the rules to another ruler would.
func TestRulesPassPromtool(t *testing.T) {
	promtool := testbin.Need(t, "promtool")
	for _, spec := range []string{
		"slos.yml", "behaviour.yml", "calendar.yml", "openslo.yml",
		"upstream/sloth/getting-started.yml", "upstream/sloth/getting-started.latest.yml", "upstream/sloth/home-wifi.yml",
	} {
		t.Run(spec, func(t *testing.T) {
			slos := loadTestSLOs(t, spec)
			require.NotEmpty(t, slos)
			out, err := RulesYAML(slos)
			require.NoError(t, err)
			f := filepath.Join(t.TempDir(), "slos.rules.yml")
			require.NoError(t, os.WriteFile(f, out, 0o644))
			res, err := exec.Command(promtool, "check", "rules", f).CombinedOutput()
			require.NoError(t, err, "promtool check rules:\n%s", res)
			require.Contains(t, string(res), "SUCCESS")
		})
	}
}

// TestRulesBehaviour runs promtool's rule unit tests (testdata/promtool) on
// the rules generated for testdata/behaviour.yml: synthetic series in, alerts
// and recordings out, evaluated by Prometheus's own rule engine.
func TestRulesBehaviour(t *testing.T) {
	promtool := testbin.Need(t, "promtool")
	dir := t.TempDir()
	for spec, rules := range map[string]string{
		"behaviour.yml": "behaviour.rules.yml",
		"calendar.yml":  "calendar.rules.yml",
		// Sloth's example, as mlre generates it; Sloth's own output is copied below.
		"upstream/sloth/getting-started.yml": "sloth-getting-started.rules.yml",
	} {
		out, err := RulesYAML(loadTestSLOs(t, spec))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, rules), out, 0o644))
	}
	gen, err := os.ReadFile("testdata/upstream/sloth/getting-started.gen.yml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sloth-getting-started.gen.yml"), gen, 0o644))
	tests, err := filepath.Glob(filepath.Join("testdata", "promtool", "*.test.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, tests)
	for _, tf := range tests {
		t.Run(filepath.Base(tf), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(tf)
			require.NoError(t, err)
			dst := filepath.Join(dir, filepath.Base(tf))
			require.NoError(t, os.WriteFile(dst, b, 0o644))
			cmd := exec.Command(promtool, "test", "rules", filepath.Base(tf))
			cmd.Dir = dir
			res, err := cmd.CombinedOutput()
			require.NoError(t, err, "promtool test rules %s:\n%s", tf, res)
			require.Contains(t, string(res), "SUCCESS")
		})
	}
}
