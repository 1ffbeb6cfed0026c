//go:build cgo

package gpu

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/prometheus/client_golang/prometheus"
)

// Options configure a Collector.
type Options struct {
	// Hostname is the Hostname label (dcgm-exporter's); default os.Hostname.
	Hostname string
	// ProcPath is where /proc is, to find the container of a process using
	// a GPU; default "/proc".
	ProcPath string
	// LibraryPath is libnvidia-ml's path; default: the dynamic loader's
	// search for libnvidia-ml.so.1.
	LibraryPath string
	// Library replaces NVML (tests and the demo pass go-nvml's mock).
	Library nvml.Interface
	Logger  *slog.Logger
	// XIDWait is how long one wait for NVML events blocks, which bounds
	// how long Close waits; default 500ms.
	XIDWait time.Duration
}

// Collector reads every GPU through NVML on each collection, and counts
// XIDs from NVML's event set in the background (Run).
type Collector struct {
	lib    nvml.Interface
	o      Options
	logger *slog.Logger

	driver, nvmlVersion string
	cuda                int

	mu    sync.Mutex
	xids  map[string]*xidState // by UUID
	lost  map[string]bool      // UUIDs logged as lost, to log once
	known map[int]Device       // identity of each GPU index last read

	descs      map[string]*prometheus.Desc
	xidTotal   *prometheus.Desc
	migFBUsed  *prometheus.Desc
	migFBFree  *prometheus.Desc
	procMem    *prometheus.Desc
	driverInfo *prometheus.Desc

	closeOnce sync.Once
}

type xidState struct {
	last   uint64
	counts map[uint64]uint64
	first  map[uint64]time.Time // when each code was first seen
}

// New initialises NVML. Without an NVIDIA driver it returns an error
// wrapping ErrNoDriver, which callers log once and carry on.
func New(o Options) (*Collector, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ProcPath == "" {
		o.ProcPath = "/proc"
	}
	if o.XIDWait <= 0 {
		o.XIDWait = 500 * time.Millisecond
	}
	lib := o.Library
	if lib == nil {
		var opts []nvml.LibraryOption
		if o.LibraryPath != "" {
			opts = append(opts, nvml.WithLibraryPath(o.LibraryPath))
		}
		lib = nvml.New(opts...)
	}
	if r := lib.Init(); r != nvml.SUCCESS {
		return nil, fmt.Errorf("%w: NVML init: %s", ErrNoDriver, r.Error())
	}
	c := &Collector{
		lib: lib, o: o, logger: o.Logger,
		xids:  map[string]*xidState{},
		lost:  map[string]bool{},
		known: map[int]Device{},
		descs: map[string]*prometheus.Desc{},
	}
	c.driver, _ = lib.SystemGetDriverVersion()
	c.nvmlVersion, _ = lib.SystemGetNVMLVersion()
	c.cuda, _ = lib.SystemGetCudaDriverVersion()
	for _, f := range Fields {
		c.descs[f.Name] = prometheus.NewDesc(f.Name, f.Help, GPULabels, nil)
	}
	c.xidTotal = prometheus.NewDesc(XIDErrorsTotal,
		"Number of XID errors by code since mlre started, from NVML's event set.",
		append(append([]string{}, GPULabels...), "xid"), nil)
	migLabels := append(append([]string{}, GPULabels...), "GPU_I_ID", "GPU_I_PROFILE")
	c.migFBUsed = prometheus.NewDesc(FBUsed, "Framebuffer memory used (in MiB).", migLabels, nil)
	c.migFBFree = prometheus.NewDesc(FBFree, "Framebuffer memory free (in MiB).", migLabels, nil)
	c.procMem = prometheus.NewDesc("mlre_gpu_process_memory_used_bytes",
		"GPU memory used by a process, with its container and pod where its cgroup names them.",
		append(append([]string{}, GPULabels...), "pid", "process", "container_id", "pod_uid", "GPU_I_ID"), nil)
	c.driverInfo = prometheus.NewDesc("mlre_gpu_driver_info",
		"The NVIDIA driver, NVML and CUDA driver versions (value 1).",
		[]string{"Hostname", "driver_version", "nvml_version", "cuda_driver_version"}, nil)
	// Read every GPU once now, so that each one's identity is known: a GPU
	// that falls off the bus (XID 79) before its first collection still has
	// its XID reported under its UUID.
	c.Snapshot()
	return c, nil
}

// Close shuts NVML down. Call it after Run has returned.
func (c *Collector) Close() {
	c.closeOnce.Do(func() { c.lib.Shutdown() })
}

// Describe sends no descriptors: the set of series depends on what each
// GPU supports, so the collector is unchecked.
func (c *Collector) Describe(chan<- *prometheus.Desc) {}

// Collect reads every GPU and sends its series.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.Snapshot()
	ch <- prometheus.MustNewConstMetric(c.driverInfo, prometheus.GaugeValue, 1,
		c.o.Hostname, s.DriverVersion, s.NVMLVersion, cudaVersion(s.CUDADriverVersion))
	c.mu.Lock()
	first := map[string]map[uint64]time.Time{}
	for uuid, x := range c.xids {
		first[uuid] = maps.Clone(x.first)
	}
	c.mu.Unlock()
	for i := range s.Devices {
		d := &s.Devices[i]
		if d.UUID == "" {
			continue
		}
		lv := []string{strconv.Itoa(d.Index), d.UUID, "nvidia" + strconv.Itoa(d.Minor), d.Name, c.o.Hostname, d.PCIBusID}
		for code, n := range d.XIDs {
			// The created timestamp lets storage put a 0 just before the
			// first XID of a code, so increase() sees it.
			ch <- prometheus.MustNewConstMetricWithCreatedTimestamp(c.xidTotal, prometheus.CounterValue, float64(n),
				first[d.UUID][code].Add(-time.Millisecond), append(lv[:len(lv):len(lv)], strconv.FormatUint(code, 10))...)
		}
		if d.Lost {
			// A lost GPU reports no telemetry (so GPUMissing fires) but
			// keeps its last XID (79: restart the node).
			ch <- prometheus.MustNewConstMetric(c.descs[XIDErrors], prometheus.GaugeValue, float64(d.LastXID), lv...)
			continue
		}
		for _, f := range Fields {
			if v, ok := d.Values[f.Name]; ok {
				ch <- prometheus.MustNewConstMetric(c.descs[f.Name], f.Type, v, lv...)
			}
		}
		for _, m := range d.MIG {
			ml := append(lv[:len(lv):len(lv)], strconv.Itoa(m.GPUInstanceID), m.Profile)
			ch <- prometheus.MustNewConstMetric(c.migFBUsed, prometheus.GaugeValue, m.FBUsedMiB, ml...)
			ch <- prometheus.MustNewConstMetric(c.migFBFree, prometheus.GaugeValue, m.FBFreeMiB, ml...)
		}
		for _, p := range d.Processes {
			gi := ""
			if p.GPUInstanceID >= 0 {
				gi = strconv.Itoa(p.GPUInstanceID)
			}
			ch <- prometheus.MustNewConstMetric(c.procMem, prometheus.GaugeValue, float64(p.UsedBytes),
				append(lv[:len(lv):len(lv)], strconv.FormatUint(uint64(p.PID), 10), p.Comm, p.ContainerID, p.PodUID, gi)...)
		}
	}
}

func cudaVersion(v int) string {
	if v <= 0 {
		return ""
	}
	return fmt.Sprintf("%d.%d", v/1000, v%1000/10)
}

// Snapshot reads every GPU now.
func (c *Collector) Snapshot() Snapshot {
	s := Snapshot{DriverVersion: c.driver, NVMLVersion: c.nvmlVersion, CUDADriverVersion: c.cuda}
	n, r := c.lib.DeviceGetCount()
	if r != nvml.SUCCESS {
		c.logger.Warn("NVML could not count the GPUs", "err", r.Error())
		return s
	}
	for i := 0; i < n; i++ {
		d := c.readDevice(i)
		c.mu.Lock()
		if d.UUID != "" && !d.Lost {
			c.known[i] = Device{Index: i, UUID: d.UUID, Name: d.Name, PCIBusID: d.PCIBusID, Minor: d.Minor}
		} else if k, ok := c.known[i]; ok && d.Lost {
			d.UUID, d.Name, d.PCIBusID, d.Minor = k.UUID, k.Name, k.PCIBusID, k.Minor
		}
		if x := c.xids[d.UUID]; x != nil && d.UUID != "" {
			d.LastXID = x.last
			d.XIDs = make(map[uint64]uint64, len(x.counts))
			for k, v := range x.counts {
				d.XIDs[k] = v
			}
		}
		if d.LastXID != 0 {
			d.Values[XIDErrors] = float64(d.LastXID)
		} else if !d.Lost {
			d.Values[XIDErrors] = 0
		}
		key := d.UUID
		if key == "" {
			key = "index " + strconv.Itoa(i)
		}
		if d.Lost && !c.lost[key] {
			c.logger.Error("GPU lost: NVML reports it has fallen off the bus; restart the node", "gpu", i, "uuid", d.UUID)
		}
		c.lost[key] = d.Lost
		c.mu.Unlock()
		s.Devices = append(s.Devices, d)
	}
	return s
}

// reader collects one device's readings, remembering whether NVML said the
// GPU is lost and the first other error.
type reader struct {
	d *Device
}

// ok reports whether r is success; it records loss and errors, and takes
// "not supported" (and similar) as the value being absent.
func (rd *reader) ok(what string, r nvml.Return) bool {
	switch r {
	case nvml.SUCCESS:
		return true
	case nvml.ERROR_GPU_IS_LOST:
		rd.d.Lost = true
	case nvml.ERROR_NOT_SUPPORTED, nvml.ERROR_NO_PERMISSION, nvml.ERROR_NOT_FOUND,
		nvml.ERROR_INVALID_ARGUMENT, nvml.ERROR_FUNCTION_NOT_FOUND:
	default:
		if rd.d.Err == nil {
			rd.d.Err = fmt.Errorf("%s: %s", what, r.Error())
		}
	}
	return false
}

func (rd *reader) set(name string, v float64, what string, r nvml.Return) {
	if rd.ok(what, r) {
		rd.d.Values[name] = v
	}
}

func (c *Collector) readDevice(i int) Device {
	d := Device{Index: i, Values: map[string]float64{}, Minor: i}
	rd := &reader{d: &d}
	h, r := c.lib.DeviceGetHandleByIndex(i)
	if !rd.ok("handle", r) {
		if d.Err == nil && !d.Lost {
			d.Err = fmt.Errorf("handle: %s", r.Error())
		}
		return d
	}
	var uuidOK bool
	d.UUID, r = h.GetUUID()
	uuidOK = rd.ok("UUID", r)
	if d.Lost || !uuidOK {
		return d
	}
	if name, r := h.GetName(); rd.ok("name", r) {
		d.Name = name
	}
	if minor, r := h.GetMinorNumber(); rd.ok("minor number", r) {
		d.Minor = minor
	}
	if pci, r := h.GetPciInfo(); rd.ok("PCI info", r) {
		d.PCIBusID = cString(pci.BusId[:])
	}

	if u, r := h.GetUtilizationRates(); rd.ok("utilization", r) {
		d.Values[GPUUtil] = float64(u.Gpu)
		d.Values[MemCopyUtil] = float64(u.Memory)
	}
	if d.Lost { // the first telemetry call tells
		return d
	}
	enc, _, r := h.GetEncoderUtilization()
	rd.set(EncUtil, float64(enc), "encoder utilization", r)
	dec, _, r := h.GetDecoderUtilization()
	rd.set(DecUtil, float64(dec), "decoder utilization", r)
	// The second version of the call reports the driver's reserved memory
	// apart from what processes use, as nvidia-smi and DCGM do; the first
	// counts it as used (480 MiB on an idle H100), which would make every
	// idle GPU look allocated.
	if m, r := h.GetMemoryInfo_v2(); r == nvml.SUCCESS {
		d.Values[FBUsed] = float64(m.Used) / (1 << 20)
		d.Values[FBFree] = float64(m.Free) / (1 << 20)
		d.Values[FBReserved] = float64(m.Reserved) / (1 << 20)
	} else if m, r := h.GetMemoryInfo(); rd.ok("memory info", r) {
		d.Values[FBUsed] = float64(m.Used) / (1 << 20)
		d.Values[FBFree] = float64(m.Free) / (1 << 20)
	}
	t, r := h.GetTemperature(nvml.TEMPERATURE_GPU)
	rd.set(GPUTemp, float64(t), "temperature", r)
	fv := []nvml.FieldValue{{FieldId: nvml.FI_DEV_MEMORY_TEMP}}
	if r := h.GetFieldValues(fv); rd.ok("memory temperature", r) && nvml.Return(fv[0].NvmlReturn) == nvml.SUCCESS {
		if v, ok := fieldValue(fv[0]); ok {
			d.Values[MemoryTemp] = v
		}
	}
	p, r := h.GetPowerUsage()
	rd.set(PowerUsage, float64(p)/1000, "power usage", r)
	e, r := h.GetTotalEnergyConsumption()
	rd.set(TotalEnergy, float64(e), "energy", r)
	sm, r := h.GetClockInfo(nvml.CLOCK_SM)
	rd.set(SMClock, float64(sm), "SM clock", r)
	mc, r := h.GetClockInfo(nvml.CLOCK_MEM)
	rd.set(MemClock, float64(mc), "memory clock", r)
	rp, r := h.GetPcieReplayCounter()
	rd.set(PCIeReplay, float64(rp), "PCIe replay counter", r)

	for _, ecc := range []struct {
		name string
		typ  nvml.MemoryErrorType
		ctr  nvml.EccCounterType
	}{
		{ECCSBEVol, nvml.MEMORY_ERROR_TYPE_CORRECTED, nvml.VOLATILE_ECC},
		{ECCDBEVol, nvml.MEMORY_ERROR_TYPE_UNCORRECTED, nvml.VOLATILE_ECC},
		{ECCSBEAgg, nvml.MEMORY_ERROR_TYPE_CORRECTED, nvml.AGGREGATE_ECC},
		{ECCDBEAgg, nvml.MEMORY_ERROR_TYPE_UNCORRECTED, nvml.AGGREGATE_ECC},
	} {
		v, r := h.GetTotalEccErrors(ecc.typ, ecc.ctr)
		rd.set(ecc.name, float64(v), "ECC errors", r)
	}
	sbe, r := h.GetRetiredPages(nvml.PAGE_RETIREMENT_CAUSE_MULTIPLE_SINGLE_BIT_ECC_ERRORS)
	rd.set(RetiredSBE, float64(len(sbe)), "retired pages", r)
	dbe, r := h.GetRetiredPages(nvml.PAGE_RETIREMENT_CAUSE_DOUBLE_BIT_ECC_ERROR)
	rd.set(RetiredDBE, float64(len(dbe)), "retired pages", r)
	if st, r := h.GetRetiredPagesPendingStatus(); rd.ok("retired pages pending", r) {
		d.Values[RetiredPending] = boolValue(st == nvml.FEATURE_ENABLED)
	}
	if corr, unc, pending, failed, r := h.GetRemappedRows(); rd.ok("remapped rows", r) {
		d.Values[CorrectableRemapped] = float64(corr)
		d.Values[UncorrectableRemapped] = float64(unc)
		d.Values[RowRemapPending] = boolValue(pending)
		d.Values[RowRemapFailure] = boolValue(failed)
	}
	reasons, r := h.GetCurrentClocksEventReasons()
	rd.set(ClocksEventReasons, float64(reasons), "clock event reasons", r)
	if v, r := h.GetViolationStatus(nvml.PERF_POLICY_POWER); rd.ok("power violation", r) {
		d.Values[PowerViolation] = float64(v.ViolationTime) / 1e3 // ns to µs
	}
	if v, r := h.GetViolationStatus(nvml.PERF_POLICY_THERMAL); rd.ok("thermal violation", r) {
		d.Values[ThermalViolation] = float64(v.ViolationTime) / 1e3
	}
	c.readNVLink(h, rd)
	c.readMIG(h, rd)
	c.readProcesses(h, rd)
	if d.Lost {
		d.Values = map[string]float64{}
	}
	return d
}

func (c *Collector) readNVLink(h nvml.Device, rd *reader) {
	counters := []struct {
		name string
		ctr  nvml.NvLinkErrorCounter
	}{
		{NVLinkCRCFlit, nvml.NVLINK_ERROR_DL_CRC_FLIT},
		{NVLinkCRCData, nvml.NVLINK_ERROR_DL_CRC_DATA},
		{NVLinkReplay, nvml.NVLINK_ERROR_DL_REPLAY},
		{NVLinkRecovery, nvml.NVLINK_ERROR_DL_RECOVERY},
	}
	sums := make([]float64, len(counters))
	active := 0
	for link := 0; link < nvml.NVLINK_MAX_LINKS; link++ {
		st, r := h.GetNvLinkState(link)
		if r == nvml.ERROR_NOT_SUPPORTED && link == 0 {
			return // no NVLink on this GPU
		}
		if !rd.ok("NVLink state", r) || st != nvml.FEATURE_ENABLED {
			continue
		}
		active++
		for i, ctr := range counters {
			if v, r := h.GetNvLinkErrorCounter(link, ctr.ctr); rd.ok("NVLink error counter", r) {
				sums[i] += float64(v)
			}
		}
	}
	if active == 0 {
		return
	}
	for i, ctr := range counters {
		rd.d.Values[ctr.name] = sums[i]
	}
}

func (c *Collector) readMIG(h nvml.Device, rd *reader) {
	mode, _, r := h.GetMigMode()
	if !rd.ok("MIG mode", r) || mode != nvml.DEVICE_MIG_ENABLE {
		return
	}
	n, r := h.GetMaxMigDeviceCount()
	if !rd.ok("MIG device count", r) {
		return
	}
	for i := 0; i < n; i++ {
		mh, r := h.GetMigDeviceHandleByIndex(i)
		if r != nvml.SUCCESS { // NOT_FOUND: the slot is empty
			continue
		}
		m := MIGDevice{GPUInstanceID: -1}
		if id, r := mh.GetGpuInstanceId(); rd.ok("GPU instance ID", r) {
			m.GPUInstanceID = id
		}
		if name, r := mh.GetName(); rd.ok("MIG name", r) {
			m.Profile = migProfile(name)
		}
		if mem, r := mh.GetMemoryInfo(); rd.ok("MIG memory info", r) {
			m.FBUsedMiB = float64(mem.Used) / (1 << 20)
			m.FBFreeMiB = float64(mem.Free) / (1 << 20)
		}
		rd.d.MIG = append(rd.d.MIG, m)
	}
}

func (c *Collector) readProcesses(h nvml.Device, rd *reader) {
	procs, r := h.GetComputeRunningProcesses()
	if !rd.ok("running processes", r) {
		return
	}
	for _, p := range procs {
		gi := -1
		if p.GpuInstanceId != 0xFFFFFFFF && len(rd.d.MIG) > 0 {
			gi = int(p.GpuInstanceId)
		}
		rd.d.Processes = append(rd.d.Processes, Process{
			PID: p.Pid, UsedBytes: p.UsedGpuMemory, GPUInstanceID: gi,
			Owner: processOwner(c.o.ProcPath, p.Pid),
		})
	}
}

// migProfile takes "NVIDIA H100 80GB HBM3 MIG 1g.10gb" to "1g.10gb".
func migProfile(name string) string {
	if i := strings.LastIndex(name, "MIG "); i >= 0 {
		return name[i+len("MIG "):]
	}
	return name
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func cString(b []int8) string {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c == 0 {
			break
		}
		out = append(out, byte(c))
	}
	return string(out)
}

// fieldValue decodes an NVML field value by its type.
func fieldValue(f nvml.FieldValue) (float64, bool) {
	b := f.Value
	u64 := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
	switch nvml.ValueType(f.ValueType) {
	case nvml.VALUE_TYPE_DOUBLE:
		return math.Float64frombits(u64), true
	case nvml.VALUE_TYPE_UNSIGNED_INT:
		return float64(uint32(u64)), true
	case nvml.VALUE_TYPE_UNSIGNED_LONG, nvml.VALUE_TYPE_UNSIGNED_LONG_LONG:
		return float64(u64), true
	case nvml.VALUE_TYPE_SIGNED_LONG_LONG:
		return float64(int64(u64)), true
	case nvml.VALUE_TYPE_SIGNED_INT:
		return float64(int32(uint32(u64))), true
	}
	return 0, false
}

// Run counts XIDs from NVML's event set until ctx is done.
func (c *Collector) Run(ctx context.Context) {
	set, r := c.lib.EventSetCreate()
	if r != nvml.SUCCESS {
		c.logger.Warn("NVML event set unavailable: XIDs will not be counted", "err", r.Error())
		return
	}
	defer set.Free()
	n, _ := c.lib.DeviceGetCount()
	registered := 0
	// UUIDs by handle, read now: a GPU that fell off the bus (XID 79) no
	// longer answers GetUUID when its event arrives.
	uuids := map[nvml.Device]string{}
	for i := 0; i < n; i++ {
		h, r := c.lib.DeviceGetHandleByIndex(i)
		if r != nvml.SUCCESS {
			continue
		}
		if u, r := h.GetUUID(); r == nvml.SUCCESS {
			uuids[h] = u
		}
		if r := h.RegisterEvents(nvml.EventTypeXidCriticalError, set); r != nvml.SUCCESS {
			c.logger.Warn("GPU does not report XID events", "gpu", i, "err", r.Error())
			continue
		}
		registered++
	}
	if registered == 0 {
		return
	}
	wait := uint32(c.o.XIDWait / time.Millisecond)
	for ctx.Err() == nil {
		ev, r := set.Wait(wait)
		switch r {
		case nvml.SUCCESS:
		case nvml.ERROR_TIMEOUT:
			continue
		default:
			// A lost GPU makes Wait fail; keep listening to the others,
			// but do not spin.
			select {
			case <-ctx.Done():
			case <-time.After(c.o.XIDWait):
			}
			continue
		}
		if ev.EventType&nvml.EventTypeXidCriticalError == 0 || ev.Device == nil {
			continue
		}
		uuid, ok := uuids[ev.Device]
		if !ok {
			if uuid, r = ev.Device.GetUUID(); r != nvml.SUCCESS {
				continue
			}
		}
		c.recordXID(uuid, ev.EventData)
	}
}

func (c *Collector) recordXID(uuid string, code uint64) {
	c.mu.Lock()
	x := c.xids[uuid]
	if x == nil {
		x = &xidState{counts: map[uint64]uint64{}, first: map[uint64]time.Time{}}
		c.xids[uuid] = x
	}
	if _, ok := x.first[code]; !ok {
		x.first[code] = time.Now()
	}
	x.last = code
	x.counts[code]++
	c.mu.Unlock()
	c.logger.Warn("GPU XID error", "uuid", uuid, "xid", code)
}
