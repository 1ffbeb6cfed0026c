package doctor

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/health"
)

func TestParseKernelLog(t *testing.T) {
	f, err := os.Open("testdata/kmsg.txt")
	require.NoError(t, err)
	defer f.Close()
	xs, err := ParseKernelLog(f, 7400*time.Second)
	require.NoError(t, err)
	require.Len(t, xs, 3)
	require.Equal(t, KernelXID{PCI: "0000:38:00", Code: 48, Age: 200 * time.Second, AgeSeconds: 200,
		Message: "pid=1234, name=python3, An uncorrectable double bit error (DBE) has been detected on GPU in the framebuffer at partition 6, subpartition 0."}, xs[0])
	require.Equal(t, 13, xs[1].Code)
	require.True(t, xs[0].matches("00000000:38:00.0"))
	require.False(t, xs[0].matches("00000000:48:00.0"))

	// Plain dmesg output: no kmsg header, so no age.
	xs, err = ParseKernelLog(strings.NewReader("[ 7200.1] NVRM: Xid (PCI:0000:3b:00): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus.\n"), time.Hour)
	require.NoError(t, err)
	require.Len(t, xs, 1)
	require.Equal(t, 79, xs[0].Code)
	require.Zero(t, xs[0].Age)
	require.True(t, xs[0].matches("00000000:3B:00.0"))
}

func TestReadKmsgFromAFile(t *testing.T) {
	b, _, err := ReadKmsg("testdata/kmsg.txt")
	require.NoError(t, err)
	require.Contains(t, string(b), "Xid (PCI:0000:38:00): 48")
	_, _, err = ReadKmsg("testdata/missing")
	require.ErrorContains(t, err, "testdata/missing")
}

// hostFamilies builds node_exporter-named families for ExamineHost.
func hostFamilies(t *testing.T, cpuIdle, cpuUser, memAvail, rootAvail, rxPkts, rxErrs, psi float64) []*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewRegistry()
	cpu := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "node_cpu_seconds_total", Help: "h"}, []string{"cpu", "mode"})
	cpu.WithLabelValues("0", "idle").Set(cpuIdle)
	cpu.WithLabelValues("0", "user").Set(cpuUser)
	g := func(name string, v float64) {
		x := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: "h"})
		x.Set(v)
		reg.MustRegister(x)
	}
	g("node_load1", 0.5)
	g("node_memory_MemTotal_bytes", 100<<30)
	g("node_memory_MemAvailable_bytes", memAvail)
	g("node_pressure_memory_waiting_seconds_total", psi)
	fs := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "node_filesystem_size_bytes", Help: "h"}, []string{"device", "fstype", "mountpoint"})
	fa := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "node_filesystem_avail_bytes", Help: "h"}, []string{"device", "fstype", "mountpoint"})
	fs.WithLabelValues("/dev/sda1", "ext4", "/").Set(1000)
	fa.WithLabelValues("/dev/sda1", "ext4", "/").Set(rootAvail)
	fs.WithLabelValues("/dev/sdb1", "xfs", "/data").Set(1000)
	fa.WithLabelValues("/dev/sdb1", "xfs", "/data").Set(500)
	net := func(name string, v float64) {
		x := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: "h"}, []string{"device"})
		x.WithLabelValues("eth0").Set(v)
		reg.MustRegister(x)
	}
	net("node_network_receive_packets_total", rxPkts)
	net("node_network_receive_errs_total", rxErrs)
	net("node_network_transmit_packets_total", 0)
	net("node_network_transmit_errs_total", 0)
	reg.MustRegister(cpu, fs, fa)
	mfs, err := reg.Gather()
	require.NoError(t, err)
	return mfs
}

func TestExamineHost(t *testing.T) {
	th := DefaultThresholds()
	before := hostFamilies(t, 100, 10, 50<<30, 400, 1000, 0, 10)
	t.Run("healthy", func(t *testing.T) {
		after := hostFamilies(t, 101.5, 10.5, 50<<30, 400, 2000, 0, 10)
		r := ExamineHost(before, after, 2*time.Second, th)
		require.Equal(t, OK, r.Verdict, "%+v", r.Findings)
		require.InDelta(t, 0.25, r.CPUBusy, 1e-9) // 0.5 of 2 CPU-seconds
		require.Equal(t, 1, r.CPUs)
		require.InDelta(t, 0, r.PSIMemoryShare, 1e-9)
		require.Len(t, r.Filesystems, 2)
		require.Equal(t, []Net{{Device: "eth0", Packets: 1000, Errors: 0}}, r.Networks)
	})
	t.Run("sick", func(t *testing.T) {
		after := hostFamilies(t, 101, 12, 5<<30, 30, 2000, 50, 10.5)
		r := ExamineHost(before, after, time.Second, th)
		require.Equal(t, Critical, r.Verdict)
		checks := map[string]Severity{}
		for _, f := range r.Findings {
			checks[f.Check] = f.Severity
		}
		require.Equal(t, map[string]Severity{
			"HostDiskAlmostFull": Critical, // 3% free on /
			"HostMemoryLow":      Warning,  // 5% available
			"HostMemoryPressure": Warning,  // stalled half the second
			"HostNetworkErrors":  Warning,  // 5% of packets
		}, checks)
		require.Equal(t, Critical, r.Findings[0].Severity, "the worst finding comes first")
	})
}

// FuzzParseKernelLog: any kernel log parses without a panic, and every XID
// found is one the driver's line format holds.
func FuzzParseKernelLog(f *testing.F) {
	b, err := os.ReadFile("testdata/kmsg.txt")
	require.NoError(f, err)
	f.Add(string(b), int64(7400))
	f.Add("6,1,x,-;NVRM: Xid (PCI:0000:3b:00): 99999999999999999999, oops\n", int64(0))
	f.Add("NVRM: Xid (PCI:): 79\n;;;", int64(-5))
	f.Fuzz(func(t *testing.T, log string, up int64) {
		xs, _ := ParseKernelLog(strings.NewReader(log), time.Duration(up)*time.Second)
		for _, x := range xs {
			require.GreaterOrEqual(t, x.Code, 0)
			require.Contains(t, log, x.PCI)
			_ = x.matches("00000000:3B:00.0")
			_ = x.Ago()
		}
	})
}

func TestThresholdsFor(t *testing.T) {
	ten, two := 10.0, 2.0
	th := ThresholdsFor(&health.Config{Rules: map[string]health.Override{"HostDiskAlmostFull": {Threshold: &ten}, "GPUIdle": {Threshold: &two}}})
	require.Equal(t, 10.0, th.FSFreePercent)
	require.Equal(t, 2.0, th.IdleUtilPercent)
	require.Equal(t, DefaultThresholds().MemAvailPercent, th.MemAvailPercent)
	require.Equal(t, DefaultThresholds(), ThresholdsFor(nil))
}
