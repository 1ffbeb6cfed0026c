package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/common/route"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/rules"
	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/cost"
	"github.com/mlre-dev/mlre/internal/coststatus"
)

// costServer serves the cost API over recorded series written by hand:
// 10 hours, team research at 6 $/h (half used) and team vision at 3 $/h
// (all used); GPU-1 of research is idle and held.
func costServer(t *testing.T, token string) *httptest.Server {
	t.Helper()
	st := promqltest.LoadedStorage(t, `
load 1m
	mlre_cost_gpu_dollars_total{kind="allocated",team="research"} 0+0.1x600
	mlre_cost_gpu_dollars_total{kind="used",team="research"} 0+0.05x600
	mlre_cost_gpu_dollars_total{kind="idle",team="research"} 0+0.05x600
	mlre_cost_gpu_dollars_total{kind="allocated",team="vision"} 0+0.05x600
	mlre_cost_gpu_dollars_total{kind="used",team="vision"} 0+0.05x600
	mlre_cost_gpu_dollars_total{kind="idle",team="vision"} 0x600
	mlre_cost_gpu_dollars_total{kind="unallocated"} 0+0.02x600
	mlre_cost:gpu_price_dollars_per_hour{Hostname="n1",UUID="GPU-1",gpu="0",modelName="NVIDIA H100 80GB HBM3",team="research"} 4x600
	mlre_cost:gpu_busy_ratio{Hostname="n1",UUID="GPU-1",gpu="0",modelName="NVIDIA H100 80GB HBM3",team="research"} 0x600
`)
	c, err := cost.ParseConfig([]byte("owner_labels: [team, training_job, model]\n"))
	require.NoError(t, err)
	end := time.Unix(0, 0).Add(600 * time.Minute)
	s := &coststatus.Service{
		Query:  coststatus.QueryFunc(rules.EngineQueryFunc(promqltest.NewTestEngine(t, false, 5*time.Minute, 1e7), st)),
		Config: func() (*cost.Config, []cost.Budget) { return c, nil },
		Now:    func() time.Time { return end },
	}
	r := route.New()
	s.Register(r)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if token != "" && req.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"status":"error","errorType":"unauthorized","error":"a bearer token is required"}`))
			return
		}
		http.StripPrefix("/api/v1", r).ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCostReport(t *testing.T) {
	srv := costServer(t, "")
	code, out, errOut := runCLI(t, "cost", "report", "--url", srv.URL, "--from", "0", "--to", "36000")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "GPU spend by team, 1970-01-01 00:00 to 1970-01-01 10:00 UTC (USD)")
	require.Regexp(t, `research\s+60\.00\s+30\.00\s+30\.00\s+50%`, out)
	require.Regexp(t, `vision\s+30\.00\s+30\.00\s+0\.00\s+0%`, out)
	require.Regexp(t, `TOTAL\s+90\.00\s+60\.00\s+30\.00\s+33%`, out)
	require.Contains(t, out, "GPUs nobody held: 12.00 USD")
	require.Contains(t, out, "Idle GPUs (held, under the idle threshold over 2h): 1, wasting 96.00 USD a day")
	require.Contains(t, out, "n1 GPU 0 (NVIDIA H100 80GB HBM3, GPU-1) team=research: 0.0% busy, wastes 96.00 USD a day")

	code, out, _ = runCLI(t, "cost", "report", "--url", srv.URL, "--from", "0", "--to", "36000", "--format", "csv")
	require.Equal(t, exitOK, code)
	require.Equal(t, "team,allocated,used,idle,currency,from,to\n"+
		"research,60.00,30.00,30.00,USD,1970-01-01T00:00:00Z,1970-01-01T10:00:00Z\n"+
		"vision,30.00,30.00,0.00,USD,1970-01-01T00:00:00Z,1970-01-01T10:00:00Z\n"+
		"(unallocated),12.00,0.00,12.00,USD,1970-01-01T00:00:00Z,1970-01-01T10:00:00Z\n", out)

	code, out, _ = runCLI(t, "cost", "report", "--url", srv.URL, "--from", "0", "--to", "36000", "--format", "json")
	require.Equal(t, exitOK, code)
	var got struct {
		Spend           coststatus.Spend           `json:"spend"`
		Recommendations coststatus.Recommendations `json:"recommendations"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.InDelta(t, 90, got.Spend.Total.Allocated, 1e-9)
	require.Len(t, got.Recommendations.IdleGPUs, 1)
}

func TestCostReportErrors(t *testing.T) {
	srv := costServer(t, "s3cret")
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--format", "xml"}, exitUsage, `--format "xml": use table, json or csv`},
		{[]string{"--period", "2026-11", "--from", "0"}, exitUsage, "give --period, or --from and --to, not both"},
		{[]string{"--period", "november"}, exitUsage, `period "november": write a month (2026-11) or a day (2026-11-27)`},
		{[]string{"--url", "127.0.0.1:9800"}, exitUsage, "--url \"127.0.0.1:9800\": write the server's address like http://127.0.0.1:9800"},
		{[]string{"--url", srv.URL}, exitFailure, "a bearer token is required"},
		{[]string{"--url", srv.URL, "--token-file", "/nonexistent"}, exitUsage, "--token-file"},
		{[]string{"--url", "http://127.0.0.1:1"}, exitFailure, "is mlre serve running there?"},
	} {
		code, _, errOut := runCLI(t, append([]string{"cost", "report"}, tc.args...)...)
		require.Equal(t, tc.code, code, "%v: %s", tc.args, errOut)
		require.Contains(t, errOut, tc.msg, tc.args)
	}
	tok := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tok, []byte("s3cret\n"), 0o600))
	code, _, errOut := runCLI(t, "cost", "report", "--url", srv.URL, "--token-file", tok, "--by", "cluster")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, `by "cluster" is not an owner label; use one of team, training_job, model`)
}

func TestConfigCheckCost(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "cost.yml")
	require.NoError(t, os.WriteFile(good, []byte("cost: {owner_labels: [team]}\nbudgets:\n  - {name: a, amount: 100, scope: '{team=\"a\"}'}\n  - {name: b, amount: 100}\n"), 0o600))
	code, out, errOut := runCLI(t, "config", "check", "--config", good)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "0 SLOs, cost on with 2 budgets")

	bad := filepath.Join(dir, "bad.yml")
	require.NoError(t, os.WriteFile(bad, []byte("cost: {owner_labels: [team]}\nbudgets:\n  - {name: a, amount: 100, scope: '{cluster=\"x\"}'}\n"), 0o600))
	code, _, errOut = runCLI(t, "config", "check", "--config", bad)
	require.Equal(t, exitFailure, code)
	require.Contains(t, errOut, `budgets[0] (a): scope "{cluster=\"x\"}": "cluster" is not an owner label; add it to cost.owner_labels`)

	code, out, _ = runCLI(t, "rules", "generate", "--config", good)
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "name: mlre-cost")
	require.Contains(t, out, `alert: CostBudgetBurnRateHigh`)
}

func TestConfigCheckReadsModelReferences(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mlre.yml")
	ref, err := filepath.Abs("../../examples/models/churn-reference.csv")
	require.NoError(t, err)
	b, err := os.ReadFile("../../examples/models/churn.yaml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "churn-reference.csv"), mustRead(t, ref), 0o600))
	require.NoError(t, os.WriteFile(cfg, b, 0o600))
	code, out, errOut := runCLI(t, "config", "check", "--config", cfg)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "1 models")

	require.NoError(t, os.Remove(filepath.Join(dir, "churn-reference.csv")))
	code, _, errOut = runCLI(t, "config", "check", "--config", cfg)
	require.Equal(t, exitFailure, code)
	require.Contains(t, errOut, "invalid configuration: models: model churn:")
	require.Contains(t, errOut, "churn-reference.csv")
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
