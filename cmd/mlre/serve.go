package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/mlre-dev/mlre/internal/app"
)

func newServeCmd(g *globalFlags) *cobra.Command {
	var opts app.Options
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the mlre server",
		Long: `Run the mlre server: embedded Prometheus TSDB, scraping, remote_write
receiver (POST /api/v1/write) and forwarding (remote_write), rule evaluation,
and the Prometheus HTTP query API.

Without --config mlre runs with built-in defaults and scrapes its own /metrics.
--listen and --storage.path override server.listen and storage.path.
SIGHUP or POST /-/reload reloads the config; an invalid config is rejected and
the running one is kept.`,
		Example: `  mlre serve
  mlre serve --config mlre.yaml
  mlre serve --listen 0.0.0.0:9800 --storage.path /var/lib/mlre`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := g.logger(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			opts.Logger = logger
			a, err := app.New(opts)
			if err != nil {
				return err
			}
			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
			go func() {
				for range hup {
					a.RequestReload()
				}
			}()
			return a.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.ConfigFile, "config", "", "mlre.yaml to load (a superset of prometheus.yml); empty for built-in defaults")
	f.StringVar(&opts.Listen, "listen", "", "HTTP listen address (default from server.listen, else 127.0.0.1:9800)")
	f.StringVar(&opts.DataDir, "storage.path", "", "data directory (default from storage.path, else ./data)")
	return cmd
}
