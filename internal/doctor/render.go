package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/mlre-dev/mlre/internal/gpu"
)

// WriteJSON writes the report as one JSON document.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the report as one screen for a person.
func WriteTable(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "mlre doctor: %s at %s\n\n", r.Hostname, r.Time.UTC().Format("2006-01-02 15:04:05 MST"))
	switch {
	case r.GPU == nil:
	case !r.GPU.Available:
		fmt.Fprintf(&b, "GPUs: none readable (%s)\n\n", r.GPU.Reason)
	default:
		fmt.Fprintf(&b, "GPUs: %d · driver %s · CUDA %s · NVML %s\n", len(r.GPUs), r.GPU.DriverVersion, r.GPU.CUDADriverVersion, r.GPU.NVMLVersion)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "GPU\tMODEL\tBUS ID\tUTIL\tMEMORY USED\tTEMP\tPOWER\tVERDICT")
		for _, g := range r.GPUs {
			val := func(name, format string) string {
				if v, ok := g.Readings[name]; ok {
					return fmt.Sprintf(format, v)
				}
				return "-"
			}
			mem := "-"
			if u, ok := g.Readings[gpu.FBUsed]; ok {
				mem = fmt.Sprintf("%.1f / %.1f GiB", u/1024, (u+g.Readings[gpu.FBFree]+g.Readings[gpu.FBReserved])/1024)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", g.Index, g.Name, g.PCIBusID,
				val(gpu.GPUUtil, "%.0f%%"), mem, val(gpu.GPUTemp, "%.0f°C"), val(gpu.PowerUsage, "%.0f W"), verdictWord(g.Verdict))
		}
		tw.Flush()
		for _, g := range r.GPUs {
			for _, f := range g.Findings {
				writeFinding(&b, fmt.Sprintf("GPU %d", g.Index), f)
			}
		}
		b.WriteString("\n")
	}
	if h := r.Host; h != nil {
		fmt.Fprintf(&b, "Host (sampled over %.1fs): %s\n", h.Sampled, verdictWord(h.Verdict))
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		cpu := "-"
		if h.CPUBusy >= 0 {
			cpu = fmt.Sprintf("%.0f%% busy", h.CPUBusy*100)
		}
		fmt.Fprintf(tw, "  cpu\t%s on %d CPUs, load %.2f\n", cpu, h.CPUs, h.Load1)
		if h.MemTotal > 0 {
			fmt.Fprintf(tw, "  memory\t%s available of %s (%.0f%%)", bytesStr(h.MemAvailable), bytesStr(h.MemTotal), h.MemAvailable/h.MemTotal*100)
			if h.PSIMemoryShare >= 0 {
				fmt.Fprintf(tw, ", stalled %.1f%% of the time", h.PSIMemoryShare*100)
			}
			fmt.Fprintln(tw)
		}
		for _, fs := range h.Filesystems {
			if fs.Size <= 0 {
				continue
			}
			ro := ""
			if fs.ReadOnly {
				ro = ", read-only"
			}
			fmt.Fprintf(tw, "  %s\t%s free of %s (%.0f%%), %s%s\n", fs.Mountpoint, bytesStr(fs.Avail), bytesStr(fs.Size), fs.Avail/fs.Size*100, fs.FSType, ro)
		}
		var errs []string
		for _, n := range h.Networks {
			if n.Errors > 0 {
				errs = append(errs, fmt.Sprintf("%s %.0f errors in %.0f packets", n.Device, n.Errors, n.Packets))
			}
		}
		if len(h.Networks) > 0 {
			if len(errs) == 0 {
				errs = []string{"no errors while sampled"}
			}
			fmt.Fprintf(tw, "  network\t%s\n", strings.Join(errs, "; "))
		}
		tw.Flush()
		for _, f := range h.Findings {
			writeFinding(&b, "host", f)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Verdict: %s\n", summary(r))
	_, err := io.WriteString(w, b.String())
	return err
}

func writeFinding(b *strings.Builder, who string, f Finding) {
	fmt.Fprintf(b, "  %-8s %s: %s\n", strings.ToUpper(f.Severity.String()), who, f.Message)
	if f.Action != "" {
		fmt.Fprintf(b, "           → %s\n", f.Action)
	}
	if f.Runbook != "" {
		fmt.Fprintf(b, "             runbook: %s\n", f.Runbook)
	}
}

func verdictWord(s Severity) string {
	switch s {
	case Critical:
		return "CRITICAL"
	case Warning:
		return "WARNING"
	case Info:
		return "ok (notes)"
	}
	return "ok"
}

func summary(r *Report) string {
	var crit, warn []string
	for _, g := range r.GPUs {
		switch g.Verdict {
		case Critical:
			crit = append(crit, fmt.Sprintf("GPU %d", g.Index))
		case Warning:
			warn = append(warn, fmt.Sprintf("GPU %d", g.Index))
		}
	}
	if r.Host != nil {
		switch r.Host.Verdict {
		case Critical:
			crit = append(crit, "host")
		case Warning:
			warn = append(warn, "host")
		}
	}
	switch {
	case len(crit) > 0:
		s := "CRITICAL: act on " + strings.Join(crit, ", ")
		if len(warn) > 0 {
			s += "; check " + strings.Join(warn, ", ")
		}
		return s
	case len(warn) > 0:
		return "WARNING: check " + strings.Join(warn, ", ")
	}
	return "healthy"
}

func bytesStr(v float64) string {
	const unit = 1024.0
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	i := 0
	for v >= unit && i < len(units)-1 {
		v /= unit
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", v)
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}
