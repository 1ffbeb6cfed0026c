//go:build !cgo

package demo

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/mlre-dev/mlre/internal/gpu"
)

// haveGPUs is false: the simulated GPUs need NVML's mock, which needs cgo.
const haveGPUs = false

type gpuTarget struct{ Name, Team string }

// gpuFleet is absent in a build without cgo; its methods do nothing.
type gpuFleet struct{}

func newGPUFleet(logger *slog.Logger) (*gpuFleet, error) {
	logger.Warn("this mlre was built without cgo: the demo fleet runs without its simulated GPU nodes and GPU incidents (rebuild with CGO_ENABLED=1)")
	return nil, nil
}

func (*gpuFleet) collector() *gpu.Collector  { return nil }
func (*gpuFleet) localName() string          { return "" }
func (*gpuFleet) targets() []gpuTarget       { return nil }
func (*gpuFleet) handle(*http.ServeMux)      {}
func (*gpuFleet) run(context.Context, int64) {}
func (*gpuFleet) apply(string, bool)         {}
func (*gpuFleet) close()                     {}
