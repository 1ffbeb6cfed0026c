//go:build cgo

package gpu_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/gpu"
)

// TestRealNVML runs the collector on the node's own NVIDIA driver. It
// skips where there is none, unless MLRE_REAL_GPU=1 says there must be
// one (scripts/record-gpu-run.sh and docs/hardware.md).
func TestRealNVML(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := gpu.New(gpu.Options{Logger: logger, XIDWait: 100 * time.Millisecond})
	if errors.Is(err, gpu.ErrNoDriver) {
		if os.Getenv("MLRE_REAL_GPU") == "1" {
			t.Fatalf("MLRE_REAL_GPU=1 but NVML is not available: %v", err)
		}
		t.Skipf("no NVIDIA driver here: %v", err)
	}
	require.NoError(t, err)
	t.Cleanup(c.Close)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()

	s := c.Snapshot()
	t.Logf("driver %s, NVML %s, CUDA %d, %d GPUs", s.DriverVersion, s.NVMLVersion, s.CUDADriverVersion, len(s.Devices))
	require.Regexp(t, `^\d+\.\d+`, s.DriverVersion)
	require.Positive(t, s.CUDADriverVersion)
	require.NotEmpty(t, s.Devices)
	busID := regexp.MustCompile(`^[0-9A-Fa-f]{8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9A-Fa-f]$`)
	for _, d := range s.Devices {
		t.Logf("GPU %d %s %s %s: %d readings, %d processes, MIG devices %d", d.Index, d.UUID, d.Name, d.PCIBusID, len(d.Values), len(d.Processes), len(d.MIG))
		require.NoError(t, d.Err, "GPU %d", d.Index)
		require.False(t, d.Lost)
		require.True(t, strings.HasPrefix(d.UUID, "GPU-"), d.UUID)
		require.True(t, strings.HasPrefix(d.Name, "NVIDIA "), d.Name)
		require.Regexp(t, busID, d.PCIBusID)
		for _, name := range []string{gpu.GPUUtil, gpu.FBUsed, gpu.FBFree, gpu.GPUTemp, gpu.PowerUsage, gpu.SMClock} {
			_, ok := d.Value(name)
			require.True(t, ok, "GPU %d lacks %s", d.Index, name)
		}
		util, _ := d.Value(gpu.GPUUtil)
		require.True(t, util >= 0 && util <= 100, "utilisation %v", util)
		temp, _ := d.Value(gpu.GPUTemp)
		require.True(t, temp > 0 && temp < 120, "temperature %v °C", temp)
		power, _ := d.Value(gpu.PowerUsage)
		require.True(t, power > 0 && power < 2000, "power %v W", power)
		used, _ := d.Value(gpu.FBUsed)
		free, _ := d.Value(gpu.FBFree)
		require.Greater(t, used+free, 1024.0, "framebuffer used+free MiB")
		names := make([]string, 0, len(d.Values))
		for n := range d.Values {
			names = append(names, n)
		}
		t.Logf("GPU %d readings: %v", d.Index, names)
	}

	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	require.NoError(t, err)
	byName := map[string]int{}
	for _, mf := range mfs {
		byName[mf.GetName()] = len(mf.GetMetric())
	}
	require.Equal(t, len(s.Devices), byName[gpu.GPUUtil], "one utilisation series per GPU")
	require.Equal(t, 1, byName["mlre_gpu_driver_info"])

	time.Sleep(500 * time.Millisecond) // the XID loop registers and waits
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5s of cancel")
	}
	require.NotContains(t, logs.String(), "level=ERROR", logs.String())
	t.Logf("collector log:\n%s", logs.String())
}
