package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlre-dev/mlre/internal/version"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and found a problem (e.g. an invalid config)
	exitUsage   = 2 // the command line itself was wrong
)

// exitError carries an exit code out of a cobra command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, a ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, a...)}
}

// globalFlags are shared by every subcommand.
type globalFlags struct {
	logLevel  string
	logFormat string
}

func (g *globalFlags) logger(w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(g.logLevel)); err != nil {
		return nil, usageErr("--log.level %q: use debug, info, warn or error", g.logLevel)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch strings.ToLower(g.logFormat) {
	case "logfmt", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, usageErr("--log.format %q: use logfmt or json", g.logFormat)
	}
}

// run executes the command line args and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:   "mlre",
		Short: "Machine Learning Reliability Engineering: metrics, SLOs and model monitoring in one binary",
		Long: `mlre keeps ML infrastructure and ML models inside their objectives.

It stores every signal as a time series in an embedded Prometheus TSDB, takes
data in the ways Prometheus users already send it (scraping, remote_write), and
answers the Prometheus HTTP query API, so Grafana and promtool work against it.

Start a server with defaults (listen on 127.0.0.1:9800, data in ./data):

  mlre serve

Validate a config file:

  mlre config check --config mlre.yaml`,
		Version:       version.Get().Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetContext(ctx)
	root.PersistentFlags().StringVar(&g.logLevel, "log.level", "info", "log level: debug, info, warn or error")
	root.PersistentFlags().StringVar(&g.logFormat, "log.format", "logfmt", "log format: logfmt or json")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitError{code: exitUsage, err: err} })
	root.SetVersionTemplate("mlre {{.Version}}\n")
	root.AddCommand(newServeCmd(g), newConfigCmd(g), newRulesCmd(), newDriftCmd(), newProfileCmd(), newDoctorCmd(), newCostCmd(), newVersionCmd())

	err := root.Execute()
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "mlre:", err)
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.code == exitUsage {
			fmt.Fprintln(stderr, "Run 'mlre --help' for usage.")
		}
		return ee.code
	}
	if strings.HasPrefix(err.Error(), "unknown command") || strings.HasPrefix(err.Error(), "unknown flag") ||
		strings.Contains(err.Error(), "accepts ") {
		fmt.Fprintln(stderr, "Run 'mlre --help' for usage.")
		return exitUsage
	}
	return exitFailure
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print mlre's version and build information",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := version.Get()
			fmt.Fprintf(cmd.OutOrStdout(), "mlre, version %s (revision: %s)\n  build date: %s\n  go version: %s\n", v.Version, v.Revision, v.BuildDate, v.GoVersion)
			return nil
		},
	}
}
