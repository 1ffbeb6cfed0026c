//go:build cgo

package app

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/coststatus"
	"github.com/mlre-dev/mlre/internal/gpu"
	"github.com/mlre-dev/mlre/internal/gpu/gpusim"
)

// TestCostEndToEnd runs serve with a simulated DGX H100 and a cost config:
// the GPU series the collector stores are priced by the built-in catalog
// (H100: 6.88 $/h, AWS p5) and one GPU's discount, spend accumulates by
// owner through the generated rules, and the budget and cost APIs read it.
func TestCostEndToEnd(t *testing.T) {
	node := gpusim.NewDGXH100("gpu-node-1")
	node.GPU(0).Update(func(s *gpusim.State) { s.Util, s.FBUsedMiB = 93, 70000 })
	g, err := gpu.New(gpu.Options{Library: node.Lib(), Hostname: "gpu-node-1", XIDWait: 20 * time.Millisecond})
	require.NoError(t, err)
	cfg := writeFile(t, t.TempDir(), "mlre.yaml", `
collectors: {interval: 1s, instance: gpu-node-1, host: {enabled: false}}
cost:
  interval: 10s
  owner_labels: [team, training_job]
  label_map: {team: instance}            # the node's instance names its team here
  discounts: [{name: spot, selector: '{gpu="7"}', percent: 50}]
budgets:
  - {name: node-1, amount: 1000, period: 30d, scope: '{team="gpu-node-1"}', owners: [ml-infra@example.com]}
`)
	a, err := New(Options{ConfigFile: cfg, Listen: "127.0.0.1:0", DataDir: t.TempDir(), GPU: g})
	require.NoError(t, err)
	require.NoError(t, a.Start())
	t.Cleanup(func() { _ = a.Stop() })

	// Two evaluations of the cost group: spend accumulates from the second.
	eventually(t, 40*time.Second, func() bool {
		return len(queryVector(t, a.Addr(), "", `mlre_cost_gpu_dollars_total{kind="allocated", team="gpu-node-1"} > 0`, time.Now())) == 1
	}, "spend to accumulate")

	res := queryVector(t, a.Addr(), "", `mlre_cost:gpu_price_dollars_per_hour{gpu="7"}`, time.Now())
	require.Len(t, res, 1)
	require.Equal(t, "3.44", res[0].Value[1], "the catalog's 6.88 $/h, half off")
	res = queryVector(t, a.Addr(), "", `mlre_cost:gpu_dollars_per_hour{kind="allocated", team="gpu-node-1"}`, time.Now())
	require.Len(t, res, 1)
	rate, _ := strconv.ParseFloat(res[0].Value[1].(string), 64)
	require.InDelta(t, 7*6.88+3.44, rate, 1e-9)

	// The budget's spend is recorded from the running total, one rule
	// after it: wait for an evaluation that has both.
	var b coststatus.BudgetStatus
	eventually(t, 40*time.Second, func() bool {
		code, body := get(t, a.Addr(), "", "/api/v1/budgets/node-1")
		require.Equal(t, http.StatusOK, code)
		require.NoError(t, json.Unmarshal(body.Data, &b))
		return b.Spent != nil && *b.Spent > 0
	}, "the budget's spend to be recorded")
	require.InDelta(t, 7*6.88+3.44, *b.RatePerHour, 1e-9)
	require.InDelta(t, 1000.0/720, b.EvenRatePerHour, 1e-12)
	require.Positive(t, *b.Spent)
	require.InDelta(t, 1000-*b.Spent, *b.Remaining, 1e-9)
	require.Equal(t, []string{"ml-infra@example.com"}, b.Owners)
	require.Len(t, b.Alerts, 4) // burn rate (page, ticket), forecast, exhausted

	code, body := get(t, a.Addr(), "", "/api/v1/cost?by=team&from="+strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10))
	require.Equal(t, http.StatusOK, code)
	var s coststatus.Spend
	require.NoError(t, json.Unmarshal(body.Data, &s))
	require.Len(t, s.Rows, 1)
	require.Equal(t, "gpu-node-1", s.Rows[0].Owner)
	require.Positive(t, s.Rows[0].Allocated)
	// Only GPU 0 works (93% busy): used spend is its share of the price,
	// over the very same evaluations as the allocated spend.
	require.InDelta(t, 6.88*0.93/(7*6.88+3.44), s.Rows[0].Used/s.Rows[0].Allocated, 1e-9)
	require.InDelta(t, s.Rows[0].Allocated, s.Rows[0].Used+s.Rows[0].Idle, 1e-9)
}
