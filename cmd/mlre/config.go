package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mlre-dev/mlre/internal/config"
	"github.com/mlre-dev/mlre/internal/monitor"
)

func newConfigCmd(_ *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Work with mlre.yaml",
	}
	var file string
	check := &cobra.Command{
		Use:   "check",
		Short: "Validate a config file and exit 0 (valid) or 1 (invalid)",
		Long: `Validate mlre.yaml the way 'mlre serve' loads it: the Prometheus sections
with Prometheus's own parser, mlre's sections strictly (unknown keys are errors
naming the key and line), token files and environment variables, rule files
and scrape_config_files, and each model's reference file (read and profiled as
serve does at start). Exits 0 when valid, 1 when not.`,
		Example: `  mlre config check --config mlre.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return usageErr("config check needs --config FILE")
			}
			c, err := config.LoadFile(file)
			if err == nil {
				err = config.ValidateFiles(c)
			}
			// Read (and profile) each model's reference as serve would, so
			// that a missing or unreadable file shows up now. serve's reload
			// does this only for models whose entry changed.
			for i := 0; err == nil && i < len(c.Models); i++ {
				if _, e := monitor.NewModel(c.Models[i]); e != nil {
					err = fmt.Errorf("%s: invalid configuration: models: %w", file, e)
				}
			}
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			pc := c.Prometheus
			extra := ""
			if len(c.Models) > 0 {
				extra += fmt.Sprintf(", %d models", len(c.Models))
			}
			if c.Cost != nil {
				extra += fmt.Sprintf(", cost on with %d budgets", len(c.Budgets))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s is valid: %d scrape configs, %d rule file patterns, %d remote_write targets, %d auth tokens, %d SLOs%s\n",
				file, len(pc.ScrapeConfigs), len(pc.RuleFiles), len(pc.RemoteWriteConfigs), len(c.Server.Auth.Tokens), len(c.SLOs), extra)
			return nil
		},
	}
	check.Flags().StringVar(&file, "config", "", "config file to check")
	cmd.AddCommand(check)
	return cmd
}
