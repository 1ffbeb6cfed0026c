package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDoctorUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"doctor", "--format", "yaml"},
		{"doctor", "--sample", "-1s"},
		{"doctor", "extra"},
		{"doctor", "--config", "testdata/does-not-exist.yaml"},
	} {
		code, _, stderr := runCLI(t, args...)
		require.Equal(t, exitUsage, code, "%v: %s", args, stderr)
		require.NotEmpty(t, stderr)
	}
}

// TestDoctorOnThisMachine runs doctor on the test machine, which has no
// NVIDIA driver (CI never has one): the GPU part says so, the host is
// checked from the real /proc.
func TestDoctorOnThisMachine(t *testing.T) {
	code, out, stderr := runCLI(t, "doctor", "--sample", "200ms", "--kernel-log", "", "--format", "json", "--nvml-library", "/nonexistent/libnvidia-ml.so.1")
	require.Contains(t, []int{exitOK, exitFailure}, code, stderr)
	var r struct {
		Verdict string `json:"verdict"`
		GPU     struct {
			Available bool   `json:"available"`
			Reason    string `json:"reason"`
		} `json:"gpu"`
		GPUs []any `json:"gpus"`
		Host struct {
			CPUs        int     `json:"cpus"`
			MemTotal    float64 `json:"memory_total_bytes"`
			Filesystems []struct {
				Mountpoint string `json:"mountpoint"`
			} `json:"filesystems"`
		} `json:"host"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &r), out)
	require.False(t, r.GPU.Available)
	require.Contains(t, r.GPU.Reason, "no NVIDIA driver")
	require.Empty(t, r.GPUs)
	require.Positive(t, r.Host.CPUs)
	require.Positive(t, r.Host.MemTotal)
	require.NotEmpty(t, r.Host.Filesystems)

	code, out, _ = runCLI(t, "doctor", "--sample", "0", "--kernel-log", "", "--nvml-library", "/nonexistent/libnvidia-ml.so.1")
	require.Contains(t, []int{exitOK, exitFailure}, code)
	require.Contains(t, out, "GPUs: none readable")
	require.Contains(t, out, "Verdict: ")
}
