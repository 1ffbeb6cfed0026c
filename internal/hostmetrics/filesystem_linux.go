package hostmetrics

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/procfs"
	"golang.org/x/sys/unix"
)

// fsStatWorkers is how many statfs calls run at once, as in node_exporter.
const fsStatWorkers = 4

// errMountTimeout is reported, as the device_error label, for a mount whose
// statfs did not answer within the timeout or has not answered since.
var errMountTimeout = errors.New("mountpoint timeout")

// fsUsage is what statfs(2) reports, in node_exporter's units.
type fsUsage struct {
	size, free, avail, files, filesFree float64
}

func statfs(path string) (fsUsage, error) {
	var buf unix.Statfs_t
	if err := unix.Statfs(path, &buf); err != nil {
		return fsUsage{}, err
	}
	bsize := float64(buf.Bsize)
	return fsUsage{
		size:      float64(buf.Blocks) * bsize,
		free:      float64(buf.Bfree) * bsize,
		avail:     float64(buf.Bavail) * bsize,
		files:     float64(buf.Files),
		filesFree: float64(buf.Ffree),
	}, nil
}

// fsLabels identify a filesystem series; two mounts with equal labels are
// reported once.
type fsLabels struct {
	device, mountPoint, fsType, deviceError, major, minor string
}

type mount struct {
	labels   fsLabels
	readOnly bool
}

type fsStats struct {
	labels          fsLabels
	usage           fsUsage
	ro, deviceError float64
}

// filesystemCollector is node_exporter's filesystem collector, except that a
// statfs that hangs (a dead NFS server) only holds up the scrape for the
// timeout: the call goes on in the background and, until it returns, the
// mount is reported with device_error="mountpoint timeout" without being
// stat'ed again.
type filesystemCollector struct {
	fs           procfs.FS
	rootPath     string
	mountExclude *regexp.Regexp
	typeExclude  *regexp.Regexp
	statfs       func(path string) (fsUsage, error)
	timeout      time.Duration
	logger       *slog.Logger

	size, free, avail, files, filesFree, readOnly, deviceError, mountInfo typedDesc

	mu    sync.Mutex
	stuck map[string]struct{} // mount points whose statfs is still running
}

func newFilesystemCollector(fs procfs.FS, o Options, h hooks, logger *slog.Logger) *filesystemCollector {
	gauge := func(name, help string, labels ...string) typedDesc {
		if labels == nil {
			labels = []string{"device", "mountpoint", "fstype", "device_error"}
		}
		return typedDesc{newDesc("filesystem", name, help, labels...), prometheus.GaugeValue}
	}
	return &filesystemCollector{
		fs:           fs,
		rootPath:     o.RootPath,
		mountExclude: o.MountPointExclude,
		typeExclude:  o.FSTypeExclude,
		statfs:       h.statfs,
		timeout:      h.mountTimeout,
		logger:       logger,
		size:         gauge("size_bytes", "Filesystem size in bytes."),
		free:         gauge("free_bytes", "Filesystem free space in bytes."),
		avail:        gauge("avail_bytes", "Filesystem space available to non-root users in bytes."),
		files:        gauge("files", "Filesystem total file nodes."),
		filesFree:    gauge("files_free", "Filesystem total free file nodes."),
		readOnly:     gauge("readonly", "Filesystem read-only status."),
		deviceError:  gauge("device_error", "Whether an error occurred while getting statistics for the given device."),
		mountInfo: gauge("mount_info", "Filesystem mount information.",
			"device", "major", "minor", "mountpoint"),
		stuck: map[string]struct{}{},
	}
}

func (c *filesystemCollector) update(ch chan<- prometheus.Metric) error {
	mounts, err := c.mounts()
	if err != nil {
		return err
	}
	todo := mounts[:0]
	for _, m := range mounts {
		switch {
		case c.mountExclude.MatchString(m.labels.mountPoint):
			c.logger.Debug("Ignoring mount point", "mountpoint", m.labels.mountPoint)
		case c.typeExclude.MatchString(m.labels.fsType):
			c.logger.Debug("Ignoring fs type", "type", m.labels.fsType)
		default:
			todo = append(todo, m)
		}
	}

	stats := make([]fsStats, len(todo))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(fsStatWorkers, len(todo)) {
		wg.Go(func() {
			for i := range next {
				stats[i] = c.stat(todo[i])
			}
		})
	}
	for i := range todo {
		next <- i
	}
	close(next)
	wg.Wait()

	seen := make(map[fsLabels]bool, len(stats))
	for _, s := range stats {
		if seen[s.labels] {
			continue
		}
		seen[s.labels] = true
		l := s.labels
		ch <- c.deviceError.metric(s.deviceError, l.device, l.mountPoint, l.fsType, l.deviceError)
		ch <- c.readOnly.metric(s.ro, l.device, l.mountPoint, l.fsType, l.deviceError)
		if s.deviceError > 0 {
			continue
		}
		ch <- c.size.metric(s.usage.size, l.device, l.mountPoint, l.fsType, l.deviceError)
		ch <- c.free.metric(s.usage.free, l.device, l.mountPoint, l.fsType, l.deviceError)
		ch <- c.avail.metric(s.usage.avail, l.device, l.mountPoint, l.fsType, l.deviceError)
		ch <- c.files.metric(s.usage.files, l.device, l.mountPoint, l.fsType, l.deviceError)
		ch <- c.filesFree.metric(s.usage.filesFree, l.device, l.mountPoint, l.fsType, l.deviceError)
		ch <- c.mountInfo.metric(1, l.device, l.major, l.minor, l.mountPoint)
	}
	return nil
}

func (c *filesystemCollector) stat(m mount) fsStats {
	s := fsStats{labels: m.labels}
	if m.readOnly {
		s.ro = 1
	}
	usage, err := c.statfsWithTimeout(m.labels.mountPoint)
	if err != nil {
		c.logger.Debug("Error on statfs() system call", "rootfs", c.rootfsPath(m.labels.mountPoint), "err", err)
		s.labels.deviceError = err.Error()
		s.deviceError = 1
		return s
	}
	s.usage = usage
	return s
}

// statfsWithTimeout runs statfs in its own goroutine and waits for it no
// longer than c.timeout.
func (c *filesystemCollector) statfsWithTimeout(mountPoint string) (fsUsage, error) {
	c.mu.Lock()
	_, stuck := c.stuck[mountPoint]
	c.mu.Unlock()
	if stuck {
		c.logger.Debug("Mount point is in an unresponsive state", "mountpoint", mountPoint)
		return fsUsage{}, errMountTimeout
	}

	type result struct {
		usage fsUsage
		err   error
	}
	done := make(chan result, 1)
	go func() {
		usage, err := c.statfs(c.rootfsPath(mountPoint))
		done <- result{usage, err}
		c.mu.Lock()
		defer c.mu.Unlock()
		if _, ok := c.stuck[mountPoint]; ok {
			c.logger.Debug("Mount point has recovered, monitoring will resume", "mountpoint", mountPoint)
			delete(c.stuck, mountPoint)
		}
	}()

	timer := time.NewTimer(c.timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.usage, r.err
	case <-timer.C:
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case r := <-done: // it answered just after the timeout
		return r.usage, r.err
	default:
	}
	c.logger.Debug("Mount point timed out, it is being labeled as stuck and will not be monitored", "mountpoint", mountPoint)
	c.stuck[mountPoint] = struct{}{}
	return fsUsage{}, errMountTimeout
}

// mounts reads the mount table of PID 1 (the host's, when its /proc is
// mounted), falling back to the collector's own where PID 1 is hidden
// (hidepid), as node_exporter does.
func (c *filesystemCollector) mounts() ([]mount, error) {
	infos, err := c.fs.GetProcMounts(1)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		c.logger.Debug("Reading root mounts failed, falling back to self mounts", "err", err)
		infos, err = c.fs.GetMounts()
	}
	if err != nil {
		return nil, fmt.Errorf("reading mountinfo: %w", err)
	}
	mounts := make([]mount, 0, len(infos))
	for _, m := range infos {
		var major, minor int
		if _, err := fmt.Sscanf(m.MajorMinorVer, "%d:%d", &major, &minor); err != nil {
			return nil, fmt.Errorf("malformed mount point MajorMinorVer %q: %w", m.MajorMinorVer, err)
		}
		// Undo the octal escapes of fstab(5) for space and tab.
		mp := strings.ReplaceAll(m.MountPoint, `\040`, " ")
		mp = strings.ReplaceAll(mp, `\011`, "\t")
		_, ro := m.Options["ro"]
		_, superRO := m.SuperOptions["ro"]
		mounts = append(mounts, mount{
			labels: fsLabels{
				device:     m.Source,
				mountPoint: c.stripRoot(mp),
				fsType:     m.FSType,
				major:      strconv.Itoa(major),
				minor:      strconv.Itoa(minor),
			},
			readOnly: ro || superRO,
		})
	}
	return mounts, nil
}

// rootfsPath is where mountPoint is seen from this process.
func (c *filesystemCollector) rootfsPath(mountPoint string) string {
	return filepath.Join(c.rootPath, mountPoint)
}

// stripRoot removes RootPath from a mount point read from this process's own
// mount table, so that the label shows the host's path.
func (c *filesystemCollector) stripRoot(mountPoint string) string {
	if c.rootPath == "/" {
		return mountPoint
	}
	rest, ok := strings.CutPrefix(mountPoint, c.rootPath)
	if !ok || rest != "" && rest[0] != '/' {
		return mountPoint
	}
	if rest == "" {
		return "/"
	}
	return rest
}
