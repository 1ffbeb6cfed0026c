package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/prometheus/prometheus/prompb"
)

// Value behaviours of a synthetic series.
const (
	kindCounter = iota // monotonically increasing, like *_total
	kindGauge          // random walk around a level, like temperatures or utilisation
	kindConst          // never changes, like *_size_bytes or node_boot_time_seconds
)

// series is one synthetic time series: its label set (sorted by name, as
// Prometheus sends it) and the state that produces its next value.
type series struct {
	labels []prompb.Label
	kind   uint8
	value  float64
	scale  float64 // counter increment or gauge jitter per sample
}

// next advances the series by one sample and returns the new value.
func (s *series) next(r *rand.Rand) float64 {
	switch s.kind {
	case kindCounter:
		s.value += math.Floor(r.Float64()*s.scale*100) / 100
	case kindGauge:
		s.value += (r.Float64() - 0.5) * s.scale
		if s.value < 0 {
			s.value = -s.value
		}
	}
	return s.value
}

// seriesGen builds label sets that look like what a GPU fleet sends over
// remote_write: node_exporter (job="node", port 9100) and dcgm-exporter
// (job="dcgm", port 9400, one set per GPU) on every host, plus an external
// label cluster=<cluster> as a Prometheus agent would add. One host yields
// about 500 series.
type seriesGen struct {
	cluster string
	rng     *rand.Rand
	out     []*series
	want    int
}

func (g *seriesGen) full() bool { return len(g.out) >= g.want }

func (g *seriesGen) add(kind uint8, value, scale float64, kv ...string) {
	if g.full() {
		return
	}
	ls := make([]prompb.Label, 0, len(kv)/2+1)
	for i := 0; i+1 < len(kv); i += 2 {
		ls = append(ls, prompb.Label{Name: kv[i], Value: kv[i+1]})
	}
	ls = append(ls, prompb.Label{Name: "cluster", Value: g.cluster})
	sort.Slice(ls, func(i, j int) bool { return ls[i].Name < ls[j].Name })
	g.out = append(g.out, &series{labels: ls, kind: kind, value: value, scale: scale})
}

// genSeries returns n series. The same n and cluster always give the same
// label sets, so repeated runs against one server hit the same series.
func genSeries(n int, cluster string) []*series {
	g := &seriesGen{cluster: cluster, rng: rand.New(rand.NewPCG(1, 2)), want: n}
	for host := 0; !g.full(); host++ {
		g.nodeExporter(host)
		g.dcgm(host)
	}
	return g.out
}

func (g *seriesGen) nodeExporter(host int) {
	inst := fmt.Sprintf("gpu-node-%04d:9100", host)
	base := func(name string, kv ...string) []string {
		return append([]string{"__name__", name, "instance", inst, "job", "node"}, kv...)
	}
	r := g.rng
	for cpu := 0; cpu < 32; cpu++ {
		for _, mode := range []string{"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"} {
			g.add(kindCounter, r.Float64()*1e6, 15, base("node_cpu_seconds_total", "cpu", fmt.Sprint(cpu), "mode", mode)...)
		}
	}
	const memTotal = 2 << 40
	g.add(kindConst, memTotal, 0, base("node_memory_MemTotal_bytes")...)
	for _, m := range []string{"MemFree", "MemAvailable", "Buffers", "Cached", "Active", "Inactive", "Dirty", "Shmem", "Slab", "Mapped", "AnonPages"} {
		g.add(kindGauge, r.Float64()*memTotal/2, 1<<24, base("node_memory_"+m+"_bytes")...)
	}
	g.add(kindConst, 8<<30, 0, base("node_memory_SwapTotal_bytes")...)
	g.add(kindConst, 8<<30, 0, base("node_memory_SwapFree_bytes")...)
	for _, l := range []string{"node_load1", "node_load5", "node_load15"} {
		g.add(kindGauge, r.Float64()*64, 2, base(l)...)
	}
	for _, fs := range [][3]string{{"/dev/nvme0n1p2", "ext4", "/"}, {"/dev/nvme0n1p1", "vfat", "/boot/efi"}, {"/dev/md0", "xfs", "/scratch"}, {"tmpfs", "tmpfs", "/run"}} {
		size := float64(1+r.IntN(64)) * (1 << 34)
		g.add(kindConst, size, 0, base("node_filesystem_size_bytes", "device", fs[0], "fstype", fs[1], "mountpoint", fs[2])...)
		for _, m := range []string{"avail", "free"} {
			g.add(kindGauge, size*r.Float64(), 1<<20, base("node_filesystem_"+m+"_bytes", "device", fs[0], "fstype", fs[1], "mountpoint", fs[2])...)
		}
		g.add(kindConst, 0, 0, base("node_filesystem_readonly", "device", fs[0], "fstype", fs[1], "mountpoint", fs[2])...)
	}
	for _, dev := range []string{"eth0", "eth1", "ib0", "ib1", "lo"} {
		for _, dir := range []string{"receive", "transmit"} {
			g.add(kindCounter, r.Float64()*1e12, 1e8, base("node_network_"+dir+"_bytes_total", "device", dev)...)
			g.add(kindCounter, r.Float64()*1e9, 1e5, base("node_network_"+dir+"_packets_total", "device", dev)...)
			g.add(kindCounter, 0, 0.02, base("node_network_"+dir+"_errs_total", "device", dev)...)
			g.add(kindCounter, 0, 0.05, base("node_network_"+dir+"_drop_total", "device", dev)...)
		}
		g.add(kindConst, 1, 0, base("node_network_up", "device", dev)...)
		g.add(kindConst, 9000, 0, base("node_network_mtu_bytes", "device", dev)...)
	}
	for d := 0; d < 4; d++ {
		dev := fmt.Sprintf("nvme%dn1", d)
		g.add(kindCounter, r.Float64()*1e13, 1e9, base("node_disk_read_bytes_total", "device", dev)...)
		g.add(kindCounter, r.Float64()*1e13, 1e9, base("node_disk_written_bytes_total", "device", dev)...)
		g.add(kindCounter, r.Float64()*1e9, 1e5, base("node_disk_reads_completed_total", "device", dev)...)
		g.add(kindCounter, r.Float64()*1e9, 1e5, base("node_disk_writes_completed_total", "device", dev)...)
		g.add(kindCounter, r.Float64()*1e6, 15, base("node_disk_io_time_seconds_total", "device", dev)...)
		g.add(kindGauge, 0, 2, base("node_disk_io_now", "device", dev)...)
	}
	g.add(kindCounter, r.Float64()*1e12, 1e6, base("node_context_switches_total")...)
	g.add(kindCounter, r.Float64()*1e12, 1e6, base("node_intr_total")...)
	g.add(kindCounter, r.Float64()*1e8, 100, base("node_forks_total")...)
	g.add(kindGauge, 4, 4, base("node_procs_running")...)
	g.add(kindGauge, 0, 1, base("node_procs_blocked")...)
	g.add(kindConst, 1.7e9, 0, base("node_boot_time_seconds")...)
	g.add(kindGauge, 1.7e9, 0, base("node_time_seconds")...)
	g.add(kindConst, 1, 0, base("up")...)
}

func (g *seriesGen) dcgm(host int) {
	hostname := fmt.Sprintf("gpu-node-%04d", host)
	inst := hostname + ":9400"
	r := g.rng
	metrics := []struct {
		name         string
		kind         uint8
		level, scale float64
	}{
		{"DCGM_FI_DEV_SM_CLOCK", kindGauge, 1980, 30},
		{"DCGM_FI_DEV_MEM_CLOCK", kindConst, 2619, 0},
		{"DCGM_FI_DEV_GPU_TEMP", kindGauge, 55, 1},
		{"DCGM_FI_DEV_MEMORY_TEMP", kindGauge, 60, 1},
		{"DCGM_FI_DEV_POWER_USAGE", kindGauge, 550, 20},
		{"DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", kindCounter, 1e12, 8000},
		{"DCGM_FI_DEV_PCIE_REPLAY_COUNTER", kindConst, 0, 0},
		{"DCGM_FI_DEV_GPU_UTIL", kindGauge, 90, 5},
		{"DCGM_FI_DEV_MEM_COPY_UTIL", kindGauge, 40, 5},
		{"DCGM_FI_DEV_ENC_UTIL", kindConst, 0, 0},
		{"DCGM_FI_DEV_DEC_UTIL", kindConst, 0, 0},
		{"DCGM_FI_DEV_XID_ERRORS", kindConst, 0, 0},
		{"DCGM_FI_DEV_FB_FREE", kindGauge, 20000, 100},
		{"DCGM_FI_DEV_FB_USED", kindGauge, 61000, 100},
		{"DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL", kindCounter, 1e12, 1e9},
		{"DCGM_FI_DEV_VGPU_LICENSE_STATUS", kindConst, 0, 0},
		{"DCGM_FI_PROF_GR_ENGINE_ACTIVE", kindGauge, 0.8, 0.05},
		{"DCGM_FI_PROF_SM_ACTIVE", kindGauge, 0.7, 0.05},
		{"DCGM_FI_PROF_SM_OCCUPANCY", kindGauge, 0.4, 0.05},
		{"DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", kindGauge, 0.5, 0.05},
		{"DCGM_FI_PROF_DRAM_ACTIVE", kindGauge, 0.6, 0.05},
	}
	for gpu := 0; gpu < 8; gpu++ {
		uuid := fmt.Sprintf("GPU-%08x-%04x-%04x-%04x-%012x", r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint64()&0xffffffffffff)
		for _, m := range metrics {
			g.add(m.kind, m.level, m.scale,
				"__name__", m.name, "instance", inst, "job", "dcgm",
				"gpu", fmt.Sprint(gpu), "UUID", uuid, "device", fmt.Sprintf("nvidia%d", gpu),
				"modelName", "NVIDIA H100 80GB HBM3", "Hostname", hostname,
				"DCGM_FI_DRIVER_VERSION", "550.54.15")
		}
	}
}
