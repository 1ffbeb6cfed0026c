// Package hostmetrics collects host metrics from Linux /proc and /sys and
// exposes them as a prometheus.Collector under node_exporter's metric names,
// types, help texts and labels, so dashboards and rules written for
// node_exporter (including mlre's own health rules) work unchanged.
//
// It covers node_exporter's cpu, meminfo, loadavg, filesystem, diskstats,
// netdev, pressure, stat, time and uname collectors, and reports
// node_scrape_collector_success and node_scrape_collector_duration_seconds
// for each of them. A failing sub-collector is reported as unsuccessful and
// never stops the others.
//
// Only Linux is supported: on other systems New returns ErrUnsupported.
package hostmetrics

import (
	"errors"
	"log/slog"
	"regexp"
)

// Defaults are node_exporter's defaults for the same flags.
const (
	// DefaultMountPointExclude is node_exporter's
	// --collector.filesystem.mount-points-exclude.
	DefaultMountPointExclude = `^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)`
	// DefaultFSTypeExclude is node_exporter's
	// --collector.filesystem.fs-types-exclude.
	DefaultFSTypeExclude = `^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs)$`
	// DefaultDiskDeviceExclude is node_exporter's
	// --collector.diskstats.device-exclude: partitions, RAM and loop devices.
	DefaultDiskDeviceExclude = `^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$`
)

// ErrUnsupported is returned by New on operating systems other than Linux.
var ErrUnsupported = errors.New("hostmetrics: host metrics are only available on linux")

// Options configures a Collector. The zero value reads the running host.
type Options struct {
	// ProcPath is where procfs is mounted. Default "/proc".
	ProcPath string
	// SysPath is where sysfs is mounted. Default "/sys".
	SysPath string
	// RootPath prefixes the mount points passed to statfs(2) and the udev
	// database (<RootPath>/run/udev/data), for running in a container with
	// the host's / mounted at RootPath. Mount points under RootPath have it
	// stripped from their mountpoint label. Default "/".
	RootPath string
	// Logger receives debug logs and warnings about failing sub-collectors.
	// Default: discard.
	Logger *slog.Logger

	// MountPointExclude drops filesystems by mount point.
	// nil means DefaultMountPointExclude.
	MountPointExclude *regexp.Regexp
	// FSTypeExclude drops filesystems by type. nil means DefaultFSTypeExclude.
	FSTypeExclude *regexp.Regexp
	// DiskDeviceExclude drops block devices from the diskstats series.
	// nil means DefaultDiskDeviceExclude.
	DiskDeviceExclude *regexp.Regexp
	// NetDeviceExclude drops network devices. nil keeps all of them, as
	// node_exporter does by default.
	NetDeviceExclude *regexp.Regexp
}
