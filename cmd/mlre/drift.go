package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"
	"golang.org/x/term"

	"github.com/mlre-dev/mlre/internal/dataset"
	"github.com/mlre-dev/mlre/internal/drift"
	"github.com/mlre-dev/mlre/internal/monitor"
	"github.com/mlre-dev/mlre/internal/report"
)

func newDriftCmd() *cobra.Command {
	var (
		refPath, curPath, schemaPath, method, format, output string
		threshold, share                                     float64
		fdr, progress                                        bool
	)
	cmd := &cobra.Command{
		Use:   "drift",
		Short: "Compare a current dataset with a reference dataset, column by column",
		Long: `Compare a current data file with a reference data file column by column
and decide whether the data has drifted, with the methods and thresholds
Evidently uses by default (see docs/statistics.md):

  <= 1000 reference rows: ks for numerical columns (> 5 distinct values),
                          else chisquare (> 2 values) or z
  >  1000 reference rows: wasserstein (normed) for numerical columns
                          (> 5 distinct values), else jensenshannon

The dataset drifts when the share of drifted columns reaches --drift-share.

Input formats, chosen by each file's extension (case-insensitive; the two
files may differ):

  .csv               CSV with a header row; types inferred from the first
                     10000 rows, missing values as pandas' defaults (NA, ...)
  .parquet, .pq      Parquet; the file's types (numbers are numerical,
                     strings and booleans categorical), nulls missing;
                     nested and repeated columns are not supported
  .jsonl, .ndjson    JSON Lines, one flat object per line; numbers are
                     numerical, strings and booleans categorical, null or
                     an absent key missing

--schema forces column types in any format.

The reference may instead be a profile saved by mlre profile (recognised by
its content, or a .mlreprofile name), so that a CI gate need not read the
reference data again. The current file's columns are then compared with the
profile's features (other columns are listed, not compared), with the types
the profile has, and drift is computed from the profile as mlre serve does:
exact while the profile holds every value (up to 1000) or counts every
distinct value (up to 100), from its quantile sketch and histogram beyond,
where results can differ slightly from a run on the data (docs/statistics.md).

Two CSV files larger than 256 MiB together are read twice, half of the
numerical columns each time, so that only half of the numbers are in memory
at once; they must not change in between.

Output formats (--format): table (text, the default), json, or html: one
self-contained page (inline CSS and SVG, no scripts) with the summary, the
table and a histogram of reference against current for every column.

Progress goes to stderr when it is a terminal; --progress forces it on,
--progress=false off.

Exit status: 0 no dataset drift, 1 dataset drift, 2 error (bad file, bad
schema, a column missing from one file; the message names the file, the row
or line, and the column).`,
		Example: `  mlre drift --reference train.csv --current today.csv
  mlre drift --reference train.parquet --current today.jsonl
  mlre drift --reference train.csv --current today.csv --format json --output drift.json
  mlre drift --reference train.parquet --current today.parquet --format html --output drift.html
  mlre drift --reference ref.csv --current cur.csv --method psi --threshold 0.2
  mlre profile --reference train.parquet -o train.mlreprofile
  mlre drift --reference train.mlreprofile --current today.parquet`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if refPath == "" || curPath == "" {
				return usageErr("drift needs --reference FILE and --current FILE")
			}
			if !slices.Contains([]string{"table", "json", "html"}, format) {
				return usageErr("--format %q: use table, json or html", format)
			}
			if method != "" && !slices.Contains(drift.Methods(), method) {
				return usageErr("--method %q: use one of %v", method, drift.Methods())
			}
			if share <= 0 || share > 1 {
				return usageErr("--drift-share %g: use a share in (0, 1]", share)
			}
			opts := report.Options{Method: method, DriftShare: share, FDR: fdr, Histograms: format == "html"}
			if cmd.Flags().Changed("threshold") {
				if method == "" {
					return usageErr("--threshold needs --method: thresholds differ between p-value tests and distances")
				}
				opts.Threshold = &threshold
			}
			if monitor.IsReferenceProfile(refPath) {
				rep, err := compareWithProfile(cmd, refPath, curPath, schemaPath, opts)
				if err != nil {
					return err
				}
				return writeDriftReport(cmd, rep, format, output)
			}
			if os.Getenv("GOGC") == "" {
				// The columns are most of the heap, allocated once and live
				// until compared: a lower GC target keeps the garbage around
				// them small. (With the columns sized up front and large CSV
				// files read in two passes, it no longer changes the peak
				// much: 517-546 MiB either way on the files.)
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
			show := isTerminal(cmd.ErrOrStderr())
			if cmd.Flags().Changed("progress") {
				show = progress
			}
			passes := planPasses(refPath, curPath, ro)
			refOpts, curOpts := ro, ro
			stopProgress := func() {}
			if show {
				p := report.NewProgress(cmd.ErrOrStderr(), 200*time.Millisecond)
				refOpts.Progress = p.File("reference", fileSize(refPath))
				curOpts.Progress = p.File("current", fileSize(curPath))
				p.Passes(len(passes))
				opts.Progress = p.Columns
				p.Start()
				stopProgress = p.Stop
			}
			defer stopProgress()
			var stamps []fileStamp // the files as the first pass found them
			load := func(cols []string, later bool) (ref, cur *dataset.Table, err error) {
				now := []fileStamp{stampOf(refPath), stampOf(curPath)}
				if !later {
					stamps = now
				} else if !slices.Equal(now, stamps) {
					return nil, nil, errors.New("the files changed while mlre drift read them; run it again")
				}
				refOpts.Columns, curOpts.Columns = cols, cols
				refOpts.RowPrefix, curOpts.RowPrefix = later, later
				errs := make(chan error, 2)
				go func() { var err error; ref, err = dataset.ReadFile(refPath, refOpts); errs <- err }()
				go func() { var err error; cur, err = dataset.ReadFile(curPath, curOpts); errs <- err }()
				return ref, cur, errors.Join(<-errs, <-errs)
			}
			rep, err := report.ComparePasses(passes, load, opts)
			stopProgress() // clear the line before the report goes out
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			return writeDriftReport(cmd, rep, format, output)
		},
	}
	f := cmd.Flags()
	f.StringVar(&refPath, "reference", "", "reference file, .csv, .parquet/.pq or .jsonl/.ndjson (the data the model was trained or validated on), or a profile of it saved by mlre profile")
	f.StringVar(&curPath, "current", "", "current file, .csv, .parquet/.pq or .jsonl/.ndjson (the data to check)")
	f.StringVar(&schemaPath, "schema", "", "YAML file with 'numerical: [cols]' and 'categorical: [cols]' to override inferred types")
	f.StringVar(&method, "method", "", "force one method on every column it applies to: "+fmt.Sprint(drift.Methods()))
	f.Float64Var(&threshold, "threshold", 0, "threshold for --method (default: the method's own)")
	f.Float64Var(&share, "drift-share", drift.DefaultDriftShare, "share of drifted columns at which the dataset drifts")
	f.BoolVar(&fdr, "fdr", false, "control the false discovery rate across columns: decide p-value tests on Benjamini-Hochberg adjusted p-values")
	f.StringVar(&format, "format", "table", "output format: table, json or html")
	f.BoolVar(&progress, "progress", false, "show progress on stderr (default: on when stderr is a terminal; --progress=false turns it off)")
	f.StringVar(&output, "output", "", "write the report to this file instead of stdout")
	return cmd
}

// writeDriftReport writes rep in format to --output or stdout, and turns
// dataset drift into exit status 1.
func writeDriftReport(cmd *cobra.Command, rep *report.Report, format, output string) error {
	var buf bytes.Buffer
	var err error
	switch format {
	case "json":
		err = report.WriteJSON(&buf, rep)
	case "html":
		err = report.WriteHTML(&buf, rep)
	default:
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
}

// passesOver is the combined size of two CSV files above which mlre drift
// reads them in two passes, half of the numerical columns in each: the
// numbers parsed are most of the memory it needs, and reading the text a
// second time costs much less than parsing it. Tests lower it.
var passesOver int64 = 256 << 20

// planPasses returns the columns each pass over the files reads: two
// passes for large CSV files whose first rows show the same columns with
// the same types, else one pass of every column ([][]string{nil}), which
// also reports any problem with the files. The first pass reads the
// categorical columns and the numerical ones in the second half of the
// rows, checking every row; the second reads the numerical columns at the
// start of the rows and stops each row after the last of them
// (dataset.Options.RowPrefix).
func planPasses(refPath, curPath string, opts dataset.Options) [][]string {
	one := [][]string{nil}
	isCSV := func(p string) bool { return strings.EqualFold(filepath.Ext(p), ".csv") }
	if !isCSV(refPath) || !isCSV(curPath) || fileSize(refPath)+fileSize(curPath) <= passesOver {
		return one
	}
	ref, err := dataset.ReadCSVSchema(refPath, opts)
	if err != nil {
		return one
	}
	cur, err := dataset.ReadCSVSchema(curPath, opts)
	if err != nil || len(cur) != len(ref) {
		return one
	}
	types := map[string]dataset.Type{}
	for _, c := range cur {
		types[c.Name] = c.Type
	}
	var nums []string
	for _, c := range ref {
		if types[c.Name] != c.Type {
			return one
		}
		if c.Type == dataset.Numerical {
			nums = append(nums, c.Name)
		}
	}
	if len(nums) < 2 {
		return one
	}
	second := nums[:len(nums)/2]
	var first []string
	for _, c := range ref {
		if !slices.Contains(second, c.Name) {
			first = append(first, c.Name)
		}
	}
	return [][]string{first, second}
}

// fileStamp is what tells that a file changed: its size and time.
type fileStamp struct {
	size, modNanos int64
}

func stampOf(path string) fileStamp {
	st, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{st.Size(), st.ModTime().UnixNano()}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// fileSize is path's size for the progress display, or 0.
func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
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
