package demo

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/config"
	"github.com/mlre-dev/mlre/internal/monitor"
)

// TestConfig checks the generated config as `mlre config check` does: it
// loads strictly, its files are valid, and every model's reference reads.
func TestConfig(t *testing.T) {
	dir := t.TempDir()
	f, err := New(Options{Dir: dir, Seed: 1})
	require.NoError(t, err)
	t.Cleanup(f.Stop)
	require.Equal(t, filepath.Join(dir, ConfigDir, ConfigFile), f.ConfigFile())

	c, err := config.LoadFile(f.ConfigFile())
	require.NoError(t, err)
	require.NoError(t, config.ValidateFiles(c))
	require.Equal(t, dir, c.Storage.Path)
	require.Len(t, c.Models, 3)
	for _, m := range c.Models {
		_, err := monitor.NewModel(m)
		require.NoError(t, err, m.Name)
	}
	var slos []string
	for _, s := range c.SLOs {
		slos = append(slos, s.ID())
	}
	require.ElementsMatch(t, []string{"fraud-scorer/availability", "fraud-scorer/latency", "recommender/latency",
		"churn-model/availability", "fraud-features/freshness"}, slos)
	require.Len(t, c.Probes, 1)
	if haveGPUs {
		require.NotNil(t, f.GPU())
		require.Len(t, c.Budgets, 3)
	} else {
		require.Nil(t, f.GPU())
	}
	// Every incident's alert is one the config defines: a rule file alert,
	// an SLO's alerting name, or a built-in health rule.
	rules := string(c.GeneratedRules)
	for _, in := range f.Incidents() {
		for _, a := range in.Alerts {
			if a.Name == "ModelFeatureDrift" || a.Name == "ModelUnfair" {
				require.Contains(t, rulesText, "alert: "+a.Name)
				continue
			}
			require.Contains(t, rules, "alert: "+a.Name, in.Name)
		}
	}

	// A second New over the same directory rewrites the config (the port
	// changes) and keeps working.
	f2, err := New(Options{Dir: dir, Seed: 1})
	require.NoError(t, err)
	f2.Stop()
	_, err = config.LoadFile(f2.ConfigFile())
	require.NoError(t, err)
}
