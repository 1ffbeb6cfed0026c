// Command targets serves --count node_exporter-like scrape targets from one
// process: port --first-port+i on --host serves /metrics with about
// --series series in the Prometheus text format 0.0.4, with counters that
// grow and gauges that move between scrapes. It runs until SIGINT/SIGTERM.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"
)

type sample struct {
	labels string // {a="b",...} or ""
	value  float64
	scale  float64
}

type family struct {
	name, help, typ string
	samples         []sample
}

// target is one exporter's metrics; each scrape advances it.
type target struct {
	mu       sync.Mutex
	families []family
	rng      *rand.Rand
	buf      bytes.Buffer
}

func newTarget(seed uint64, want int) *target {
	t := &target{rng: rand.New(rand.NewPCG(seed, 7))}
	r := t.rng
	n := 0
	add := func(name, help, typ string, lbls []string, level, scale float64) {
		f := family{name: name, help: help, typ: typ}
		for _, l := range lbls {
			if n >= want {
				break
			}
			f.samples = append(f.samples, sample{labels: l, value: level * (0.5 + r.Float64()), scale: scale})
			n++
		}
		if len(f.samples) > 0 {
			t.families = append(t.families, f)
		}
	}
	none := []string{""}
	var cpuModes []string
	for cpu := 0; cpu < 16; cpu++ {
		for _, m := range []string{"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"} {
			cpuModes = append(cpuModes, fmt.Sprintf(`{cpu="%d",mode="%s"}`, cpu, m))
		}
	}
	var cpus, guest []string
	for cpu := 0; cpu < 16; cpu++ {
		cpus = append(cpus, fmt.Sprintf(`{cpu="%d"}`, cpu))
		guest = append(guest, fmt.Sprintf(`{cpu="%d",mode="nice"}`, cpu), fmt.Sprintf(`{cpu="%d",mode="user"}`, cpu))
	}
	var fss []string
	for _, fs := range [][3]string{{"/dev/nvme0n1p2", "ext4", "/"}, {"/dev/nvme0n1p1", "vfat", "/boot/efi"}, {"/dev/md0", "xfs", "/scratch"}, {"tmpfs", "tmpfs", "/run"}, {"tmpfs", "tmpfs", "/dev/shm"}} {
		fss = append(fss, fmt.Sprintf(`{device="%s",fstype="%s",mountpoint="%s"}`, fs[0], fs[1], fs[2]))
	}
	var netdevs, disks []string
	for _, d := range []string{"eth0", "eth1", "ib0", "lo"} {
		netdevs = append(netdevs, fmt.Sprintf(`{device="%s"}`, d))
	}
	for d := 0; d < 4; d++ {
		disks = append(disks, fmt.Sprintf(`{device="nvme%dn1"}`, d))
	}

	add("node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", "counter", cpuModes, 1e5, 15)
	add("node_cpu_guest_seconds_total", "Seconds the CPUs spent in guests (VMs) for each mode.", "counter", guest, 0, 0)
	add("node_cpu_scaling_frequency_hertz", "Current scaled CPU thread frequency in hertz.", "gauge", cpus, 2.5e9, 1e8)
	for _, m := range []string{"MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapCached", "Active", "Inactive", "Active_anon", "Inactive_anon",
		"Active_file", "Inactive_file", "Unevictable", "Mlocked", "SwapTotal", "SwapFree", "Dirty", "Writeback", "AnonPages", "Mapped", "Shmem", "KReclaimable",
		"Slab", "SReclaimable", "SUnreclaim", "KernelStack", "PageTables", "NFS_Unstable", "Bounce", "WritebackTmp", "CommitLimit", "Committed_AS",
		"VmallocTotal", "VmallocUsed", "VmallocChunk", "Percpu", "HardwareCorrupted", "AnonHugePages", "ShmemHugePages", "HugePages_Total", "Hugepagesize"} {
		add("node_memory_"+m+"_bytes", "Memory information field "+m+"_bytes.", "gauge", none, 1<<33, 1<<20)
	}
	for _, l := range []string{"node_load1", "node_load5", "node_load15"} {
		add(l, l[5:]+"m load average.", "gauge", none, 4, 0.5)
	}
	for _, m := range []string{"avail", "free", "size", "files", "files_free"} {
		add("node_filesystem_"+m+"_bytes", "Filesystem "+m+" in bytes.", "gauge", fss, 1<<36, 1<<20)
	}
	add("node_filesystem_readonly", "Filesystem read-only status.", "gauge", fss, 0, 0)
	add("node_filesystem_device_error", "Whether an error occurred while getting statistics for the given device.", "gauge", fss, 0, 0)
	for _, dir := range []string{"receive", "transmit"} {
		for _, m := range []string{"bytes", "packets", "errs", "drop", "fifo", "compressed", "multicast", "frame"} {
			add("node_network_"+dir+"_"+m+"_total", "Network device statistic "+dir+"_"+m+".", "counter", netdevs, 1e9, 1e6)
		}
	}
	for _, m := range []string{"up", "mtu_bytes", "speed_bytes", "carrier", "address_assign_type", "device_id", "dormant", "flags", "iface_id", "iface_link", "net_dev_group", "protocol_type", "transmit_queue_length"} {
		add("node_network_"+m, "Network device property "+m+".", "gauge", netdevs, 1, 0)
	}
	for _, m := range []string{"read_bytes_total", "written_bytes_total", "reads_completed_total", "writes_completed_total", "reads_merged_total", "writes_merged_total",
		"read_time_seconds_total", "write_time_seconds_total", "io_time_seconds_total", "io_time_weighted_seconds_total", "discarded_sectors_total",
		"discards_completed_total", "discards_merged_total", "discard_time_seconds_total", "flush_requests_total", "flush_requests_time_seconds_total"} {
		add("node_disk_"+m, "Disk statistic "+m+".", "counter", disks, 1e9, 1e6)
	}
	add("node_disk_io_now", "The number of I/Os currently in progress.", "gauge", disks, 1, 1)
	for _, m := range []string{"context_switches_total", "intr_total", "forks_total"} {
		add("node_"+m, "Total number of "+m+".", "counter", none, 1e9, 1e5)
	}
	add("node_procs_running", "Number of processes in runnable state.", "gauge", none, 4, 2)
	add("node_procs_blocked", "Number of processes blocked waiting for I/O to complete.", "gauge", none, 0, 1)
	add("node_boot_time_seconds", "Node boot time, in unixtime.", "gauge", none, 1.7e9, 0)
	add("node_time_seconds", "System time in seconds since epoch (1970).", "gauge", none, 1.7e9, 15)
	add("node_entropy_available_bits", "Bits of available entropy.", "gauge", none, 256, 0)
	add("node_filefd_allocated", "File descriptor statistics: allocated.", "gauge", none, 5000, 50)
	add("node_filefd_maximum", "File descriptor statistics: maximum.", "gauge", none, 9.2e18, 0)
	for _, m := range []string{"go_goroutines", "go_threads", "process_open_fds", "process_resident_memory_bytes"} {
		add(m, "Exporter self metric "+m+".", "gauge", none, 1e3, 10)
	}
	// Fill up to the wanted size with /proc/vmstat-like counters.
	vmstat := []string{"pgpgin", "pgpgout", "pswpin", "pswpout", "pgfault", "pgmajfault", "oom_kill"}
	for i := 0; n < want; i++ {
		name := fmt.Sprintf("node_vmstat_field%d", i)
		if i < len(vmstat) {
			name = "node_vmstat_" + vmstat[i]
		}
		add(name, "/proc/vmstat information field.", "untyped", none, 1e7, 1e3)
	}
	return t
}

// render advances every sample and writes the text exposition.
func (t *target) render() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := &t.buf
	b.Reset()
	var num []byte
	for fi := range t.families {
		f := &t.families[fi]
		b.WriteString("# HELP ")
		b.WriteString(f.name)
		b.WriteByte(' ')
		b.WriteString(f.help)
		b.WriteString("\n# TYPE ")
		b.WriteString(f.name)
		b.WriteByte(' ')
		b.WriteString(f.typ)
		b.WriteByte('\n')
		for si := range f.samples {
			s := &f.samples[si]
			if s.scale != 0 {
				if f.typ == "counter" {
					s.value += math.Floor(t.rng.Float64() * s.scale)
				} else {
					s.value = math.Abs(s.value + (t.rng.Float64()-0.5)*s.scale)
				}
			}
			b.WriteString(f.name)
			b.WriteString(s.labels)
			b.WriteByte(' ')
			num = strconv.AppendFloat(num[:0], s.value, 'g', -1, 64)
			b.Write(num)
			b.WriteByte('\n')
		}
	}
	return append([]byte(nil), b.Bytes()...)
}

func (t *target) series() int {
	n := 0
	for _, f := range t.families {
		n += len(f.samples)
	}
	return n
}

func main() {
	host := flag.String("host", "127.0.0.1", "address to listen on (loopback)")
	first := flag.Int("first-port", 39900, "port of the first target")
	count := flag.Int("count", 100, "number of targets (ports first-port .. first-port+count-1)")
	want := flag.Int("series", 500, "series per target")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var servers []*http.Server
	for i := 0; i < *count; i++ {
		t := newTarget(uint64(i)+1, *want)
		mux := http.NewServeMux()
		mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
			body := t.render()
			w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			_, _ = w.Write(body)
		})
		addr := net.JoinHostPort(*host, strconv.Itoa(*first+i))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "targets:", err)
			os.Exit(1)
		}
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, srv)
		go func() { _ = srv.Serve(ln) }()
		if i == 0 {
			fmt.Printf("targets: %d on %s:%d-%d, %d series each\n", *count, *host, *first, *first+*count-1, t.series())
		}
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range servers {
		_ = s.Shutdown(sctx)
	}
}
