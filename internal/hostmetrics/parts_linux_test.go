package hostmetrics

import (
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/procfs"
	"github.com/stretchr/testify/require"
)

func TestParseMeminfo(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		want    []meminfoField
		wantErr string
	}{
		{
			name: "units, parentheses and counts",
			in:   "MemTotal:       24684092 kB\nActive(anon):        992 kB\nHugePages_Total:      16\n",
			want: []meminfoField{
				{"MemTotal_bytes", 24684092 * 1024},
				{"Active_anon_bytes", 992 * 1024},
				{"HugePages_Total", 16},
			},
		},
		{
			name: "empty lines are skipped",
			in:   "MemFree: 1 kB\n\n   \nSwapFree: 2 kB\n",
			want: []meminfoField{{"MemFree_bytes", 1024}, {"SwapFree_bytes", 2048}},
		},
		{
			name: "a repeated field keeps its last value",
			in:   "Cached: 1 kB\nCached: 3 kB\n",
			want: []meminfoField{{"Cached_bytes", 3072}},
		},
		{name: "empty", in: ""},
		{name: "bad value", in: "MemTotal: lots kB\n", wantErr: "invalid value"},
		{name: "too many columns", in: "MemTotal: 1 kB extra\n", wantErr: "invalid line"},
		{name: "no value", in: "MemTotal:\n", wantErr: "invalid line"},
		{name: "no colon", in: "MemTotal 1 kB\n", wantErr: "invalid line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseMeminfo(strings.NewReader(tc.in))
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestDefaultExcludes(t *testing.T) {
	for _, tc := range []struct {
		pattern  string
		value    string
		excluded bool
	}{
		{DefaultMountPointExclude, "/", false},
		{DefaultMountPointExclude, "/dev", true},
		{DefaultMountPointExclude, "/dev/shm", true},
		{DefaultMountPointExclude, "/devices", false},
		{DefaultMountPointExclude, "/proc/sys/fs/binfmt_misc", true},
		{DefaultMountPointExclude, "/run", false},
		{DefaultMountPointExclude, "/run/credentials", false},
		{DefaultMountPointExclude, "/run/credentials/getty.service", true},
		{DefaultMountPointExclude, "/var/lib/docker", false},
		{DefaultMountPointExclude, "/var/lib/docker/overlay2/x/merged", true},
		{DefaultMountPointExclude, "/var/lib/containers/storage/overlay", true},
		{DefaultFSTypeExclude, "ext4", false},
		{DefaultFSTypeExclude, "tmpfs", false},
		{DefaultFSTypeExclude, "nfs4", false},
		{DefaultFSTypeExclude, "overlay", true},
		{DefaultFSTypeExclude, "cgroup", true},
		{DefaultFSTypeExclude, "cgroup2", true},
		{DefaultFSTypeExclude, "squashfs", true},
		{DefaultFSTypeExclude, "fuse.sshfs", false},
		{DefaultDiskDeviceExclude, "sda", false},
		{DefaultDiskDeviceExclude, "sda1", true},
		{DefaultDiskDeviceExclude, "xvdb3", true},
		{DefaultDiskDeviceExclude, "nvme0n1", false},
		{DefaultDiskDeviceExclude, "nvme0n1p2", true},
		{DefaultDiskDeviceExclude, "dm-0", false},
		{DefaultDiskDeviceExclude, "md127", false},
		{DefaultDiskDeviceExclude, "loop7", true},
		{DefaultDiskDeviceExclude, "zram0", true},
		{DefaultDiskDeviceExclude, "ram15", true},
		{DefaultDiskDeviceExclude, "mmcblk0p1", false}, // as in node_exporter
	} {
		require.Equal(t, tc.excluded, regexp.MustCompile(tc.pattern).MatchString(tc.value), "%s ~ %s", tc.value, tc.pattern)
	}
}

func TestStripRoot(t *testing.T) {
	for _, tc := range []struct {
		root, in, want string
	}{
		{"/", "/", "/"},
		{"/", "/host/boot", "/host/boot"},
		{"/host", "/host", "/"},
		{"/host", "/host/boot", "/boot"},
		{"/host", "/hostile", "/hostile"},
		{"/host", "/boot", "/boot"},
	} {
		c := &filesystemCollector{rootPath: tc.root}
		require.Equal(t, tc.want, c.stripRoot(tc.in), "%s under %s", tc.in, tc.root)
	}
}

// TestCPUCountersNeverGoBackwards follows node_exporter: a counter that goes
// backwards keeps its last value, unless idle drops by 3 s or more (a CPU
// hotplug), which restarts the CPU's counters.
func TestCPUCountersNeverGoBackwards(t *testing.T) {
	type reading = map[int64]procfs.CPUStat
	for _, tc := range []struct {
		name     string
		readings []reading
		want     reading
	}{
		{
			name:     "increasing",
			readings: []reading{{0: {User: 1, Idle: 10}}, {0: {User: 2, Idle: 11}}},
			want:     reading{0: {User: 2, Idle: 11}},
		},
		{
			name:     "small drop is held",
			readings: []reading{{0: {User: 5, Idle: 10, Iowait: 4}}, {0: {User: 6, Idle: 9, Iowait: 3}}},
			want:     reading{0: {User: 6, Idle: 10, Iowait: 4}},
		},
		{
			name:     "hotplug resets",
			readings: []reading{{0: {User: 5, Idle: 100}}, {0: {User: 1, Idle: 2}}},
			want:     reading{0: {User: 1, Idle: 2}},
		},
		{
			name:     "CPU that went away is dropped",
			readings: []reading{{0: {Idle: 1}, 1: {Idle: 1}}, {0: {Idle: 2}}},
			want:     reading{0: {Idle: 2}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &cpuCollector{logger: slog.New(slog.DiscardHandler), stats: map[int64]procfs.CPUStat{}}
			for _, r := range tc.readings {
				c.merge(r)
			}
			require.Equal(t, tc.want, c.stats)
		})
	}
}

// TestStuckMount: a statfs that hangs costs one timeout, is not retried
// while it hangs, and the mount comes back once it returns.
func TestStuckMount(t *testing.T) {
	fx := newFixture(t, Options{})
	nfs := map[string]string{"mountpoint": "/mnt/nfs"}
	timedOut := map[string]string{"mountpoint": "/mnt/nfs", "device_error": "mountpoint timeout"}

	for range 3 {
		start := time.Now()
		mfs := gather(t, fx.c)
		require.Less(t, time.Since(start), 5*time.Second, "a hung statfs must not block Collect")
		require.Equal(t, 1.0, value(t, mfs, "node_filesystem_device_error", timedOut))
		require.Equal(t, 0.0, value(t, mfs, "node_filesystem_readonly", timedOut))
		require.Empty(t, series(mfs, "node_filesystem_size_bytes", nfs))
		require.Equal(t, 1.0, value(t, mfs, "node_scrape_collector_success", map[string]string{"collector": "filesystem"}))
	}
	require.Equal(t, 1, fx.statfs.count("/mnt/nfs"), "a stuck mount is not stat'ed again")

	fx.statfs.unblock()
	require.Eventually(t, func() bool {
		mfs := gather(t, fx.c)
		return len(series(mfs, "node_filesystem_size_bytes", nfs)) == 1
	}, 5*time.Second, 10*time.Millisecond)
	require.Equal(t, 2, fx.statfs.count("/mnt/nfs"))
	mfs := gather(t, fx.c)
	require.Equal(t, float64(1<<40), value(t, mfs, "node_filesystem_size_bytes", nfs))
	require.Equal(t, 0.0, value(t, mfs, "node_filesystem_device_error", map[string]string{"mountpoint": "/mnt/nfs", "device_error": ""}))
}

// TestRealStatfs uses the fixture's mount table with real statfs calls on
// directories under RootPath.
func TestRealStatfs(t *testing.T) {
	root := t.TempDir()
	mounts := []string{"/", "/boot", "/data", "/home/user files", "/mnt/nfs", "/mnt/secret", "/run"}
	for _, m := range mounts {
		require.NoError(t, os.MkdirAll(filepath.Join(root, m), 0o755))
	}
	h := defaultHooks()
	c, err := newCollector(Options{
		ProcPath: filepath.Join("testdata", "proc"),
		SysPath:  filepath.Join("testdata", "sys"),
		RootPath: root,
	}, h)
	require.NoError(t, err)
	mfs := gather(t, c)
	for _, m := range mounts {
		l := map[string]string{"mountpoint": m, "device_error": ""}
		require.Equal(t, 0.0, value(t, mfs, "node_filesystem_device_error", l), m)
		require.Positive(t, value(t, mfs, "node_filesystem_size_bytes", l), m)
		require.Positive(t, value(t, mfs, "node_filesystem_files", l), m)
		require.GreaterOrEqual(t, value(t, mfs, "node_filesystem_size_bytes", l), value(t, mfs, "node_filesystem_free_bytes", l), m)
		require.GreaterOrEqual(t, value(t, mfs, "node_filesystem_free_bytes", l), value(t, mfs, "node_filesystem_avail_bytes", l), m)
	}
	require.Equal(t, 1.0, value(t, mfs, "node_filesystem_readonly", map[string]string{"mountpoint": "/boot"}))

	// Without the directories, statfs fails and says why.
	c, err = newCollector(Options{ProcPath: filepath.Join("testdata", "proc"), RootPath: t.TempDir()}, h)
	require.NoError(t, err)
	mfs = gather(t, c)
	require.Equal(t, 1.0, value(t, mfs, "node_filesystem_device_error",
		map[string]string{"mountpoint": "/data", "device_error": "no such file or directory"}))
}

func TestExcludeOptions(t *testing.T) {
	fx := newFixture(t, Options{
		NetDeviceExclude:  regexp.MustCompile(`^(docker|veth)`),
		DiskDeviceExclude: regexp.MustCompile(`^dm-`),
		MountPointExclude: regexp.MustCompile(`^/(proc|sys|dev|mnt)($|/)`),
		FSTypeExclude:     regexp.MustCompile(`^(proc|sysfs|devtmpfs|tmpfs|cgroup2)$`),
	})
	mfs := gather(t, fx.c)
	require.Empty(t, series(mfs, "node_network_receive_bytes_total", map[string]string{"device": "docker0"}))
	require.Len(t, series(mfs, "node_network_receive_bytes_total", map[string]string{"device": "eth0"}), 1)
	require.Empty(t, series(mfs, "node_disk_reads_completed_total", map[string]string{"device": "dm-0"}))
	require.Len(t, series(mfs, "node_disk_reads_completed_total", map[string]string{"device": "sda1"}), 1,
		"replacing the default exclusion brings partitions back")
	require.Empty(t, series(mfs, "node_filesystem_readonly", map[string]string{"mountpoint": "/mnt/nfs"}))
	require.Empty(t, series(mfs, "node_filesystem_readonly", map[string]string{"mountpoint": "/run"}))
	require.Len(t, series(mfs, "node_filesystem_readonly", map[string]string{"mountpoint": "/snap/core/1"}), 1)
	require.Zero(t, fx.statfs.count("/mnt/nfs"))
}
