package gpu

import "github.com/prometheus/client_golang/prometheus"

// Series names, as dcgm-exporter names its fields.
const (
	SMClock               = "DCGM_FI_DEV_SM_CLOCK"
	MemClock              = "DCGM_FI_DEV_MEM_CLOCK"
	GPUTemp               = "DCGM_FI_DEV_GPU_TEMP"
	MemoryTemp            = "DCGM_FI_DEV_MEMORY_TEMP"
	PowerUsage            = "DCGM_FI_DEV_POWER_USAGE"
	TotalEnergy           = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"
	PCIeReplay            = "DCGM_FI_DEV_PCIE_REPLAY_COUNTER"
	GPUUtil               = "DCGM_FI_DEV_GPU_UTIL"
	MemCopyUtil           = "DCGM_FI_DEV_MEM_COPY_UTIL"
	EncUtil               = "DCGM_FI_DEV_ENC_UTIL"
	DecUtil               = "DCGM_FI_DEV_DEC_UTIL"
	FBFree                = "DCGM_FI_DEV_FB_FREE"
	FBUsed                = "DCGM_FI_DEV_FB_USED"
	FBReserved            = "DCGM_FI_DEV_FB_RESERVED"
	XIDErrors             = "DCGM_FI_DEV_XID_ERRORS"
	XIDErrorsTotal        = "DCGM_EXP_XID_ERRORS_TOTAL"
	ECCSBEVol             = "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL"
	ECCDBEVol             = "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL"
	ECCSBEAgg             = "DCGM_FI_DEV_ECC_SBE_AGG_TOTAL"
	ECCDBEAgg             = "DCGM_FI_DEV_ECC_DBE_AGG_TOTAL"
	RetiredSBE            = "DCGM_FI_DEV_RETIRED_SBE"
	RetiredDBE            = "DCGM_FI_DEV_RETIRED_DBE"
	RetiredPending        = "DCGM_FI_DEV_RETIRED_PENDING"
	CorrectableRemapped   = "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS"
	UncorrectableRemapped = "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS"
	RowRemapFailure       = "DCGM_FI_DEV_ROW_REMAP_FAILURE"
	RowRemapPending       = "DCGM_FI_DEV_ROW_REMAP_PENDING"
	ClocksEventReasons    = "DCGM_FI_DEV_CLOCKS_EVENT_REASONS"
	PowerViolation        = "DCGM_FI_DEV_POWER_VIOLATION"
	ThermalViolation      = "DCGM_FI_DEV_THERMAL_VIOLATION"
	NVLinkCRCFlit         = "DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL"
	NVLinkCRCData         = "DCGM_FI_DEV_NVLINK_CRC_DATA_ERROR_COUNT_TOTAL"
	NVLinkReplay          = "DCGM_FI_DEV_NVLINK_REPLAY_ERROR_COUNT_TOTAL"
	NVLinkRecovery        = "DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL"
)

// Field is one per-GPU series.
type Field struct {
	Name string
	Help string
	Type prometheus.ValueType
}

// Fields lists the per-GPU series in the order they are exposed; the help
// texts are dcgm-exporter's.
var Fields = []Field{
	{SMClock, "SM clock frequency (in MHz).", prometheus.GaugeValue},
	{MemClock, "Memory clock frequency (in MHz).", prometheus.GaugeValue},
	{MemoryTemp, "Memory temperature (in C).", prometheus.GaugeValue},
	{GPUTemp, "GPU temperature (in C).", prometheus.GaugeValue},
	{PowerUsage, "Power draw (in W).", prometheus.GaugeValue},
	{TotalEnergy, "Total energy consumption since boot (in mJ).", prometheus.CounterValue},
	{PCIeReplay, "Total number of PCIe retries.", prometheus.CounterValue},
	{GPUUtil, "GPU utilization (in %).", prometheus.GaugeValue},
	{MemCopyUtil, "Memory utilization (in %).", prometheus.GaugeValue},
	{EncUtil, "Encoder utilization (in %).", prometheus.GaugeValue},
	{DecUtil, "Decoder utilization (in %).", prometheus.GaugeValue},
	{XIDErrors, "Value of the last XID error encountered.", prometheus.GaugeValue},
	{FBFree, "Framebuffer memory free (in MiB).", prometheus.GaugeValue},
	{FBUsed, "Framebuffer memory used (in MiB).", prometheus.GaugeValue},
	{FBReserved, "Framebuffer memory reserved (in MiB).", prometheus.GaugeValue},
	{ECCSBEVol, "Total number of single-bit volatile ECC errors.", prometheus.CounterValue},
	{ECCDBEVol, "Total number of double-bit volatile ECC errors.", prometheus.CounterValue},
	{ECCSBEAgg, "Total number of single-bit persistent ECC errors.", prometheus.CounterValue},
	{ECCDBEAgg, "Total number of double-bit persistent ECC errors.", prometheus.CounterValue},
	{RetiredSBE, "Total number of retired pages due to single-bit errors.", prometheus.CounterValue},
	{RetiredDBE, "Total number of retired pages due to double-bit errors.", prometheus.CounterValue},
	{RetiredPending, "Total number of pages pending retirement.", prometheus.CounterValue},
	{UncorrectableRemapped, "Number of remapped rows for uncorrectable errors", prometheus.CounterValue},
	{CorrectableRemapped, "Number of remapped rows for correctable errors", prometheus.CounterValue},
	{RowRemapFailure, "Whether remapping of rows has failed", prometheus.GaugeValue},
	{RowRemapPending, "Whether remapping of rows is pending", prometheus.GaugeValue},
	{ClocksEventReasons, "Current clock event reasons (bitmask of nvmlClocksEventReasons: 0x8 HW slowdown, 0x20 SW thermal, 0x40 HW thermal, 0x80 power brake).", prometheus.GaugeValue},
	{PowerViolation, "Throttling duration due to power constraints (in us).", prometheus.CounterValue},
	{ThermalViolation, "Throttling duration due to thermal constraints (in us).", prometheus.CounterValue},
	{NVLinkCRCFlit, "Total number of NVLink flow-control CRC errors.", prometheus.CounterValue},
	{NVLinkCRCData, "Total number of NVLink data CRC errors.", prometheus.CounterValue},
	{NVLinkReplay, "Total number of NVLink retries.", prometheus.CounterValue},
	{NVLinkRecovery, "Total number of NVLink recovery errors.", prometheus.CounterValue},
}

// GPULabels are the labels of every per-GPU series, as dcgm-exporter's.
var GPULabels = []string{"gpu", "UUID", "device", "modelName", "Hostname", "pci_bus_id"}
