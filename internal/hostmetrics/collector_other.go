//go:build !linux

package hostmetrics

import (
	"fmt"
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
)

// Collector is a prometheus.Collector for the host's metrics. Outside Linux
// it cannot be created.
type Collector struct{}

// New returns ErrUnsupported: host metrics are read from Linux's procfs and
// sysfs.
func New(Options) (*Collector, error) {
	return nil, fmt.Errorf("%w (GOOS=%s)", ErrUnsupported, runtime.GOOS)
}

// Describe implements prometheus.Collector; it sends nothing.
func (*Collector) Describe(chan<- *prometheus.Desc) {}

// Collect implements prometheus.Collector; it sends nothing.
func (*Collector) Collect(chan<- prometheus.Metric) {}
