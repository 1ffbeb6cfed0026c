package hostmetrics

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/procfs"
	"github.com/prometheus/procfs/blockdevice"
)

// This file holds node_exporter's per-device collectors: diskstats and netdev.

const (
	// secondsPerTick converts the milliseconds of /proc/diskstats.
	secondsPerTick = 1.0 / 1000.0
	// unixSectorSize: /proc/diskstats counts 512-byte sectors whatever the
	// device's block size (Documentation/block/stat.rst).
	unixSectorSize = 512.0
)

// Udev properties that node_exporter turns into labels.
const (
	udevDMLVLayer              = "DM_LV_LAYER"
	udevDMLVName               = "DM_LV_NAME"
	udevDMName                 = "DM_NAME"
	udevDMUUID                 = "DM_UUID"
	udevDMVGName               = "DM_VG_NAME"
	udevIDATA                  = "ID_ATA"
	udevIDATARotationRateRPM   = "ID_ATA_ROTATION_RATE_RPM"
	udevIDATAWriteCache        = "ID_ATA_WRITE_CACHE"
	udevIDATAWriteCacheEnabled = "ID_ATA_WRITE_CACHE_ENABLED"
	udevIDFSType               = "ID_FS_TYPE"
	udevIDFSUsage              = "ID_FS_USAGE"
	udevIDFSUUID               = "ID_FS_UUID"
	udevIDFSVersion            = "ID_FS_VERSION"
	udevIDModel                = "ID_MODEL"
	udevIDPath                 = "ID_PATH"
	udevIDRevision             = "ID_REVISION"
	udevIDSerial               = "ID_SERIAL"
	udevIDSerialShort          = "ID_SERIAL_SHORT"
	udevIDWWN                  = "ID_WWN"
	udevSCSIIdentSerial        = "SCSI_IDENT_SERIAL"
)

// diskstatsCollector is node_exporter's diskstats collector: the counters of
// /proc/diskstats, and info series from sysfs and the udev database.
type diskstatsCollector struct {
	fs      blockdevice.FS
	fsErr   error // why sysfs or procfs could not be opened
	exclude *regexp.Regexp
	udevDir string
	logger  *slog.Logger

	// stats follow the columns of /proc/diskstats after the device name.
	stats                           []typedDesc
	info, fsInfo, dmInfo, dmBacking typedDesc
	ata                             []ataAttribute
}

// ataAttribute is a udev property exposed as a gauge for ATA disks.
type ataAttribute struct {
	property string
	desc     typedDesc
}

func newDiskstatsCollector(o Options, logger *slog.Logger) *diskstatsCollector {
	fs, err := blockdevice.NewFS(o.ProcPath, o.SysPath)
	desc := func(name, help string, valueType prometheus.ValueType, labels ...string) typedDesc {
		if labels == nil {
			labels = []string{"device"}
		}
		return typedDesc{newDesc("disk", name, help, labels...), valueType}
	}
	counter := func(name, help string) typedDesc { return desc(name, help, prometheus.CounterValue) }
	gauge := func(name, help string, labels ...string) typedDesc {
		return desc(name, help, prometheus.GaugeValue, labels...)
	}
	return &diskstatsCollector{
		fs:      fs,
		fsErr:   err,
		exclude: o.DiskDeviceExclude,
		udevDir: filepath.Join(o.RootPath, "run", "udev", "data"),
		logger:  logger,
		stats: []typedDesc{
			counter("reads_completed_total", "The total number of reads completed successfully."),
			counter("reads_merged_total", "The total number of reads merged."),
			counter("read_bytes_total", "The total number of bytes read successfully."),
			counter("read_time_seconds_total", "The total number of seconds spent by all reads."),
			counter("writes_completed_total", "The total number of writes completed successfully."),
			counter("writes_merged_total", "The number of writes merged."),
			counter("written_bytes_total", "The total number of bytes written successfully."),
			counter("write_time_seconds_total", "This is the total number of seconds spent by all writes."),
			gauge("io_now", "The number of I/Os currently in progress."),
			counter("io_time_seconds_total", "Total seconds spent doing I/Os."),
			counter("io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os."),
			counter("discards_completed_total", "The total number of discards completed successfully."),
			counter("discards_merged_total", "The total number of discards merged."),
			counter("discarded_sectors_total", "The total number of sectors discarded successfully."),
			counter("discard_time_seconds_total", "This is the total number of seconds spent by all discards."),
			counter("flush_requests_total", "The total number of flush requests completed successfully"),
			counter("flush_requests_time_seconds_total", "This is the total number of seconds spent by all flush requests."),
		},
		info: gauge("info", "Info of /sys/block/<block_device>.",
			"device", "major", "minor", "path", "wwn", "model", "serial", "revision", "rotational"),
		fsInfo: gauge("filesystem_info", "Info about disk filesystem.",
			"device", "type", "usage", "uuid", "version"),
		dmInfo: gauge("device_mapper_info", "Info about disk device mapper.",
			"device", "name", "uuid", "vg_name", "lv_name", "lv_layer"),
		dmBacking: gauge("device_mapper_backing_device_info",
			"Info about the underlying block devices of a device mapper device.", "device", "backing_device"),
		ata: []ataAttribute{
			{udevIDATAWriteCache, gauge("ata_write_cache", "ATA disk has a write cache.")},
			{udevIDATAWriteCacheEnabled, gauge("ata_write_cache_enabled", "ATA disk has its write cache enabled.")},
			{udevIDATARotationRateRPM, gauge("ata_rotation_rate_rpm", "ATA disk rotation rate in RPMs (0 for SSDs).")},
		},
	}
}

func (c *diskstatsCollector) update(ch chan<- prometheus.Metric) error {
	if c.fsErr != nil {
		return fmt.Errorf("opening procfs and sysfs: %w", c.fsErr)
	}
	disks, err := c.fs.ProcDiskstats()
	if err != nil {
		return fmt.Errorf("reading diskstats: %w", err)
	}
	for _, d := range disks {
		dev := d.DeviceName
		if c.exclude.MatchString(dev) {
			continue
		}
		udev, err := c.udevProperties(d.MajorNumber, d.MinorNumber)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			c.logger.Debug("Failed to parse udev info", "device", dev, "err", err)
		}
		serial := udev[udevSCSIIdentSerial] // usually the serial printed on the disk label
		if serial == "" {
			serial = udev[udevIDSerialShort]
		}
		if serial == "" {
			serial = udev[udevIDSerial] // virtio devices
		}
		rotational, err := c.fs.SysBlockDeviceRotational(dev)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			c.logger.Debug("Failed to get block device rotational", "device", dev, "err", err)
		}
		ch <- c.info.metric(1, dev,
			strconv.FormatUint(uint64(d.MajorNumber), 10), strconv.FormatUint(uint64(d.MinorNumber), 10),
			udev[udevIDPath], udev[udevIDWWN], udev[udevIDModel], serial, udev[udevIDRevision],
			strconv.FormatUint(rotational, 10))

		values := [...]float64{
			float64(d.ReadIOs),
			float64(d.ReadMerges),
			float64(d.ReadSectors) * unixSectorSize,
			float64(d.ReadTicks) * secondsPerTick,
			float64(d.WriteIOs),
			float64(d.WriteMerges),
			float64(d.WriteSectors) * unixSectorSize,
			float64(d.WriteTicks) * secondsPerTick,
			float64(d.IOsInProgress),
			float64(d.IOsTotalTicks) * secondsPerTick,
			float64(d.WeightedIOTicks) * secondsPerTick,
			float64(d.DiscardIOs),
			float64(d.DiscardMerges),
			float64(d.DiscardSectors),
			float64(d.DiscardTicks) * secondsPerTick,
			float64(d.FlushRequestsCompleted),
			float64(d.TimeSpentFlushing) * secondsPerTick,
		}
		// Older kernels write fewer columns; IoStatsCount includes the
		// major, minor and name columns.
		for i, v := range values[:min(len(values), d.IoStatsCount-3)] {
			ch <- c.stats[i].metric(v, dev)
		}

		if t := udev[udevIDFSType]; t != "" {
			ch <- c.fsInfo.metric(1, dev, t, udev[udevIDFSUsage], udev[udevIDFSUUID], udev[udevIDFSVersion])
		}
		if name := udev[udevDMName]; name != "" {
			ch <- c.dmInfo.metric(1, dev, name, udev[udevDMUUID], udev[udevDMVGName], udev[udevDMLVName], udev[udevDMLVLayer])
			c.updateBackingDevices(ch, dev)
		}
		if udev[udevIDATA] != "" {
			for _, a := range c.ata {
				s, ok := udev[a.property]
				if !ok {
					continue
				}
				v, err := strconv.ParseFloat(s, 64)
				if err != nil {
					c.logger.Debug("Failed to parse ATA value", "device", dev, "attribute", a.property, "err", err)
					continue
				}
				ch <- a.desc.metric(v, dev)
			}
		}
	}
	return nil
}

func (c *diskstatsCollector) updateBackingDevices(ch chan<- prometheus.Metric, dev string) {
	underlying, err := c.fs.SysBlockDeviceUnderlyingDevices(dev)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			c.logger.Debug("Failed to get device mapper backing devices", "device", dev, "err", err)
		}
		return
	}
	slices.Sort(underlying.DeviceNames)
	for _, backing := range underlying.DeviceNames {
		ch <- c.dmBacking.metric(1, dev, backing)
	}
}

// udevProperties reads the E: lines of the udev database entry of a block
// device. A missing entry yields an empty map and an fs.ErrNotExist error.
func (c *diskstatsCollector) udevProperties(major, minor uint32) (map[string]string, error) {
	f, err := os.Open(filepath.Join(c.udevDir, fmt.Sprintf("b%d:%d", major, minor)))
	if err != nil {
		return map[string]string{}, err
	}
	defer f.Close()
	props := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "E:")
		if !ok {
			continue
		}
		if name, value, ok := strings.Cut(line, "="); ok {
			props[name] = value
		}
	}
	return props, sc.Err()
}

// netdevKeys are node_exporter's names, without "_total", for the columns of
// /proc/net/dev (its "legacy" names).
var netdevKeys = [...]string{
	"receive_bytes", "receive_packets", "receive_errs", "receive_drop",
	"receive_fifo", "receive_frame", "receive_compressed", "receive_multicast",
	"transmit_bytes", "transmit_packets", "transmit_errs", "transmit_drop",
	"transmit_fifo", "transmit_colls", "transmit_carrier", "transmit_compressed",
}

// netdevCollector is node_exporter's netdev collector reading /proc/net/dev
// (node_exporter's --no-collector.netdev.netlink mode; the values are the
// same as over netlink).
type netdevCollector struct {
	fs      procfs.FS
	exclude *regexp.Regexp // nil: none
	logger  *slog.Logger
	descs   [len(netdevKeys)]typedDesc
}

func newNetdevCollector(fs procfs.FS, exclude *regexp.Regexp, logger *slog.Logger) *netdevCollector {
	c := &netdevCollector{fs: fs, exclude: exclude, logger: logger}
	for i, key := range netdevKeys {
		c.descs[i] = typedDesc{newDesc("network", key+"_total",
			fmt.Sprintf("Network device statistic %s.", key), "device"), prometheus.CounterValue}
	}
	return c
}

func (c *netdevCollector) update(ch chan<- prometheus.Metric) error {
	devices, err := c.fs.NetDev()
	if err != nil {
		return fmt.Errorf("reading net/dev: %w", err)
	}
	for name, d := range devices {
		if c.exclude != nil && c.exclude.MatchString(name) {
			c.logger.Debug("Ignoring device", "device", name)
			continue
		}
		values := [len(netdevKeys)]uint64{
			d.RxBytes, d.RxPackets, d.RxErrors, d.RxDropped,
			d.RxFIFO, d.RxFrame, d.RxCompressed, d.RxMulticast,
			d.TxBytes, d.TxPackets, d.TxErrors, d.TxDropped,
			d.TxFIFO, d.TxCollisions, d.TxCarrier, d.TxCompressed,
		}
		for i, v := range values {
			ch <- c.descs[i].metric(float64(v), name)
		}
	}
	return nil
}
