package doctor

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// KernelXID is an XID the NVIDIA driver wrote to the kernel log:
// "NVRM: Xid (PCI:0000:3b:00): 79, pid=..., GPU has fallen off the bus."
type KernelXID struct {
	PCI     string        `json:"pci"` // as the driver writes it, e.g. "0000:3b:00"
	Code    int           `json:"xid"`
	Message string        `json:"message"`
	Age     time.Duration `json:"-"` // before the log was read; 0: unknown
	// AgeSeconds is Age in seconds, for JSON (0: unknown).
	AgeSeconds float64 `json:"age_seconds"`
}

// Ago says how long ago the XID happened, for the report.
func (x KernelXID) Ago() string {
	if x.Age <= 0 {
		return "(time unknown)"
	}
	return x.Age.Round(time.Second).String() + " ago"
}

// matches reports whether the XID is about the GPU at NVML's bus ID
// ("00000000:3B:00.0").
func (x KernelXID) matches(nvmlBusID string) bool {
	if x.PCI == "" || nvmlBusID == "" {
		return false
	}
	want := strings.ToLower(x.PCI)
	got := strings.ToLower(nvmlBusID)
	// NVML pads the domain to 8 digits and adds the function.
	got = strings.TrimSuffix(got, ".0")
	return strings.HasSuffix(got, want) || strings.HasSuffix(got, strings.TrimPrefix(want, "0000:"))
}

var xidRE = regexp.MustCompile(`NVRM: Xid \(PCI:([0-9a-fA-F:.]+)\): (\d+)(?:,\s*(.*))?`)

// ParseKernelLog finds the driver's XID lines in /dev/kmsg records
// ("prio,seq,usec,flags;message") or in plain dmesg text. uptime, when
// known, turns kmsg's microseconds since boot into ages.
func ParseKernelLog(r io.Reader, uptime time.Duration) ([]KernelXID, error) {
	var out []KernelXID
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64<<10), 1<<20)
	for s.Scan() {
		line := s.Text()
		m := xidRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		code, err := strconv.Atoi(m[2])
		if err != nil {
			continue
		}
		x := KernelXID{PCI: m[1], Code: code, Message: strings.TrimSpace(m[3])}
		// kmsg: "6,1234,5678901234,-;NVRM: ..."
		if head, _, ok := strings.Cut(line, ";"); ok && uptime > 0 {
			if f := strings.Split(head, ","); len(f) >= 3 {
				if us, err := strconv.ParseInt(f[2], 10, 64); err == nil {
					x.Age = uptime - time.Duration(us)*time.Microsecond
					x.AgeSeconds = x.Age.Seconds()
				}
			}
		}
		out = append(out, x)
	}
	if err := s.Err(); err != nil {
		return out, fmt.Errorf("reading the kernel log: %w", err)
	}
	return out, nil
}
