package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
)

func setTokenEnv(t *testing.T) {
	t.Setenv("MLRE_TEST_AGENT_TOKEN", "0123456789abcdef0123456789abcdef")
	t.Setenv("MLRE_TEST_SHORT_TOKEN", "short")
}

func TestLoadGood(t *testing.T) {
	setTokenEnv(t)
	t.Run("prometheus.yml pasted unchanged", func(t *testing.T) {
		c, err := LoadFile("testdata/good/prometheus.yml")
		require.NoError(t, err)
		pc := c.Prometheus
		require.Equal(t, model.Duration(30*time.Second), pc.GlobalConfig.ScrapeInterval)
		require.Equal(t, "gpu-a", pc.GlobalConfig.ExternalLabels.Get("cluster"))
		require.Len(t, pc.ScrapeConfigs, 2)
		require.Equal(t, "dcgm", pc.ScrapeConfigs[1].JobName)
		require.Len(t, pc.RemoteWriteConfigs, 1)
		require.Len(t, pc.AlertingConfig.AlertmanagerConfigs, 1)
		require.Equal(t, (10 * time.Minute).Milliseconds(), pc.StorageConfig.TSDBConfig.OutOfOrderTimeWindow)
		// rule_files are made relative to the config's directory, as Prometheus does.
		require.Equal(t, []string{filepath.Join("testdata/good", "rules/*.yml")}, pc.RuleFiles)
		// mlre's defaults.
		require.Equal(t, DefaultListen, c.Server.Listen)
		require.Equal(t, ByteSize(DefaultMaxBodyBytes), c.Server.MaxRequestBodySize)
		require.Equal(t, DefaultStoragePath, c.Storage.Path)
		require.Equal(t, model.Duration(DefaultRetention), c.Storage.Retention)
		require.False(t, c.Storage.Exemplars, "exemplar storage is off unless storage.exemplars is set")
	})
	t.Run("all mlre sections", func(t *testing.T) {
		c, err := LoadFile("testdata/good/full.yml")
		require.NoError(t, err)
		require.Equal(t, "0.0.0.0:9900", c.Server.Listen)
		require.Equal(t, ByteSize(8<<20), c.Server.MaxRequestBodySize)
		require.Equal(t, "/var/lib/mlre", c.Storage.Path)
		require.Equal(t, model.Duration(30*24*time.Hour), c.Storage.Retention)
		tc := c.Prometheus.StorageConfig.TSDBConfig
		require.Equal(t, model.Duration(30*24*time.Hour), tc.Retention.Time, "storage.retention feeds Prometheus's retention")
		require.Equal(t, (5 * time.Minute).Milliseconds(), tc.OutOfOrderTimeWindow, "storage.tsdb kept beside mlre's keys")
		toks := c.Server.Auth.Tokens
		require.Len(t, toks, 2)
		require.Equal(t, Secret("abcdefghijklmnopqrstuvwxyz012345"), toks[0].Secret, "token_file is relative to the config and trimmed")
		require.Equal(t, Secret("0123456789abcdef0123456789abcdef"), toks[1].Secret)
		require.Equal(t, []Scope{ScopeWrite}, toks[1].Scopes)
		require.Equal(t, "<secret>", toks[0].Secret.String())
		require.Len(t, c.Prometheus.ScrapeConfigs, 1)
		require.True(t, c.Storage.Exemplars)
		require.Equal(t, int64(5000), c.Prometheus.StorageConfig.ExemplarsConfig.MaxExemplars)
	})
	t.Run("empty file", func(t *testing.T) {
		c, err := LoadFile("testdata/good/empty.yml")
		require.NoError(t, err)
		require.Equal(t, DefaultListen, c.Server.Listen)
		require.Empty(t, c.Prometheus.ScrapeConfigs)
	})
	t.Run("flow style", func(t *testing.T) {
		c, err := LoadFile("testdata/good/flow.yml")
		require.NoError(t, err)
		require.Equal(t, "127.0.0.1:9801", c.Server.Listen)
		require.Equal(t, filepath.Join("testdata/good", "d"), c.Storage.Path, "relative storage.path is relative to the config")
		require.Equal(t, model.Duration(48*time.Hour), c.Storage.Retention)
		require.Equal(t, "x", c.Prometheus.ScrapeConfigs[0].JobName)
	})
	t.Run("default", func(t *testing.T) {
		c := DefaultFor("127.0.0.1:1234")
		require.Len(t, c.Prometheus.ScrapeConfigs, 1)
		sc := c.Prometheus.ScrapeConfigs[0]
		require.Equal(t, "mlre", sc.JobName)
		require.Equal(t, model.Duration(15*time.Second), sc.ScrapeInterval)
	})
}

// TestLoadBad maps each bad config to the error it must produce: what was
// wrong and where.
func TestLoadBad(t *testing.T) {
	setTokenEnv(t)
	for file, want := range badCases {
		t.Run(file, func(t *testing.T) {
			_, err := LoadFile(filepath.Join("testdata/bad", file))
			require.Error(t, err)
			require.ErrorIs(t, err, ErrInvalid)
			require.Contains(t, err.Error(), want)
		})
	}
}

// badCases maps each file in testdata/bad to the error it must give.
var badCases = map[string]string{
	"collectors_unknown_key.yml":    `line 4: unknown key "libary_path" in collectors.gpu`,
	"probe_timeout.yml":             `probes[0] (model-api): timeout`,
	"collectors_interval.yml":       `collectors.interval: 10ms is too short`,
	"unknown_top.yml":               `testdata/bad/unknown_top.yml: invalid configuration: line 3: unknown key "scrape_config" in the top level (mlre.yaml takes prometheus.yml's sections plus server, storage, slos, slo_files, notifications, health_rules, collectors, probes, models, cost and budgets)`,
	"unknown_server.yml":            `testdata/bad/unknown_server.yml: invalid configuration: line 3: unknown key "lisen" in server`,
	"unknown_storage.yml":           `testdata/bad/unknown_storage.yml: invalid configuration: line 3: unknown key "retension" in storage`,
	"unknown_prom.yml":              `testdata/bad/unknown_prom.yml: invalid configuration: yaml: unmarshal errors:` + "\n" + `  line 5: field scrape_intervl not found in type config.plain`,
	"unknown_token.yml":             `testdata/bad/unknown_token.yml: invalid configuration: line 5: unknown key "token" in server.auth.tokens`,
	"bad_scope.yml":                 `testdata/bad/bad_scope.yml: invalid configuration: server.auth.tokens[0] (a): unknown scope "query"; use read, write or admin`,
	"token_both.yml":                `testdata/bad/token_both.yml: invalid configuration: server.auth.tokens[0] (a): set exactly one of token_file or token_env`,
	"token_missing_env.yml":         `testdata/bad/token_missing_env.yml: invalid configuration: server.auth.tokens[0] (a): environment variable MLRE_TEST_UNSET_VARIABLE (token_env) is not set`,
	"token_short.yml":               `testdata/bad/token_short.yml: invalid configuration: server.auth.tokens[0] (a): the token is 5 characters; use at least 16 (e.g. openssl rand -hex 32)`,
	"token_dup.yml":                 `testdata/bad/token_dup.yml: invalid configuration: server.auth.tokens[1] (a): name is used twice; names must be unique`,
	"retention_both.yml":            `testdata/bad/retention_both.yml: invalid configuration: storage.retention and storage.tsdb.retention.time are both set; keep one`,
	"bad_size.yml":                  `testdata/bad/bad_size.yml: invalid configuration: line 2: "lots" is not a size; write it like 32MiB or 1GiB`,
	"bad_duration.yml":              `testdata/bad/bad_duration.yml: invalid configuration: line 2: not a valid duration string: "forever"`,
	"dup_job.yml":                   `testdata/bad/dup_job.yml: invalid configuration: found multiple scrape configs with job name "a"`,
	"not_mapping.yml":               `testdata/bad/not_mapping.yml: invalid configuration: line 1: cannot unmarshal !!seq into struct`,
	"two_docs.yml":                  `testdata/bad/two_docs.yml: invalid configuration: the file holds more than one YAML document; mlre.yaml is a single document`,
	"slo_unknown_key.yml":           `testdata/bad/slo_unknown_key.yml: invalid configuration: line 8: unknown key "totl_query" in sli.events`,
	"slo_objective.yml":             `testdata/bad/slo_objective.yml: invalid configuration: slos[0] (api/availability): objective: 0.999 looks like a ratio; objectives are percentages`,
	"slo_no_window_placeholder.yml": `testdata/bad/slo_no_window_placeholder.yml: invalid configuration: slos[0] (api/availability): sli.events.error_query: has no {{.window}} placeholder`,
	"slo_dup_across_files.yml":      `testdata/bad/slo_dup_across_files.yml: invalid configuration: slo_files: testdata/slo_files/dup.yml: SLO api/availability is already defined in slos`,
	"slo_file_bad_query.yml":        `testdata/bad/slo_file_bad_query.yml: invalid configuration: slo_files: testdata/slo_files/bad_sloth.yml: slos[0] (api/latency): sli.events.error_query: is not valid PromQL`,
}

// TestEveryBadFileIsTested keeps TestLoadBad in step with testdata/bad.
func TestEveryBadFileIsTested(t *testing.T) {
	entries, err := os.ReadDir("testdata/bad")
	require.NoError(t, err)
	var cases int
	for range badCases {
		cases++
	}
	require.Len(t, entries, cases, "every file in testdata/bad needs a case in badCases")
}

func TestPrometheusErrorLinesPointIntoUsersFile(t *testing.T) {
	// mlre's server section is removed before Prometheus parses the rest;
	// Prometheus's line numbers must still match the user's file.
	doc := "server:\n  listen: 127.0.0.1:1\n  auth:\n    tokens: []\nstorage:\n  path: x\n  tsdb:\n    out_of_order_time_window: 1m\nscrape_configs:\n  - job_name: a\n    scrape_intervl: 1s\n"
	_, err := Parse([]byte(doc), "")
	require.ErrorContains(t, err, "line 11: field scrape_intervl not found")
}

func TestLoadMissingFile(t *testing.T) {
	_, err := LoadFile("testdata/does-not-exist.yml")
	require.ErrorIs(t, err, ErrInvalid)
	require.ErrorContains(t, err, "reading testdata/does-not-exist.yml")
}

func TestValidateFiles(t *testing.T) {
	dir := t.TempDir()
	good := "groups:\n  - name: g\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n"
	bad := "groups:\n  - name: g\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "good.yml"), []byte(good), 0o600))
	cfgText := "rule_files: [\"*.yml\"]\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mlre.yaml.yml-not"), []byte(cfgText), 0o600))
	c, err := Parse([]byte(cfgText), dir)
	require.NoError(t, err)
	require.NoError(t, ValidateFiles(c))

	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.yml"), []byte(bad), 0o600))
	err = ValidateFiles(c)
	require.ErrorIs(t, err, ErrInvalid)
	require.ErrorContains(t, err, "bad.yml")
	require.ErrorContains(t, err, "parse error")
}

func TestSecretNeverMarshalled(t *testing.T) {
	s := Secret("super-secret-value-1234")
	v, err := s.MarshalYAML()
	require.NoError(t, err)
	require.Equal(t, "<secret>", v)
	require.Equal(t, "<secret>", s.LogValue().String())
	require.False(t, errors.Is(nil, ErrInvalid))
}

// TestExampleConfigIsValid keeps examples/mlre.yaml (and the SLO files it
// loads) true to the current config format.
func TestExampleConfigIsValid(t *testing.T) {
	c, err := LoadFile("../../examples/mlre.yaml")
	require.NoError(t, err)
	require.NoError(t, ValidateFiles(c))
	require.GreaterOrEqual(t, len(c.SLOs), 4)
	require.NotEmpty(t, c.GeneratedRules)
}

func TestCollectorsDefaults(t *testing.T) {
	c, err := Parse([]byte("global: {scrape_interval: 30s}\n"), "")
	require.NoError(t, err)
	require.True(t, On(c.Collectors.Host.Enabled))
	require.True(t, On(c.Collectors.GPU.Enabled))
	require.Equal(t, model.Duration(30*time.Second), c.Collectors.Interval, "collectors follow global.scrape_interval")
	require.Equal(t, "/proc", c.Collectors.Host.ProcPath)
	require.NotEmpty(t, c.Collectors.Instance)

	c, err = Parse([]byte("collectors: {interval: 5s, instance: gpu-7, gpu: {enabled: false}, host: {proc_path: /host/proc}}\n"), "")
	require.NoError(t, err)
	require.False(t, On(c.Collectors.GPU.Enabled))
	require.Equal(t, "gpu-7", c.Collectors.Instance)
	require.Equal(t, "/host/proc", c.Collectors.Host.ProcPath)
	require.Equal(t, model.Duration(5*time.Second), c.Collectors.Interval)
}

func TestProbes(t *testing.T) {
	c, err := Parse([]byte("probes:\n  - {name: model-api, type: http, target: 'http://127.0.0.1:8080/healthz', labels: {team: ml}}\n  - {name: dns, type: dns, target: 127.0.0.1, dns: {query_name: example.com}}\n"), "")
	require.NoError(t, err)
	require.Len(t, c.Probes, 2)
	require.Equal(t, "model-api", c.Probes[0].Name)
	require.Equal(t, model.Duration(15*time.Second), c.Probes[0].Interval, "default interval")
	require.Equal(t, "ml", c.Probes[0].Labels["team"])
}
