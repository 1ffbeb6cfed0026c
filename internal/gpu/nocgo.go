//go:build !cgo

package gpu

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
)

// Options configure the collector (see collector.go; mlre was built without
// cgo, so there is no NVML support in this binary).
type Options struct {
	Hostname    string
	ProcPath    string
	LibraryPath string
	Logger      *slog.Logger
}

// Snapshot is always empty.
func (c *Collector) Snapshot() Snapshot { return Snapshot{} }

// Collector is absent in builds without cgo.
type Collector struct{ prometheus.Collector }

// New always fails in a build without cgo.
func New(Options) (*Collector, error) {
	return nil, fmt.Errorf("%w: this mlre binary was built without cgo, which NVML needs (rebuild with CGO_ENABLED=1)", ErrNoDriver)
}

// Run does nothing.
func (c *Collector) Run(context.Context) {}

// Close does nothing.
func (c *Collector) Close() {}
