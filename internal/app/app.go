// Package app wires mlre together: config, the embedded TSDB, scraping,
// remote write in and out, rules and alert notification, and the HTTP API.
// It never touches signals or os.Exit, so a whole server can run inside a test.
package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	remoteapi "github.com/prometheus/client_golang/exp/api/remote"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/common/model"
	promconfig "github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/discovery"
	"github.com/prometheus/prometheus/notifier"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/scrape"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/storage/remote"
	"github.com/prometheus/prometheus/util/logging"
	apiv1 "github.com/prometheus/prometheus/web/api/v1"

	"github.com/mlre-dev/mlre/internal/alerting"
	"github.com/mlre-dev/mlre/internal/api"
	"github.com/mlre-dev/mlre/internal/auth"
	"github.com/mlre-dev/mlre/internal/config"
	"github.com/mlre-dev/mlre/internal/cost"
	"github.com/mlre-dev/mlre/internal/coststatus"
	"github.com/mlre-dev/mlre/internal/gpu"
	"github.com/mlre-dev/mlre/internal/httperr"
	"github.com/mlre-dev/mlre/internal/monitor"
	"github.com/mlre-dev/mlre/internal/slo"
	"github.com/mlre-dev/mlre/internal/slostatus"
	"github.com/mlre-dev/mlre/internal/state"
	"github.com/mlre-dev/mlre/internal/store"
	"github.com/mlre-dev/mlre/internal/ui"
	"github.com/mlre-dev/mlre/internal/version"
)

// Options configure an App. Flag values override the config file.
type Options struct {
	// ConfigFile is the mlre.yaml to load; empty runs the built-in default
	// config, which scrapes mlre's own /metrics.
	ConfigFile string
	// Listen overrides server.listen when not empty.
	Listen string
	// DataDir overrides storage.path when not empty.
	DataDir string
	Logger  *slog.Logger
	// GPU replaces the GPU collector mlre would make from the config (the
	// demo passes one over a simulated node). The App closes it on Stop.
	GPU *gpu.Collector
	// APIs add routes under /api/v1 beside mlre's own (the demo's incidents).
	APIs []api.Registrar
	// Demo returns the demo fleet's incidents for the web UI's banner;
	// nil outside the demo.
	Demo func() []ui.DemoIncident
}

// App is a running mlre server.
type App struct {
	opts   Options
	logger *slog.Logger
	reg    *prometheus.Registry

	cfgMu sync.RWMutex
	cfg   *config.Config

	ln     net.Listener
	db     *store.DB
	remote *remote.Storage
	fanout storage.Storage
	engine *promql.Engine
	scrape *scrape.Manager
	discS  *discovery.Manager
	discN  *discovery.Manager
	notify *notifier.Manager
	rules  *rules.Manager
	// stateDB is the SQLite state database; dispatcher delivers notifications
	// from it (the notifications: section).
	stateDB    *sql.DB
	dispatcher *alerting.Dispatcher
	// ruleLoader serves the generated SLO rules to the rule manager.
	ruleLoader *ruleLoader
	// collectors runs the in-process host and GPU collectors.
	collectors *inproc
	// monitor watches the models of models: (ingest API, mlre_model_*).
	monitor *monitor.Monitor
	authn   *auth.Authenticator
	srv     *http.Server
	handler http.Handler
	live    atomic.Pointer[http.Handler]

	// notifyDiscovery starts the Alertmanager discovery manager once some
	// Alertmanager is configured: idle, its sender loop wakes every 100ms.
	notifyDiscovery sync.Once
	notifyRunning   atomic.Bool

	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	ready   atomic.Bool
	started time.Time
	// running is set by Start; Stop of an app that never started must first
	// let the rule manager's groups run, or they wait for it forever.
	running   atomic.Bool
	reloadMu  sync.Mutex
	reloadReq chan struct{}
	stopOnce  sync.Once
	stopErr   error
	errCh     chan error

	reloadOK       prometheus.Gauge
	reloadOKTime   prometheus.Gauge
	lastReloadOK   atomic.Bool
	lastReloadTime atomic.Int64
}

// New loads the config, binds the listener and opens storage. Call Start to
// serve and Stop to release everything; Stop is safe after a failed New.
func New(opts Options) (_ *App, err error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &App{
		opts:      opts,
		logger:    opts.Logger,
		reg:       prometheus.NewRegistry(),
		ctx:       ctx,
		cancel:    cancel,
		reloadReq: make(chan struct{}, 1),
		errCh:     make(chan error, 1),
		started:   time.Now(),
	}
	defer func() {
		if err != nil {
			_ = a.Stop()
		}
	}()

	a.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
	)
	a.reloadOK = promauto.With(a.reg).NewGauge(prometheus.GaugeOpts{
		Name: "mlre_config_last_reload_successful",
		Help: "Whether the last configuration reload attempt was successful.",
	})
	a.reloadOKTime = promauto.With(a.reg).NewGauge(prometheus.GaugeOpts{
		Name: "mlre_config_last_reload_success_timestamp_seconds",
		Help: "Timestamp of the last successful configuration reload.",
	})
	bi := version.Get()
	promauto.With(a.reg).NewGaugeVec(prometheus.GaugeOpts{
		Name: "mlre_build_info",
		Help: "A metric with a constant '1' value labeled by version, revision and goversion of mlre.",
	}, []string{"version", "revision", "goversion"}).WithLabelValues(bi.Version, bi.Revision, bi.GoVersion).Set(1)

	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	a.ln, err = net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return nil, fmt.Errorf("listening on %s (server.listen or --listen): %w", cfg.Server.Listen, err)
	}
	if opts.ConfigFile == "" {
		// The default config scrapes mlre itself: point it at the address
		// actually bound (the port may have been :0).
		cfg = config.DefaultFor(selfTarget(a.ln.Addr()))
		a.overrideFlags(cfg)
	}
	a.cfg = cfg
	a.authn = auth.New(cfg.Server.Auth)

	// Serve /-/healthy (200) and a 503 for everything else while the WAL
	// replays, so supervisors see a live process during a long replay.
	a.serve()

	a.db, err = store.Open(cfg.Storage.Path, cfg.Prometheus, cfg.Storage.Exemplars, a.logger.With("component", "tsdb"), a.reg)
	if err != nil {
		return nil, err
	}
	a.stateDB, err = state.Open(a.ctx, cfg.Storage.Path)
	if err != nil {
		return nil, err
	}
	a.monitor, err = monitor.Open(monitor.Options{Dir: filepath.Join(cfg.Storage.Path, "models"),
		Logger: a.logger.With("component", "model monitor"), Registerer: a.reg})
	if err != nil {
		return nil, err
	}
	if err := a.build(); err != nil {
		return nil, err
	}
	if err := a.apply(cfg); err != nil {
		return nil, err
	}
	a.setReloadResult(true)
	return a, nil
}

// loadConfig reads the config file (or the default) and applies flag overrides.
func (a *App) loadConfig() (*config.Config, error) {
	var cfg *config.Config
	if a.opts.ConfigFile == "" {
		cfg = config.Default()
	} else {
		var err error
		if cfg, err = config.LoadFile(a.opts.ConfigFile); err != nil {
			return nil, err
		}
	}
	a.overrideFlags(cfg)
	return cfg, nil
}

func (a *App) overrideFlags(cfg *config.Config) {
	if a.opts.Listen != "" {
		cfg.Server.Listen = a.opts.Listen
	}
	if a.opts.DataDir != "" {
		cfg.Storage.Path = a.opts.DataDir
	}
}

func selfTarget(addr net.Addr) string {
	ta, ok := addr.(*net.TCPAddr)
	if !ok {
		return addr.String()
	}
	host := ta.IP.String()
	if ta.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, fmt.Sprint(ta.Port))
}

// lazyScrape hands remote storage the scrape manager, which is made after it.
type lazyScrape struct{ a *App }

func (l lazyScrape) Get() (*scrape.Manager, error) {
	if l.a.scrape == nil {
		return nil, errors.New("scrape manager not ready")
	}
	return l.a.scrape, nil
}

// build creates the Prometheus components over the open TSDB.
func (a *App) build() error {
	l := a.logger
	a.remote = remote.NewStorage(l.With("component", "remote"), a.reg, a.db.StartTime, a.db.Dir(), time.Minute, lazyScrape{a}, false)
	a.fanout = storage.NewFanout(l, a.db, a.remote)
	// Wake the remote-write WAL watchers on every commit, as Prometheus does;
	// without this they poll the WAL only every 15s.
	a.db.SetWriteNotified(a.remote)
	a.collectors = newInproc(a, a.fanout)

	sdMetrics, err := discovery.CreateAndRegisterSDMetrics(a.reg)
	if err != nil {
		return fmt.Errorf("registering discovery metrics: %w", err)
	}
	a.discS = discovery.NewManager(a.ctx, l.With("component", "discovery manager scrape"), a.reg, sdMetrics, discovery.Name("scrape"))
	a.discN = discovery.NewManager(a.ctx, l.With("component", "discovery manager notify"), a.reg, sdMetrics, discovery.Name("notify"))
	if a.discS == nil || a.discN == nil {
		return errors.New("creating discovery managers failed")
	}
	a.scrape, err = scrape.NewManager(&scrape.Options{AppendMetadata: true}, l.With("component", "scrape manager"), logging.NewJSONFileLogger, nil, a.fanout, a.reg)
	if err != nil {
		return fmt.Errorf("creating scrape manager: %w", err)
	}

	a.engine = promql.NewEngine(promql.EngineOpts{
		Logger:               l.With("component", "query engine"),
		Reg:                  a.reg,
		MaxSamples:           50_000_000,
		Timeout:              2 * time.Minute,
		LookbackDelta:        5 * time.Minute,
		EnableAtModifier:     true,
		EnableNegativeOffset: true,
	})

	a.notify = notifier.NewManager(&notifier.Options{QueueCapacity: 10000, Registerer: a.reg, DrainOnShutdown: true}, model.UTF8Validation, l.With("component", "notifier"))
	extURL := a.externalURL()
	a.dispatcher = alerting.NewDispatcher(a.stateDB, a.reg, l.With("component", "alerting"))
	a.ruleLoader = &ruleLoader{parser: parser.NewParser(parser.Options{}), logger: l.With("component", "rule loader")}
	a.rules = rules.NewManager(&rules.ManagerOptions{
		GroupLoader:     a.ruleLoader,
		Parser:          a.ruleLoader.parser,
		AppendableV2:    a.fanout,
		Queryable:       a.db,
		QueryFunc:       rules.EngineQueryFunc(a.engine, a.fanout),
		NotifyFunc:      a.notifyFunc(rules.SendAlerts(a.notify, extURL.String()), extURL.String()),
		Context:         a.ctx,
		ExternalURL:     extURL,
		Registerer:      a.reg,
		Logger:          l.With("component", "rule manager"),
		OutageTolerance: time.Hour,
		ForGracePeriod:  10 * time.Minute,
		ResendDelay:     time.Minute,
	})

	bi := version.Get()
	promAPI := apiv1.NewAPI(
		a.engine, a.fanout, a.fanout, a.db,
		func(context.Context) apiv1.ScrapePoolsRetriever { return a.scrape },
		func(context.Context) apiv1.TargetRetriever { return a.scrape },
		func(context.Context) apiv1.AlertmanagerRetriever { return a.notify },
		func() promconfig.Config { return *a.Config().Prometheus },
		map[string]string{},
		apiv1.GlobalURLOptions{ListenAddress: a.ln.Addr().String(), Host: extURL.Host, Scheme: extURL.Scheme},
		a.readyHandler,
		a.db, a.db.Dir(),
		false, // admin API (delete series, snapshot) stays off
		false, 0,
		l.With("component", "api"),
		func(context.Context) apiv1.RulesRetriever { return a.rules },
		50_000_000, 10, 1<<20,
		false, nil,
		a.runtimeInfo,
		&apiv1.PrometheusVersion{Version: bi.Version, Revision: bi.Revision, Branch: bi.Branch, BuildUser: bi.BuildUser, BuildDate: bi.BuildDate, GoVersion: bi.GoVersion},
		nil, nil,
		a.reg, a.reg,
		nil,
		true, remoteapi.MessageTypes{remoteapi.WriteV1MessageType, remoteapi.WriteV2MessageType},
		false, false, false,
		5*time.Minute,
		false, false,
		nil, nil,
		apiv1.OpenAPIOptions{ExternalURL: extURL.String(), Version: bi.Version},
		nil, false, 2*time.Minute,
	)
	sloSvc := &slostatus.Service{
		Query:  slostatus.QueryFunc(rules.EngineQueryFunc(a.engine, a.fanout)),
		Alerts: a.rules.AlertingRules,
		SLOs: func() ([]slo.SLO, time.Duration) {
			c := a.Config()
			return c.SLOs, time.Duration(c.Prometheus.GlobalConfig.EvaluationInterval)
		},
		Now: time.Now,
	}
	costSvc := &coststatus.Service{
		Query:  coststatus.QueryFunc(rules.EngineQueryFunc(a.engine, a.fanout)),
		Alerts: a.rules.AlertingRules,
		Config: func() (*cost.Config, []cost.Budget) {
			c := a.Config()
			return c.Cost, c.Budgets
		},
		Now: time.Now,
	}
	webUI, err := a.newUI(sloSvc, costSvc)
	if err != nil {
		return err
	}
	a.handler = api.New(api.Options{
		PromAPI:      promAPI,
		MlreAPIs:     append([]api.Registrar{a.monitor, sloSvc, costSvc}, a.opts.APIs...),
		UI:           webUI,
		Auth:         a.authn,
		Registerer:   a.reg,
		Gatherer:     a.reg,
		Sources:      a.collectors.gatherers,
		MaxBodyBytes: func() int64 { return int64(a.Config().Server.MaxRequestBodySize) },
		Ready:        a.ready.Load,
		Reload:       a.Reload,
		Logger:       l.With("component", "web"),
	})
	a.live.Store(&a.handler)
	return nil
}

func (a *App) externalURL() *url.URL {
	return &url.URL{Scheme: "http", Host: selfTarget(a.ln.Addr()), Path: "/"}
}

func (a *App) readyHandler(f http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !a.ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("Service Unavailable"))
			return
		}
		f(w, r)
	}
}

func (a *App) runtimeInfo() (apiv1.RuntimeInfo, error) {
	wd, _ := os.Getwd()
	host, _ := os.Hostname()
	return apiv1.RuntimeInfo{
		StartTime:           a.started,
		CWD:                 wd,
		Hostname:            host,
		ServerTime:          time.Now(),
		ReloadConfigSuccess: a.lastReloadOK.Load(),
		LastConfigTime:      time.Unix(a.lastReloadTime.Load(), 0),
		StorageRetention:    a.Config().Storage.Retention.String(),
	}, nil
}

// serve starts the HTTP server on the bound listener. Until build swaps in
// the full handler it answers with the starting handler.
func (a *App) serve() {
	starting := http.Handler(http.HandlerFunc(startingHandler))
	a.live.Store(&starting)
	a.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			(*a.live.Load()).ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.logger.With("component", "http").Handler(), slog.LevelWarn),
	}
	a.goRun("http server", func() error {
		if err := a.srv.Serve(a.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serving HTTP: %w", err)
		}
		return nil
	})
}

func startingHandler(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/-/healthy" {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("mlre is Healthy.\n"))
		return
	}
	httperr.Write(w, http.StatusServiceUnavailable, httperr.TypeUnavailable, "mlre is starting: opening storage and replaying the write-ahead log")
}

// Handler returns the root HTTP handler (for tests that skip the listener).
func (a *App) Handler() http.Handler { return a.handler }

// Addr is the address the server listens on.
func (a *App) Addr() string { return a.ln.Addr().String() }

// Registry is mlre's own metrics registry.
func (a *App) Registry() *prometheus.Registry { return a.reg }

// Storage is the fanout storage (local TSDB plus remote_write).
func (a *App) Storage() storage.Storage { return a.fanout }

// Config returns the config in force.
func (a *App) Config() *config.Config {
	a.cfgMu.RLock()
	defer a.cfgMu.RUnlock()
	return a.cfg
}

// Start serves HTTP and runs discovery, scraping, rules and notification.
// It returns at once; Err reports a fatal error from a component later.
func (a *App) Start() error {
	a.goRun("discovery scrape", a.discS.Run)
	a.goRun("scrape manager", func() error { return a.scrape.Run(a.discS.SyncCh()) })
	a.goRun("notifier", func() error { a.notify.Run(a.discN.SyncCh()); return nil })
	a.running.Store(true)
	a.goRun("rule manager", func() error { a.rules.Run(); return nil })
	a.goRun("alerting", func() error { a.dispatcher.Run(a.ctx); return nil })
	a.collectors.start()
	a.goRun("model monitor", func() error { a.monitor.Run(a.ctx, 5*time.Minute); return nil })
	a.goRun("reloader", a.reloadLoop)
	a.ready.Store(true)
	a.logger.Info("mlre is ready", "listen", a.Addr(), "storage", a.cfg.Storage.Path, "config", a.cfg.File, "version", version.Get().Version)
	return nil
}

func (a *App) goRun(name string, f func() error) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		if err := f(); err != nil && !(errors.Is(err, context.Canceled) && a.ctx.Err() != nil) {
			a.logger.Error("component failed", "component", name, "err", err)
			select {
			case a.errCh <- fmt.Errorf("%s: %w", name, err):
			default:
			}
		}
	}()
}

// Err delivers the first fatal error of a running component.
func (a *App) Err() <-chan error { return a.errCh }

// Stop shuts everything down in order: stop taking requests and scrapes,
// flush rules and notifications, then close storage. It is idempotent.
func (a *App) Stop() error {
	a.stopOnce.Do(func() {
		a.ready.Store(false)
		var errs []error
		if a.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := a.srv.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("stopping HTTP server: %w", err))
			}
			cancel()
		} else if a.ln != nil {
			_ = a.ln.Close()
		}
		if a.scrape != nil {
			a.scrape.Stop()
		}
		if a.collectors != nil {
			a.collectors.stop()
		}
		if a.rules != nil {
			if !a.running.Load() {
				go a.rules.Run()
			}
			a.rules.Stop()
		}
		if a.notify != nil {
			a.notify.Stop()
		}
		a.cancel()
		a.wg.Wait()
		if a.collectors != nil {
			a.collectors.close()
		} else if a.opts.GPU != nil {
			a.opts.GPU.Close()
		}
		if a.monitor != nil {
			if err := a.monitor.Close(); err != nil {
				errs = append(errs, fmt.Errorf("closing the model monitor: %w", err))
			}
		}
		if a.stateDB != nil {
			if err := a.stateDB.Close(); err != nil {
				errs = append(errs, fmt.Errorf("closing state database: %w", err))
			}
		}
		if a.fanout != nil {
			if err := a.fanout.Close(); err != nil {
				errs = append(errs, fmt.Errorf("closing storage: %w", err))
			}
		} else if a.db != nil {
			if err := a.db.Close(); err != nil {
				errs = append(errs, fmt.Errorf("closing TSDB: %w", err))
			}
		}
		a.stopErr = errors.Join(errs...)
		a.logger.Info("mlre stopped")
	})
	return a.stopErr
}

// Run starts a and blocks until ctx is done or a component fails, then stops.
func (a *App) Run(ctx context.Context) error {
	if err := a.Start(); err != nil {
		_ = a.Stop()
		return err
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-a.errCh:
	}
	return errors.Join(runErr, a.Stop())
}
