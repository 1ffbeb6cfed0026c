// Package demo is mlre's built-in simulated ML fleet, behind
// `mlre serve --demo`: three model services with request traffic, errors
// and latency; their predictions and delayed labels sent to mlre's ingest
// API; a feature pipeline and a feature store; simulated GPU nodes (with
// cgo); and a schedule of incidents that each raise a real alert.
//
// The fleet is outside mlre: it serves its metrics on its own listener,
// which mlre scrapes, and posts to mlre's HTTP API, so its data takes the
// same paths as real data. Only one GPU node is handed to mlre in-process,
// as mlre's own GPU collector reads a local node.
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mlre-dev/mlre/internal/gpu"
)

// Options configure a Fleet.
type Options struct {
	// Dir is the demo's data directory: mlre's storage, with the generated
	// config, rule file and references under Dir/demo.
	Dir    string
	Logger *slog.Logger
	// Schedule is when incidents happen on their own (zero: the default).
	Schedule Schedule
	// Seed seeds every random draw of the simulation.
	Seed int64
}

// referenceRows is the size of each model's reference.
const referenceRows = 1000

// Fleet is the simulated ML fleet.
type Fleet struct {
	opts    Options
	logger  *slog.Logger
	cfgFile string

	ln       net.Listener
	srv      *http.Server
	services []*service
	pipeline *pipeline
	models   []*modelSim
	gpus     *gpuFleet
	client   *http.Client
	runID    string

	catalog   []Incident
	durations map[string]time.Duration
	sched     Schedule

	effectMu  sync.Mutex // serialises incidents' start and end effects
	mu        sync.Mutex
	state     map[string]incidentState
	startedAt time.Time
	lastSlot  int // the last scheduled slot started (tickSchedule only)

	startOnce, stopOnce sync.Once
	cancel              context.CancelFunc
	wg                  sync.WaitGroup
	serveDone           chan struct{}
}

// New prepares the demo directory (config, rule file, references) and
// starts serving the fleet's metrics on a loopback port. Start sets the
// fleet going; Stop releases everything, also after a failed New.
func New(opts Options) (_ *Fleet, err error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("demo directory %q: %w", opts.Dir, err)
	}
	f := &Fleet{
		opts: opts, logger: opts.Logger,
		client: &http.Client{Timeout: 10 * time.Second},
		state:  map[string]incidentState{}, lastSlot: -1,
		runID: fmt.Sprintf("%x", time.Now().UnixNano()),
		services: []*service{
			newService("fraud-scorer", "fraud", 40, 0.02, 0.001),
			newService("recommender", "recsys", 25, 0.06, 0.001),
			newService("churn-model", "growth", 8, 0.03, 0.001),
		},
		pipeline: newPipeline("fraud-features", 10*time.Second),
		models:   models(),
	}
	defer func() {
		if err != nil {
			f.Stop()
		}
	}()
	cfgDir := filepath.Join(dir, ConfigDir)
	if err := os.MkdirAll(filepath.Join(cfgDir, ReferencesDir), 0o755); err != nil {
		return nil, fmt.Errorf("making the demo directory: %w", err)
	}
	if f.gpus, err = newGPUFleet(f.logger); err != nil {
		return nil, err
	}
	for _, in := range Catalog() {
		if in.GPU && !haveGPUs {
			continue
		}
		f.catalog = append(f.catalog, in)
	}
	f.durations = map[string]time.Duration{}
	names := make([]string, len(f.catalog))
	for i, in := range f.catalog {
		f.durations[in.Name] = in.Duration
		names[i] = in.Name
	}
	f.sched = opts.Schedule.withDefaults(names)
	for _, n := range f.sched.Order {
		if _, ok := f.durations[n]; !ok {
			return nil, fmt.Errorf("%w: %q in the schedule", ErrUnknownIncident, n)
		}
	}

	for i, m := range f.models {
		rng := rand.New(rand.NewPCG(uint64(opts.Seed), uint64(100+i)))
		if err := m.writeReference(filepath.Join(cfgDir, ReferencesDir, m.name+".csv"), rng, referenceRows); err != nil {
			return nil, err
		}
	}
	if f.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("demo fleet listener: %w", err)
	}
	cd := configData{DataDir: dir, Fleet: f.ln.Addr().String(), GPUs: f.gpus.targets(), LocalGPU: f.gpus.localName()}
	if f.cfgFile, err = writeConfig(cfgDir, cd); err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	for _, s := range f.services {
		mux.Handle("/metrics/"+s.name, promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	}
	mux.Handle("/metrics/feature-pipeline", promhttp.HandlerFor(f.pipeline.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/feature-store/healthz", f.featureStore)
	f.gpus.handle(mux)
	f.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(f.logger.Handler(), slog.LevelWarn)}
	f.serveDone = make(chan struct{})
	go func() {
		defer close(f.serveDone)
		if err := f.srv.Serve(f.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			f.logger.Error("demo fleet listener failed", "err", err)
		}
	}()
	return f, nil
}

// ConfigFile is the generated mlre.yaml, for app.Options.ConfigFile.
func (f *Fleet) ConfigFile() string { return f.cfgFile }

// Addr is the fleet's own listener (its metrics and feature store).
func (f *Fleet) Addr() string { return f.ln.Addr().String() }

// GPU is the in-process simulated node's collector, for app.Options.GPU
// (nil in a build without cgo). mlre closes it when it stops.
func (f *Fleet) GPU() *gpu.Collector { return f.gpus.collector() }

// Start sets the fleet going against the mlre serving at mlreAddr
// (host:port): traffic, predictions and labels, the feature pipeline, GPU
// telemetry and the incident schedule. It returns at once; Stop ends it.
func (f *Fleet) Start(ctx context.Context, mlreAddr string) error {
	started := false
	f.startOnce.Do(func() {
		started = true
		ctx, f.cancel = context.WithCancel(ctx)
		f.mu.Lock()
		f.startedAt = time.Now()
		f.mu.Unlock()
		base := "http://" + mlreAddr
		f.goRun(func() { f.runTraffic(ctx) })
		for i, m := range f.models {
			f.goRun(func() { f.runModel(ctx, base, m, rand.New(rand.NewPCG(uint64(f.opts.Seed), uint64(200+i)))) })
		}
		f.goRun(func() { f.gpus.run(ctx, f.opts.Seed) })
		f.goRun(func() { f.runSchedule(ctx) })
	})
	if !started {
		return errors.New("demo fleet already started")
	}
	return nil
}

func (f *Fleet) goRun(fn func()) {
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		fn()
	}()
}

// Stop ends the simulation and closes the listener. It is idempotent.
func (f *Fleet) Stop() {
	f.stopOnce.Do(func() {
		if f.cancel != nil {
			f.cancel()
		}
		f.wg.Wait()
		if f.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = f.srv.Shutdown(ctx)
			cancel()
			<-f.serveDone
		} else if f.ln != nil {
			_ = f.ln.Close()
		}
		f.gpus.close()
	})
}

// runTraffic simulates the services' requests and the pipeline's runs,
// every second.
func (f *Fleet) runTraffic(ctx context.Context) {
	rng := rand.New(rand.NewPCG(uint64(f.opts.Seed), 1))
	t := time.NewTicker(time.Second)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			on := f.active()
			dt := now.Sub(last)
			last = now
			for _, s := range f.services {
				errRate, extra := s.errRate, 0.0
				if s.name == "fraud-scorer" && on[ErrorBurst] {
					errRate = 0.35
				}
				if s.name == "recommender" && on[SlowDependency] {
					extra = slowDependencyDelay.Seconds()
				}
				s.serve(rng, dt, errRate, extra)
			}
			f.pipeline.tick(now, on[StalePipeline])
		}
	}
}

// runSchedule starts and ends incidents on the schedule.
func (f *Fleet) runSchedule(ctx context.Context) {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			f.tickSchedule(now)
		}
	}
}

// runModel sends the model's predictions every second, and each label
// 30 to 60 seconds after its prediction (for 90% of them).
func (f *Fleet) runModel(ctx context.Context, base string, m *modelSim, rng *rand.Rand) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var pending []pendingLabel
	seq := 0
	warned := false
	post := func(kind string, body any) {
		if err := f.post(ctx, base+"/api/v1/models/"+m.name+"/"+kind, body); err != nil && ctx.Err() == nil && !warned {
			warned = true // once: mlre may be restarting
			f.logger.Warn("demo fleet could not send to mlre", "model", m.name, "kind", kind, "err", err)
		} else if err == nil {
			warned = false
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			on := f.active()
			batch := make([]predictionBody, m.perSec)
			for i := range batch {
				seq++
				r := m.draw(rng, on)
				id := fmt.Sprintf("%s-%s-%d", m.name, f.runID, seq)
				batch[i] = predictionBody{ID: id, Version: m.version, Features: r.features, Prediction: r.prediction}
				if rng.Float64() < 0.9 {
					pending = append(pending, pendingLabel{due: now.Add(30*time.Second + time.Duration(rng.IntN(30_000))*time.Millisecond), id: id, label: r.label})
				}
			}
			post("predictions", batch)
			var due []labelBody
			keep := pending[:0]
			for _, p := range pending {
				if now.Before(p.due) {
					keep = append(keep, p)
				} else {
					due = append(due, labelBody{ID: p.id, Label: p.label})
				}
			}
			pending = keep
			if len(due) > 0 {
				sort.Slice(due, func(i, j int) bool { return due[i].ID < due[j].ID })
				post("labels", due)
			}
		}
	}
}

// post sends body as JSON and checks for a 200.
func (f *Fleet) post(ctx context.Context, url string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s: %s", url, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}
