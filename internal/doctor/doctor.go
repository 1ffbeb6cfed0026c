// Package doctor turns one reading of a node's GPUs and host into a
// verdict per device with what to do about it — `mlre doctor`, a friendlier
// nvidia-smi for the operator on the node. The checks and actions are the
// built-in health rules' (internal/health), applied to a single reading
// instead of a time series. The package does no I/O besides reading the
// kernel log (kmsg.go).
package doctor

import (
	"fmt"
	"slices"
	"time"

	"github.com/mlre-dev/mlre/internal/gpu"
	"github.com/mlre-dev/mlre/internal/health"
)

// Severity orders findings.
type Severity int

// Severities, mildest first.
const (
	OK Severity = iota
	Info
	Warning
	Critical
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Critical:
		return "critical"
	}
	return "ok"
}

// MarshalText writes the severity's name in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Finding is one thing found about a device.
type Finding struct {
	Severity Severity `json:"severity"`
	Check    string   `json:"check"` // the built-in rule's name where there is one
	Message  string   `json:"message"`
	Action   string   `json:"action,omitempty"`
	Runbook  string   `json:"runbook,omitempty"` // docs/runbooks/infrastructure.md#<anchor>
}

// GPUReport is the verdict on one GPU.
type GPUReport struct {
	Index    int                `json:"index"`
	UUID     string             `json:"uuid"`
	Name     string             `json:"name"`
	PCIBusID string             `json:"pci_bus_id"`
	Verdict  Severity           `json:"verdict"`
	Findings []Finding          `json:"findings"`
	Readings map[string]float64 `json:"readings"`
	XIDs     []KernelXID        `json:"kernel_xids,omitempty"`
}

// Report is the whole node.
type Report struct {
	Hostname string      `json:"hostname"`
	Time     time.Time   `json:"time"`
	Verdict  Severity    `json:"verdict"`
	GPU      *GPUSummary `json:"gpu"`
	GPUs     []GPUReport `json:"gpus"`
	Host     *HostReport `json:"host,omitempty"`
}

// GPUSummary says whether GPUs could be read and with which driver.
type GPUSummary struct {
	Available         bool   `json:"available"`
	Reason            string `json:"reason,omitempty"` // why not
	DriverVersion     string `json:"driver_version,omitempty"`
	NVMLVersion       string `json:"nvml_version,omitempty"`
	CUDADriverVersion string `json:"cuda_driver_version,omitempty"`
}

// Thresholds for the single-reading checks.
type Thresholds struct {
	GPUTempC        float64 // warn at or above; default 85
	MemoryTempC     float64 // default 95
	FBUsedPercent   float64 // default 95, as GPUFramebufferNearlyFull
	IdleUtilPercent float64 // default 5, as GPUIdle
	IdleFBUsedMiB   float64 // memory held that makes an idle GPU "allocated"; 256
	MemAvailPercent float64 // default 10, as HostMemoryLow
	FSFreePercent   float64 // default 5 is critical, as HostDiskAlmostFull; twice it warns
	LoadPerCPU      float64 // default 2
	PSIMemoryShare  float64 // default 0.1 of the time stalled, as HostMemoryPressure
	NetErrorShare   float64 // default 0.01 of packets, as HostNetworkErrors
}

// DefaultThresholds follow the built-in health rules' defaults.
func DefaultThresholds() Thresholds {
	t := Thresholds{GPUTempC: 85, MemoryTempC: 95, FBUsedPercent: 95, IdleUtilPercent: 5, IdleFBUsedMiB: 256,
		MemAvailPercent: 10, FSFreePercent: 5, LoadPerCPU: 2, PSIMemoryShare: 0.1, NetErrorShare: 0.01}
	for name, dst := range map[string]*float64{"HostMemoryLow": &t.MemAvailPercent, "HostDiskAlmostFull": &t.FSFreePercent,
		"HostMemoryPressure": &t.PSIMemoryShare, "HostNetworkErrors": &t.NetErrorShare} {
		if r, ok := health.RuleByName(name); ok {
			*dst = r.Threshold
		}
	}
	if r, ok := health.RuleByName("GPUFramebufferNearlyFull"); ok {
		t.FBUsedPercent = r.Threshold
	}
	if r, ok := health.RuleByName("GPUIdle"); ok {
		t.IdleUtilPercent = r.Threshold
	}
	return t
}

// finding builds a finding from the built-in rule of that name, so the
// action and runbook read the same as the alert's.
func finding(sev Severity, rule, msg string) Finding {
	f := Finding{Severity: sev, Check: rule, Message: msg}
	if r, ok := health.RuleByName(rule); ok {
		f.Action = r.Action
		f.Runbook = "docs/runbooks/infrastructure.md#" + r.Runbook
	}
	return f
}

// ExamineGPUs judges each GPU of a snapshot. kernelXIDs are the XIDs the
// kernel log holds (they happened before this reading, maybe long ago);
// XIDs seen live are in the snapshot.
func ExamineGPUs(s gpu.Snapshot, kernelXIDs []KernelXID, t Thresholds) []GPUReport {
	var out []GPUReport
	for _, d := range s.Devices {
		r := GPUReport{Index: d.Index, UUID: d.UUID, Name: d.Name, PCIBusID: d.PCIBusID, Readings: d.Values}
		if r.Readings == nil {
			r.Readings = map[string]float64{}
		}
		add := func(f Finding) { r.Findings = append(r.Findings, f) }
		for _, x := range kernelXIDs {
			if x.matches(d.PCIBusID) {
				r.XIDs = append(r.XIDs, x)
			}
		}
		if d.Lost {
			add(finding(Critical, "GPUXidRestartNode", "NVML reports the GPU lost: it has fallen off the bus"))
		} else if d.Err != nil {
			add(Finding{Severity: Warning, Check: "NVML", Message: "reading the GPU failed: " + d.Err.Error(),
				Action: "Run nvidia-smi -q -i " + fmt.Sprint(d.Index) + " and check dmesg for NVRM errors."})
		}
		// XIDs: the live one, then the kernel log's, newest first; one
		// finding per class.
		type seen struct {
			code int
			when string
		}
		var xids []seen
		if d.LastXID != 0 {
			xids = append(xids, seen{int(d.LastXID), "while mlre doctor ran"})
		}
		for i := len(r.XIDs) - 1; i >= 0; i-- {
			x := r.XIDs[i]
			xids = append(xids, seen{x.Code, "in the kernel log " + x.Ago()})
		}
		classes := map[string]bool{}
		for _, x := range xids {
			rule, ok := health.XIDRule(x.code)
			if !ok || classes[rule] {
				continue
			}
			classes[rule] = true
			sev := Warning
			if rule == "GPUXidResetGPU" || rule == "GPUXidRestartNode" {
				sev = Critical
			}
			add(finding(sev, rule, fmt.Sprintf("XID %d %s", x.code, x.when)))
		}
		v := func(name string) (float64, bool) { return d.Value(name) }
		if n, ok := v(gpu.ECCDBEVol); ok && n > 0 {
			add(finding(Critical, "GPUDoubleBitECCError", fmt.Sprintf("%.0f uncorrectable (double-bit) ECC errors since the last reset", n)))
		}
		if f, ok := v(gpu.RowRemapFailure); ok && f > 0 {
			add(finding(Critical, "GPURowRemapFailure", "row remapping failed: the memory cannot spare more rows"))
		}
		if p, ok := v(gpu.RowRemapPending); ok && p > 0 {
			add(finding(Warning, "GPURowRemapPending", "a row remap is pending until the GPU is reset"))
		} else if p, ok := v(gpu.RetiredPending); ok && p > 0 {
			add(finding(Warning, "GPURowRemapPending", "a page retirement is pending until the GPU is reset"))
		}
		if bits, ok := v(gpu.ClocksEventReasons); ok {
			b := uint64(bits)
			switch {
			case b&(0x8|0x80) != 0:
				add(finding(Warning, "GPUHardwareSlowdown", fmt.Sprintf("hardware slowdown is active (clock event reasons 0x%x)", b)))
			case b&(0x20|0x40) != 0:
				add(finding(Warning, "GPUThermalThrottling", fmt.Sprintf("clocks are cut for heat (clock event reasons 0x%x)", b)))
			case b&0x4 != 0:
				add(Finding{Severity: Info, Check: "GPUPowerThrottling", Message: "clocks are held at the software power cap (normal under full load)"})
			}
		}
		if c, ok := v(gpu.GPUTemp); ok && c >= t.GPUTempC {
			add(finding(Warning, "GPUThermalThrottling", fmt.Sprintf("GPU at %.0f°C (warning from %.0f°C)", c, t.GPUTempC)))
		}
		if c, ok := v(gpu.MemoryTemp); ok && c >= t.MemoryTempC {
			add(finding(Warning, "GPUThermalThrottling", fmt.Sprintf("memory at %.0f°C (warning from %.0f°C)", c, t.MemoryTempC)))
		}
		used, okU := v(gpu.FBUsed)
		free, okF := v(gpu.FBFree)
		if okU && okF && used+free > 0 {
			if pct := used / (used + free) * 100; pct > t.FBUsedPercent {
				add(finding(Warning, "GPUFramebufferNearlyFull", fmt.Sprintf("%.1f%% of the framebuffer is in use", pct)))
			}
		}
		if u, ok := v(gpu.GPUUtil); ok && u < t.IdleUtilPercent && (used > t.IdleFBUsedMiB || len(d.Processes) > 0) {
			f := finding(Info, "GPUIdle", fmt.Sprintf("%.0f%% busy right now while %d MiB is allocated (one reading: check the GPUIdle alert for the hour)", u, int(used)))
			add(f)
		}
		if n, ok := v(gpu.NVLinkCRCFlit); ok && n > 0 {
			add(Finding{Severity: Info, Check: "NVLink", Message: fmt.Sprintf("%.0f NVLink CRC flit errors since boot", n),
				Action: "Watch rate(DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL[5m]); a steady rise points at a bad link."})
		}
		for _, f := range r.Findings {
			r.Verdict = max(r.Verdict, f.Severity)
		}
		slices.SortStableFunc(r.Findings, func(a, b Finding) int { return int(b.Severity) - int(a.Severity) })
		if r.Findings == nil {
			r.Findings = []Finding{}
		}
		out = append(out, r)
	}
	return out
}

// Verdict sets the report's overall verdict from its parts.
func (r *Report) Finish() {
	r.Verdict = OK
	for _, g := range r.GPUs {
		r.Verdict = max(r.Verdict, g.Verdict)
	}
	if r.Host != nil {
		r.Verdict = max(r.Verdict, r.Host.Verdict)
	}
	if r.GPUs == nil {
		r.GPUs = []GPUReport{}
	}
}

// ThresholdsFor applies the config's health_rules: overrides to the
// defaults, so doctor judges as the alerts do.
func ThresholdsFor(hc *health.Config) Thresholds {
	t := DefaultThresholds()
	if hc == nil {
		return t
	}
	for name, dst := range map[string]*float64{
		"GPUFramebufferNearlyFull": &t.FBUsedPercent, "GPUIdle": &t.IdleUtilPercent,
		"HostMemoryLow": &t.MemAvailPercent, "HostDiskAlmostFull": &t.FSFreePercent,
		"HostMemoryPressure": &t.PSIMemoryShare, "HostNetworkErrors": &t.NetErrorShare,
	} {
		if o, ok := hc.Rules[name]; ok && o.Threshold != nil {
			*dst = *o.Threshold
		}
	}
	return t
}
