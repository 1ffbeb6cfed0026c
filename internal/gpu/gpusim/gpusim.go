//go:build cgo

// Package gpusim is a simulated NVIDIA GPU node for tests, benchmarks and
// the demo: go-nvml's mock of a DGX H100 (or any mix of GPU models) with
// settable telemetry and injected faults — XIDs through the NVML event set,
// ECC errors, row remapping, throttling, a GPU falling off the bus.
package gpusim

import (
	"fmt"
	"sync"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/gpus"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"
	"github.com/google/uuid"
)

// State is what one simulated GPU reports. Counters only grow unless a
// test sets them.
type State struct {
	Util, MemCopyUtil  uint32 // percent
	EncUtil, DecUtil   uint32
	FBUsedMiB          uint64 // by processes, reserved memory not counted
	FBReservedMiB      uint64 // held by the driver (480 MiB on a real H100 with driver 580)
	TempC, MemTempC    uint32
	PowerW             float64
	EnergyMJ           uint64 // millijoules since boot
	SMClockMHz         uint32
	MemClockMHz        uint32
	PCIeReplays        int
	ECCSBEVolatile     uint64
	ECCDBEVolatile     uint64
	ECCSBEAggregate    uint64
	ECCDBEAggregate    uint64
	RemappedCorr       int
	RemappedUncorr     int
	RemapPending       bool
	RemapFailure       bool
	ClocksEventReasons uint64        // nvml.ClocksEventReason* bits
	PowerViolation     time.Duration // cumulative time throttled for power
	ThermalViolation   time.Duration
	NVLinks            int       // active links (18 on an H100 SXM)
	NVLinkCRCFlit      []uint64  // per link
	Processes          []Process // processes holding memory
	MIG                []MIG     // MIG devices; none: MIG off
	Lost               bool      // fallen off the bus: every call fails
}

// Process is a process using a GPU.
type Process struct {
	PID       uint32
	UsedBytes uint64
	GIID      uint32 // 0xFFFFFFFF outside MIG
}

// MIG is one MIG device.
type MIG struct {
	GIID     int
	Profile  string // e.g. "1g.10gb"
	UsedMiB  uint64
	TotalMiB uint64
}

// GPU is one simulated device.
type GPU struct {
	mu     sync.Mutex
	dev    *server.Device
	node   *Node
	memMiB uint64
	st     State
}

// Node is a simulated GPU server.
type Node struct {
	Server *server.Server
	gpus   []*GPU
	events chan nvml.EventData

	mu         sync.Mutex
	registered map[*server.Device]bool
}

// NewDGXH100 returns a healthy, idle DGX H100: eight H100 SXM5 80GB.
func NewDGXH100(name string) *Node { return New(name, gpus.Multiple(8, gpus.H100_SXM5_80GB)...) }

// New returns a node with the given GPUs, each healthy and idle. The GPUs'
// UUIDs derive from the node's name and their index, so they are the same
// in every run.
func New(name string, cfgs ...gpus.Config) *Node {
	n := &Node{
		Server:     dgxh100.NewWithGPUs(cfgs...),
		events:     make(chan nvml.EventData, 1024),
		registered: map[*server.Device]bool{},
	}
	for i, d := range n.Server.Devices {
		sd := d.(*server.Device)
		sd.UUID = "GPU-" + uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "mlre-gpusim/%s/%d", name, i)).String()
		sd.PciBusID = fmt.Sprintf("00000000:%02X:00.0", 0x18+i*0x10)
		g := &GPU{dev: sd, node: n, memMiB: sd.Config.MemoryMB}
		g.st = State{
			TempC: 32, MemTempC: 30, PowerW: 70, SMClockMHz: 345, MemClockMHz: 2619,
			FBUsedMiB: 0, FBReservedMiB: 480, NVLinks: 18, NVLinkCRCFlit: make([]uint64, 18),
			ClocksEventReasons: nvml.ClocksEventReasonGpuIdle,
		}
		g.install()
		n.gpus = append(n.gpus, g)
	}
	n.Server.EventSetCreateFunc = func() (nvml.EventSet, nvml.Return) {
		return &mock.EventSet{
			WaitFunc: func(ms uint32) (nvml.EventData, nvml.Return) {
				select {
				case ev := <-n.events:
					return ev, nvml.SUCCESS
				case <-time.After(time.Duration(ms) * time.Millisecond):
					return nvml.EventData{}, nvml.ERROR_TIMEOUT
				}
			},
			FreeFunc: func() nvml.Return { return nvml.SUCCESS },
		}, nvml.SUCCESS
	}
	return n
}

// Lib is the node's NVML.
func (n *Node) Lib() nvml.Interface { return n.Server }

// Len is the number of GPUs.
func (n *Node) Len() int { return len(n.gpus) }

// GPU returns GPU i.
func (n *Node) GPU(i int) *GPU { return n.gpus[i] }

// UUID is the GPU's UUID.
func (g *GPU) UUID() string { return g.dev.UUID }

// Update changes the GPU's state under its lock.
func (g *GPU) Update(f func(*State)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f(&g.st)
}

// State returns a copy of the GPU's state.
func (g *GPU) State() State {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.st
}

// EventsRegistered reports whether someone registered for the GPU's events
// (an XID injected before that reaches no one).
func (g *GPU) EventsRegistered() bool {
	g.node.mu.Lock()
	defer g.node.mu.Unlock()
	return g.node.registered[g.dev]
}

// InjectXID raises an XID on the GPU, as the driver does: the last XID
// changes and an XID critical-error event reaches every registered event
// set. XID 79 also takes the GPU off the bus.
func (g *GPU) InjectXID(code uint64) {
	g.node.mu.Lock()
	reg := g.node.registered[g.dev]
	g.node.mu.Unlock()
	if reg {
		g.node.events <- nvml.EventData{Device: g.dev, EventType: nvml.EventTypeXidCriticalError, EventData: code,
			GpuInstanceId: 0xFFFFFFFF, ComputeInstanceId: 0xFFFFFFFF}
	}
	if code == 79 {
		g.Update(func(s *State) { s.Lost = true })
	}
}

// Tick advances the counters by dt as a running GPU would: energy from the
// power draw, and violation time while throttled.
func (n *Node) Tick(dt time.Duration) {
	for _, g := range n.gpus {
		g.Update(func(s *State) {
			if s.Lost {
				return
			}
			s.EnergyMJ += uint64(s.PowerW * dt.Seconds() * 1000)
			if s.ClocksEventReasons&(nvml.ClocksEventReasonSwPowerCap|nvml.ClocksThrottleReasonHwPowerBrakeSlowdown) != 0 {
				s.PowerViolation += dt
			}
			if s.ClocksEventReasons&(nvml.ClocksEventReasonSwThermalSlowdown|nvml.ClocksThrottleReasonHwThermalSlowdown) != 0 {
				s.ThermalViolation += dt
			}
		})
	}
}

// read runs f on the state unless the GPU is lost.
func read[T any](g *GPU, f func(*State) T) (T, nvml.Return) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var zero T
	if g.st.Lost {
		return zero, nvml.ERROR_GPU_IS_LOST
	}
	return f(&g.st), nvml.SUCCESS
}

func (g *GPU) install() {
	d := g.dev
	d.GetPciInfoFunc = func() (nvml.PciInfo, nvml.Return) {
		p := nvml.PciInfo{PciDeviceId: d.Config.PciDeviceId}
		for i := 0; i < len(d.PciBusID) && i < len(p.BusId)-1; i++ {
			p.BusId[i] = int8(d.PciBusID[i])
		}
		return p, nvml.SUCCESS
	}
	d.GetUUIDFunc = func() (string, nvml.Return) { return read(g, func(*State) string { return d.UUID }) }
	d.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) {
		return read(g, func(s *State) nvml.Utilization { return nvml.Utilization{Gpu: s.Util, Memory: s.MemCopyUtil} })
	}
	d.GetEncoderUtilizationFunc = func() (uint32, uint32, nvml.Return) {
		v, r := read(g, func(s *State) uint32 { return s.EncUtil })
		return v, 167000, r
	}
	d.GetDecoderUtilizationFunc = func() (uint32, uint32, nvml.Return) {
		v, r := read(g, func(s *State) uint32 { return s.DecUtil })
		return v, 167000, r
	}
	// As a real driver does, the first version of the call counts the
	// driver's reserved memory as used; the second reports it apart.
	d.GetMemoryInfoFunc = func() (nvml.Memory, nvml.Return) {
		return read(g, func(s *State) nvml.Memory {
			total := g.memMiB << 20
			used := min((s.FBUsedMiB+s.FBReservedMiB)<<20, total)
			return nvml.Memory{Total: total, Used: used, Free: total - used}
		})
	}
	d.GetMemoryInfo_v2Func = func() (nvml.Memory_v2, nvml.Return) {
		return read(g, func(s *State) nvml.Memory_v2 {
			total := g.memMiB << 20
			reserved := min(s.FBReservedMiB<<20, total)
			used := min(s.FBUsedMiB<<20, total-reserved)
			return nvml.Memory_v2{Total: total, Reserved: reserved, Used: used, Free: total - reserved - used}
		})
	}
	d.GetTemperatureFunc = func(nvml.TemperatureSensors) (uint32, nvml.Return) {
		return read(g, func(s *State) uint32 { return s.TempC })
	}
	d.GetFieldValuesFunc = func(fv []nvml.FieldValue) nvml.Return {
		_, r := read(g, func(s *State) bool {
			for i := range fv {
				fv[i].NvmlReturn = uint32(nvml.ERROR_NOT_SUPPORTED)
				if fv[i].FieldId == nvml.FI_DEV_MEMORY_TEMP {
					fv[i].NvmlReturn = uint32(nvml.SUCCESS)
					fv[i].ValueType = uint32(nvml.VALUE_TYPE_UNSIGNED_INT)
					v := s.MemTempC
					fv[i].Value = [8]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}
				}
			}
			return true
		})
		return r
	}
	d.GetPowerUsageFunc = func() (uint32, nvml.Return) {
		return read(g, func(s *State) uint32 { return uint32(s.PowerW * 1000) })
	}
	d.GetTotalEnergyConsumptionFunc = func() (uint64, nvml.Return) {
		return read(g, func(s *State) uint64 { return s.EnergyMJ })
	}
	d.GetClockInfoFunc = func(t nvml.ClockType) (uint32, nvml.Return) {
		return read(g, func(s *State) uint32 {
			if t == nvml.CLOCK_MEM {
				return s.MemClockMHz
			}
			return s.SMClockMHz
		})
	}
	d.GetPcieReplayCounterFunc = func() (int, nvml.Return) {
		return read(g, func(s *State) int { return s.PCIeReplays })
	}
	d.GetTotalEccErrorsFunc = func(t nvml.MemoryErrorType, c nvml.EccCounterType) (uint64, nvml.Return) {
		return read(g, func(s *State) uint64 {
			switch {
			case t == nvml.MEMORY_ERROR_TYPE_CORRECTED && c == nvml.VOLATILE_ECC:
				return s.ECCSBEVolatile
			case t == nvml.MEMORY_ERROR_TYPE_UNCORRECTED && c == nvml.VOLATILE_ECC:
				return s.ECCDBEVolatile
			case t == nvml.MEMORY_ERROR_TYPE_CORRECTED:
				return s.ECCSBEAggregate
			default:
				return s.ECCDBEAggregate
			}
		})
	}
	// Hopper and later remap rows instead of retiring pages.
	d.GetRetiredPagesFunc = func(nvml.PageRetirementCause) ([]uint64, nvml.Return) {
		if _, r := read(g, func(*State) bool { return true }); r != nvml.SUCCESS {
			return nil, r
		}
		return nil, nvml.ERROR_NOT_SUPPORTED
	}
	d.GetRetiredPagesPendingStatusFunc = func() (nvml.EnableState, nvml.Return) {
		if _, r := read(g, func(*State) bool { return true }); r != nvml.SUCCESS {
			return 0, r
		}
		return 0, nvml.ERROR_NOT_SUPPORTED
	}
	d.GetRemappedRowsFunc = func() (int, int, bool, bool, nvml.Return) {
		g.mu.Lock()
		defer g.mu.Unlock()
		s := g.st
		if s.Lost {
			return 0, 0, false, false, nvml.ERROR_GPU_IS_LOST
		}
		return s.RemappedCorr, s.RemappedUncorr, s.RemapPending, s.RemapFailure, nvml.SUCCESS
	}
	d.GetCurrentClocksEventReasonsFunc = func() (uint64, nvml.Return) {
		return read(g, func(s *State) uint64 { return s.ClocksEventReasons })
	}
	d.GetViolationStatusFunc = func(p nvml.PerfPolicyType) (nvml.ViolationTime, nvml.Return) {
		return read(g, func(s *State) nvml.ViolationTime {
			v := s.PowerViolation
			if p == nvml.PERF_POLICY_THERMAL {
				v = s.ThermalViolation
			}
			return nvml.ViolationTime{ReferenceTime: uint64(time.Now().UnixMicro()), ViolationTime: uint64(v.Nanoseconds())}
		})
	}
	d.GetNvLinkStateFunc = func(link int) (nvml.EnableState, nvml.Return) {
		g.mu.Lock()
		defer g.mu.Unlock()
		switch {
		case g.st.Lost:
			return 0, nvml.ERROR_GPU_IS_LOST
		case g.st.NVLinks == 0:
			return 0, nvml.ERROR_NOT_SUPPORTED
		case link >= g.st.NVLinks:
			return 0, nvml.ERROR_INVALID_ARGUMENT
		}
		return nvml.FEATURE_ENABLED, nvml.SUCCESS
	}
	d.GetNvLinkErrorCounterFunc = func(link int, c nvml.NvLinkErrorCounter) (uint64, nvml.Return) {
		return read(g, func(s *State) uint64 {
			if c == nvml.NVLINK_ERROR_DL_CRC_FLIT && link < len(s.NVLinkCRCFlit) {
				return s.NVLinkCRCFlit[link]
			}
			return 0
		})
	}
	d.GetComputeRunningProcessesFunc = func() ([]nvml.ProcessInfo, nvml.Return) {
		return read(g, func(s *State) []nvml.ProcessInfo {
			out := make([]nvml.ProcessInfo, len(s.Processes))
			for i, p := range s.Processes {
				out[i] = nvml.ProcessInfo{Pid: p.PID, UsedGpuMemory: p.UsedBytes, GpuInstanceId: p.GIID, ComputeInstanceId: p.GIID}
			}
			return out
		})
	}
	d.GetMigModeFunc = func() (int, int, nvml.Return) {
		v, r := read(g, func(s *State) int {
			if len(s.MIG) > 0 {
				return nvml.DEVICE_MIG_ENABLE
			}
			return nvml.DEVICE_MIG_DISABLE
		})
		return v, v, r
	}
	d.GetMaxMigDeviceCountFunc = func() (int, nvml.Return) { return 7, nvml.SUCCESS }
	d.GetMigDeviceHandleByIndexFunc = func(i int) (nvml.Device, nvml.Return) {
		g.mu.Lock()
		defer g.mu.Unlock()
		if i >= len(g.st.MIG) {
			return nil, nvml.ERROR_NOT_FOUND
		}
		m := g.st.MIG[i]
		return &mock.Device{
			GetGpuInstanceIdFunc: func() (int, nvml.Return) { return m.GIID, nvml.SUCCESS },
			GetNameFunc:          func() (string, nvml.Return) { return d.Config.Name + " MIG " + m.Profile, nvml.SUCCESS },
			GetMemoryInfoFunc: func() (nvml.Memory, nvml.Return) {
				return nvml.Memory{Total: m.TotalMiB << 20, Used: m.UsedMiB << 20, Free: (m.TotalMiB - m.UsedMiB) << 20}, nvml.SUCCESS
			},
		}, nvml.SUCCESS
	}
	d.RegisterEventsFunc = func(types uint64, _ nvml.EventSet) nvml.Return {
		if types&nvml.EventTypeXidCriticalError != 0 {
			g.node.mu.Lock()
			g.node.registered[d] = true
			g.node.mu.Unlock()
		}
		return nvml.SUCCESS
	}
}
