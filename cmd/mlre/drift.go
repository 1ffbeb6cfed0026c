package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/mlre-dev/mlre/internal/dataset"
	"github.com/mlre-dev/mlre/internal/drift"
	"github.com/mlre-dev/mlre/internal/report"
)

func newDriftCmd() *cobra.Command {
	var (
		refPath, curPath, schemaPath, method, format, output string
		threshold, share                                     float64
		fdr                                                  bool
	)
	cmd := &cobra.Command{
		Use:   "drift",
		Short: "Compare a current dataset with a reference dataset, column by column",
		Long: `Compare a current CSV file with a reference CSV file column by column and
decide whether the data has drifted, with the methods and thresholds Evidently
uses by default (see docs/statistics.md):

  <= 1000 reference rows: ks for numerical columns (> 5 distinct values),
                          else chisquare (> 2 values) or z
  >  1000 reference rows: wasserstein (normed) for numerical columns
                          (> 5 distinct values), else jensenshannon

The dataset drifts when the share of drifted columns reaches --drift-share.

Exit status: 0 no dataset drift, 1 dataset drift, 2 error (bad file, bad
schema, a column missing from one file; the message names file, row and column).`,
		Example: `  mlre drift --reference train.csv --current today.csv
  mlre drift --reference train.csv --current today.csv --format json --output drift.json
  mlre drift --reference ref.csv --current cur.csv --method psi --threshold 0.2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if refPath == "" || curPath == "" {
				return usageErr("drift needs --reference FILE and --current FILE")
			}
			if format != "table" && format != "json" {
				return usageErr("--format %q: use table or json", format)
			}
			if method != "" && !slices.Contains(drift.Methods(), method) {
				return usageErr("--method %q: use one of %v", method, drift.Methods())
			}
			if share <= 0 || share > 1 {
				return usageErr("--drift-share %g: use a share in (0, 1]", share)
			}
			opts := report.Options{Method: method, DriftShare: share, FDR: fdr}
			if cmd.Flags().Changed("threshold") {
				if method == "" {
					return usageErr("--threshold needs --method: thresholds differ between p-value tests and distances")
				}
				opts.Threshold = &threshold
			}
			if os.Getenv("GOGC") == "" {
				// The columns are most of the heap and live to the end: a lower
				// GC target trades a little CPU for about 20% less peak memory.
				debug.SetGCPercent(25)
			}
			var ro dataset.Options
			if schemaPath != "" {
				types, err := loadSchema(schemaPath)
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				ro.Types = types
			}
			var ref, cur *dataset.Table
			errs := make(chan error, 2)
			go func() { var err error; ref, err = readTable(refPath, ro); errs <- err }()
			go func() { var err error; cur, err = readTable(curPath, ro); errs <- err }()
			if err := errors.Join(<-errs, <-errs); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			rep, err := report.Compare(ref, cur, opts)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			var buf bytes.Buffer
			if format == "json" {
				err = report.WriteJSON(&buf, rep)
			} else {
				err = report.WriteTable(&buf, rep)
			}
			if err != nil {
				return err
			}
			var w io.Writer = cmd.OutOrStdout()
			if output != "" {
				if err := os.WriteFile(output, buf.Bytes(), 0o644); err != nil {
					return &exitError{code: exitUsage, err: fmt.Errorf("writing --output: %w", err)}
				}
			} else if _, err := w.Write(buf.Bytes()); err != nil {
				return err
			}
			if rep.DatasetDrift {
				return &exitError{code: exitFailure, err: fmt.Errorf("dataset drift: %d of %d columns drifted", rep.DriftedColumns, rep.ColumnsTotal)}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&refPath, "reference", "", "reference CSV file (the data the model was trained or validated on)")
	f.StringVar(&curPath, "current", "", "current CSV file (the data to check)")
	f.StringVar(&schemaPath, "schema", "", "YAML file with 'numerical: [cols]' and 'categorical: [cols]' to override inferred types")
	f.StringVar(&method, "method", "", "force one method on every column it applies to: "+fmt.Sprint(drift.Methods()))
	f.Float64Var(&threshold, "threshold", 0, "threshold for --method (default: the method's own)")
	f.Float64Var(&share, "drift-share", drift.DefaultDriftShare, "share of drifted columns at which the dataset drifts")
	f.BoolVar(&fdr, "fdr", false, "control the false discovery rate across columns: decide p-value tests on Benjamini-Hochberg adjusted p-values")
	f.StringVar(&format, "format", "table", "output format: table or json")
	f.StringVar(&output, "output", "", "write the report to this file instead of stdout")
	return cmd
}

func readTable(path string, opts dataset.Options) (*dataset.Table, error) {
	return dataset.ReadCSVFile(path, opts)
}

func loadSchema(path string) (map[string]dataset.Type, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--schema: %w", err)
	}
	var s struct {
		Numerical   []string `yaml:"numerical"`
		Categorical []string `yaml:"categorical"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("--schema %s: %w", path, err)
	}
	types := map[string]dataset.Type{}
	for _, c := range s.Numerical {
		types[c] = dataset.Numerical
	}
	for _, c := range s.Categorical {
		if types[c] != "" {
			return nil, fmt.Errorf("--schema %s: column %q is listed as both numerical and categorical", path, c)
		}
		types[c] = dataset.Categorical
	}
	return types, nil
}
