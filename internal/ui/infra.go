package ui

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
)

// gpuRow is one GPU now.
type gpuRow struct {
	Hostname, Index, Model, UUID string
	// Responding is false for a GPU seen in the last 15 minutes that no
	// longer reports (fallen off the bus, or its node is down).
	Responding                  bool
	Util, Temp, Power           *float64
	FBUsed, FBTotal             *float64 // MiB
	AvgUtil15m                  *float64
	Throttle                    []string
	LastXID                     *float64
	Alerts                      []alertRow
	Idle                        bool
	Owner                       string
	FBRatio                     *float64
	State, StateText, XIDAction string
}

// nodeRow is one GPU node.
type nodeRow struct {
	Hostname         string
	GPUs, Responding int
	AvgUtil          *float64
	MaxTemp          *float64
	Alerts           int
	Idle             int
}

// hostRow is one host the node collector or node_exporter reports.
type hostRow struct {
	Instance                        string
	CPUBusy, MemAvail, DiskFree     *float64
	Load1, RxBytes, TxBytes, Uptime *float64
	Alerts                          int
	State, StateText                string
}

// endpointRow is one probed endpoint.
type endpointRow struct {
	Job, Instance    string
	Success          *float64
	Duration         *float64
	Alerts           int
	State, StateText string
}

// Clock event reason bits (nvmlClocksEventReason*) that mean throttling.
var throttleBits = []struct {
	bit  uint64
	name string
}{
	{0x4, "power cap"}, {0x8, "hardware slowdown"}, {0x20, "thermal (software)"},
	{0x40, "thermal (hardware)"}, {0x80, "power brake"},
}

// idleBelow is the 15-minute average utilisation under which a GPU is
// shown as idle (GPUIdle's default threshold).
const idleBelow = 5

type gpuFleet struct {
	GPUs  []gpuRow
	Nodes []nodeRow
	Idle  int
	Sick  int
}

// gpus reads every GPU's telemetry now, with its firing alerts.
func (u *UI) gpus(ctx context.Context, alerts []alertRow) (gpuFleet, error) {
	now := u.o.Now()
	q := func(expr string) (map[string]promql.Sample, error) {
		v, err := u.o.Query(ctx, expr, now)
		if err != nil {
			return nil, fmt.Errorf("querying %s: %w", expr, err)
		}
		out := make(map[string]promql.Sample, len(v))
		for _, s := range v {
			out[gpuKey(s.Metric)] = s
		}
		return out, nil
	}
	// Every GPU that reported in the last 15 minutes, and every GPU that
	// reports only its last XID (a GPU lost before it reported anything
	// else).
	known, err := q(`max by (Hostname, gpu, UUID, modelName) (max_over_time(DCGM_FI_DEV_GPU_UTIL[15m]))` +
		` or max by (Hostname, gpu, UUID, modelName) (DCGM_FI_DEV_XID_ERRORS)`)
	if err != nil {
		return gpuFleet{}, err
	}
	fields := map[string]map[string]promql.Sample{}
	for name, expr := range map[string]string{
		"util":    `DCGM_FI_DEV_GPU_UTIL`,
		"avg":     `avg_over_time(DCGM_FI_DEV_GPU_UTIL[15m])`,
		"temp":    `DCGM_FI_DEV_GPU_TEMP`,
		"power":   `DCGM_FI_DEV_POWER_USAGE`,
		"used":    `DCGM_FI_DEV_FB_USED`,
		"free":    `DCGM_FI_DEV_FB_FREE`,
		"resv":    `DCGM_FI_DEV_FB_RESERVED`,
		"reasons": `{__name__=~"DCGM_FI_DEV_CLOCKS_EVENT_REASONS|DCGM_FI_DEV_CLOCK_THROTTLE_REASONS"}`,
		"xid":     `DCGM_FI_DEV_XID_ERRORS`,
	} {
		if fields[name], err = q(expr); err != nil {
			return gpuFleet{}, err
		}
	}
	val := func(field, k string) *float64 {
		s, ok := fields[field][k]
		if !ok || math.IsNaN(s.F) {
			return nil
		}
		v := s.F
		return &v
	}
	var f gpuFleet
	nodes := map[string]*nodeRow{}
	for k, s := range known {
		m := s.Metric
		g := gpuRow{Hostname: m.Get("Hostname"), Index: m.Get("gpu"), Model: m.Get("modelName"), UUID: m.Get("UUID"),
			Util: val("util", k), AvgUtil15m: val("avg", k), Temp: val("temp", k), Power: val("power", k),
			FBUsed: val("used", k), LastXID: val("xid", k)}
		g.Responding = g.Util != nil
		if used, free := val("used", k), val("free", k); used != nil && free != nil {
			total := *used + *free
			if r := val("resv", k); r != nil {
				total += *r
			}
			g.FBTotal = &total
			if total > 0 {
				ratio := *used / total
				g.FBRatio = &ratio
			}
		}
		if r := val("reasons", k); r != nil {
			for _, b := range throttleBits {
				if uint64(*r)&b.bit != 0 {
					g.Throttle = append(g.Throttle, b.name)
				}
			}
		}
		if s, ok := fields["util"][k]; ok {
			for _, o := range []string{"team", "namespace", "pod", "model", "training_job"} {
				if v := s.Metric.Get(o); v != "" {
					g.Owner = o + "=" + v
					break
				}
			}
		}
		for _, a := range alerts {
			if a.Kind == "gpu" && a.State == "firing" && alertLabel(a, "UUID") == g.UUID && g.UUID != "" {
				g.Alerts = append(g.Alerts, a)
				if g.XIDAction == "" && strings.HasPrefix(a.Name, "GPUXid") {
					g.XIDAction = a.Action
				}
			}
		}
		g.Idle = g.Responding && g.AvgUtil15m != nil && *g.AvgUtil15m < idleBelow
		g.State, g.StateText = gpuState(g)
		if g.State == "page" || g.State == "ticket" || g.State == "lost" {
			f.Sick++
		}
		if g.Idle {
			f.Idle++
		}
		f.GPUs = append(f.GPUs, g)
		n := nodes[g.Hostname]
		if n == nil {
			n = &nodeRow{Hostname: g.Hostname}
			nodes[g.Hostname] = n
		}
		n.GPUs++
		if g.Responding {
			n.Responding++
		}
		n.Alerts += len(g.Alerts)
		if g.Idle {
			n.Idle++
		}
		if g.Util != nil {
			a := 0.0
			if n.AvgUtil != nil {
				a = *n.AvgUtil
			}
			a += *g.Util
			n.AvgUtil = &a
		}
		if g.Temp != nil && (n.MaxTemp == nil || *g.Temp > *n.MaxTemp) {
			t := *g.Temp
			n.MaxTemp = &t
		}
	}
	for _, n := range nodes {
		if n.AvgUtil != nil && n.Responding > 0 {
			a := *n.AvgUtil / float64(n.Responding)
			n.AvgUtil = &a
		}
		f.Nodes = append(f.Nodes, *n)
	}
	sort.Slice(f.Nodes, func(i, j int) bool { return f.Nodes[i].Hostname < f.Nodes[j].Hostname })
	sort.Slice(f.GPUs, func(i, j int) bool {
		a, b := f.GPUs[i], f.GPUs[j]
		if a.Hostname != b.Hostname {
			return a.Hostname < b.Hostname
		}
		ai, _ := strconv.Atoi(a.Index)
		bi, _ := strconv.Atoi(b.Index)
		return ai < bi
	})
	return f, nil
}

func gpuKey(m labels.Labels) string {
	return m.Get("Hostname") + "\x00" + m.Get("UUID") + "\x00" + m.Get("gpu")
}

func alertLabel(a alertRow, name string) string {
	for _, l := range a.Labels {
		if l.Name == name {
			return l.Value
		}
	}
	return ""
}

// firingFor counts the firing alerts of a kind about an instance.
func firingFor(alerts []alertRow, kind, instance string) int {
	n := 0
	for _, a := range alerts {
		if a.Kind == kind && a.State == "firing" && alertLabel(a, "instance") == instance {
			n++
		}
	}
	return n
}

func gpuState(g gpuRow) (string, string) {
	lost := ""
	if !g.Responding {
		lost = "; not responding"
	}
	for _, a := range g.Alerts {
		if a.Severity == "page" {
			return "page", a.Name + lost
		}
	}
	if len(g.Alerts) > 0 {
		return "ticket", g.Alerts[0].Name + lost
	}
	if !g.Responding {
		return "lost", "Not responding"
	}
	if len(g.Throttle) > 0 {
		return "burning", "Throttled: " + strings.Join(g.Throttle, ", ")
	}
	if g.Idle {
		return "idle", "Idle (15-minute average under 5%)"
	}
	return "ok", "Healthy"
}

func (u *UI) hosts(ctx context.Context, alerts []alertRow) ([]hostRow, error) {
	now := u.o.Now()
	rows := map[string]*hostRow{}
	for name, expr := range map[string]string{
		"cpu":  `1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))`,
		"mem":  `max by (instance) (node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)`,
		"disk": `min by (instance) (node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs|ramfs"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay|squashfs|ramfs"})`,
		"load": `max by (instance) (node_load1)`,
		"rx":   `sum by (instance) (rate(node_network_receive_bytes_total{device!="lo"}[5m]))`,
		"tx":   `sum by (instance) (rate(node_network_transmit_bytes_total{device!="lo"}[5m]))`,
	} {
		v, err := u.o.Query(ctx, expr, now)
		if err != nil {
			return nil, fmt.Errorf("querying %s: %w", expr, err)
		}
		for _, s := range v {
			inst := s.Metric.Get("instance")
			r := rows[inst]
			if r == nil {
				r = &hostRow{Instance: inst}
				rows[inst] = r
			}
			x := s.F
			switch name {
			case "cpu":
				r.CPUBusy = &x
			case "mem":
				r.MemAvail = &x
			case "disk":
				r.DiskFree = &x
			case "load":
				r.Load1 = &x
			case "rx":
				r.RxBytes = &x
			case "tx":
				r.TxBytes = &x
			}
		}
	}
	out := make([]hostRow, 0, len(rows))
	for _, r := range rows {
		r.Alerts = firingFor(alerts, "host", r.Instance)
		switch {
		case r.Alerts > 0:
			r.State, r.StateText = "ticket", fmt.Sprintf("%d alert(s) firing", r.Alerts)
		default:
			r.State, r.StateText = "ok", "Healthy"
		}
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Instance < out[j].Instance })
	return out, nil
}

func (u *UI) endpoints(ctx context.Context, alerts []alertRow) ([]endpointRow, error) {
	now := u.o.Now()
	succ, err := u.o.Query(ctx, `probe_success`, now)
	if err != nil {
		return nil, err
	}
	dur, err := u.o.Query(ctx, `probe_duration_seconds`, now)
	if err != nil {
		return nil, err
	}
	durs := map[string]float64{}
	for _, s := range dur {
		durs[s.Metric.Get("job")+"\x00"+s.Metric.Get("instance")] = s.F
	}
	var out []endpointRow
	for _, s := range succ {
		e := endpointRow{Job: s.Metric.Get("job"), Instance: s.Metric.Get("instance")}
		x := s.F
		e.Success = &x
		if d, ok := durs[e.Job+"\x00"+e.Instance]; ok {
			e.Duration = &d
		}
		e.Alerts = firingFor(alerts, "probe", e.Instance)
		switch {
		case e.Alerts > 0:
			e.State, e.StateText = "ticket", fmt.Sprintf("%d alert(s) firing", e.Alerts)
		case x < 1:
			e.State, e.StateText = "burning", "Failing"
		default:
			e.State, e.StateText = "ok", "Up"
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Job != out[j].Job {
			return out[i].Job < out[j].Job
		}
		return out[i].Instance < out[j].Instance
	})
	return out, nil
}

type infraData struct {
	gpuFleet
	Hosts     []hostRow
	Endpoints []endpointRow
	Alerts    []alertRow // firing
	Pending   int
	Charts    []*Chart
}

func (u *UI) infra(r *http.Request) (*view, error) {
	ctx := r.Context()
	alerts := u.activeAlerts()
	f, err := u.gpus(ctx, alerts)
	if err != nil {
		return nil, err
	}
	d := infraData{gpuFleet: f}
	if d.Hosts, err = u.hosts(ctx, alerts); err != nil {
		return nil, err
	}
	if d.Endpoints, err = u.endpoints(ctx, alerts); err != nil {
		return nil, err
	}
	for _, a := range alerts {
		if a.Kind == "gpu" || a.Kind == "host" || a.Kind == "probe" {
			if a.State == "firing" {
				d.Alerts = append(d.Alerts, a)
			} else {
				d.Pending++
			}
		}
	}
	// Per node: with hundreds of GPUs, one line each would be unreadable;
	// the tables above have every GPU.
	nodeLegend := labelLegend("Hostname")
	for _, c := range []struct{ title, unit, q string }{
		{"GPU utilisation (node average)", "percent", `avg by (Hostname) (DCGM_FI_DEV_GPU_UTIL)`},
		{"Hottest GPU per node", "celsius", `max by (Hostname) (DCGM_FI_DEV_GPU_TEMP)`},
		{"GPU power per node", "watts", `sum by (Hostname) (DCGM_FI_DEV_POWER_USAGE)`},
	} {
		if len(f.GPUs) == 0 {
			break
		}
		ch, err := u.fittedChart(ctx, c.title, c.unit, c.q, time.Hour, nodeLegend)
		if err != nil {
			return nil, err
		}
		d.Charts = append(d.Charts, ch)
	}
	if len(d.Hosts) > 0 {
		ch, err := u.fittedChart(ctx, "Host CPU busy", "ratio", `1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))`, time.Hour, labelLegend("instance"))
		if err != nil {
			return nil, err
		}
		d.Charts = append(d.Charts, ch)
	}
	if len(d.Endpoints) > 0 {
		ch, err := u.fittedChart(ctx, "Endpoint latency (probe duration)", "seconds", `probe_duration_seconds`, time.Hour, labelLegend("job", "instance"))
		if err != nil {
			return nil, err
		}
		d.Charts = append(d.Charts, ch)
	}
	return &view{Page: "infra", Title: "GPUs & hosts", Nav: "infra", Data: d}, nil
}
