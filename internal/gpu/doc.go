// Package gpu collects NVIDIA GPU telemetry through NVML (go-nvml, which
// loads libnvidia-ml at run time) and exposes it under dcgm-exporter's
// series and label names, so dashboards and rules written for dcgm-exporter
// work unchanged on mlre's own data, and mlre's rules work on scraped
// dcgm-exporter data.
//
// go-nvml needs cgo; in a build without cgo the package only reports that
// the collector is not built in (see nocgo.go).
package gpu

import "errors"

// ErrNoDriver reports that NVML could not be loaded or initialised: no
// NVIDIA driver on this machine (or mlre was built without cgo).
var ErrNoDriver = errors.New("no NVIDIA driver")
