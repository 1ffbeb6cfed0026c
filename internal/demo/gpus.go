//go:build cgo

package demo

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mlre-dev/mlre/internal/gpu"
	"github.com/mlre-dev/mlre/internal/gpu/gpusim"
)

// The simulated GPU nodes: gpu-node-a is read in-process by mlre's own GPU
// collector; the others are scraped like remote dcgm-exporters.
const (
	localNode    = "gpu-node-a"
	thermalNode  = localNode
	thermalGPU   = 3
	xidNode      = "gpu-node-b"
	xidGPU       = 5
	gpuXIDWait   = 100 * time.Millisecond
	haveGPUs     = true
	gpuTickEvery = time.Second
)

// gpuTarget is a remote node as the config scrapes it.
type gpuTarget struct{ Name, Team string }

// remoteNode is a node whose collector the fleet serves over HTTP.
type remoteNode struct {
	gpuTarget
	node *gpusim.Node
	reg  *prometheus.Registry
	sw   *swapCollector

	cancel context.CancelFunc
	done   chan struct{}
}

// swapCollector lets a node's collector be replaced (a node power-cycled
// restarts its exporter, which forgets its XIDs).
type swapCollector struct {
	mu sync.Mutex
	c  *gpu.Collector
}

func (s *swapCollector) Describe(chan<- *prometheus.Desc) {}

func (s *swapCollector) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	c := s.c
	s.mu.Unlock()
	c.Collect(ch)
}

// gpuFleet is the simulated GPU nodes.
type gpuFleet struct {
	logger *slog.Logger
	local  *gpusim.Node
	coll   *gpu.Collector // the in-process collector, closed by mlre
	remote []*remoteNode

	mu     sync.Mutex
	ctx    context.Context // the fleet's, once running
	hot    bool            // thermal-throttling runs
	closed bool
}

func newGPUFleet(logger *slog.Logger) (*gpuFleet, error) {
	g := &gpuFleet{logger: logger, local: gpusim.NewDGXH100(localNode)}
	var err error
	g.coll, err = gpu.New(gpu.Options{Library: g.local.Lib(), Hostname: localNode, XIDWait: gpuXIDWait, Logger: logger.With("node", localNode)})
	if err != nil {
		return nil, fmt.Errorf("simulated GPU node %s: %w", localNode, err)
	}
	for _, t := range []gpuTarget{{Name: "gpu-node-b", Team: "recsys"}, {Name: "gpu-node-c", Team: "fraud"}} {
		rn := &remoteNode{gpuTarget: t, node: gpusim.NewDGXH100(t.Name), reg: prometheus.NewRegistry()}
		c, err := g.newCollector(rn)
		if err != nil {
			g.close()
			g.coll.Close()
			return nil, err
		}
		rn.sw = &swapCollector{c: c}
		rn.reg.MustRegister(rn.sw)
		g.remote = append(g.remote, rn)
	}
	for _, n := range g.nodes() {
		for i := range n.Len() {
			n.GPU(i).Update(func(s *gpusim.State) {
				s.ClocksEventReasons = 0
				s.SMClockMHz = 1980
				s.FBUsedMiB = 60000
			})
		}
	}
	return g, nil
}

func (g *gpuFleet) newCollector(rn *remoteNode) (*gpu.Collector, error) {
	c, err := gpu.New(gpu.Options{Library: rn.node.Lib(), Hostname: rn.Name, XIDWait: gpuXIDWait, Logger: g.logger.With("node", rn.Name)})
	if err != nil {
		return nil, fmt.Errorf("simulated GPU node %s: %w", rn.Name, err)
	}
	return c, nil
}

func (g *gpuFleet) nodes() []*gpusim.Node {
	out := []*gpusim.Node{g.local}
	for _, rn := range g.remote {
		out = append(out, rn.node)
	}
	return out
}

// collector is the in-process node's collector, for app.Options.GPU.
func (g *gpuFleet) collector() *gpu.Collector {
	if g == nil {
		return nil
	}
	return g.coll
}

// localName names the in-process node.
func (g *gpuFleet) localName() string {
	if g == nil {
		return ""
	}
	return localNode
}

func (g *gpuFleet) targets() []gpuTarget {
	if g == nil {
		return nil
	}
	out := make([]gpuTarget, len(g.remote))
	for i, rn := range g.remote {
		out[i] = rn.gpuTarget
	}
	return out
}

func (g *gpuFleet) handle(mux *http.ServeMux) {
	if g == nil {
		return
	}
	for _, rn := range g.remote {
		mux.Handle("/metrics/"+rn.Name, promhttp.HandlerFor(rn.reg, promhttp.HandlerOpts{}))
	}
}

// run watches the remote nodes' XIDs and moves the telemetry every second
// until ctx ends.
func (g *gpuFleet) run(ctx context.Context, seed int64) {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.ctx = ctx
	for _, rn := range g.remote {
		g.startWatch(rn)
	}
	g.mu.Unlock()
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6770))
	t := time.NewTicker(gpuTickEvery)
	defer t.Stop()
	for {
		g.telemetry(rng)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// startWatch runs a remote node's XID watch; g.mu held.
func (g *gpuFleet) startWatch(rn *remoteNode) {
	ctx, cancel := context.WithCancel(g.ctx)
	rn.cancel, rn.done = cancel, make(chan struct{})
	rn.sw.mu.Lock()
	c := rn.sw.c
	rn.sw.mu.Unlock()
	go func() {
		defer close(rn.done)
		c.Run(ctx)
	}()
}

// telemetry makes every GPU's readings wander: utilisation, then power,
// temperature and clocks from it.
func (g *gpuFleet) telemetry(rng *rand.Rand) {
	g.mu.Lock()
	hot := g.hot
	g.mu.Unlock()
	for ni, n := range g.nodes() {
		// gpu-node-a serves models (busy by turns); b and c train (busy).
		lo, hi := 30.0, 75.0
		if ni > 0 {
			lo, hi = 85, 99
		}
		for i := range n.Len() {
			throttled := hot && ni == 0 && i == thermalGPU
			n.GPU(i).Update(func(s *gpusim.State) {
				u := float64(s.Util) + 4*rng.NormFloat64()
				if u < lo || u > hi {
					u = lo + (hi-lo)*rng.Float64()
				}
				s.Util = uint32(u)
				s.MemCopyUtil = uint32(u * 0.6)
				s.PowerW = 90 + 5.8*u + 10*rng.NormFloat64()
				s.FBUsedMiB = uint64(40000 + 400*u)
				if throttled {
					s.TempC, s.MemTempC = 92, 96
					s.SMClockMHz = 1100
					s.ClocksEventReasons = nvml.ClocksEventReasonSwThermalSlowdown
					return
				}
				s.TempC = uint32(38 + 0.38*u + 2*rng.Float64())
				s.MemTempC = s.TempC + 4
				s.SMClockMHz = 1980
				s.ClocksEventReasons = 0
			})
		}
		n.Tick(gpuTickEvery)
	}
}

// apply starts (on) or ends an incident's effect on the GPUs.
func (g *gpuFleet) apply(name string, on bool) {
	if g == nil {
		return
	}
	switch name {
	case ThermalThrottling:
		g.mu.Lock()
		g.hot = on
		g.mu.Unlock()
	case XID79:
		rn := g.remoteNamed(xidNode)
		if on {
			rn.node.GPU(xidGPU).InjectXID(79)
			return
		}
		// The node is power-cycled: the GPU is back, and its exporter
		// starts afresh.
		rn.node.GPU(xidGPU).Update(func(s *gpusim.State) { s.Lost = false })
		g.restart(rn)
	}
}

func (g *gpuFleet) remoteNamed(name string) *remoteNode {
	for _, rn := range g.remote {
		if rn.Name == name {
			return rn
		}
	}
	panic("demo: no simulated GPU node " + name)
}

// restart replaces a remote node's collector with a fresh one.
func (g *gpuFleet) restart(rn *remoteNode) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return
	}
	c, err := g.newCollector(rn)
	if err != nil {
		g.logger.Error("restarting the simulated GPU exporter", "node", rn.Name, "err", err)
		return
	}
	if rn.cancel != nil {
		rn.cancel()
		<-rn.done
	}
	rn.sw.mu.Lock()
	old := rn.sw.c
	rn.sw.c = c
	rn.sw.mu.Unlock()
	old.Close()
	if g.ctx != nil && g.ctx.Err() == nil {
		g.startWatch(rn)
	} else {
		rn.cancel = nil
	}
	g.logger.Info("simulated GPU node power-cycled", "node", rn.Name)
}

// close stops the remote nodes' watches and closes their collectors (mlre
// closes the in-process one).
func (g *gpuFleet) close() {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	for _, rn := range g.remote {
		if rn.cancel != nil {
			rn.cancel()
			<-rn.done
			rn.cancel = nil
		}
		if rn.sw != nil {
			rn.sw.c.Close()
		}
	}
}
