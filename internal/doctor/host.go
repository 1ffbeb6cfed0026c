package doctor

import (
	"fmt"
	"slices"
	"sort"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// HostReport is the verdict on the host.
type HostReport struct {
	Verdict  Severity  `json:"verdict"`
	Findings []Finding `json:"findings"`
	// Over the sampling interval:
	Sampled        float64 `json:"sampled_seconds"`
	CPUs           int     `json:"cpus"`
	CPUBusy        float64 `json:"cpu_busy_ratio"` // -1: unknown
	Load1          float64 `json:"load1"`
	MemTotal       float64 `json:"memory_total_bytes"`
	MemAvailable   float64 `json:"memory_available_bytes"`
	PSIMemoryShare float64 `json:"memory_pressure_ratio"` // -1: no PSI
	Filesystems    []FS    `json:"filesystems"`
	Networks       []Net   `json:"networks"`
}

// FS is one filesystem.
type FS struct {
	Mountpoint string  `json:"mountpoint"`
	Device     string  `json:"device"`
	FSType     string  `json:"fstype"`
	Size       float64 `json:"size_bytes"`
	Avail      float64 `json:"avail_bytes"`
	ReadOnly   bool    `json:"readonly"`
}

// Net is one network device over the sample.
type Net struct {
	Device  string  `json:"device"`
	Packets float64 `json:"packets"`
	Errors  float64 `json:"errors"`
}

// series indexes gathered families: name → label signature → value.
type series map[string]map[string]sample

type sample struct {
	labels map[string]string
	v      float64
}

func index(mfs []*dto.MetricFamily) series {
	s := series{}
	for _, mf := range mfs {
		m := map[string]sample{}
		for _, x := range mf.GetMetric() {
			ls := map[string]string{}
			key := ""
			for _, l := range x.GetLabel() {
				ls[l.GetName()] = l.GetValue()
				key += l.GetName() + "=" + l.GetValue() + ","
			}
			var v float64
			switch {
			case x.Gauge != nil:
				v = x.GetGauge().GetValue()
			case x.Counter != nil:
				v = x.GetCounter().GetValue()
			case x.Untyped != nil:
				v = x.GetUntyped().GetValue()
			}
			m[key] = sample{ls, v}
		}
		s[mf.GetName()] = m
	}
	return s
}

func (s series) one(name string) (float64, bool) {
	for _, x := range s[name] {
		return x.v, true
	}
	return 0, false
}

func (s series) sum(name string, keep func(map[string]string) bool) float64 {
	t := 0.0
	for _, x := range s[name] {
		if keep == nil || keep(x.labels) {
			t += x.v
		}
	}
	return t
}

// ExamineHost judges the host from two gatherings of the host collector
// (node_exporter's series) taken dt apart.
func ExamineHost(before, after []*dto.MetricFamily, dt time.Duration, t Thresholds) *HostReport {
	b, a := index(before), index(after)
	r := &HostReport{Sampled: dt.Seconds(), CPUBusy: -1, PSIMemoryShare: -1, Filesystems: []FS{}, Networks: []Net{}}
	add := func(f Finding) { r.Findings = append(r.Findings, f) }

	cpus := map[string]bool{}
	for _, x := range a["node_cpu_seconds_total"] {
		cpus[x.labels["cpu"]] = true
	}
	r.CPUs = len(cpus)
	idle := func(s series) float64 {
		return s.sum("node_cpu_seconds_total", func(l map[string]string) bool { return l["mode"] == "idle" || l["mode"] == "iowait" })
	}
	total := a.sum("node_cpu_seconds_total", nil) - b.sum("node_cpu_seconds_total", nil)
	if total > 0 {
		r.CPUBusy = 1 - (idle(a)-idle(b))/total
	}
	r.Load1, _ = a.one("node_load1")
	if r.CPUs > 0 && r.Load1/float64(r.CPUs) > t.LoadPerCPU {
		add(Finding{Severity: Warning, Check: "load", Message: fmt.Sprintf("load average %.2f on %d CPUs", r.Load1, r.CPUs),
			Action: "Find what is running (top, ps -eo pid,stat,pcpu,comm --sort=-pcpu); a load made of tasks in D state points at slow storage."})
	}

	r.MemTotal, _ = a.one("node_memory_MemTotal_bytes")
	r.MemAvailable, _ = a.one("node_memory_MemAvailable_bytes")
	if r.MemTotal > 0 {
		if pct := r.MemAvailable / r.MemTotal * 100; pct < t.MemAvailPercent {
			add(finding(Warning, "HostMemoryLow", fmt.Sprintf("only %.1f%% of memory available", pct)))
		}
	}
	if wa, ok := a.one("node_pressure_memory_waiting_seconds_total"); ok && dt >= 100*time.Millisecond {
		wb, _ := b.one("node_pressure_memory_waiting_seconds_total")
		r.PSIMemoryShare = (wa - wb) / dt.Seconds()
		if r.PSIMemoryShare > t.PSIMemoryShare {
			add(finding(Warning, "HostMemoryPressure", fmt.Sprintf("tasks stalled on memory %.0f%% of the sampled time", r.PSIMemoryShare*100)))
		}
	}

	for _, x := range a["node_filesystem_size_bytes"] {
		l := x.labels
		fs := FS{Mountpoint: l["mountpoint"], Device: l["device"], FSType: l["fstype"], Size: x.v}
		match := func(name string) float64 {
			for _, y := range a[name] {
				if y.labels["mountpoint"] == fs.Mountpoint && y.labels["device"] == fs.Device {
					return y.v
				}
			}
			return 0
		}
		fs.Avail = match("node_filesystem_avail_bytes")
		fs.ReadOnly = match("node_filesystem_readonly") == 1
		r.Filesystems = append(r.Filesystems, fs)
		if fs.Size <= 0 || fs.FSType == "tmpfs" || fs.FSType == "ramfs" {
			continue
		}
		pct := fs.Avail / fs.Size * 100
		switch {
		case pct < t.FSFreePercent:
			add(finding(Critical, "HostDiskAlmostFull", fmt.Sprintf("%s has %.1f%% free", fs.Mountpoint, pct)))
		case pct < 2*t.FSFreePercent:
			add(finding(Warning, "HostDiskAlmostFull", fmt.Sprintf("%s has %.1f%% free", fs.Mountpoint, pct)))
		}
	}
	sort.Slice(r.Filesystems, func(i, j int) bool { return r.Filesystems[i].Mountpoint < r.Filesystems[j].Mountpoint })

	for _, x := range a["node_network_receive_packets_total"] {
		dev := x.labels["device"]
		get := func(s series, name string) float64 {
			for _, y := range s[name] {
				if y.labels["device"] == dev {
					return y.v
				}
			}
			return 0
		}
		delta := func(name string) float64 { return get(a, name) - get(b, name) }
		n := Net{Device: dev,
			Packets: delta("node_network_receive_packets_total") + delta("node_network_transmit_packets_total"),
			Errors:  delta("node_network_receive_errs_total") + delta("node_network_transmit_errs_total")}
		r.Networks = append(r.Networks, n)
		if n.Packets > 0 && n.Errors/n.Packets > t.NetErrorShare {
			add(finding(Warning, "HostNetworkErrors", fmt.Sprintf("%s: %.1f%% of packets had errors while sampled", dev, n.Errors/n.Packets*100)))
		}
	}
	sort.Slice(r.Networks, func(i, j int) bool { return r.Networks[i].Device < r.Networks[j].Device })

	for _, f := range r.Findings {
		r.Verdict = max(r.Verdict, f.Severity)
	}
	slices.SortStableFunc(r.Findings, func(a, b Finding) int { return int(b.Severity) - int(a.Severity) })
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	return r
}
