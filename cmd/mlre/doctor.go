package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/mlre-dev/mlre/internal/config"
	"github.com/mlre-dev/mlre/internal/doctor"
	"github.com/mlre-dev/mlre/internal/gpu"
	"github.com/mlre-dev/mlre/internal/hostmetrics"
)

type doctorOpts struct {
	config    string
	format    string
	sample    time.Duration
	kernelLog string
	nvmlLib   string
	procPath  string
	sysPath   string
	rootPath  string
	// gpu replaces the NVML collector (tests pass a simulated node).
	gpu *gpu.Collector
}

func newDoctorCmd() *cobra.Command {
	o := &doctorOpts{}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check this node's GPUs and host now, with a verdict and an action per device",
		Long: `Read every NVIDIA GPU on this node through NVML and the host through /proc and
/sys, and print one screen: per GPU its utilisation, memory, temperature and
power, and a verdict (ok, warning, critical) with what to do, the way the
built-in health rules would alert:

  - XIDs by NVIDIA's recommended action (restart the application, reset the
    GPU, restart the node, NVLink, contact support), from the kernel log
    (/dev/kmsg, which needs root) and from NVML events while doctor runs;
  - a GPU fallen off the bus, double-bit ECC errors, failed or pending row
    remapping, thermal and hardware slowdown, a nearly full framebuffer,
    memory allocated on an idle GPU;
  - host memory, memory pressure (PSI), CPU load, filesystems filling up and
    network errors, sampled over --sample.

Exit status: 0 when nothing is critical (warnings included), 1 when some
device needs action now, 2 on a wrong command line. Without an NVIDIA driver
the GPU part says so and the host is still checked.`,
		Example: `  mlre doctor
  mlre doctor --format json | jq '.gpus[] | select(.verdict != "ok")'
  mlre doctor --config /etc/mlre/mlre.yaml --sample 5s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			code, err := o.run(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if code != exitOK {
				return &exitError{code: code, err: errors.New("a device needs action (see above)")}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.config, "config", "", "mlre.yaml to take collectors: settings from (paths, NVML library, instance name)")
	f.StringVar(&o.format, "format", "table", "output format: table or json")
	f.DurationVar(&o.sample, "sample", time.Second, "how long to sample the host for rates (CPU, memory pressure, network errors); 0 skips them")
	f.StringVar(&o.kernelLog, "kernel-log", "/dev/kmsg", `where to look for the driver's XID lines (a kmsg device or a saved dmesg); "" to skip`)
	f.StringVar(&o.nvmlLib, "nvml-library", "", "path of libnvidia-ml.so.1 (default: the loader's search, or collectors.gpu.library_path)")
	f.StringVar(&o.procPath, "proc-path", "", "where procfs is (default /proc, or collectors.host.proc_path)")
	f.StringVar(&o.sysPath, "sys-path", "", "where sysfs is (default /sys, or collectors.host.sys_path)")
	f.StringVar(&o.rootPath, "root-path", "", "the host's / for filesystems (default /, or collectors.host.root_path)")
	return cmd
}

// run builds and prints the report; it returns the exit code.
func (o *doctorOpts) run(ctx context.Context, out, errOut io.Writer) (int, error) {
	if o.format != "table" && o.format != "json" {
		return 0, usageErr("--format %q: use table or json", o.format)
	}
	if o.sample < 0 || o.sample > 5*time.Minute {
		return 0, usageErr("--sample %s: use 0 to 5m", o.sample)
	}
	cc := config.CollectorsConfig{}
	th := doctor.DefaultThresholds()
	if o.config != "" {
		c, err := config.LoadFile(o.config)
		if err != nil {
			return 0, &exitError{code: exitUsage, err: err}
		}
		cc = c.Collectors
		th = doctor.ThresholdsFor(c.HealthRules)
	} else {
		c, err := config.Parse(nil, "")
		if err != nil {
			return 0, err
		}
		cc = c.Collectors
	}
	for _, p := range []struct {
		flag string
		dst  *string
	}{{o.procPath, &cc.Host.ProcPath}, {o.sysPath, &cc.Host.SysPath}, {o.rootPath, &cc.Host.RootPath}, {o.nvmlLib, &cc.GPU.LibraryPath}} {
		if p.flag != "" {
			*p.dst = p.flag
		}
	}
	logger := slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
	rep := &doctor.Report{Hostname: cc.Instance, Time: time.Now()}

	// Start the GPU side first: NVML events are counted while the host is
	// sampled.
	g := o.gpu
	rep.GPU = &doctor.GPUSummary{}
	if g == nil {
		var err error
		g, err = gpu.New(gpu.Options{Hostname: cc.Instance, ProcPath: cc.Host.ProcPath, LibraryPath: cc.GPU.LibraryPath, Logger: logger})
		if err != nil {
			rep.GPU.Reason = err.Error()
			g = nil
		}
	}
	var stopXID func()
	if g != nil {
		defer g.Close()
		xctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { g.Run(xctx); close(done) }()
		stopXID = func() { cancel(); <-done }
	}

	host, herr := hostmetrics.New(hostmetrics.Options{ProcPath: cc.Host.ProcPath, SysPath: cc.Host.SysPath, RootPath: cc.Host.RootPath, Logger: logger})
	if herr == nil {
		reg := prometheus.NewRegistry()
		reg.MustRegister(host)
		before, _ := reg.Gather()
		start := time.Now()
		if o.sample > 0 {
			select {
			case <-time.After(o.sample):
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		}
		after, _ := reg.Gather()
		rep.Host = doctor.ExamineHost(before, after, time.Since(start), th)
	} else {
		fmt.Fprintf(errOut, "mlre doctor: host not checked: %v\n", herr)
	}

	if g != nil {
		stopXID()
		var kx []doctor.KernelXID
		if o.kernelLog != "" {
			b, up, err := doctor.ReadKmsg(o.kernelLog)
			if err != nil {
				fmt.Fprintf(errOut, "mlre doctor: XIDs from before now are not shown: %v (run as root to read %s)\n", err, o.kernelLog)
			}
			kx, _ = doctor.ParseKernelLog(bytes.NewReader(b), up)
		}
		s := g.Snapshot()
		rep.GPU = &doctor.GPUSummary{Available: true, DriverVersion: s.DriverVersion, NVMLVersion: s.NVMLVersion,
			CUDADriverVersion: cudaString(s.CUDADriverVersion)}
		rep.GPUs = doctor.ExamineGPUs(s, kx, th)
	}
	rep.Finish()
	var err error
	if o.format == "json" {
		err = doctor.WriteJSON(out, rep)
	} else {
		err = doctor.WriteTable(out, rep)
	}
	if err != nil {
		return 0, err
	}
	if rep.Verdict == doctor.Critical {
		return exitFailure, nil
	}
	return exitOK, nil
}

func cudaString(v int) string {
	if v <= 0 {
		return ""
	}
	return fmt.Sprintf("%d.%d", v/1000, v%1000/10)
}
