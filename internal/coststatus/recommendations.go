package coststatus

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/mlre-dev/mlre/internal/cost"
	"github.com/mlre-dev/mlre/internal/httperr"
)

// Thresholds of the recommendations.
const (
	// OversizedPeakRatio: a GPU whose memory peak stays under this share
	// of its memory over MemoryWindow could be a smaller GPU or a MIG slice.
	OversizedPeakRatio = 0.25
	// JumpRatio and JumpMin: spend that grew by half or more, and by at
	// least this much, compared with the previous window.
	JumpRatio = 1.5
	JumpMin   = 10.0
)

// Recommendations is the answer of GET /api/v1/cost/recommendations.
type Recommendations struct {
	Currency      string         `json:"currency"`
	IdleWindow    string         `json:"idle_window"`
	MemoryWindow  string         `json:"memory_window"`
	CompareWindow string         `json:"compare_window"`
	IdleGPUs      []IdleGPU      `json:"idle_gpus"`
	OversizedGPUs []OversizedGPU `json:"oversized_gpus"`
	SpendJumps    []SpendJump    `json:"spend_jumps"`
	// WastedPerDay sums the idle GPUs' waste.
	WastedPerDay float64 `json:"wasted_per_day"`
}

// GPU identifies a GPU and its owners.
type GPU struct {
	Hostname  string            `json:"hostname"`
	UUID      string            `json:"uuid"`
	Index     string            `json:"gpu"`
	ModelName string            `json:"model_name"`
	Owners    map[string]string `json:"owners"`
}

// IdleGPU is an allocated GPU under cost.idle.below_percent busy on
// average over the idle window.
type IdleGPU struct {
	GPU
	BusyRatio      float64 `json:"busy_ratio"`
	DollarsPerHour float64 `json:"price_per_hour"`
	WastedPerDay   float64 `json:"wasted_per_day"`
}

// OversizedGPU is an allocated GPU whose memory peak stayed far below its
// capacity.
type OversizedGPU struct {
	GPU
	PeakUsedMiB float64 `json:"peak_used_mib"`
	TotalMiB    float64 `json:"total_mib"`
	PeakRatio   float64 `json:"peak_ratio"`
	Suggestion  string  `json:"suggestion"`
}

// SpendJump is an owner whose allocated spend grew against the previous
// window of the same length.
type SpendJump struct {
	By       string  `json:"by"`
	Owner    string  `json:"owner"`
	Previous float64 `json:"previous"`
	Current  float64 `json:"current"`
	Ratio    float64 `json:"ratio"`
}

func (s *Service) recommendations(w http.ResponseWriter, r *http.Request) {
	c, _, ok := s.config(w)
	if !ok {
		return
	}
	q := r.URL.Query()
	win := map[string]time.Duration{"idle_window": time.Duration(c.Idle.For), "memory_window": 7 * 24 * time.Hour, "compare_window": 7 * 24 * time.Hour}
	for k := range win {
		if v := q.Get(k); v != "" {
			d, err := model.ParseDuration(v)
			if err != nil || d <= 0 {
				httperr.Write(w, http.StatusBadRequest, httperr.TypeBadData, fmt.Sprintf("%s %q: write a duration like 6h or 7d", k, v))
				return
			}
			win[k] = time.Duration(d)
		}
	}
	by, err := ownerLabel(c, q.Get("by"))
	if err != nil {
		httperr.Write(w, http.StatusBadRequest, httperr.TypeBadData, err.Error())
		return
	}
	out, err := s.Recommend(r.Context(), c, by, win["idle_window"], win["memory_window"], win["compare_window"])
	if err != nil {
		httperr.Write(w, http.StatusInternalServerError, httperr.TypeExecution, err.Error())
		return
	}
	httperr.WriteData(w, out)
}

func gpuOf(c *cost.Config, ls labels.Labels) GPU {
	g := GPU{Hostname: ls.Get("Hostname"), UUID: ls.Get("UUID"), Index: ls.Get("gpu"), ModelName: ls.Get("modelName"), Owners: map[string]string{}}
	for _, o := range c.OwnerLabels {
		if v := ls.Get(o); v != "" {
			g.Owners[o] = v
		}
	}
	return g
}

// Recommend finds idle GPUs, oversized GPUs and spend jumps now.
func (s *Service) Recommend(ctx context.Context, c *cost.Config, by string, idleW, memW, cmpW time.Duration) (Recommendations, error) {
	now := s.Now()
	out := Recommendations{
		Currency: c.Currency, IdleWindow: model.Duration(idleW).String(), MemoryWindow: model.Duration(memW).String(),
		CompareWindow: model.Duration(cmpW).String(),
		IdleGPUs:      []IdleGPU{}, OversizedGPUs: []OversizedGPU{}, SpendJumps: []SpendJump{},
	}
	prices, err := s.Query(ctx, cost.RecGPUPrice, now)
	if err != nil {
		return out, fmt.Errorf("querying GPU prices: %w", err)
	}
	type priced struct {
		ls    labels.Labels
		price float64
	}
	byKey := map[string]priced{}  // by label set without the name
	byUUID := map[string]priced{} // owned GPUs by Hostname/UUID
	for _, p := range prices {
		g := gpuOf(c, p.Metric)
		if len(g.Owners) == 0 {
			continue // unallocated: nobody to tell
		}
		byKey[p.Metric.DropMetricName().String()] = priced{p.Metric, p.F}
		byUUID[g.Hostname+"/"+g.UUID] = priced{p.Metric, p.F}
	}
	busy, err := s.Query(ctx, fmt.Sprintf("avg_over_time(%s[%s])", cost.RecGPUBusy, model.Duration(idleW)), now)
	if err != nil {
		return out, fmt.Errorf("querying GPU busy ratios: %w", err)
	}
	for _, b := range busy {
		p, ok := byKey[b.Metric.DropMetricName().String()]
		if !ok || math.IsNaN(b.F) || b.F*100 >= c.Idle.BelowPercent {
			continue
		}
		waste := p.price * 24 * (1 - b.F)
		out.IdleGPUs = append(out.IdleGPUs, IdleGPU{GPU: gpuOf(c, p.ls), BusyRatio: b.F, DollarsPerHour: p.price, WastedPerDay: waste})
		out.WastedPerDay += waste
	}
	sort.Slice(out.IdleGPUs, func(i, j int) bool { return out.IdleGPUs[i].WastedPerDay > out.IdleGPUs[j].WastedPerDay })

	mem, err := s.Query(ctx, fmt.Sprintf("max_over_time(DCGM_FI_DEV_FB_USED[%s]) / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE + (DCGM_FI_DEV_FB_RESERVED or DCGM_FI_DEV_FB_USED * 0))", model.Duration(memW)), now)
	if err != nil {
		return out, fmt.Errorf("querying GPU memory peaks: %w", err)
	}
	totals, err := s.Query(ctx, "DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE + (DCGM_FI_DEV_FB_RESERVED or DCGM_FI_DEV_FB_USED * 0)", now)
	if err != nil {
		return out, fmt.Errorf("querying GPU memory: %w", err)
	}
	total := map[string]float64{}
	for _, t := range totals {
		total[t.Metric.Get("Hostname")+"/"+t.Metric.Get("UUID")] = t.F
	}
	for _, m := range mem {
		k := m.Metric.Get("Hostname") + "/" + m.Metric.Get("UUID")
		p, ok := byUUID[k]
		if !ok || math.IsNaN(m.F) || m.F >= OversizedPeakRatio || total[k] <= 0 {
			continue
		}
		o := OversizedGPU{GPU: gpuOf(c, p.ls), PeakRatio: m.F, TotalMiB: total[k], PeakUsedMiB: m.F * total[k]}
		o.Suggestion = suggest(o.ModelName, o.PeakUsedMiB, o.TotalMiB)
		out.OversizedGPUs = append(out.OversizedGPUs, o)
	}
	sort.Slice(out.OversizedGPUs, func(i, j int) bool { return out.OversizedGPUs[i].PeakRatio < out.OversizedGPUs[j].PeakRatio })

	sel := fmt.Sprintf("%s{kind=%q}", cost.SeriesGPUSpend, cost.KindAllocated)
	rng := model.Duration(cmpW).String()
	cur, err := s.Query(ctx, fmt.Sprintf("sum by (%s) (%s)", by, increaseExpr(sel, rng, "")), now)
	if err != nil {
		return out, fmt.Errorf("querying spend: %w", err)
	}
	prev, err := s.Query(ctx, fmt.Sprintf("sum by (%s) (%s)", by, increaseExpr(sel, rng, rng)), now)
	if err != nil {
		return out, fmt.Errorf("querying the previous window's spend: %w", err)
	}
	before := map[string]float64{}
	for _, p := range prev {
		before[p.Metric.Get(by)] = p.F
	}
	for _, cv := range cur {
		owner := cv.Metric.Get(by)
		pv, ok := before[owner]
		if owner == "" || !ok || pv <= 0 || cv.F < pv*JumpRatio || cv.F-pv < JumpMin {
			continue
		}
		out.SpendJumps = append(out.SpendJumps, SpendJump{By: by, Owner: owner, Previous: pv, Current: cv.F, Ratio: cv.F / pv})
	}
	sort.Slice(out.SpendJumps, func(i, j int) bool { return out.SpendJumps[i].Ratio > out.SpendJumps[j].Ratio })
	return out, nil
}

// migCapable GPUs can be split into MIG slices (A100, A30, H100, H200, B200).
func migCapable(model string) bool {
	for _, m := range []string{"A100", "A30", "H100", "H200", "H800", "B200", "GB200"} {
		if strings.Contains(model, m) {
			return true
		}
	}
	return false
}

func suggest(model string, peakMiB, totalMiB float64) string {
	peak := fmt.Sprintf("peak %.1f GiB of %.0f GiB", peakMiB/1024, totalMiB/1024)
	if migCapable(model) && peakMiB <= totalMiB/7 {
		return peak + ": a 1g MIG slice (one seventh of the GPU) would hold it; or a smaller GPU"
	}
	if migCapable(model) && peakMiB <= totalMiB/4 {
		return peak + ": a 2g MIG slice would hold it; or a smaller GPU"
	}
	return peak + ": a GPU with less memory would do"
}
