package coststatus

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/common/route"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/rules"
	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/cost"
)

// The recorded series a cost config with owner labels [team, training_job]
// would hold after 10 hours (one sample a minute), written by hand so that
// every answer below can be checked by hand:
//   - research/llm: 0.1 $ a minute allocated (6 $/h), half of it used;
//   - vision: 0.1 $ a minute for 5 hours, then 0.2 (a jump), all used;
//   - unallocated GPUs: 0.01 $ a minute.
//   - budget research: 600 $ spent of 7,200 a month (even rate 10 $/h),
//     60 $/h now (burn rate 6 over the last hour), forecast 8,000 $.
//   - GPU-1 (research, llm): an H100 at 4 $/h, 1% busy, using at most
//     4 GiB of 80; GPU-2 (vision) 90% busy; GPU-3 has no owner and is idle.
const data = `
load 1m
	mlre_cost_gpu_dollars_total{kind="allocated",team="research",training_job="llm"} 0+0.1x600
	mlre_cost_gpu_dollars_total{kind="used",team="research",training_job="llm"} 0+0.05x600
	mlre_cost_gpu_dollars_total{kind="idle",team="research",training_job="llm"} 0+0.05x600
	mlre_cost_gpu_dollars_total{kind="allocated",team="vision"} 0+0.1x300 30.2+0.2x299
	mlre_cost_gpu_dollars_total{kind="used",team="vision"} 0+0.1x300 30.2+0.2x299
	mlre_cost_gpu_dollars_total{kind="idle",team="vision"} 0x600
	mlre_cost_gpu_dollars_total{kind="unallocated"} 0+0.01x600
	mlre_cost:budget_amount_dollars{budget="research",currency="USD"} 7200x600
	mlre_cost:budget_spent_dollars{budget="research",currency="USD"} 0+1x600
	mlre_cost:budget_remaining_dollars{budget="research",currency="USD"} 7200-1x600
	mlre_cost:budget_dollars_per_hour{budget="research",currency="USD"} 60x600
	mlre_cost:budget_burn_rate{budget="research",currency="USD",window="1h"} 6x600
	mlre_cost:budget_burn_rate{budget="research",currency="USD",window="3d"} 1.2x600
	mlre_cost:budget_forecast_dollars{budget="research",currency="USD",bound="expected"} 8000x600
	mlre_cost:budget_forecast_dollars{budget="research",currency="USD",bound="low"} 7000x600
	mlre_cost:budget_forecast_dollars{budget="research",currency="USD",bound="high"} 9000x600
	mlre_cost:gpu_price_dollars_per_hour{Hostname="n1",UUID="GPU-1",gpu="0",modelName="NVIDIA H100 80GB HBM3",team="research",training_job="llm"} 4x600
	mlre_cost:gpu_price_dollars_per_hour{Hostname="n1",UUID="GPU-2",gpu="1",modelName="NVIDIA H100 80GB HBM3",team="vision"} 4x600
	mlre_cost:gpu_price_dollars_per_hour{Hostname="n1",UUID="GPU-3",gpu="2",modelName="NVIDIA H100 80GB HBM3"} 4x600
	mlre_cost:gpu_busy_ratio{Hostname="n1",UUID="GPU-1",gpu="0",modelName="NVIDIA H100 80GB HBM3",team="research",training_job="llm"} 0.01x600
	mlre_cost:gpu_busy_ratio{Hostname="n1",UUID="GPU-2",gpu="1",modelName="NVIDIA H100 80GB HBM3",team="vision"} 0.9x600
	mlre_cost:gpu_busy_ratio{Hostname="n1",UUID="GPU-3",gpu="2",modelName="NVIDIA H100 80GB HBM3"} 0x600
	DCGM_FI_DEV_FB_USED{Hostname="n1",UUID="GPU-1",gpu="0",modelName="NVIDIA H100 80GB HBM3"} 2048x300 4096x300
	DCGM_FI_DEV_FB_FREE{Hostname="n1",UUID="GPU-1",gpu="0",modelName="NVIDIA H100 80GB HBM3"} 79392x300 77344x300
	DCGM_FI_DEV_FB_RESERVED{Hostname="n1",UUID="GPU-1",gpu="0",modelName="NVIDIA H100 80GB HBM3"} 480x600
	DCGM_FI_DEV_FB_USED{Hostname="n1",UUID="GPU-2",gpu="1",modelName="NVIDIA H100 80GB HBM3"} 70000x600
	DCGM_FI_DEV_FB_FREE{Hostname="n1",UUID="GPU-2",gpu="1",modelName="NVIDIA H100 80GB HBM3"} 11440x600
`

func newService(t *testing.T) (*Service, *cost.Config, time.Time) {
	t.Helper()
	st := promqltest.LoadedStorage(t, data)
	engine := promqltest.NewTestEngine(t, false, 5*time.Minute, 1e7)
	c, err := cost.ParseConfig([]byte("owner_labels: [team, training_job]\n"))
	require.NoError(t, err)
	bs, err := cost.ParseBudgets([]byte("- {name: research, amount: 7200, scope: '{team=\"research\"}', owners: [ana@example.com]}\n"), c)
	require.NoError(t, err)
	end := time.Unix(0, 0).Add(600 * time.Minute).UTC()
	return &Service{
		Query:  QueryFunc(rules.EngineQueryFunc(engine, st)),
		Config: func() (*cost.Config, []cost.Budget) { return c, bs },
		Now:    func() time.Time { return end },
	}, c, end
}

func TestSpendByTeam(t *testing.T) {
	s, c, end := newService(t)
	out, err := s.Spend(context.Background(), c, "team", time.Unix(0, 0).UTC(), end)
	require.NoError(t, err)
	require.Len(t, out.Rows, 2)
	// vision: 5 h at 6 $/h + 5 h at 12 $/h = 90 $, all used.
	require.Equal(t, "vision", out.Rows[0].Owner)
	require.InDelta(t, 90, out.Rows[0].Allocated, 1e-9)
	require.InDelta(t, 90, out.Rows[0].Used, 1e-9)
	require.InDelta(t, 0, out.Rows[0].Idle, 1e-9)
	// research: 10 h at 6 $/h = 60 $, half used.
	require.Equal(t, "research", out.Rows[1].Owner)
	require.InDelta(t, 60, out.Rows[1].Allocated, 1e-9)
	require.InDelta(t, 30, out.Rows[1].Used, 1e-9)
	require.InDelta(t, 30, out.Rows[1].Idle, 1e-9)
	require.InDelta(t, 150, out.Total.Allocated, 1e-9)
	require.InDelta(t, 6, out.Unallocated, 1e-9)

	// The last 5 hours alone: the range starts where a sample is.
	out, err = s.Spend(context.Background(), c, "team", end.Add(-5*time.Hour), end)
	require.NoError(t, err)
	require.InDelta(t, 60, out.Rows[0].Allocated, 1e-9) // vision at 12 $/h
	require.InDelta(t, 30, out.Rows[1].Allocated, 1e-9)
}

func TestBudgetStatus(t *testing.T) {
	s, _, _ := newService(t)
	_, bs := s.Config()
	st, err := s.Budget(context.Background(), &bs[0])
	require.NoError(t, err)
	require.Equal(t, "calendar month (UTC)", st.Period)
	require.InDelta(t, 10, st.EvenRatePerHour, 1e-12) // 7,200 over 720 hours
	require.InDelta(t, 600, *st.Spent, 1e-9)
	require.InDelta(t, 6600, *st.Remaining, 1e-9)
	require.InDelta(t, 6600.0/7200, *st.RemainingRatio, 1e-12)
	require.InDelta(t, 60, *st.RatePerHour, 1e-9)
	require.InDelta(t, 6, *st.BurnRate["1h"], 1e-12)
	require.Nil(t, st.BurnRate["6h"], "not recorded: null, not 0")
	require.InDelta(t, 8000, *st.Forecast.Expected, 1e-9)
	require.True(t, st.Forecast.OverBudget)
	// 6,600 $ left at 60 $/h: 110 hours.
	require.InDelta(t, 110*3600, *st.TimeToExhaustion, 1e-6)
	require.Equal(t, []string{"ana@example.com"}, st.Owners)
}

func TestRecommendations(t *testing.T) {
	s, c, _ := newService(t)
	out, err := s.Recommend(context.Background(), c, "team", 2*time.Hour, 10*time.Hour, 5*time.Hour)
	require.NoError(t, err)
	// GPU-1 is held and 1% busy: 4 $/h x 24 h x 0.99 wasted a day. GPU-3
	// is idle too, but nobody holds it (unallocated, not a recommendation).
	require.Len(t, out.IdleGPUs, 1)
	require.Equal(t, "GPU-1", out.IdleGPUs[0].UUID)
	require.Equal(t, map[string]string{"team": "research", "training_job": "llm"}, out.IdleGPUs[0].Owners)
	require.InDelta(t, 4*24*0.99, out.IdleGPUs[0].WastedPerDay, 1e-9)
	require.InDelta(t, 4*24*0.99, out.WastedPerDay, 1e-9)
	// GPU-1 used at most 4 GiB of its 81,920 MiB (with 480 reserved).
	require.Len(t, out.OversizedGPUs, 1)
	require.InDelta(t, 4096, out.OversizedGPUs[0].PeakUsedMiB, 1e-6)
	require.InDelta(t, 81920, out.OversizedGPUs[0].TotalMiB, 1e-9)
	require.Contains(t, out.OversizedGPUs[0].Suggestion, "1g MIG slice")
	// vision spent 30 $ in the previous 5 hours and 60 $ in the last 5.
	require.Len(t, out.SpendJumps, 1)
	require.Equal(t, "vision", out.SpendJumps[0].Owner)
	require.InDelta(t, 30, out.SpendJumps[0].Previous, 1e-9)
	require.InDelta(t, 60, out.SpendJumps[0].Current, 1e-9)
	require.InDelta(t, 2, out.SpendJumps[0].Ratio, 1e-9)
}

func TestRoutes(t *testing.T) {
	s, _, _ := newService(t)
	r := route.New()
	s.Register(r)
	for path, want := range map[string]int{
		"/budgets":                                  http.StatusOK,
		"/budgets/research":                         http.StatusOK,
		"/budgets/nope":                             http.StatusNotFound,
		"/cost":                                     http.StatusOK,
		"/cost?by=training_job&period=1970-01":      http.StatusOK,
		"/cost?by=job&from=0&to=36000":              http.StatusOK,
		"/cost?by=cluster":                          http.StatusBadRequest,
		"/cost?period=1970-13":                      http.StatusBadRequest,
		"/cost?from=36000&to=0":                     http.StatusBadRequest,
		"/cost?from=yesterday":                      http.StatusBadRequest,
		"/cost?period=1970-01&from=0":               http.StatusBadRequest,
		"/cost/recommendations":                     http.StatusOK,
		"/cost/recommendations?idle_window=forever": http.StatusBadRequest,
		"/cost/recommendations?by=cluster":          http.StatusBadRequest,
	} {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		require.Equal(t, want, rec.Code, "%s: %s", path, rec.Body.String())
		var body struct {
			Status string          `json:"status"`
			Error  string          `json:"error"`
			Data   json.RawMessage `json:"data"`
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), path)
		if want != http.StatusOK {
			require.Equal(t, "error", body.Status)
			require.NotEmpty(t, body.Error)
		}
	}

	// With cost off, the routes say how to turn it on.
	off := &Service{Config: func() (*cost.Config, []cost.Budget) { return nil, nil }, Now: time.Now}
	r = route.New()
	off.Register(r)
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/budgets", nil))
	require.Equal(t, http.StatusNotFound, rec.Code)
	require.Contains(t, rec.Body.String(), "add a cost: section")
}
