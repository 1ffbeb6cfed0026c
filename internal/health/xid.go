package health

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// XID codes by the action NVIDIA's XID catalog recommends
// (docs.nvidia.com/deploy/xid-errors, "Analyzing the XID catalog", Ampere
// and newer). Codes the catalog marks as informational or to be ignored
// (38, 45 alone, 63, 92, 121, 154) raise no alert of their own.
var (
	// RESTART_APP: an application fault; the GPU is fine.
	xidRestartApp = []int{13, 31, 32, 43, 68, 69, 94}
	// RESET_GPU: the GPU must be reset (or the node rebooted).
	xidResetGPU = []int{48, 62, 64, 95, 109, 110, 119, 120, 136, 140, 143, 155}
	// RESTART_BM: the GPU fell off the bus; power-cycle the node.
	xidRestartNode = []int{79}
	// NVLink errors (74 on A100/H100, 144–150 NVLink5 on Blackwell).
	xidNVLink = []int{74, 144, 145, 146, 147, 148, 149, 150}
	// CONTACT_SUPPORT: an unexpected micro-controller event.
	xidContactSupport = []int{61}
)

const xidRestartAppText = "restart the application"

// xidMatch is `DCGM_FI_DEV_XID_ERRORS == a or DCGM_FI_DEV_XID_ERRORS == b …`.
func xidMatch(codes []int) string {
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("DCGM_FI_DEV_XID_ERRORS == %d", c)
	}
	return "(" + strings.Join(parts, " or ") + ")"
}

// xidCounter matches dcgm-exporter's per-code XID counter having grown in
// the last 10 minutes, or having appeared in them with a count: the counter
// of a code is created by its first XID, so its first sample is already 1,
// which increase() cannot see. (An XID 79 as a GPU's first event is the
// case: the GPU is lost before it reports anything else.) "* 1" drops the
// metric name, so both sides have the same labels and "or" keeps one.
func xidCounter(codes []int) string {
	s := make([]string, len(codes))
	for i, c := range codes {
		s[i] = strconv.Itoa(c)
	}
	sel := fmt.Sprintf(`DCGM_EXP_XID_ERRORS_TOTAL{xid=~"%s"}`, strings.Join(s, "|"))
	return fmt.Sprintf(`(increase(%s[10m]) > 0 or (%s unless %s offset 10m) * 1 > 0)`, sel, sel, sel)
}

// xidCurrent fires while the GPU's last XID is one of codes: such an XID
// stays the last one until the GPU is reset, which is the action asked for.
func xidCurrent(codes []int) string {
	return xidEither(xidMatch(codes), codes)
}

// xidRecent fires for 10 minutes after one of codes happened: the last XID
// changed to it (or its series appeared) within 10 minutes.
func xidRecent(codes []int) string {
	return xidEither("("+xidMatch(codes)+
		" and (changes(DCGM_FI_DEV_XID_ERRORS[10m]) > 0 or (DCGM_FI_DEV_XID_ERRORS unless DCGM_FI_DEV_XID_ERRORS offset 10m)))", codes)
}

// xidEither is the last-XID condition gauge, or else the per-code counter:
// a GPU that reports both (mlre's collector does) alerts once, from the
// last XID, not a second time with an xid label.
func xidEither(gauge string, codes []int) string {
	return gauge + " or (" + xidCounter(codes) + " unless on (UUID) " + gauge + ")"
}

// XIDRule names the built-in alert that an XID code raises (its class in
// NVIDIA's catalog); false for codes that raise none.
func XIDRule(code int) (string, bool) {
	for _, c := range []struct {
		rule  string
		codes []int
	}{
		{"GPUXidRestartApplication", xidRestartApp},
		{"GPUXidResetGPU", xidResetGPU},
		{"GPUXidRestartNode", xidRestartNode},
		{"GPUXidNVLink", xidNVLink},
		{"GPUXidContactSupport", xidContactSupport},
	} {
		if slices.Contains(c.codes, code) {
			return c.rule, true
		}
	}
	return "", false
}

// RuleByName returns the built-in rule with that alert name.
func RuleByName(name string) (Rule, bool) {
	for _, r := range Rules {
		if r.Name == name {
			return r, true
		}
	}
	return Rule{}, false
}
