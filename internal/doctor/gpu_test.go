//go:build cgo

package doctor

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/gpu"
	"github.com/mlre-dev/mlre/internal/gpu/gpusim"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// sickNode is a DGX H100 with one fault of each kind.
func sickNode(t *testing.T) (*gpusim.Node, gpu.Snapshot) {
	t.Helper()
	n := gpusim.NewDGXH100("gpu-node-1")
	n.GPU(0).Update(func(s *gpusim.State) { s.Util, s.FBUsedMiB, s.TempC, s.PowerW = 97, 70000, 66, 650 })
	n.GPU(1).Update(func(s *gpusim.State) { s.ECCDBEVolatile = 2 })
	n.GPU(3).Update(func(s *gpusim.State) { s.RemapPending = true })
	n.GPU(4).Update(func(s *gpusim.State) { s.ClocksEventReasons = nvml.ClocksThrottleReasonHwSlowdown })
	n.GPU(5).Update(func(s *gpusim.State) { s.Util, s.FBUsedMiB = 0, 30000 }) // allocated, idle
	n.GPU(7).Update(func(s *gpusim.State) { s.FBUsedMiB, s.Util = 80000, 100 })
	c, err := gpu.New(gpu.Options{Library: n.Lib(), Hostname: "gpu-node-1"})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	c.Snapshot() // the collector learns every GPU's identity
	n.GPU(6).Update(func(s *gpusim.State) { s.Lost = true })
	return n, c.Snapshot()
}

func TestExamineGPUs(t *testing.T) {
	_, s := sickNode(t)
	f, err := os.Open("testdata/kmsg.txt")
	require.NoError(t, err)
	defer f.Close()
	kx, err := ParseKernelLog(f, 7400*time.Second)
	require.NoError(t, err)
	reps := ExamineGPUs(s, kx, DefaultThresholds())
	require.Len(t, reps, 8)
	want := []struct {
		verdict Severity
		check   string
	}{
		{OK, ""},
		{Critical, "GPUDoubleBitECCError"},
		{Critical, "GPUXidResetGPU"},          // XID 48 in the kernel log for 00000000:38:00.0
		{Warning, "GPUXidRestartApplication"}, // XID 13 in the log, then the pending remap
		{Warning, "GPUHardwareSlowdown"},
		{Info, "GPUIdle"},
		{Critical, "GPUXidRestartNode"},
		{Warning, "GPUFramebufferNearlyFull"},
	}
	for i, w := range want {
		r := reps[i]
		require.Equal(t, w.verdict, r.Verdict, "GPU %d: %+v", i, r.Findings)
		if w.check != "" {
			require.Equal(t, w.check, r.Findings[0].Check, "GPU %d", i)
			require.NotEmpty(t, r.Findings[0].Action, "GPU %d", i)
		}
	}
	require.Len(t, reps[3].Findings, 2, "the remap and the kernel log's XID 13; XID 63 raises nothing")
	require.Equal(t, "GPURowRemapPending", reps[3].Findings[1].Check)
}

func TestReportGolden(t *testing.T) {
	_, s := sickNode(t)
	rep := &Report{Hostname: "gpu-node-1", Time: time.Date(2026, 11, 26, 23, 0, 0, 0, time.UTC)}
	rep.GPU = &GPUSummary{Available: true, DriverVersion: s.DriverVersion, NVMLVersion: s.NVMLVersion, CUDADriverVersion: "12.4"}
	rep.GPUs = ExamineGPUs(s, nil, DefaultThresholds())
	rep.Host = ExamineHost(hostFamilies(t, 100, 10, 50<<30, 400, 1000, 0, 10), hostFamilies(t, 101.5, 10.5, 50<<30, 400, 2000, 0, 10), 2*time.Second, DefaultThresholds())
	rep.Finish()
	require.Equal(t, Critical, rep.Verdict)

	var table bytes.Buffer
	require.NoError(t, WriteTable(&table, rep))
	golden := filepath.Join("testdata", "dgxh100-sick.golden")
	if *update {
		require.NoError(t, os.WriteFile(golden, table.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.Equal(t, string(want), table.String(), "go test ./internal/doctor -update accepts new output")

	var js bytes.Buffer
	require.NoError(t, WriteJSON(&js, rep))
	var back struct {
		Verdict string `json:"verdict"`
		GPUs    []struct {
			Index    int                `json:"index"`
			Verdict  string             `json:"verdict"`
			Readings map[string]float64 `json:"readings"`
			Findings []struct {
				Severity, Check, Action string
			} `json:"findings"`
		} `json:"gpus"`
	}
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	require.Equal(t, "critical", back.Verdict)
	require.Equal(t, "critical", back.GPUs[6].Verdict)
	require.Equal(t, "GPUXidRestartNode", back.GPUs[6].Findings[0].Check)
	require.Equal(t, 97.0, back.GPUs[0].Readings["DCGM_FI_DEV_GPU_UTIL"])
}
