package health

import (
	"math"
	"time"
)

var nan = math.NaN()

// clockReasons selects the clock event reasons bitmask under either of its
// dcgm-exporter names (CLOCK_THROTTLE_REASONS is the deprecated one).
const clockReasons = `{__name__=~"DCGM_FI_DEV_CLOCKS_EVENT_REASONS|DCGM_FI_DEV_CLOCK_THROTTLE_REASONS"}`

// gpuSummary names the GPU the way an operator finds it.
const gpuSummary = `GPU {{ $labels.gpu }} ({{ $labels.modelName }}, {{ $labels.UUID }}) on {{ $labels.Hostname }}`

// Rules is the shipped rule set, in evaluation order within each group.
var Rules = []Rule{
	// --- GPU: XID errors, by NVIDIA's recommended action. The XID rules
	// read the last XID (DCGM_FI_DEV_XID_ERRORS) and dcgm-exporter's
	// per-code counter (DCGM_EXP_XID_ERRORS_TOTAL), whichever is present.
	{Group: "gpu", Name: "GPUXidRestartApplication", Severity: "ticket", Threshold: nan,
		Expr:    xidRecent(xidRestartApp),
		Summary: gpuSummary + `: XID {{ with $labels.xid }}{{ . }}{{ else }}{{ $value }}{{ end }} (an application fault: ` + xidRestartAppText + `)`,
		Action:  "Restart the application on this GPU. If it recurs with the same code, debug the application (illegal memory access, invalid instruction) before suspecting the hardware.",
		Runbook: "xid-restart-the-application"},
	{Group: "gpu", Name: "GPUXidResetGPU", Severity: "page", Threshold: nan,
		Expr:    xidCurrent(xidResetGPU),
		Summary: gpuSummary + `: XID {{ with $labels.xid }}{{ . }}{{ else }}{{ $value }}{{ end }} needs a GPU reset`,
		Action:  "Drain the GPU's workloads, then reset it (nvidia-smi -r -i <gpu>, or reboot the node). If the XID comes back after the reset, open a case with NVIDIA support.",
		Runbook: "xid-reset-the-gpu"},
	{Group: "gpu", Name: "GPUXidRestartNode", Severity: "page", Threshold: nan,
		Expr:    xidCurrent(xidRestartNode),
		Summary: gpuSummary + `: XID {{ with $labels.xid }}{{ . }}{{ else }}{{ $value }}{{ end }}: the GPU fell off the bus or the driver lost it`,
		Action:  "Cordon and drain the node, then power-cycle it (a warm reboot may not bring the GPU back). If it recurs, check the PCIe slot, risers, power and cooling, then contact support.",
		Runbook: "xid-restart-the-node"},
	{Group: "gpu", Name: "GPUXidNVLink", Severity: "ticket", Threshold: nan,
		Expr:    xidRecent(xidNVLink),
		Summary: gpuSummary + `: XID {{ with $labels.xid }}{{ . }}{{ else }}{{ $value }}{{ end }}: NVLink error`,
		Action:  "Check the NVLink counters (DCGM_FI_DEV_NVLINK_*_ERROR_COUNT_TOTAL) and nvidia-smi nvlink -e; reset the GPUs of the affected link; if errors persist, reseat or replace the NVLink bridge or board (contact support).",
		Runbook: "xid-nvlink"},
	{Group: "gpu", Name: "GPUXidContactSupport", Severity: "ticket", Threshold: nan,
		Expr:    xidCurrent(xidContactSupport),
		Summary: gpuSummary + `: XID {{ with $labels.xid }}{{ . }}{{ else }}{{ $value }}{{ end }}: a hardware fault the GPU cannot recover from`,
		Action:  "Take the GPU out of service (cordon, drain), collect nvidia-bug-report.sh, and open an RMA case with NVIDIA or the system vendor.",
		Runbook: "xid-contact-support"},

	// --- GPU: memory errors.
	{Group: "gpu", Name: "GPUDoubleBitECCError", Severity: "page", Threshold: 0, Unit: "errors in 10 minutes",
		Expr:    `increase(DCGM_FI_DEV_ECC_DBE_VOL_TOTAL[10m]) > {{.Threshold}}`,
		Summary: gpuSummary + `: {{ $value }} uncorrectable (double-bit) ECC errors in 10 minutes`,
		Action:  "Uncorrectable memory errors corrupt results: drain the GPU, reset it so the bad memory is remapped or retired, and check DCGM_FI_DEV_ROW_REMAP_FAILURE afterwards.",
		Runbook: "double-bit-ecc-errors"},
	{Group: "gpu", Name: "GPURowRemapFailure", Severity: "page", Threshold: 0, Unit: "failures",
		Expr:    `DCGM_FI_DEV_ROW_REMAP_FAILURE > {{.Threshold}}`,
		Summary: gpuSummary + `: row remapping failed; memory errors can no longer be repaired`,
		Action:  "The GPU has run out of spare memory rows: take it out of service and open an RMA case.",
		Runbook: "row-remapping"},
	{Group: "gpu", Name: "GPURowRemapPending", Severity: "ticket", Threshold: 0, Unit: "pending remaps", For: 15 * time.Minute,
		Expr:    `DCGM_FI_DEV_ROW_REMAP_PENDING > {{.Threshold}} or DCGM_FI_DEV_RETIRED_PENDING > {{.Threshold}}`,
		Summary: gpuSummary + `: a memory row remap (or page retirement) is pending`,
		Action:  "The repair takes effect at the next GPU reset: drain the GPU and reset it at the next convenient time.",
		Runbook: "row-remapping"},

	// --- GPU: throttling, health, capacity.
	{Group: "gpu", Name: "GPUThermalThrottling", Severity: "ticket", Threshold: 0.25, Unit: "share of time throttled", For: 15 * time.Minute,
		// The violation counter is in microseconds in dcgm-exporter's
		// default counters; the clock event reasons give SW (0x20) and HW
		// (0x40) thermal slowdown directly.
		Expr: `rate(DCGM_FI_DEV_THERMAL_VIOLATION[5m]) / 1e6 > {{.Threshold}}` +
			` or floor(` + clockReasons + ` / 32) % 2 == 1 or floor(` + clockReasons + ` / 64) % 2 == 1`,
		Summary: gpuSummary + `: throttled for heat {{ $value | humanizePercentage }} of the time`,
		Action:  "Check the GPU and memory temperatures, fans, airflow and the data-centre inlet temperature; the GPU runs slower until it cools.",
		Runbook: "thermal-throttling"},
	{Group: "gpu", Name: "GPUPowerThrottling", Severity: "ticket", Threshold: 0.25, Unit: "share of time throttled", For: 15 * time.Minute,
		Expr:    `rate(DCGM_FI_DEV_POWER_VIOLATION[5m]) / 1e6 > {{.Threshold}}`,
		Summary: gpuSummary + `: held at its power limit {{ $value | humanizePercentage }} of the time`,
		Action:  "Compare DCGM_FI_DEV_POWER_USAGE with the power limit (nvidia-smi -q -d POWER); raise a lowered limit, or check the node's power supply and power-brake signals.",
		Runbook: "power-throttling"},
	{Group: "gpu", Name: "GPUHardwareSlowdown", Severity: "ticket", Threshold: nan, For: 10 * time.Minute,
		// HW slowdown (0x8) and HW power brake (0x80) in the clock event
		// reasons bitmask; PromQL has no bitwise and, so each bit is
		// floor(v / bit) % 2.
		Expr:    `floor(` + clockReasons + ` / 8) % 2 == 1 or floor(` + clockReasons + ` / 128) % 2 == 1`,
		Summary: gpuSummary + `: hardware slowdown is active (clock event reasons {{ $value }})`,
		Action:  "The GPU's own protection cut its clocks (over-temperature or excess power, or the node asserted power brake): check cooling and the node's power supplies.",
		Runbook: "hardware-slowdown"},
	{Group: "gpu", Name: "GPUMissing", Severity: "page", Threshold: nan, For: 5 * time.Minute,
		Expr:    `count by (Hostname) (DCGM_FI_DEV_GPU_UTIL) < max_over_time(count by (Hostname) (DCGM_FI_DEV_GPU_UTIL)[1d:5m])`,
		Summary: `{{ $labels.Hostname }} reports {{ $value }} GPUs, fewer than it had in the last day`,
		Action:  "A GPU is no longer visible (fell off the bus, driver error, or removed): check dmesg for XID 79 and nvidia-smi; cordon the node and power-cycle it.",
		Runbook: "gpu-missing"},
	{Group: "gpu", Name: "GPUFramebufferNearlyFull", Severity: "ticket", Threshold: 95, Unit: "percent used", For: 10 * time.Minute,
		Expr:    `DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE) * 100 > {{.Threshold}}`,
		Summary: gpuSummary + `: framebuffer {{ $value | printf "%.0f" }}% used`,
		Action:  "The next allocation may fail with out-of-memory: check the processes on the GPU (nvidia-smi), their batch sizes and for leaked memory.",
		Runbook: "framebuffer-nearly-full"},
	{Group: "gpu", Name: "GPUIdle", Severity: "ticket", Threshold: 5, Unit: "percent utilisation (15-minute average)", For: time.Hour,
		Expr: `avg_over_time(DCGM_FI_DEV_GPU_UTIL[15m]) < {{.Threshold}}` +
			` and (DCGM_FI_DEV_FB_USED > 256 or DCGM_FI_DEV_FB_USED{pod!=""})`,
		Summary: gpuSummary + `: allocated but {{ $value | printf "%.1f" }}% busy over the last 15 minutes` +
			`{{ with printf "mlre_cost:gpu_price_dollars_per_hour{UUID=%q}" $labels.UUID | query }}; it wastes about ${{ . | first | value | printf "%.2f" }} an hour` +
			`{{ else }}{{ with printf "mlre_gpu_price_dollars_per_hour{modelName=%q}" $labels.modelName | query }}; it wastes about ${{ . | first | value | printf "%.2f" }} an hour{{ end }}{{ end }}`,
		Action:  "Something holds this GPU (memory allocated, or a pod on it) without using it: release it, scale the workload down, or share the GPU (MIG, time slicing).",
		Runbook: "idle-gpu"},

	// --- Host (node_exporter names).
	{Group: "host", Name: "HostMemoryLow", Severity: "ticket", Threshold: 10, Unit: "percent available", For: 5 * time.Minute,
		Expr:    `node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes * 100 < {{.Threshold}}`,
		Summary: `{{ $labels.instance }}: only {{ $value | printf "%.1f" }}% of memory available`,
		Action:  "Find the largest processes (ps, the container runtime) before the kernel's OOM killer picks one; data loaders and model caches are the usual suspects.",
		Runbook: "host-memory"},
	{Group: "host", Name: "HostMemoryPressure", Severity: "ticket", Threshold: 0.1, Unit: "share of time some task stalled on memory", For: 10 * time.Minute,
		Expr:    `rate(node_pressure_memory_waiting_seconds_total[5m]) > {{.Threshold}}`,
		Summary: `{{ $labels.instance }}: tasks stalled on memory {{ $value | humanizePercentage }} of the time`,
		Action:  "The host is reclaiming or swapping: reduce the memory in use or move workloads; see HostMemoryLow.",
		Runbook: "host-memory"},
	{Group: "host", Name: "HostDiskWillFillIn4Hours", Severity: "page", Threshold: 0, Unit: "bytes left in 4 hours", For: 15 * time.Minute,
		Expr: `predict_linear(node_filesystem_avail_bytes{fstype!~"tmpfs|ramfs|squashfs|overlay"}[1h], 4 * 3600) < {{.Threshold}}` +
			` and node_filesystem_readonly == 0`,
		Summary: `{{ $labels.instance }}: {{ $labels.mountpoint }} fills up within 4 hours at the last hour's rate`,
		Action:  "Find what writes (checkpoints, logs, datasets, container images) and free space or move it before the filesystem is full.",
		Runbook: "disk-filling"},
	{Group: "host", Name: "HostDiskAlmostFull", Severity: "ticket", Threshold: 5, Unit: "percent free", For: 10 * time.Minute,
		Expr: `node_filesystem_avail_bytes{fstype!~"tmpfs|ramfs|squashfs|overlay"} / node_filesystem_size_bytes * 100 < {{.Threshold}}` +
			` and node_filesystem_readonly == 0`,
		Summary: `{{ $labels.instance }}: {{ $labels.mountpoint }} has {{ $value | printf "%.1f" }}% free`,
		Action:  "Free space: old checkpoints, logs, unused container images and datasets.",
		Runbook: "disk-filling"},
	{Group: "host", Name: "HostNetworkErrors", Severity: "ticket", Threshold: 0.01, Unit: "share of packets with errors", For: 10 * time.Minute,
		Expr: `(rate(node_network_receive_errs_total[5m]) + rate(node_network_transmit_errs_total[5m]))` +
			` / (rate(node_network_receive_packets_total[5m]) + rate(node_network_transmit_packets_total[5m])) > {{.Threshold}}`,
		Summary: `{{ $labels.instance }}: {{ $value | humanizePercentage }} of packets on {{ $labels.device }} have errors`,
		Action:  "Check the link (ethtool -S), cables, transceivers and switch port; errors slow distributed training and serving.",
		Runbook: "network-errors"},

	// --- Probes (blackbox_exporter names).
	{Group: "probes", Name: "ProbeFailing", Severity: "page", Threshold: nan, For: 2 * time.Minute,
		Expr:    `probe_success == 0`,
		Summary: `probe {{ $labels.job }} of {{ $labels.instance }} is failing`,
		Action:  "The endpoint does not answer as expected: check it directly (curl), its recent deploys and its dependencies.",
		Runbook: "probe-failing"},
	{Group: "probes", Name: "ProbeSlow", Severity: "ticket", Threshold: 1, Unit: "seconds", For: 10 * time.Minute,
		Expr:    `avg_over_time(probe_duration_seconds[5m]) > {{.Threshold}}`,
		Summary: `probe {{ $labels.job }} of {{ $labels.instance }} takes {{ $value | humanizeDuration }}`,
		Action:  "Compare the phases (probe_http_duration_seconds by phase: resolve, connect, tls, processing, transfer) to find where the time goes.",
		Runbook: "probe-slow"},
	{Group: "probes", Name: "ProbeTLSCertificateExpiring", Severity: "ticket", Threshold: 14, Unit: "days", For: time.Hour,
		Expr:    `(probe_ssl_earliest_cert_expiry - time()) / 86400 < {{.Threshold}}`,
		Summary: `the TLS certificate of {{ $labels.instance }} expires in {{ $value | printf "%.0f" }} days`,
		Action:  "Renew the certificate (or fix its automatic renewal) before clients start failing.",
		Runbook: "tls-certificate-expiring"},
}
