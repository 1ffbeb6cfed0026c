package gpu

// Snapshot is one reading of every GPU on the node.
type Snapshot struct {
	DriverVersion     string
	NVMLVersion       string
	CUDADriverVersion int // as NVML gives it, e.g. 12040 for 12.4
	Devices           []Device
}

// Device is one reading of one GPU.
type Device struct {
	Index    int
	UUID     string
	Name     string // modelName, e.g. "NVIDIA H100 80GB HBM3"
	PCIBusID string // e.g. "00000000:3B:00.0"
	Minor    int    // /dev/nvidia<Minor>
	// Lost is set when NVML reports the GPU lost (fallen off the bus).
	Lost bool
	// Err is the first error reading the device, other than "not
	// supported" (which only leaves the value out).
	Err error
	// Values holds each supported reading under its dcgm-exporter series
	// name (e.g. "DCGM_FI_DEV_GPU_UTIL"); unsupported ones are absent.
	Values map[string]float64
	// LastXID is the last XID seen since mlre started (0: none); XIDs
	// counts them by code.
	LastXID uint64
	XIDs    map[uint64]uint64
	// MIG lists the MIG devices when MIG mode is on.
	MIG       []MIGDevice
	Processes []Process
}

// MIGDevice is one MIG instance of a GPU.
type MIGDevice struct {
	GPUInstanceID int
	Profile       string // e.g. "1g.10gb"
	FBUsedMiB     float64
	FBFreeMiB     float64
}

// Process is a process holding GPU memory.
type Process struct {
	PID           uint32
	UsedBytes     uint64
	GPUInstanceID int // -1 outside MIG
	Owner
}

// Value returns a reading and whether the GPU reported it.
func (d *Device) Value(name string) (float64, bool) {
	v, ok := d.Values[name]
	return v, ok
}
