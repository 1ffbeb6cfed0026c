//go:build linux && cgo

package main

import (
	"errors"
	"testing"

	"github.com/mlre-dev/mlre/internal/gpu"
	"github.com/mlre-dev/mlre/internal/gpu/gpusim"
)

// simCollector is the GPU collector over gpusim's DGX H100: 8 H100s behind
// go-nvml's mock, so each NVML call is a Go function call. This measures
// the collector's own work (calls, series, labels), not NVML's.
func simCollector(b *testing.B) *gpu.Collector {
	b.Helper()
	node := gpusim.NewDGXH100("bench-node")
	c, err := gpu.New(gpu.Options{Library: node.Lib(), Hostname: "bench-node"})
	if err != nil {
		b.Fatalf("GPU collector over gpusim: %v", err)
	}
	b.Cleanup(c.Close)
	return c
}

// BenchmarkGPUCollect8: one collection of 8 simulated GPUs, in-process
// (Gather, no encoding).
func BenchmarkGPUCollect8(b *testing.B) {
	benchGather(b, registry(b, simCollector(b)))
}

// BenchmarkGPUScrapeToStore: one collection of 8 simulated GPUs appended
// and committed to the TSDB.
func BenchmarkGPUScrapeToStore(b *testing.B) {
	benchStore(b, registry(b, simCollector(b)), "mlre-gpu")
}

// BenchmarkGPUCollectNVML: one collection of this machine's real GPUs
// through libnvidia-ml; skipped where there is no NVIDIA driver.
func BenchmarkGPUCollectNVML(b *testing.B) {
	c, err := gpu.New(gpu.Options{Hostname: "bench-node"})
	if errors.Is(err, gpu.ErrNoDriver) {
		b.Skipf("no NVIDIA driver: %v", err)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	benchGather(b, registry(b, c))
}
