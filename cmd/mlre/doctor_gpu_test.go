//go:build cgo

package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/gpu"
	"github.com/mlre-dev/mlre/internal/gpu/gpusim"
)

// TestDoctorSimulatedNode runs doctor over a simulated DGX H100 whose GPU 2
// has an XID 48 in the kernel log and GPU 5 has fallen off the bus: it
// names both with their actions and exits 1.
func TestDoctorSimulatedNode(t *testing.T) {
	n := gpusim.NewDGXH100("gpu-node-1")
	c, err := gpu.New(gpu.Options{Library: n.Lib(), Hostname: "gpu-node-1"})
	require.NoError(t, err)
	c.Snapshot()
	n.GPU(5).Update(func(s *gpusim.State) { s.Lost = true })
	var out, errOut bytes.Buffer
	o := &doctorOpts{format: "table", kernelLog: "../../internal/doctor/testdata/kmsg.txt", gpu: c}
	code, err := o.run(context.Background(), &out, &errOut)
	require.NoError(t, err, errOut.String())
	require.Equal(t, exitFailure, code, out.String())
	s := out.String()
	require.Contains(t, s, "GPUs: 8 · driver 550.54.15 · CUDA 12.4")
	require.Contains(t, s, "CRITICAL GPU 2: XID 48 in the kernel log")
	require.Contains(t, s, "CRITICAL GPU 5: NVML reports the GPU lost")
	require.Contains(t, s, "power-cycle it")
	require.Contains(t, s, "Verdict: CRITICAL: act on GPU 2, GPU 5")
}
