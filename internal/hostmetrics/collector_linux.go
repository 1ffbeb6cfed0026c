package hostmetrics

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/procfs"
)

const namespace = "node"

var (
	scrapeDurationDesc = prometheus.NewDesc(
		prometheus.BuildFQName(namespace, "scrape", "collector_duration_seconds"),
		"node_exporter: Duration of a collector scrape.",
		[]string{"collector"}, nil,
	)
	scrapeSuccessDesc = prometheus.NewDesc(
		prometheus.BuildFQName(namespace, "scrape", "collector_success"),
		"node_exporter: Whether a collector succeeded.",
		[]string{"collector"}, nil,
	)
)

// errNoData marks a sub-collector that found nothing to report on this host
// (e.g. a kernel without PSI). Like node_exporter, it counts as unsuccessful
// but is only logged at debug level.
var errNoData = errors.New("collector returned no data")

// Collector is a prometheus.Collector for the host's metrics. It is safe for
// concurrent use.
type Collector struct {
	logger   *slog.Logger
	now      func() time.Time
	scrapers []scraper
}

// scraper is one of node_exporter's collectors: a name for
// node_scrape_collector_* and a function that sends its metrics.
type scraper struct {
	name   string
	update func(ch chan<- prometheus.Metric) error
}

// hooks are the host interfaces that tests replace.
type hooks struct {
	now          func() time.Time
	uname        func() (unameInfo, error)
	statfs       func(path string) (fsUsage, error)
	mountTimeout time.Duration
}

func defaultHooks() hooks {
	return hooks{now: time.Now, uname: uname, statfs: statfs, mountTimeout: 5 * time.Second}
}

// New returns a Collector reading the procfs, sysfs and root file system
// named in o. It fails when o.ProcPath cannot be read; anything else that is
// missing (sysfs, PSI, udev) only makes the affected sub-collector report
// node_scrape_collector_success 0.
func New(o Options) (*Collector, error) {
	return newCollector(o, defaultHooks())
}

func newCollector(o Options, h hooks) (*Collector, error) {
	o = o.withDefaults()
	if err := readableDir(o.ProcPath); err != nil {
		return nil, fmt.Errorf("hostmetrics: reading procfs at %q: %w", o.ProcPath, err)
	}
	fs, err := procfs.NewFS(o.ProcPath)
	if err != nil {
		return nil, fmt.Errorf("hostmetrics: opening procfs at %q: %w", o.ProcPath, err)
	}
	log := func(name string) *slog.Logger { return o.Logger.With("collector", name) }

	cpu := newCPUCollector(fs, log("cpu"))
	mem := newMeminfoCollector(o.ProcPath)
	load := newLoadavgCollector(fs)
	filesystem := newFilesystemCollector(fs, o, h, log("filesystem"))
	disk := newDiskstatsCollector(o, log("diskstats"))
	net := newNetdevCollector(fs, o.NetDeviceExclude, log("netdev"))
	pressure := newPressureCollector(fs, log("pressure"))
	stat := newStatCollector(fs)
	clock := newTimeCollector(o.SysPath, h.now)
	un := newUnameCollector(h.uname)

	return &Collector{
		logger: o.Logger,
		now:    h.now,
		scrapers: []scraper{
			{"cpu", cpu.update},
			{"meminfo", mem.update},
			{"loadavg", load.update},
			{"filesystem", filesystem.update},
			{"diskstats", disk.update},
			{"netdev", net.update},
			{"pressure", pressure.update},
			{"stat", stat.update},
			{"time", clock.update},
			{"uname", un.update},
		},
	}, nil
}

// readableDir fails unless path is a directory this process can list.
func readableDir(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Readdirnames(1); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.ProcPath == "" {
		o.ProcPath = procfs.DefaultMountPoint
	}
	if o.SysPath == "" {
		o.SysPath = "/sys"
	}
	if o.RootPath == "" {
		o.RootPath = "/"
	}
	o.RootPath = filepath.Clean(o.RootPath)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MountPointExclude == nil {
		o.MountPointExclude = regexp.MustCompile(DefaultMountPointExclude)
	}
	if o.FSTypeExclude == nil {
		o.FSTypeExclude = regexp.MustCompile(DefaultFSTypeExclude)
	}
	if o.DiskDeviceExclude == nil {
		o.DiskDeviceExclude = regexp.MustCompile(DefaultDiskDeviceExclude)
	}
	return o
}

// Describe sends no descriptors: the meminfo series depend on the running
// kernel, so the set of metrics is only known at collection time. This makes
// the Collector "unchecked" for the registry, which is also how the
// registry's pedantic mode accepts it.
func (c *Collector) Describe(chan<- *prometheus.Desc) {}

// Collect runs every sub-collector concurrently, as node_exporter does, and
// sends their metrics plus node_scrape_collector_success and
// node_scrape_collector_duration_seconds for each. It returns when all of
// them have finished; statfs calls are bounded by a timeout, so a hung
// network mount cannot block it.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	var wg sync.WaitGroup
	for _, s := range c.scrapers {
		wg.Go(func() { c.execute(s, ch) })
	}
	wg.Wait()
}

func (c *Collector) execute(s scraper, ch chan<- prometheus.Metric) {
	begin := c.now()
	err := s.update(ch)
	duration := c.now().Sub(begin).Seconds()
	success := 1.0
	switch {
	case errors.Is(err, errNoData):
		success = 0
		c.logger.Debug("collector returned no data", "collector", s.name, "duration_seconds", duration, "err", err)
	case err != nil:
		success = 0
		c.logger.Warn("collector failed", "collector", s.name, "duration_seconds", duration, "err", err)
	default:
		c.logger.Debug("collector succeeded", "collector", s.name, "duration_seconds", duration)
	}
	ch <- prometheus.MustNewConstMetric(scrapeDurationDesc, prometheus.GaugeValue, duration, s.name)
	ch <- prometheus.MustNewConstMetric(scrapeSuccessDesc, prometheus.GaugeValue, success, s.name)
}

// typedDesc pairs a descriptor with its value type, as node_exporter does.
type typedDesc struct {
	desc      *prometheus.Desc
	valueType prometheus.ValueType
}

func (d typedDesc) metric(value float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d.desc, d.valueType, value, labels...)
}

func newDesc(subsystem, name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(namespace, subsystem, name), help, labels, nil)
}
