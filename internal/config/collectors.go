package config

import (
	"fmt"
	"os"
	"time"

	"github.com/prometheus/common/model"
)

// CollectorsConfig is the `collectors:` section: mlre's own host and GPU
// collectors, stored as series every interval.
type CollectorsConfig struct {
	// Interval between collections; default: global.scrape_interval.
	Interval model.Duration `yaml:"interval"`
	// Instance is the instance label (and the GPUs' Hostname label);
	// default: this machine's hostname.
	Instance string              `yaml:"instance"`
	Host     HostCollectorConfig `yaml:"host"`
	GPU      GPUCollectorConfig  `yaml:"gpu"`
}

// HostCollectorConfig is `collectors.host`: node_exporter's series from
// /proc and /sys.
type HostCollectorConfig struct {
	// Enabled defaults to true.
	Enabled  *bool  `yaml:"enabled"`
	ProcPath string `yaml:"proc_path"`
	SysPath  string `yaml:"sys_path"`
	RootPath string `yaml:"root_path"`
}

// GPUCollectorConfig is `collectors.gpu`: dcgm-exporter's series from NVML.
type GPUCollectorConfig struct {
	// Enabled defaults to true; on a machine without an NVIDIA driver mlre
	// logs one line and runs on.
	Enabled *bool `yaml:"enabled"`
	// LibraryPath is libnvidia-ml's path; default: the loader's search.
	LibraryPath string `yaml:"library_path"`
}

// On reports whether an optional switch is on (default true).
func On(b *bool) bool { return b == nil || *b }

// setCollectorDefaults fills in what the user left out.
func (c *CollectorsConfig) setDefaults(scrapeInterval model.Duration) error {
	if c.Interval == 0 {
		c.Interval = scrapeInterval
	}
	if c.Interval == 0 {
		c.Interval = model.Duration(15 * time.Second)
	}
	if time.Duration(c.Interval) < 100*time.Millisecond {
		return fmt.Errorf("collectors.interval: %s is too short; use at least 100ms (15s is usual)", c.Interval)
	}
	if c.Instance == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = "localhost"
		}
		c.Instance = h
	}
	if c.Host.ProcPath == "" {
		c.Host.ProcPath = "/proc"
	}
	if c.Host.SysPath == "" {
		c.Host.SysPath = "/sys"
	}
	if c.Host.RootPath == "" {
		c.Host.RootPath = "/"
	}
	return nil
}
