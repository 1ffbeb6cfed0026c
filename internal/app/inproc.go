package app

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/storage"

	"github.com/mlre-dev/mlre/internal/collect"
	"github.com/mlre-dev/mlre/internal/config"
	"github.com/mlre-dev/mlre/internal/gpu"
	"github.com/mlre-dev/mlre/internal/hostmetrics"
	"github.com/mlre-dev/mlre/internal/probe"
)

// Job labels of the in-process collectors' series. Probe series carry the
// probe's name as their job, as a blackbox_exporter scrape job would.
const (
	JobHost   = "mlre-node"
	JobGPU    = "mlre-gpu"
	JobProbes = "mlre-probes"
	JobModels = "mlre-models"
)

// inproc runs mlre's own host and GPU collectors and stores their
// series through a collect.Runner.
type inproc struct {
	a      *App
	runner *collect.Runner

	mu       sync.Mutex
	applied  *config.CollectorsConfig
	host     *hostmetrics.Collector
	hostOpts hostmetrics.Options
	gpu      *gpu.Collector
	gpuTried bool
	gpuRun   sync.Once
	srcs     []collect.Source
	byName   map[string]prometheus.Gatherer

	probes    *probe.Manager
	probesReg *prometheus.Registry
	hasProbes bool
	probesRun sync.Once

	modelsReg *prometheus.Registry
	hasModels bool
}

func newInproc(a *App, app storage.Appendable) *inproc {
	c := &inproc{
		a:      a,
		runner: collect.New(app, a.logger.With("component", "collectors"), a.reg),
		gpu:    a.opts.GPU,
		// An injected collector (the demo's simulated node) is not
		// probed for a driver again.
		gpuTried: a.opts.GPU != nil,
		byName:   map[string]prometheus.Gatherer{},
		probes:   probe.NewManager(a.logger.With("component", "probes"), a.reg),
	}
	c.probesReg = prometheus.NewRegistry()
	c.probesReg.MustRegister(c.probes.Collector())
	c.modelsReg = prometheus.NewRegistry()
	c.modelsReg.MustRegister(a.monitor.Collector())
	return c
}

// apply builds the sources cfg asks for; when mlre is running and they
// changed, it restarts collection with them. Unchanged config leaves
// collection running without a gap.
func (c *inproc) apply(cfg *config.Config) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.probes.ApplyConfig(cfg.Probes); err != nil {
		return fmt.Errorf("applying probes: %w", err)
	}
	cc := cfg.Collectors
	hasProbes, hasModels := len(cfg.Probes) > 0, len(cfg.Models) > 0
	if c.applied != nil && reflect.DeepEqual(*c.applied, cc) && c.hasProbes == hasProbes && c.hasModels == hasModels {
		return nil
	}
	c.applied, c.hasProbes, c.hasModels = &cc, hasProbes, hasModels
	var srcs []collect.Source
	byName := map[string]prometheus.Gatherer{}
	if config.On(cc.Host.Enabled) {
		o := hostmetrics.Options{ProcPath: cc.Host.ProcPath, SysPath: cc.Host.SysPath, RootPath: cc.Host.RootPath,
			Logger: c.a.logger.With("component", "host collector")}
		samePaths := o.ProcPath == c.hostOpts.ProcPath && o.SysPath == c.hostOpts.SysPath && o.RootPath == c.hostOpts.RootPath
		if c.host == nil || !samePaths {
			h, err := hostmetrics.New(o)
			if err != nil {
				c.a.logger.Warn("host collector off", "err", err)
			}
			c.host, c.hostOpts = h, o
		}
		if c.host != nil {
			reg := prometheus.NewRegistry()
			reg.MustRegister(c.host)
			srcs = append(srcs, collect.Source{Job: JobHost, Instance: cc.Instance, Gatherer: reg})
			byName["node"] = reg
		}
	}
	if config.On(cc.GPU.Enabled) {
		if c.gpu == nil && !c.gpuTried {
			c.gpuTried = true
			g, err := gpu.New(gpu.Options{Hostname: cc.Instance, ProcPath: cc.Host.ProcPath, LibraryPath: cc.GPU.LibraryPath,
				Logger: c.a.logger.With("component", "gpu collector")})
			switch {
			case errors.Is(err, gpu.ErrNoDriver):
				c.a.logger.Info("no NVIDIA GPU here: the GPU collector is off (set collectors.gpu.enabled: false to skip looking)", "reason", err)
			case err != nil:
				c.a.logger.Warn("GPU collector off", "err", err)
			default:
				c.gpu = g
			}
		}
		if c.gpu != nil {
			reg := prometheus.NewRegistry()
			reg.MustRegister(c.gpu)
			srcs = append(srcs, collect.Source{Job: JobGPU, Instance: cc.Instance, Gatherer: reg})
			byName["gpu"] = reg
		}
	}
	if hasProbes {
		// Probe series carry their probe's job and target as instance.
		srcs = append(srcs, collect.Source{Job: JobProbes, Instance: cc.Instance, Gatherer: c.probesReg})
		byName["probes"] = c.probesReg
	}
	if hasModels {
		srcs = append(srcs, collect.Source{Job: JobModels, Instance: cc.Instance, Gatherer: c.modelsReg})
		byName["models"] = c.modelsReg
	}
	for i := range srcs {
		srcs[i].Interval = time.Duration(cc.Interval)
	}
	c.srcs, c.byName = srcs, byName
	if c.a.running.Load() {
		c.startLocked()
	}
	return nil
}

// start begins collection (App.Start).
func (c *inproc) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.startLocked()
}

func (c *inproc) startLocked() {
	if g := c.gpu; g != nil {
		c.gpuRun.Do(func() {
			c.a.goRun("gpu xid events", func() error { g.Run(c.a.ctx); return nil })
		})
	}
	c.probesRun.Do(func() {
		c.a.goRun("probes", func() error { c.probes.Run(c.a.ctx); return nil })
	})
	c.runner.Apply(c.a.ctx, c.srcs)
}

// stop ends collection, marking the series stale; the GPU collector is
// closed after the app's goroutines (its XID watch) have ended.
func (c *inproc) stop() {
	c.probes.Stop()
	c.runner.Stop()
}

func (c *inproc) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gpu != nil {
		c.gpu.Close()
	}
}

// gatherers returns the running sources by name, for /metrics/<name>.
func (c *inproc) gatherers() map[string]prometheus.Gatherer {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.byName)
}
