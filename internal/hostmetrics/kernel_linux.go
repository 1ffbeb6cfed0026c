package hostmetrics

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/procfs"
	"github.com/prometheus/procfs/sysfs"
	"golang.org/x/sys/unix"
)

// This file holds node_exporter's collectors of kernel-wide counters: cpu,
// stat, loadavg, meminfo, pressure, time and uname.

// cpuJumpBackSeconds is how far a CPU's idle counter may go backwards before
// node_exporter assumes a CPU hotplug and starts the CPU's counters afresh.
const cpuJumpBackSeconds = 3.0

// cpuCollector is node_exporter's cpu collector (without the optional
// cpu_info and thermal-throttle series). procfs already divides the ticks of
// /proc/stat by USER_HZ (100).
type cpuCollector struct {
	fs      procfs.FS
	logger  *slog.Logger
	seconds typedDesc
	guest   typedDesc

	mu    sync.Mutex
	stats map[int64]procfs.CPUStat // last reported value, kept monotonic
}

func newCPUCollector(fs procfs.FS, logger *slog.Logger) *cpuCollector {
	return &cpuCollector{
		fs:     fs,
		logger: logger,
		seconds: typedDesc{newDesc("cpu", "seconds_total",
			"Seconds the CPUs spent in each mode.", "cpu", "mode"), prometheus.CounterValue},
		guest: typedDesc{newDesc("cpu", "guest_seconds_total",
			"Seconds the CPUs spent in guests (VMs) for each mode.", "cpu", "mode"), prometheus.CounterValue},
		stats: map[int64]procfs.CPUStat{},
	}
}

func (c *cpuCollector) update(ch chan<- prometheus.Metric) error {
	stat, err := c.fs.Stat()
	if err != nil {
		return fmt.Errorf("reading stat: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.merge(stat.CPU)
	for id, s := range c.stats {
		cpu := strconv.FormatInt(id, 10)
		ch <- c.seconds.metric(s.User, cpu, "user")
		ch <- c.seconds.metric(s.Nice, cpu, "nice")
		ch <- c.seconds.metric(s.System, cpu, "system")
		ch <- c.seconds.metric(s.Idle, cpu, "idle")
		ch <- c.seconds.metric(s.Iowait, cpu, "iowait")
		ch <- c.seconds.metric(s.IRQ, cpu, "irq")
		ch <- c.seconds.metric(s.SoftIRQ, cpu, "softirq")
		ch <- c.seconds.metric(s.Steal, cpu, "steal")
		// Guest time is also counted in user and nice.
		ch <- c.guest.metric(s.Guest, cpu, "user")
		ch <- c.guest.metric(s.GuestNice, cpu, "nice")
	}
	return nil
}

// merge folds a new reading into c.stats the way node_exporter does: no
// counter goes backwards, except that an idle counter dropping by
// cpuJumpBackSeconds or more (a CPU hotplug) resets that CPU. CPUs that went
// away are forgotten. c.mu must be held.
func (c *cpuCollector) merge(current map[int64]procfs.CPUStat) {
	for id := range c.stats {
		if _, ok := current[id]; !ok {
			delete(c.stats, id)
		}
	}
	for id, n := range current {
		s := c.stats[id]
		if s.Idle-n.Idle >= cpuJumpBackSeconds {
			c.logger.Debug("CPU Idle counter jumped backwards, possible hotplug event, resetting CPU stats",
				"cpu", id, "old_value", s.Idle, "new_value", n.Idle)
			s = procfs.CPUStat{}
		}
		for _, f := range [...]struct {
			mode string
			last *float64
			now  float64
		}{
			{"idle", &s.Idle, n.Idle}, {"user", &s.User, n.User}, {"nice", &s.Nice, n.Nice},
			{"system", &s.System, n.System}, {"iowait", &s.Iowait, n.Iowait}, {"irq", &s.IRQ, n.IRQ},
			{"softirq", &s.SoftIRQ, n.SoftIRQ}, {"steal", &s.Steal, n.Steal},
			{"guest", &s.Guest, n.Guest}, {"guest_nice", &s.GuestNice, n.GuestNice},
		} {
			if f.now >= *f.last {
				*f.last = f.now
			} else {
				c.logger.Debug("CPU counter jumped backwards", "cpu", id, "mode", f.mode,
					"old_value", *f.last, "new_value", f.now)
			}
		}
		c.stats[id] = s
	}
}

// statCollector is node_exporter's stat collector (without softirqs).
type statCollector struct {
	fs                                      procfs.FS
	intr, ctxt, forks, btime, running, blkd typedDesc
}

func newStatCollector(fs procfs.FS) *statCollector {
	return &statCollector{
		fs: fs,
		intr: typedDesc{newDesc("", "intr_total",
			"Total number of interrupts serviced."), prometheus.CounterValue},
		ctxt: typedDesc{newDesc("", "context_switches_total",
			"Total number of context switches."), prometheus.CounterValue},
		forks: typedDesc{newDesc("", "forks_total",
			"Total number of forks."), prometheus.CounterValue},
		btime: typedDesc{newDesc("", "boot_time_seconds",
			"Node boot time, in unixtime."), prometheus.GaugeValue},
		running: typedDesc{newDesc("", "procs_running",
			"Number of processes in runnable state."), prometheus.GaugeValue},
		blkd: typedDesc{newDesc("", "procs_blocked",
			"Number of processes blocked waiting for I/O to complete."), prometheus.GaugeValue},
	}
}

func (c *statCollector) update(ch chan<- prometheus.Metric) error {
	s, err := c.fs.Stat()
	if err != nil {
		return fmt.Errorf("reading stat: %w", err)
	}
	ch <- c.intr.metric(float64(s.IRQTotal))
	ch <- c.ctxt.metric(float64(s.ContextSwitches))
	ch <- c.forks.metric(float64(s.ProcessCreated))
	ch <- c.btime.metric(float64(s.BootTime))
	ch <- c.running.metric(float64(s.ProcessesRunning))
	ch <- c.blkd.metric(float64(s.ProcessesBlocked))
	return nil
}

// loadavgCollector is node_exporter's loadavg collector.
type loadavgCollector struct {
	fs                   procfs.FS
	load1, load5, load15 typedDesc
}

func newLoadavgCollector(fs procfs.FS) *loadavgCollector {
	return &loadavgCollector{
		fs:     fs,
		load1:  typedDesc{newDesc("", "load1", "1m load average."), prometheus.GaugeValue},
		load5:  typedDesc{newDesc("", "load5", "5m load average."), prometheus.GaugeValue},
		load15: typedDesc{newDesc("", "load15", "15m load average."), prometheus.GaugeValue},
	}
}

func (c *loadavgCollector) update(ch chan<- prometheus.Metric) error {
	l, err := c.fs.LoadAvg()
	if err != nil {
		return fmt.Errorf("reading loadavg: %w", err)
	}
	ch <- c.load1.metric(l.Load1)
	ch <- c.load5.metric(l.Load5)
	ch <- c.load15.metric(l.Load15)
	return nil
}

// meminfoCollector is node_exporter's meminfo collector: one gauge per
// /proc/meminfo field, so the series depend on the kernel.
type meminfoCollector struct {
	path string

	mu    sync.Mutex
	descs map[string]*prometheus.Desc // by field name; bounded by the kernel's fields
}

func newMeminfoCollector(procPath string) *meminfoCollector {
	return &meminfoCollector{path: filepath.Join(procPath, "meminfo"), descs: map[string]*prometheus.Desc{}}
}

func (c *meminfoCollector) update(ch chan<- prometheus.Metric) error {
	f, err := os.Open(c.path)
	if err != nil {
		return fmt.Errorf("reading meminfo: %w", err)
	}
	defer f.Close()
	fields, err := parseMeminfo(f)
	if err != nil {
		return fmt.Errorf("parsing %s: %w", c.path, err)
	}
	var errs []error
	for _, fld := range fields {
		valueType := prometheus.GaugeValue
		if strings.HasSuffix(fld.name, "_total") {
			valueType = prometheus.CounterValue
		}
		m, err := prometheus.NewConstMetric(c.desc(fld.name), valueType, fld.value)
		if err != nil {
			errs = append(errs, fmt.Errorf("meminfo field %q: %w", fld.name, err))
			continue
		}
		ch <- m
	}
	return errors.Join(errs...)
}

func (c *meminfoCollector) desc(name string) *prometheus.Desc {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.descs[name]
	if !ok {
		d = newDesc("memory", name, fmt.Sprintf("Memory information field %s.", name))
		c.descs[name] = d
	}
	return d
}

type meminfoField struct {
	name  string
	value float64
}

var meminfoParens = regexp.MustCompile(`\((.*)\)`)

// parseMeminfo applies node_exporter's rules to /proc/meminfo: "Active(anon)"
// becomes "Active_anon", a value with a unit (always kB) is multiplied by
// 1024 and its name gets "_bytes", a value without one (HugePages_Total) is
// kept as it is. Fields come back in file order; a repeated field keeps its
// last value.
func parseMeminfo(r io.Reader) ([]meminfoField, error) {
	var (
		fields []meminfoField
		index  = map[string]int{}
		sc     = bufio.NewScanner(r)
	)
	for sc.Scan() {
		parts := strings.Fields(sc.Text())
		if len(parts) == 0 {
			continue // some kernels write empty lines
		}
		if len(parts) < 2 || len(parts) > 3 || !strings.HasSuffix(parts[0], ":") {
			return nil, fmt.Errorf("invalid line %q", sc.Text())
		}
		value, err := strconv.ParseFloat(parts[1], 64)
		if err != nil {
			return nil, fmt.Errorf("invalid value in line %q: %w", sc.Text(), err)
		}
		name := strings.TrimSuffix(parts[0], ":")
		if strings.Contains(name, "(") {
			name = meminfoParens.ReplaceAllString(name, "_${1}")
		}
		if len(parts) == 3 {
			value *= 1024
			name += "_bytes"
		}
		if i, ok := index[name]; ok {
			fields[i].value = value
			continue
		}
		index[name] = len(fields)
		fields = append(fields, meminfoField{name: name, value: value})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return fields, nil
}

// psiResources are the files of /proc/pressure that node_exporter reads.
var psiResources = []string{"cpu", "io", "memory", "irq"}

// pressureCollector is node_exporter's pressure collector. PSI totals are
// microseconds.
type pressureCollector struct {
	fs     procfs.FS
	logger *slog.Logger

	cpu, io, ioFull, mem, memFull, irqFull typedDesc

	noDataLogged sync.Once
}

func newPressureCollector(fs procfs.FS, logger *slog.Logger) *pressureCollector {
	counter := func(name, help string) typedDesc {
		return typedDesc{newDesc("pressure", name, help), prometheus.CounterValue}
	}
	return &pressureCollector{
		fs:     fs,
		logger: logger,
		cpu: counter("cpu_waiting_seconds_total",
			"Total time in seconds that processes have waited for CPU time"),
		io: counter("io_waiting_seconds_total",
			"Total time in seconds that processes have waited due to IO congestion"),
		ioFull: counter("io_stalled_seconds_total",
			"Total time in seconds no process could make progress due to IO congestion"),
		mem: counter("memory_waiting_seconds_total",
			"Total time in seconds that processes have waited for memory"),
		memFull: counter("memory_stalled_seconds_total",
			"Total time in seconds no process could make progress due to memory congestion"),
		irqFull: counter("irq_stalled_seconds_total",
			"Total time in seconds no process could make progress due to IRQ congestion"),
	}
}

func (c *pressureCollector) update(ch chan<- prometheus.Metric) error {
	const usPerSecond = 1e6
	found := 0
	for _, res := range psiResources {
		vals, err := c.fs.PSIStatsForResource(res)
		switch {
		case errors.Is(err, os.ErrNotExist):
			continue // irq needs Linux 6.1, the others 4.20 and CONFIG_PSI
		case errors.Is(err, syscall.ENOTSUP):
			return c.noData("pressure information is disabled, add psi=1 to the kernel command line to enable it")
		case err != nil:
			return fmt.Errorf("reading pressure stats for %s: %w", res, err)
		}
		// irq has no "some" line and cpu had no "full" line before Linux 5.13.
		if vals.Some == nil && res != "irq" || vals.Full == nil && res != "cpu" {
			return c.noData("pressure information for " + res + " lacks 'some' or 'full' data")
		}
		switch res {
		case "cpu":
			ch <- c.cpu.metric(float64(vals.Some.Total) / usPerSecond)
		case "io":
			ch <- c.io.metric(float64(vals.Some.Total) / usPerSecond)
			ch <- c.ioFull.metric(float64(vals.Full.Total) / usPerSecond)
		case "memory":
			ch <- c.mem.metric(float64(vals.Some.Total) / usPerSecond)
			ch <- c.memFull.metric(float64(vals.Full.Total) / usPerSecond)
		case "irq":
			ch <- c.irqFull.metric(float64(vals.Full.Total) / usPerSecond)
		}
		found++
	}
	if found == 0 {
		return c.noData("pressure information is unavailable, you need a Linux kernel >= 4.20 and/or CONFIG_PSI enabled for your kernel")
	}
	return nil
}

// noData logs msg at debug level the first time only and returns errNoData.
func (c *pressureCollector) noData(msg string) error {
	c.noDataLogged.Do(func() { c.logger.Debug(msg) })
	return errNoData
}

// timeCollector is node_exporter's time collector (without timex).
type timeCollector struct {
	sysPath string
	now     func() time.Time

	seconds, zone, available, current typedDesc
}

func newTimeCollector(sysPath string, now func() time.Time) *timeCollector {
	gauge := func(name, help string, labels ...string) typedDesc {
		return typedDesc{newDesc("time", name, help, labels...), prometheus.GaugeValue}
	}
	return &timeCollector{
		sysPath: sysPath,
		now:     now,
		seconds: gauge("seconds", "System time in seconds since epoch (1970)."),
		zone:    gauge("zone_offset_seconds", "System time zone offset in seconds.", "time_zone"),
		available: gauge("clocksource_available_info",
			"Available clocksources read from '/sys/devices/system/clocksource'.", "device", "clocksource"),
		current: gauge("clocksource_current_info",
			"Current clocksource read from '/sys/devices/system/clocksource'.", "device", "clocksource"),
	}
}

func (c *timeCollector) update(ch chan<- prometheus.Metric) error {
	now := c.now()
	ch <- c.seconds.metric(float64(now.UnixNano()) / 1e9)
	zone, offset := now.Zone()
	ch <- c.zone.metric(float64(offset), zone)

	fs, err := sysfs.NewFS(c.sysPath)
	if err != nil {
		return fmt.Errorf("opening sysfs: %w", err)
	}
	sources, err := fs.ClockSources()
	if err != nil {
		return fmt.Errorf("reading clocksources: %w", err)
	}
	for i, s := range sources {
		// node_exporter labels clocksourceN by its position, not by N.
		device := strconv.Itoa(i)
		for _, a := range s.Available {
			ch <- c.available.metric(1, device, a)
		}
		ch <- c.current.metric(1, device, s.Current)
	}
	return nil
}

// unameInfo is what uname(2) reports.
type unameInfo struct {
	sysname, release, version, machine, nodename, domainname string
}

func uname() (unameInfo, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return unameInfo{}, fmt.Errorf("uname: %w", err)
	}
	return unameInfo{
		sysname:    unix.ByteSliceToString(u.Sysname[:]),
		release:    unix.ByteSliceToString(u.Release[:]),
		version:    unix.ByteSliceToString(u.Version[:]),
		machine:    unix.ByteSliceToString(u.Machine[:]),
		nodename:   unix.ByteSliceToString(u.Nodename[:]),
		domainname: unix.ByteSliceToString(u.Domainname[:]),
	}, nil
}

// unameCollector is node_exporter's uname collector.
type unameCollector struct {
	uname func() (unameInfo, error)
	info  typedDesc
}

func newUnameCollector(uname func() (unameInfo, error)) *unameCollector {
	return &unameCollector{
		uname: uname,
		info: typedDesc{newDesc("uname", "info",
			"Labeled system information as provided by the uname system call.",
			"sysname", "release", "version", "machine", "nodename", "domainname"), prometheus.GaugeValue},
	}
}

func (c *unameCollector) update(ch chan<- prometheus.Metric) error {
	u, err := c.uname()
	if err != nil {
		return err
	}
	ch <- c.info.metric(1, u.sysname, u.release, u.version, u.machine, u.nodename, u.domainname)
	return nil
}
