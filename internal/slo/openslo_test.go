package slo

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestOpenSLO(t *testing.T) {
	slos := loadTestSLOs(t, "openslo.yml")
	require.Len(t, slos, 3)
	byName := map[string]SLO{}
	for _, s := range slos {
		byName[s.Name] = s
	}

	// Inline ratioMetric over raw counters: selectors become rates.
	a := byName["web-availability"]
	require.Equal(t, "web", a.Service)
	require.Equal(t, 99.5, a.Objective)
	require.Equal(t, Window{Calendar: "month", Timezone: "America/New_York"}, a.Window)
	require.Equal(t, map[string]string{"env": "prod", "team": "team-a,team-b"}, a.Labels)
	require.Equal(t, `(sum(rate(http_requests{component="web",k8s_cluster="prod"}[{{.window}}]))) - (sum(rate(http_requests{code=~"2xx|4xx",component="web",k8s_cluster="prod"}[{{.window}}])))`, a.SLI.Events.ErrorQuery)
	require.Equal(t, `sum(rate(http_requests{component="web",k8s_cluster="prod"}[{{.window}}]))`, a.SLI.Events.TotalQuery)

	// indicatorRef to a kind: SLI with bad/total that already use {{.window}}.
	l := byName["api-errors"]
	require.Equal(t, 28*24*time.Hour, l.Window.Rolling)
	require.Equal(t, 99.9, l.Objective)
	require.Equal(t, `sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))`, l.SLI.Events.ErrorQuery)

	// thresholdMetric via a Prometheus DataSource: lt → max.
	th := byName["consumer-lag"]
	require.NotNil(t, th.SLI.Threshold)
	require.Equal(t, 500.0, *th.SLI.Threshold.Max)
	require.Nil(t, th.SLI.Threshold.Min)
	require.Equal(t, 95.0, th.Objective)

	_, err := RulesYAML(slos)
	require.NoError(t, err)
}

func TestOpenSLOUpstreamExamples(t *testing.T) {
	// OpenSLO's own examples use features mlre does not evaluate; each must
	// fail with an error naming the field, never load half-understood.
	for file, want := range map[string]string{
		"slos.yaml":                            "SLO web-availability: spec.budgetingMethod: Timeslices is not supported; mlre budgets by Occurrences",
		"occurences-slo.yaml":                  `SLO search-slo: indicator.spec.thresholdMetric.metricSource.type: "Any" is not supported; mlre evaluates Prometheus sources only`,
		"slo-indicatorref-rolling-alerts.yaml": `SLO TestSLO: spec.indicatorRef: no kind: SLI named "indicatorRefString" in this file`,
	} {
		t.Run(file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata/upstream/openslo", file))
			require.NoError(t, err)
			_, err = ParseFile(b, file)
			require.EqualError(t, err, want)
		})
	}
}

func TestOpenSLOErrors(t *testing.T) {
	const head = "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec:\n  service: s\n  budgetingMethod: Occurrences\n  timeWindow: [{duration: 28d, isRolling: true}]\n"
	ratio := "  indicator:\n    metadata: {name: i}\n    spec:\n      ratioMetric:\n        counter: true\n        good: {metricSource: {type: Prometheus, spec: {query: sum(ok_total)}}}\n        total: {metricSource: {type: Prometheus, spec: {query: sum(all_total)}}}\n"
	for name, tc := range map[string]struct{ doc, want string }{
		"two objectives": {head + ratio + "  objectives: [{target: 0.99}, {target: 0.9}]\n", "SLO x: spec.objectives: has 2 entries"},
		"no target":      {head + ratio + "  objectives: [{displayName: a}]\n", "SLO x: spec.objectives[0].target: is required"},
		"unknown key":    {head + ratio + "  objectivs: [{target: 0.99}]\n", `SLO x: unknown key "objectivs" in SLO spec`},
		"calendar 1Q":    {"apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec:\n  service: s\n  budgetingMethod: Occurrences\n  timeWindow: [{duration: 1Q, isRolling: false, calendar: {timeZone: UTC}}]\n" + ratio + "  objectives: [{target: 0.99}]\n", `SLO x: spec.timeWindow[0].duration: "1Q": calendar windows are 1M (a month) or 1w (a week)`},
		"ranged counter": {head + "  indicator:\n    metadata: {name: i}\n    spec:\n      ratioMetric:\n        counter: true\n        good: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(ok_total[5m]))'}}}\n        total: {metricSource: {type: Prometheus, spec: {query: sum(all_total)}}}\n  objectives: [{target: 0.99}]\n", "the query already selects a range"},
		"v1alpha":        {"apiVersion: openslo/v1alpha\nkind: SLO\nmetadata: {name: x}\nspec: {}\n", `apiVersion "openslo/v1alpha" is not supported`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseFile([]byte(tc.doc), "x.yaml")
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestSlothAlertForPlugin(t *testing.T) {
	slos := loadTestSLOs(t, "upstream/sloth/getting-started.latest.yml")
	require.Len(t, slos, 1)
	require.Equal(t, "5m", slos[0].Alerting.PageAlert.For.String())
	require.Equal(t, "10m", slos[0].Alerting.TicketAlert.For.String())

	_, err := ParseFile([]byte("version: prometheus/v1\nservice: s\nslo_plugins: {chain: [{id: x/y}]}\nslos: []\n"), "x.yml")
	require.EqualError(t, err, `slo_plugins.chain[0].id: Sloth plugin "x/y" is not supported; mlre knows sloth.dev/contrib/alert_for/v1`)
}
