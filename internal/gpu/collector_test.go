//go:build cgo

package gpu_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/gpu"
	"github.com/mlre-dev/mlre/internal/gpu/gpusim"
	"github.com/mlre-dev/mlre/internal/health"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func newCollector(t *testing.T, n *gpusim.Node, procPath string) *gpu.Collector {
	t.Helper()
	c, err := gpu.New(gpu.Options{Library: n.Lib(), Hostname: "gpu-node-1", ProcPath: procPath, XIDWait: 20 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// gather collects c into a registry and returns the families by name.
func gather(t *testing.T, c prometheus.Collector) map[string]*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(c))
	mfs, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// value finds the sample of family name whose labels include want.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	t.Helper()
	mf := fams[name]
	if mf == nil {
		return 0, false
	}
next:
	for _, m := range mf.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		}
	}
	return 0, false
}

func busy(n *gpusim.Node) {
	n.GPU(0).Update(func(s *gpusim.State) {
		s.Util, s.MemCopyUtil, s.FBUsedMiB = 87, 41, 61440
		s.TempC, s.MemTempC, s.PowerW = 71, 64, 612.5
		s.EnergyMJ = 123456789
		s.SMClockMHz, s.MemClockMHz = 1980, 2619
		s.PCIeReplays = 3
		s.ECCSBEVolatile, s.ECCSBEAggregate = 5, 17
		s.RemappedCorr = 2
		s.ClocksEventReasons = nvml.ClocksEventReasonSwPowerCap
		s.PowerViolation = 1500 * time.Microsecond
		s.NVLinkCRCFlit[0], s.NVLinkCRCFlit[7] = 4, 6
		s.Processes = []gpusim.Process{{PID: 4242, UsedBytes: 60 << 30, GIID: 0xFFFFFFFF}}
	})
}

func TestCollectDGXH100Golden(t *testing.T) {
	n := gpusim.NewDGXH100("gpu-node-1")
	busy(n)
	c := newCollector(t, n, filepath.Join("testdata", "proc"))
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(c))
	mfs, err := reg.Gather()
	require.NoError(t, err)
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		require.NoError(t, enc.Encode(mf))
	}
	golden := filepath.Join("testdata", "dgxh100.prom")
	if *update {
		require.NoError(t, os.WriteFile(golden, buf.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.Equal(t, string(want), buf.String(), "run go test ./internal/gpu -update to accept the new output")
}

func TestCollectValues(t *testing.T) {
	n := gpusim.NewDGXH100("gpu-node-1")
	busy(n)
	fams := gather(t, newCollector(t, n, filepath.Join("testdata", "proc")))
	gpu0 := map[string]string{"gpu": "0", "UUID": n.GPU(0).UUID(), "modelName": "NVIDIA H100 80GB HBM3",
		"Hostname": "gpu-node-1", "device": "nvidia0", "pci_bus_id": "00000000:18:00.0"}
	for _, tc := range []struct {
		name string
		want float64
	}{
		{gpu.GPUUtil, 87},
		{gpu.MemCopyUtil, 41},
		{gpu.FBUsed, 61440},
		{gpu.FBFree, 80*1024 - 61440 - 480}, // the mock H100 has 80 GiB, 480 MiB reserved
		{gpu.FBReserved, 480},
		{gpu.GPUTemp, 71},
		{gpu.MemoryTemp, 64},
		{gpu.PowerUsage, 612.5}, // NVML's milliwatts in watts
		{gpu.TotalEnergy, 123456789},
		{gpu.SMClock, 1980},
		{gpu.MemClock, 2619},
		{gpu.PCIeReplay, 3},
		{gpu.ECCSBEVol, 5},
		{gpu.ECCSBEAgg, 17},
		{gpu.ECCDBEVol, 0},
		{gpu.CorrectableRemapped, 2},
		{gpu.RowRemapFailure, 0},
		{gpu.ClocksEventReasons, 4},
		{gpu.PowerViolation, 1500}, // nanoseconds in microseconds
		{gpu.NVLinkCRCFlit, 10},    // summed over the links
		{gpu.XIDErrors, 0},
	} {
		got, ok := value(t, fams, tc.name, gpu0)
		require.True(t, ok, "%s missing for GPU 0", tc.name)
		require.InDelta(t, tc.want, got, 1e-9, tc.name)
	}
	// Hopper remaps rows instead of retiring pages: NVML says not
	// supported, and the series is absent rather than a false 0.
	_, ok := value(t, fams, gpu.RetiredSBE, nil)
	require.False(t, ok)
	require.Len(t, fams[gpu.GPUUtil].GetMetric(), 8)

	got, ok := value(t, fams, "mlre_gpu_process_memory_used_bytes", map[string]string{"gpu": "0", "pid": "4242"})
	require.True(t, ok)
	require.Equal(t, float64(60<<30), got)
	_, ok = value(t, fams, "mlre_gpu_process_memory_used_bytes", map[string]string{
		"pid": "4242", "process": "python3",
		"container_id": "3f4e8a5c1b2d4e6f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f",
		"pod_uid":      "7c1e6f5a-2b3d-4c5e-8f9a-0b1c2d3e4f5a"})
	require.True(t, ok, "the process's container and pod come from its cgroup")
	_, ok = value(t, fams, "mlre_gpu_driver_info", map[string]string{"driver_version": "550.54.15", "cuda_driver_version": "12.4"})
	require.True(t, ok)
}

// An idle GPU's driver-reserved memory is not "used" (a real H100 with
// driver 580 reserves 480 MiB: docs/hardware.md), unless the driver has
// only the first version of the memory call, which counts it as used.
func TestReservedMemoryIsNotUsed(t *testing.T) {
	n := gpusim.NewDGXH100("gpu-node-1")
	fams := gather(t, newCollector(t, n, ""))
	gpu1 := map[string]string{"gpu": "1"}
	for name, want := range map[string]float64{gpu.FBUsed: 0, gpu.FBReserved: 480, gpu.FBFree: 80*1024 - 480} {
		got, ok := value(t, fams, name, gpu1)
		require.True(t, ok, name)
		require.Equal(t, want, got, name)
	}

	n.Server.Devices[1].(*server.Device).GetMemoryInfo_v2Func = func() (nvml.Memory_v2, nvml.Return) {
		return nvml.Memory_v2{}, nvml.ERROR_FUNCTION_NOT_FOUND
	}
	fams = gather(t, newCollector(t, n, ""))
	used, _ := value(t, fams, gpu.FBUsed, gpu1)
	require.Equal(t, 480.0, used, "the first version counts reserved memory as used")
	_, ok := value(t, fams, gpu.FBReserved, gpu1)
	require.False(t, ok, "no reserved series without the second version")
}

func TestXIDsAreCountedByCode(t *testing.T) {
	n := gpusim.NewDGXH100("gpu-node-1")
	c := newCollector(t, n, "")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	require.Eventually(t, func() bool {
		n.GPU(3).InjectXID(13) // only reaches the collector once it has registered
		return countXIDs(c, 3, "13") > 0
	}, 5*time.Second, 30*time.Millisecond)
	// Events arrive in order: once a marker XID is counted, every XID 13
	// injected before it has been counted too (the loop above may have
	// had one in flight).
	n.GPU(3).InjectXID(31)
	require.Eventually(t, func() bool { return countXIDs(c, 3, "31") == 1 }, 5*time.Second, 10*time.Millisecond)
	before := countXIDs(c, 3, "13")
	n.GPU(3).InjectXID(13)
	n.GPU(3).InjectXID(48)
	require.Eventually(t, func() bool { return countXIDs(c, 3, "48") == 1 }, 5*time.Second, 10*time.Millisecond)
	require.Equal(t, before+1, countXIDs(c, 3, "13"))

	fams := gather(t, c)
	last, ok := value(t, fams, gpu.XIDErrors, map[string]string{"gpu": "3"})
	require.True(t, ok)
	require.Equal(t, 48.0, last, "DCGM_FI_DEV_XID_ERRORS is the last XID")
	other, _ := value(t, fams, gpu.XIDErrors, map[string]string{"gpu": "2"})
	require.Equal(t, 0.0, other)

	cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

func countXIDs(c *gpu.Collector, idx int, code string) float64 {
	for _, d := range c.Snapshot().Devices {
		if d.Index == idx {
			for k, v := range d.XIDs {
				if code == strconv.FormatUint(k, 10) {
					return float64(v)
				}
			}
		}
	}
	return 0
}

func TestGPUFallsOffTheBus(t *testing.T) {
	n := gpusim.NewDGXH100("gpu-node-1")
	c := newCollector(t, n, "")
	require.Equal(t, 8, testutil.CollectAndCount(c, gpu.GPUUtil))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	require.Eventually(t, func() bool {
		n.GPU(2).InjectXID(31) // until the collector has registered for events
		return countXIDs(c, 2, "31") > 0
	}, 5*time.Second, 30*time.Millisecond)

	n.GPU(5).InjectXID(79)
	require.Eventually(t, func() bool { return countXIDs(c, 5, "79") == 1 }, 5*time.Second, 10*time.Millisecond,
		"the XID is counted although the GPU no longer answers")
	fams := gather(t, c)
	require.Len(t, fams[gpu.GPUUtil].GetMetric(), 7, "a lost GPU stops reporting telemetry, so GPUMissing fires")
	_, ok := value(t, fams, gpu.GPUUtil, map[string]string{"gpu": "5"})
	require.False(t, ok)
	last, ok := value(t, fams, gpu.XIDErrors, map[string]string{"gpu": "5", "UUID": n.GPU(5).UUID()})
	require.True(t, ok, "the lost GPU keeps its identity and last XID")
	require.Equal(t, 79.0, last)
	total, ok := value(t, fams, gpu.XIDErrorsTotal, map[string]string{"gpu": "5", "xid": "79"})
	require.True(t, ok)
	require.Equal(t, 1.0, total)
	for _, m := range fams[gpu.XIDErrorsTotal].GetMetric() {
		require.NotNil(t, m.GetCounter().GetCreatedTimestamp(), "XID counters carry a created timestamp")
	}
	s := c.Snapshot()
	require.True(t, s.Devices[5].Lost)
	require.False(t, s.Devices[4].Lost)
}

// TestGPULostBeforeItsFirstCollection: a GPU that falls off the bus before
// mlre ever collected it keeps its identity (read when the collector
// starts), so its XID 79 is reported under its UUID.
func TestGPULostBeforeItsFirstCollection(t *testing.T) {
	n := gpusim.NewDGXH100("gpu-node-1")
	c := newCollector(t, n, "")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	require.Eventually(t, n.GPU(5).EventsRegistered, 5*time.Second, 10*time.Millisecond)
	n.GPU(5).InjectXID(79)
	require.Eventually(t, func() bool { return countXIDs(c, 5, "79") == 1 }, 5*time.Second, 10*time.Millisecond,
		"the XID of a GPU never collected before it was lost")
	fams := gather(t, c)
	last, ok := value(t, fams, gpu.XIDErrors, map[string]string{"gpu": "5", "UUID": n.GPU(5).UUID()})
	require.True(t, ok)
	require.Equal(t, 79.0, last)
}

func TestMIGDevices(t *testing.T) {
	n := gpusim.NewDGXH100("gpu-node-1")
	n.GPU(1).Update(func(s *gpusim.State) {
		s.MIG = []gpusim.MIG{{GIID: 7, Profile: "1g.10gb", UsedMiB: 4000, TotalMiB: 9856}, {GIID: 1, Profile: "3g.40gb", UsedMiB: 100, TotalMiB: 40192}}
	})
	fams := gather(t, newCollector(t, n, ""))
	v, ok := value(t, fams, gpu.FBUsed, map[string]string{"gpu": "1", "GPU_I_ID": "7", "GPU_I_PROFILE": "1g.10gb"})
	require.True(t, ok)
	require.Equal(t, 4000.0, v)
	v, ok = value(t, fams, gpu.FBFree, map[string]string{"gpu": "1", "GPU_I_ID": "1", "GPU_I_PROFILE": "3g.40gb"})
	require.True(t, ok)
	require.Equal(t, 40092.0, v)
}

func TestNoDriver(t *testing.T) {
	_, err := gpu.New(gpu.Options{LibraryPath: "/nonexistent/libnvidia-ml.so.1"})
	require.ErrorIs(t, err, gpu.ErrNoDriver)
	require.Contains(t, err.Error(), "NVML init")
	require.True(t, errors.Is(err, gpu.ErrNoDriver))
}

// TestHealthRulesReadCollectedSeries checks that every dcgm-exporter series
// the built-in health rules read is one the collector writes.
func TestHealthRulesReadCollectedSeries(t *testing.T) {
	written := map[string]bool{gpu.XIDErrorsTotal: true}
	for _, f := range gpu.Fields {
		written[f.Name] = true
	}
	deprecated := map[string]bool{"DCGM_FI_DEV_CLOCK_THROTTLE_REASONS": true} // read as an alternative only
	re := regexp.MustCompile(`DCGM_[A-Z_]+[A-Z]`)
	var missing []string
	for _, r := range health.Rules {
		for _, name := range re.FindAllString(r.Expr, -1) {
			if !written[name] && !deprecated[name] {
				missing = append(missing, r.Name+": "+name)
			}
		}
	}
	sort.Strings(missing)
	require.Empty(t, missing)
}
