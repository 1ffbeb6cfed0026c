package hostmetrics

import (
	"bytes"
	"flag"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/procfs"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.prom")

// fixtureTime is the fake clock of fixture collectors. As it never moves,
// every node_scrape_collector_duration_seconds is 0.
var fixtureTime = time.Date(2025, 3, 14, 15, 9, 26, 500_000_000, time.UTC)

var fixtureUname = unameInfo{
	sysname:    "Linux",
	release:    "6.8.0-45-generic",
	version:    "#45-Ubuntu SMP PREEMPT_DYNAMIC Fri Aug 30 12:02:04 UTC 2024",
	machine:    "x86_64",
	nodename:   "gpu-node-7",
	domainname: "(none)",
}

// fakeStatfs answers statfs for the mount points of testdata/proc/1/mountinfo:
// /mnt/nfs hangs until released, /mnt/secret fails, the others report sizes
// derived from the mount point.
type fakeStatfs struct {
	root    string
	release chan struct{}
	once    sync.Once

	mu    sync.Mutex
	calls map[string]int
}

func newFakeStatfs(t *testing.T, root string) *fakeStatfs {
	f := &fakeStatfs{root: root, release: make(chan struct{}), calls: map[string]int{}}
	t.Cleanup(f.unblock) // let hung calls finish before the next test
	return f
}

func (f *fakeStatfs) unblock() { f.once.Do(func() { close(f.release) }) }

func (f *fakeStatfs) count(mountPoint string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[mountPoint]
}

func (f *fakeStatfs) statfs(path string) (fsUsage, error) {
	mp, err := filepath.Rel(f.root, path)
	if err != nil {
		return fsUsage{}, err
	}
	mp = "/" + strings.TrimPrefix(mp, ".")
	mp = filepath.Clean(mp)
	f.mu.Lock()
	f.calls[mp]++
	f.mu.Unlock()
	switch mp {
	case "/mnt/nfs":
		<-f.release
		return fsUsage{size: 1 << 40, free: 1 << 39, avail: 1 << 39, files: 1000, filesFree: 10}, nil
	case "/mnt/secret":
		return fsUsage{}, unix.EACCES
	}
	n := float64(len(mp)) // different per mount point, and deterministic
	return fsUsage{size: n * 1e9, free: n * 4e8, avail: n * 3e8, files: n * 1e5, filesFree: n * 9e4}, nil
}

// fixture is a collector over testdata with faked clock, uname and statfs.
type fixture struct {
	c      *Collector
	statfs *fakeStatfs
	logs   *bytes.Buffer
}

// newFixture builds a collector over testdata. The udev database lives in a
// temporary RootPath because its file names (b8:0) contain colons.
func newFixture(t *testing.T, o Options) fixture {
	t.Helper()
	if o.ProcPath == "" {
		o.ProcPath = filepath.Join("testdata", "proc")
	}
	if o.SysPath == "" {
		o.SysPath = filepath.Join("testdata", "sys")
	}
	if o.RootPath == "" {
		o.RootPath = t.TempDir()
		writeUdev(t, o.RootPath)
	}
	logs := &bytes.Buffer{}
	o.Logger = slog.New(slog.NewTextHandler(&syncWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newFakeStatfs(t, o.RootPath)
	c, err := newCollector(o, hooks{
		now:          func() time.Time { return fixtureTime },
		uname:        func() (unameInfo, error) { return fixtureUname, nil },
		statfs:       f.statfs,
		mountTimeout: 50 * time.Millisecond,
	})
	require.NoError(t, err)
	return fixture{c: c, statfs: f, logs: logs}
}

func writeUdev(t *testing.T, root string) {
	t.Helper()
	dir := filepath.Join(root, "run", "udev", "data")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	for name, content := range map[string]string{
		"b8:0": "S:disk/by-id/ata-SAMSUNG_SSD\nE:ID_ATA=1\nE:ID_ATA_WRITE_CACHE=1\nE:ID_ATA_WRITE_CACHE_ENABLED=0\n" +
			"E:ID_ATA_ROTATION_RATE_RPM=7200\nE:ID_MODEL=SAMSUNG_HD103SJ\nE:ID_PATH=pci-0000:00:1f.2-ata-1\n" +
			"E:ID_REVISION=1AJ10001\nE:ID_SERIAL_SHORT=S246J90Z123456\nE:ID_SERIAL=SAMSUNG_HD103SJ_S246J90Z123456\n" +
			"E:ID_WWN=0x50024e9003f5a1b2\nE:ID_FS_TYPE=LVM2_member\nE:ID_FS_USAGE=raid\nE:ID_FS_UUID=c3C3uW-gD96\nE:ID_FS_VERSION=LVM2 001\n",
		"b252:0": "E:DM_NAME=vg0-data\nE:DM_UUID=LVM-abc\nE:DM_VG_NAME=vg0\nE:DM_LV_NAME=data\nE:ID_FS_TYPE=xfs\n",
		"b254:0": "E:ID_PATH=pci-0000:00:04.0\nE:ID_SERIAL=virtio-serial-1\n",
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
}

// syncWriter serialises the concurrent sub-collectors' log writes.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// gather collects c through a pedantic registry, which rejects duplicate
// series, inconsistent help texts and invalid names.
func gather(t *testing.T, c prometheus.Collector) []*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(c))
	mfs, err := reg.Gather()
	require.NoError(t, err)
	return mfs
}

func exposition(t *testing.T, mfs []*dto.MetricFamily) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		require.NoError(t, enc.Encode(mf))
	}
	return b.Bytes()
}

func family(mfs []*dto.MetricFamily, name string) *dto.MetricFamily {
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf
		}
	}
	return nil
}

// series returns the series of a family that carry all the given labels.
func series(mfs []*dto.MetricFamily, name string, labels map[string]string) []*dto.Metric {
	mf := family(mfs, name)
	if mf == nil {
		return nil
	}
	var out []*dto.Metric
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, lp := range m.GetLabel() {
			have[lp.GetName()] = lp.GetValue()
		}
		match := true
		for k, v := range labels {
			if got, ok := have[k]; !ok || got != v {
				match = false
			}
		}
		if match {
			out = append(out, m)
		}
	}
	return out
}

func metricValue(m *dto.Metric) float64 {
	switch {
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	}
	return m.GetUntyped().GetValue()
}

// value returns the value of the only series of name with the given labels.
func value(t *testing.T, mfs []*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	ms := series(mfs, name, labels)
	require.Len(t, ms, 1, "series %s%v", name, labels)
	return metricValue(ms[0])
}

func TestGolden(t *testing.T) {
	got := exposition(t, gather(t, newFixture(t, Options{}).c))
	path := filepath.Join("testdata", "golden.prom")
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "go test ./internal/hostmetrics -run TestGolden -update creates it")
	require.Equal(t, string(want), string(got))
}

// TestFixtureValues checks values computed by hand from the files under
// testdata, so that the golden file is not the only witness.
func TestFixtureValues(t *testing.T) {
	fx := newFixture(t, Options{})
	mfs := gather(t, fx.c)

	const kB = 1024
	fsl := func(mountPoint string) map[string]string {
		return map[string]string{"mountpoint": mountPoint, "device_error": ""}
	}
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		// /proc/stat ticks divided by USER_HZ=100.
		{"node_cpu_seconds_total", map[string]string{"cpu": "0", "mode": "user"}, 44490.0 / 100},
		{"node_cpu_seconds_total", map[string]string{"cpu": "0", "mode": "idle"}, 1087069.0 / 100},
		{"node_cpu_seconds_total", map[string]string{"cpu": "1", "mode": "steal"}, 7.0 / 100},
		{"node_cpu_seconds_total", map[string]string{"cpu": "1", "mode": "softirq"}, 534.0 / 100},
		{"node_cpu_guest_seconds_total", map[string]string{"cpu": "1", "mode": "nice"}, 35.0 / 100},
		{"node_intr_total", nil, 8885917},
		{"node_context_switches_total", nil, 38014093},
		{"node_forks_total", nil, 26442},
		{"node_boot_time_seconds", nil, 1418183276},
		{"node_procs_running", nil, 2},
		{"node_procs_blocked", nil, 1},
		{"node_load1", nil, 0.21},
		{"node_load5", nil, 0.37},
		{"node_load15", nil, 0.39},
		// /proc/meminfo: kB times 1024, counts as they are.
		{"node_memory_MemTotal_bytes", nil, 24684092 * kB},
		{"node_memory_MemFree_bytes", nil, 17580320 * kB},
		{"node_memory_MemAvailable_bytes", nil, 24148140 * kB},
		{"node_memory_Buffers_bytes", nil, 81264 * kB},
		{"node_memory_Cached_bytes", nil, 6460392 * kB},
		{"node_memory_SwapTotal_bytes", nil, 8388604 * kB},
		{"node_memory_SwapFree_bytes", nil, 8388092 * kB},
		{"node_memory_Active_anon_bytes", nil, 992 * kB},
		{"node_memory_Inactive_file_bytes", nil, 1758548 * kB},
		{"node_memory_NFS_Unstable_bytes", nil, 0},
		{"node_memory_HugePages_Total", nil, 16},
		{"node_memory_HugePages_Free", nil, 12},
		{"node_memory_Hugepagesize_bytes", nil, 2048 * kB},
		// /proc/diskstats: 512-byte sectors, milliseconds.
		{"node_disk_reads_completed_total", map[string]string{"device": "sda"}, 25354637},
		{"node_disk_read_bytes_total", map[string]string{"device": "sda"}, 1003346126 * 512},
		{"node_disk_read_time_seconds_total", map[string]string{"device": "sda"}, 18492372.0 / 1000},
		{"node_disk_writes_completed_total", map[string]string{"device": "vda"}, 6038856},
		{"node_disk_written_bytes_total", map[string]string{"device": "vda"}, 213637440 * 512},
		{"node_disk_write_time_seconds_total", map[string]string{"device": "vda"}, 2069221364.0 / 1000},
		{"node_disk_io_now", map[string]string{"device": "vda"}, 3},
		{"node_disk_io_time_seconds_total", map[string]string{"device": "nvme0n1"}, 222766.0 / 1000},
		{"node_disk_io_time_weighted_seconds_total", map[string]string{"device": "dm-0"}, 1206301256.0 / 1000},
		{"node_disk_discarded_sectors_total", map[string]string{"device": "vda"}, 1925173784}, // sectors, as node_exporter
		{"node_disk_discard_time_seconds_total", map[string]string{"device": "nvme0n1"}, 11130.0 / 1000},
		{"node_disk_flush_requests_total", map[string]string{"device": "nvme0n1"}, 1555},
		{"node_disk_flush_requests_time_seconds_total", map[string]string{"device": "nvme0n1"}, 1944.0 / 1000},
		{"node_disk_reads_completed_total", map[string]string{"device": "mmcblk0"}, 192},
		{"node_disk_info", map[string]string{
			"device": "sda", "major": "8", "minor": "0", "rotational": "1", "model": "SAMSUNG_HD103SJ",
			"serial": "S246J90Z123456", "wwn": "0x50024e9003f5a1b2", "path": "pci-0000:00:1f.2-ata-1", "revision": "1AJ10001",
		}, 1},
		{"node_disk_info", map[string]string{"device": "vda", "rotational": "0", "serial": "virtio-serial-1"}, 1},
		{"node_disk_info", map[string]string{"device": "mmcblk0", "rotational": "0", "model": ""}, 1},
		{"node_disk_ata_rotation_rate_rpm", map[string]string{"device": "sda"}, 7200},
		{"node_disk_ata_write_cache_enabled", map[string]string{"device": "sda"}, 0},
		{"node_disk_filesystem_info", map[string]string{"device": "sda", "type": "LVM2_member", "version": "LVM2 001"}, 1},
		{"node_disk_device_mapper_info", map[string]string{"device": "dm-0", "name": "vg0-data", "vg_name": "vg0", "lv_name": "data"}, 1},
		{"node_disk_device_mapper_backing_device_info", map[string]string{"device": "dm-0", "backing_device": "sdb"}, 1},
		// /proc/net/dev.
		{"node_network_receive_bytes_total", map[string]string{"device": "eth0"}, 68210035552},
		{"node_network_receive_packets_total", map[string]string{"device": "eth0"}, 520993275},
		{"node_network_receive_errs_total", map[string]string{"device": "eth0"}, 7},
		{"node_network_receive_drop_total", map[string]string{"device": "eth0"}, 11},
		{"node_network_receive_fifo_total", map[string]string{"device": "eth0"}, 2},
		{"node_network_receive_frame_total", map[string]string{"device": "eth0"}, 3},
		{"node_network_receive_multicast_total", map[string]string{"device": "eth0"}, 419},
		{"node_network_transmit_bytes_total", map[string]string{"device": "eth0"}, 9315587528},
		{"node_network_transmit_packets_total", map[string]string{"device": "eth0"}, 43451486},
		{"node_network_transmit_errs_total", map[string]string{"device": "eth0"}, 5},
		{"node_network_transmit_drop_total", map[string]string{"device": "eth0"}, 1},
		{"node_network_transmit_colls_total", map[string]string{"device": "eth0"}, 4},
		{"node_network_transmit_carrier_total", map[string]string{"device": "eth0"}, 6},
		{"node_network_receive_bytes_total", map[string]string{"device": "ibr10:30"}, 0},
		// /proc/pressure: microseconds.
		{"node_pressure_cpu_waiting_seconds_total", nil, 14036781.0 / 1e6},
		{"node_pressure_memory_waiting_seconds_total", nil, 3},
		{"node_pressure_memory_stalled_seconds_total", nil, 1.5},
		{"node_pressure_io_waiting_seconds_total", nil, 159886802.0 / 1e6},
		{"node_pressure_io_stalled_seconds_total", nil, 159229614.0 / 1e6},
		{"node_pressure_irq_stalled_seconds_total", nil, 0.25},
		// Filesystems: fake statfs, read-only from the mount options.
		{"node_filesystem_size_bytes", fsl("/"), 1e9},
		{"node_filesystem_avail_bytes", fsl("/data"), 5 * 3e8},
		{"node_filesystem_files_free", fsl("/home/user files"), 16 * 9e4},
		{"node_filesystem_readonly", fsl("/"), 0}, // errors=remount-ro is not ro
		{"node_filesystem_readonly", fsl("/boot"), 1},
		{"node_filesystem_device_error", fsl("/data"), 0},
		{"node_filesystem_device_error", map[string]string{"mountpoint": "/mnt/nfs", "device_error": "mountpoint timeout"}, 1},
		{"node_filesystem_device_error", map[string]string{"mountpoint": "/mnt/secret", "device_error": "permission denied"}, 1},
		{"node_filesystem_mount_info", map[string]string{"mountpoint": "/data", "device": "/dev/mapper/vg0-data", "major": "252", "minor": "0"}, 1},
		// Clock and uname.
		{"node_time_seconds", nil, float64(fixtureTime.Unix()) + 0.5},
		{"node_time_zone_offset_seconds", map[string]string{"time_zone": "UTC"}, 0},
		{"node_time_clocksource_available_info", map[string]string{"device": "0", "clocksource": "hpet"}, 1},
		{"node_time_clocksource_current_info", map[string]string{"device": "0", "clocksource": "tsc"}, 1},
		{"node_uname_info", map[string]string{"sysname": "Linux", "release": "6.8.0-45-generic", "nodename": "gpu-node-7", "machine": "x86_64"}, 1},
	} {
		require.InDelta(t, tc.want, value(t, mfs, tc.name, tc.labels), 1e-9*max(1, tc.want), "%s%v", tc.name, tc.labels)
	}

	for _, tc := range []struct {
		name   string
		labels map[string]string
	}{
		{"node_disk_reads_completed_total", map[string]string{"device": "sda1"}},      // partition
		{"node_disk_reads_completed_total", map[string]string{"device": "nvme0n1p1"}}, // partition
		{"node_disk_reads_completed_total", map[string]string{"device": "loop0"}},
		{"node_disk_reads_completed_total", map[string]string{"device": "ram0"}},
		{"node_disk_discards_completed_total", map[string]string{"device": "sda"}}, // pre-4.18 line
		{"node_disk_flush_requests_total", map[string]string{"device": "vda"}},     // pre-5.5 line
		{"node_disk_ata_rotation_rate_rpm", map[string]string{"device": "vda"}},    // not ATA
		{"node_filesystem_size_bytes", map[string]string{"mountpoint": "/mnt/nfs"}},
		{"node_filesystem_readonly", map[string]string{"mountpoint": "/proc"}},
		{"node_filesystem_readonly", map[string]string{"mountpoint": "/sys"}},
		{"node_filesystem_readonly", map[string]string{"mountpoint": "/dev"}},
		{"node_filesystem_readonly", map[string]string{"mountpoint": "/sys/fs/cgroup"}},
		{"node_filesystem_readonly", map[string]string{"mountpoint": "/snap/core/1"}},
		{"node_filesystem_readonly", map[string]string{"mountpoint": "/run/credentials/systemd-journald.service"}},
		{"node_filesystem_readonly", map[string]string{"mountpoint": "/var/lib/docker/overlay2/abc/merged"}},
	} {
		require.Empty(t, series(mfs, tc.name, tc.labels), "%s%v should not be exported", tc.name, tc.labels)
	}

	require.Len(t, series(mfs, "node_cpu_seconds_total", nil), 2*8, "2 CPUs × 8 modes")
	require.Len(t, series(mfs, "node_filesystem_size_bytes", map[string]string{"mountpoint": "/data"}), 1,
		"a mount seen twice is reported once")
	for _, name := range []string{"cpu", "meminfo", "loadavg", "filesystem", "diskstats", "netdev", "pressure", "stat", "time", "uname"} {
		require.Equal(t, 1.0, value(t, mfs, "node_scrape_collector_success", map[string]string{"collector": name}), name)
		require.Equal(t, 0.0, value(t, mfs, "node_scrape_collector_duration_seconds", map[string]string{"collector": name}), name)
	}
}

// TestTypesAndHelp pins the metadata that dashboards and rules rely on.
func TestTypesAndHelp(t *testing.T) {
	mfs := gather(t, newFixture(t, Options{}).c)
	for _, tc := range []struct {
		name   string
		typ    dto.MetricType
		help   string
		labels []string
	}{
		{"node_cpu_seconds_total", dto.MetricType_COUNTER, "Seconds the CPUs spent in each mode.", []string{"cpu", "mode"}},
		{"node_memory_MemAvailable_bytes", dto.MetricType_GAUGE, "Memory information field MemAvailable_bytes.", nil},
		{"node_load1", dto.MetricType_GAUGE, "1m load average.", nil},
		{"node_filesystem_avail_bytes", dto.MetricType_GAUGE, "Filesystem space available to non-root users in bytes.",
			[]string{"device", "device_error", "fstype", "mountpoint"}},
		{"node_disk_io_time_seconds_total", dto.MetricType_COUNTER, "Total seconds spent doing I/Os.", []string{"device"}},
		{"node_disk_io_now", dto.MetricType_GAUGE, "The number of I/Os currently in progress.", []string{"device"}},
		{"node_network_receive_errs_total", dto.MetricType_COUNTER, "Network device statistic receive_errs.", []string{"device"}},
		{"node_pressure_memory_waiting_seconds_total", dto.MetricType_COUNTER, "Total time in seconds that processes have waited for memory", nil},
		{"node_boot_time_seconds", dto.MetricType_GAUGE, "Node boot time, in unixtime.", nil},
		{"node_time_seconds", dto.MetricType_GAUGE, "System time in seconds since epoch (1970).", nil},
		{"node_uname_info", dto.MetricType_GAUGE, "Labeled system information as provided by the uname system call.",
			[]string{"domainname", "machine", "nodename", "release", "sysname", "version"}},
		{"node_scrape_collector_success", dto.MetricType_GAUGE, "node_exporter: Whether a collector succeeded.", []string{"collector"}},
	} {
		mf := family(mfs, tc.name)
		require.NotNil(t, mf, tc.name)
		require.Equal(t, tc.typ, mf.GetType(), tc.name)
		require.Equal(t, tc.help, mf.GetHelp(), tc.name)
		var names []string
		for _, lp := range mf.GetMetric()[0].GetLabel() {
			names = append(names, lp.GetName())
		}
		require.Equal(t, tc.labels, names, tc.name)
	}
}

// TestFailuresAreIsolated runs against a procfs that only has stat: the
// sub-collectors that need other files report failure, the others carry on.
func TestFailuresAreIsolated(t *testing.T) {
	proc := t.TempDir()
	stat, err := os.ReadFile(filepath.Join("testdata", "proc", "stat"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(proc, "stat"), stat, 0o644))

	fx := newFixture(t, Options{ProcPath: proc, SysPath: filepath.Join(t.TempDir(), "missing")})
	var mfs []*dto.MetricFamily
	for range 2 {
		mfs = gather(t, fx.c)
	}
	for collector, want := range map[string]float64{
		"cpu": 1, "stat": 1, "uname": 1,
		"meminfo": 0, "loadavg": 0, "filesystem": 0, "diskstats": 0, "netdev": 0, "pressure": 0,
		"time": 0, // no sysfs clocksources
	} {
		require.Equal(t, want, value(t, mfs, "node_scrape_collector_success", map[string]string{"collector": collector}), collector)
	}
	require.Equal(t, 44490.0/100, value(t, mfs, "node_cpu_seconds_total", map[string]string{"cpu": "0", "mode": "user"}))
	require.Equal(t, float64(fixtureTime.Unix())+0.5, value(t, mfs, "node_time_seconds", nil),
		"the clock is reported even when sysfs is missing")
	require.Nil(t, family(mfs, "node_pressure_cpu_waiting_seconds_total"))

	logs := fx.logs.String()
	require.Equal(t, 1, strings.Count(logs, "pressure information is unavailable"),
		"missing PSI is logged once, at debug level:\n%s", logs)
	require.NotContains(t, logs, `level=WARN msg="collector failed" collector=pressure`)
	require.Contains(t, logs, `level=WARN msg="collector failed" collector=meminfo`)
}

func TestNewErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	for _, tc := range []struct {
		name string
		proc string
		is   error
	}{
		{"missing", filepath.Join(t.TempDir(), "nope"), fs.ErrNotExist},
		{"not a directory", file, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Options{ProcPath: tc.proc})
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.proc)
			if tc.is != nil {
				require.ErrorIs(t, err, tc.is)
			}
		})
	}
}

// TestRealHost collects from this machine's /proc, /sys and /.
func TestRealHost(t *testing.T) {
	c, err := New(Options{})
	require.NoError(t, err)
	mfs := gather(t, c)

	// diskstats, pressure and time depend on sysfs and kernel options that
	// containers may lack; the rest only need procfs.
	for _, name := range []string{"cpu", "meminfo", "loadavg", "filesystem", "netdev", "stat", "uname"} {
		require.Equal(t, 1.0, value(t, mfs, "node_scrape_collector_success", map[string]string{"collector": name}), name)
	}
	require.Positive(t, value(t, mfs, "node_memory_MemTotal_bytes", nil))
	require.Positive(t, value(t, mfs, "node_memory_MemAvailable_bytes", nil))
	require.LessOrEqual(t, value(t, mfs, "node_memory_MemAvailable_bytes", nil), value(t, mfs, "node_memory_MemTotal_bytes", nil))
	// /proc/stat lists every online CPU; NumCPU may be fewer under an affinity mask.
	require.GreaterOrEqual(t, len(series(mfs, "node_cpu_seconds_total", map[string]string{"mode": "idle"})), runtime.NumCPU())
	require.Positive(t, value(t, mfs, "node_cpu_seconds_total", map[string]string{"cpu": "0", "mode": "idle"}))
	require.GreaterOrEqual(t, value(t, mfs, "node_network_receive_bytes_total", map[string]string{"device": "lo"}), 0.0)
	require.GreaterOrEqual(t, value(t, mfs, "node_load15", nil), 0.0)
	require.Positive(t, value(t, mfs, "node_boot_time_seconds", nil))
	require.InDelta(t, float64(time.Now().Unix()), value(t, mfs, "node_time_seconds", nil), 60)

	// "/" is reported unless its type is one node_exporter leaves out, as
	// in a container whose root is an overlay.
	rootType := rootFSType(t)
	if regexp.MustCompile(DefaultFSTypeExclude).MatchString(rootType) {
		t.Logf("root file system is %s, which node_exporter excludes", rootType)
		return
	}
	root := map[string]string{"mountpoint": "/", "device_error": ""}
	require.Positive(t, value(t, mfs, "node_filesystem_size_bytes", root))
	require.Positive(t, value(t, mfs, "node_filesystem_files", root))
	require.Equal(t, 0.0, value(t, mfs, "node_filesystem_device_error", root))
}

func rootFSType(t *testing.T) string {
	t.Helper()
	fs, err := procfs.NewDefaultFS()
	require.NoError(t, err)
	mounts, err := fs.GetProcMounts(1)
	if err != nil {
		mounts, err = fs.GetMounts()
	}
	require.NoError(t, err)
	typ := ""
	for _, m := range mounts {
		if m.MountPoint == "/" {
			typ = m.FSType // the last mount on / is the visible one
		}
	}
	require.NotEmpty(t, typ, "no / in the mount table")
	return typ
}

// TestLint runs promlint over everything the collector emits, from the
// fixture and from this machine.
func TestLint(t *testing.T) {
	host, err := New(Options{})
	require.NoError(t, err)
	for name, c := range map[string]*Collector{"fixture": newFixture(t, Options{}).c, "host": host} {
		t.Run(name, func(t *testing.T) {
			problems, err := testutil.CollectAndLint(c)
			require.NoError(t, err)
			var left []promlint.Problem
			for _, p := range problems {
				// node_exporter keeps the kernel's field names in the
				// meminfo series (node_memory_MemTotal_bytes), which
				// promlint flags as camelCase. Renaming them would break
				// node_exporter dashboards, so that one finding is expected.
				if strings.HasPrefix(p.Metric, "node_memory_") && strings.Contains(p.Text, "camelCase") {
					continue
				}
				left = append(left, p)
			}
			require.Empty(t, left)
			require.True(t, slices.ContainsFunc(problems, func(p promlint.Problem) bool {
				return p.Metric == "node_memory_MemTotal_bytes"
			}), "the camelCase filter should have had something to filter")
		})
	}
}

func BenchmarkCollect(b *testing.B) {
	c, err := New(Options{})
	require.NoError(b, err)
	ch := make(chan prometheus.Metric, 1024)
	done := make(chan int)
	go func() {
		n := 0
		for range ch {
			n++
		}
		done <- n
	}()
	b.ReportAllocs()
	before := cpuTime(b)
	for b.Loop() {
		c.Collect(ch)
	}
	// Process CPU time (user+system, all threads, GC included), which is
	// what a scrape costs the host; ns/op is wall time.
	b.ReportMetric(float64(cpuTime(b)-before)/float64(b.N), "cpu-ns/op")
	close(ch)
	b.ReportMetric(float64(<-done)/float64(b.N), "metrics/op")
}

func cpuTime(b *testing.B) time.Duration {
	var ru unix.Rusage
	require.NoError(b, unix.Getrusage(unix.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
