package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlre-dev/mlre/internal/app"
	"github.com/mlre-dev/mlre/internal/demo"
	"github.com/mlre-dev/mlre/internal/ui"
)

// defaultDemoDir is where --demo keeps its data (never ./data).
const defaultDemoDir = "data-demo"

func newServeCmd(g *globalFlags) *cobra.Command {
	var opts app.Options
	var demoMode bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the mlre server",
		Long: `Run the mlre server: embedded Prometheus TSDB, scraping, remote_write
receiver (POST /api/v1/write) and forwarding (remote_write), rule evaluation,
and the Prometheus HTTP query API.

Without --config mlre runs with built-in defaults and scrapes its own /metrics.
--listen and --storage.path override server.listen and storage.path.
SIGHUP or POST /-/reload reloads the config; an invalid config is rejected and
the running one is kept.

--demo runs mlre with a built-in simulated ML fleet: model services with
traffic, predictions and delayed labels, a feature pipeline and feature store,
simulated GPU nodes, and a schedule of incidents that each raise an alert
(GET /api/v1/demo/incidents lists them, POST /api/v1/demo/incidents/<name>
starts one now). Its data lives in ./data-demo (or --storage.path), with the
config it generates under <data>/demo; --demo takes no --config.`,
		Example: `  mlre serve
  mlre serve --demo
  mlre serve --config mlre.yaml
  mlre serve --listen 0.0.0.0:9800 --storage.path /var/lib/mlre`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if demoMode && opts.ConfigFile != "" {
				return usageErr("--demo writes and runs its own config: leave out --config (or drop --demo)")
			}
			logger, err := g.logger(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			opts.Logger = logger
			if demoMode {
				return serveDemo(cmd.Context(), opts)
			}
			a, err := app.New(opts)
			if err != nil {
				return err
			}
			stop := reloadOnHUP(a)
			defer stop()
			return a.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.ConfigFile, "config", "", "mlre.yaml to load (a superset of prometheus.yml); empty for built-in defaults")
	f.StringVar(&opts.Listen, "listen", "", "HTTP listen address (default from server.listen, else 127.0.0.1:9800)")
	f.StringVar(&opts.DataDir, "storage.path", "", "data directory (default from storage.path, else ./data; with --demo ./data-demo)")
	f.BoolVar(&demoMode, "demo", false, "run a built-in simulated ML fleet with scheduled incidents (data in ./data-demo)")
	return cmd
}

// reloadOnHUP reloads a's config on SIGHUP until the returned func is called.
func reloadOnHUP(a *app.App) func() {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-hup:
				a.RequestReload()
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(hup); close(done) }
}

// serveDemo runs mlre with the demo fleet until ctx ends.
func serveDemo(ctx context.Context, opts app.Options) error {
	if opts.DataDir == "" {
		opts.DataDir = defaultDemoDir
	}
	fleet, err := demo.New(demo.Options{Dir: opts.DataDir, Logger: opts.Logger.With("component", "demo"), Seed: time.Now().UnixNano()})
	if err != nil {
		return err
	}
	defer fleet.Stop()
	opts.ConfigFile, opts.GPU = fleet.ConfigFile(), fleet.GPU()
	opts.APIs = append(opts.APIs, fleet)
	opts.Demo = func() []ui.DemoIncident { return demoIncidents(fleet) }
	a, err := app.New(opts)
	if err != nil {
		return err
	}
	stop := reloadOnHUP(a)
	defer stop()
	// The fleet's first predictions go out a second after it starts, by
	// when Run has made mlre ready; it stops with ctx.
	if err := fleet.Start(ctx, a.Addr()); err != nil {
		_ = a.Stop()
		return err
	}
	logSchedule(opts.Logger, a.Addr(), fleet)
	return a.Run(ctx)
}

// demoIncidents gives the web UI's demo banner the fleet's incidents.
func demoIncidents(fleet *demo.Fleet) []ui.DemoIncident {
	in := fleet.Incidents()
	out := make([]ui.DemoIncident, len(in))
	for i, s := range in {
		out[i] = ui.DemoIncident{Name: s.Name, Description: s.Description, Active: s.Active, Ends: s.Ends, Next: s.NextStart}
		for _, a := range s.Alerts {
			out[i].Alerts = append(out[i].Alerts, a.Name)
		}
	}
	return out
}

func logSchedule(logger *slog.Logger, addr string, fleet *demo.Fleet) {
	var next []string
	for _, in := range fleet.Incidents() {
		if in.NextStart != nil {
			next = append(next, fmt.Sprintf("%s at %s", in.Name, in.NextStart.Format(time.TimeOnly)))
		}
	}
	logger.Info("mlre demo: a simulated ML fleet with scheduled incidents",
		"url", "http://"+addr+"/",
		"incidents", "http://"+addr+"/api/v1/demo/incidents",
		"config", fleet.ConfigFile(),
		"schedule", strings.Join(next, ", "))
	logger.Info("mlre demo: start an incident now with: curl -XPOST http://" + addr + "/api/v1/demo/incidents/<name>")
}
