// Package report compares a current dataset with a reference dataset column
// by column and renders the result (JSON, a text table or a self-contained
// HTML page) for `mlre drift`.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"text/tabwriter"

	"github.com/mlre-dev/mlre/internal/dataset"
	"github.com/mlre-dev/mlre/internal/drift"
	"github.com/mlre-dev/mlre/internal/stats"
)

// Options choose methods and thresholds.
type Options struct {
	// Method forces one method on every column it applies to; "" picks
	// Evidently's default per column.
	Method string
	// Threshold overrides the method's default threshold when not nil.
	Threshold *float64
	// DriftShare is the share of drifted columns at which the dataset
	// drifts (default drift.DefaultDriftShare).
	DriftShare float64
	// FDR adjusts the p-values of test methods across columns with
	// Benjamini–Hochberg before deciding drift.
	FDR bool
	// Histograms computes each column's reference and current
	// distributions (Report.Histograms) for the HTML report.
	Histograms bool
	// Progress, when set, is called after each column is compared with the
	// number of columns done and the total. Columns are compared in
	// parallel, so it may be called from several goroutines at once.
	Progress func(done, total int)
}

// Report is the JSON document `mlre drift --format json` prints.
type Report struct {
	ReferenceRows  int            `json:"reference_rows"`
	CurrentRows    int            `json:"current_rows"`
	DatasetDrift   bool           `json:"dataset_drift"`
	DriftShare     float64        `json:"drift_share"`
	DriftedColumns int            `json:"drifted_columns"`
	ColumnsTotal   int            `json:"columns_total"`
	Columns        []drift.Result `json:"columns"`
	// IgnoredColumns are the current file's columns that a reference
	// profile has no feature for (CompareProfile), so were not compared.
	IgnoredColumns []string `json:"ignored_columns,omitempty"`

	// The rest is for the HTML report, not part of the JSON document.

	// ReferencePath and CurrentPath name the files compared.
	ReferencePath, CurrentPath string `json:"-"`
	// DatasetDriftShare is the share of drifted columns at which the
	// dataset drifts (Options.DriftShare).
	DatasetDriftShare float64 `json:"-"`
	// Histograms holds each column's distributions, in the order of
	// Columns, when Options.Histograms is set.
	Histograms []Histogram `json:"-"`
}

// Compare runs drift on every column of ref that cur also has. The two
// files must have the same columns with the same types. It reorders the
// tables' numerical columns (sorts them, drops missing values) and releases
// each column's values once the column is compared.
func Compare(ref, cur *dataset.Table, opts Options) (*Report, error) {
	return ComparePasses([][]string{nil}, func([]string, bool) (*dataset.Table, *dataset.Table, error) {
		return ref, cur, nil
	}, opts)
}

// Loader reads the reference and the current table with the values of the
// named columns only, the others Skipped (dataset.Options.Columns); nil
// names every column. later is set for the passes after the first, which
// may count on the first pass having checked the files' shape
// (dataset.Options.RowPrefix).
type Loader func(columns []string, later bool) (ref, cur *dataset.Table, err error)

// ComparePasses is Compare on tables that load reads in passes, one for
// each element of passes, which names the columns whose values that pass
// reads (nil: all). Every column must be read by one pass; each pass's
// tables are dropped, and the memory they held collected, before the next
// pass loads, so only one pass's columns are in memory at a time. The
// report is the one Compare makes of tables with every column.
//
// A pass checks only its own columns' values, so when a pass fails to load
// and there are several, the tables are loaded again with every column
// (load(nil, false)) and that error is returned: the first error in each file, as
// a single read reports it.
func ComparePasses(passes [][]string, load Loader, opts Options) (*Report, error) {
	if opts.DriftShare == 0 {
		opts.DriftShare = drift.DefaultDriftShare
	}
	var (
		rep     *Report
		columns []string // the first pass's columns, in order
		errs    []error
		done    atomic.Int64
	)
	for p, cols := range passes {
		if p > 0 {
			// The previous pass's columns are garbage now: collect them so
			// that this pass reuses their memory instead of adding to it.
			runtime.GC()
		}
		ref, cur, err := load(cols, p > 0)
		if err != nil {
			if len(passes) > 1 {
				runtime.GC()
				if _, _, err2 := load(nil, false); err2 != nil {
					err = err2
				}
			}
			return nil, err
		}
		if err := sameColumns(ref, cur); err != nil {
			return nil, err
		}
		if p == 0 {
			rep = &Report{
				ReferenceRows: ref.Rows, CurrentRows: cur.Rows,
				Columns:       make([]drift.Result, len(ref.Columns)),
				ReferencePath: ref.Path, CurrentPath: cur.Path,
				DatasetDriftShare: opts.DriftShare,
			}
			for _, c := range ref.Columns {
				columns = append(columns, c.Name)
			}
			errs = make([]error, len(ref.Columns))
			if opts.Histograms {
				rep.Histograms = make([]Histogram, len(ref.Columns))
			}
		} else if err := samePass(rep, columns, ref, cur); err != nil {
			return nil, err
		}
		compareColumns(ref, cur, opts, rep, errs, &done)
	}
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("%s vs %s: %w", rep.ReferencePath, rep.CurrentPath, err)
		}
		if rep.Columns[i].Name == "" {
			return nil, fmt.Errorf("%s vs %s: column %q was read by no pass", rep.ReferencePath, rep.CurrentPath, columns[i])
		}
	}
	if opts.FDR {
		drift.AdjustFDR(rep.Columns)
	}
	s := drift.Summarize(rep.Columns, opts.DriftShare)
	rep.DatasetDrift, rep.DriftShare = s.DatasetDrift, s.DriftShare
	rep.DriftedColumns, rep.ColumnsTotal = s.DriftedColumns, s.Columns
	return rep, nil
}

// samePass checks that a later pass read the files the first pass read.
func samePass(rep *Report, columns []string, ref, cur *dataset.Table) error {
	if ref.Rows != rep.ReferenceRows || cur.Rows != rep.CurrentRows || len(ref.Columns) != len(columns) {
		return fmt.Errorf("%s vs %s: the files changed between the passes that read them", rep.ReferencePath, rep.CurrentPath)
	}
	for i, c := range ref.Columns {
		if c.Name != columns[i] {
			return fmt.Errorf("%s vs %s: the files changed between the passes that read them", rep.ReferencePath, rep.CurrentPath)
		}
	}
	return nil
}

// compareColumns compares the columns of ref whose values were read (not
// Skipped), in parallel, into rep.Columns, errs and rep.Histograms at the
// columns' indexes, and releases their values.
func compareColumns(ref, cur *dataset.Table, opts Options, rep *Report, errs []error, done *atomic.Int64) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, rc := range ref.Columns {
		cc := cur.Column(rc.Name)
		if rc.Skipped || cc.Skipped {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			col := toDriftColumn(rc, cc)
			method := opts.Method
			if method != "" && !drift.Applies(method, col.Type) {
				method = ""
			}
			if rep.Histograms != nil {
				rep.Histograms[i] = histogram(col, rc, cc)
			}
			rep.Columns[i], errs[i] = drift.Test(col, method, thresholdFor(method, opts.Threshold))
			release(rc)
			release(cc)
			if opts.Progress != nil {
				opts.Progress(int(done.Add(1)), len(ref.Columns))
			}
		}()
	}
	wg.Wait()
}

// release drops a compared column's values, so that the garbage collector
// can reuse their memory for the columns still to compare.
func release(c *dataset.Column) {
	c.Num, c.Codes, c.Levels = nil, nil, nil
}

// thresholdFor applies a user threshold only to an explicitly chosen method:
// a p-value threshold means nothing to a distance, and vice versa.
func thresholdFor(method string, th *float64) *float64 {
	if method == "" {
		return nil
	}
	return th
}

func sameColumns(ref, cur *dataset.Table) error {
	for _, rc := range ref.Columns {
		cc := cur.Column(rc.Name)
		if cc == nil {
			return &dataset.Error{Path: cur.Path, Column: rc.Name, Err: fmt.Errorf("the column is in %s but not here", ref.Path)}
		}
		if cc.Type != rc.Type {
			return &dataset.Error{Path: cur.Path, Column: rc.Name, Err: fmt.Errorf(
				"the column is %s here but %s in %s; make them agree with --schema", typeName(cc.Type), typeName(rc.Type), ref.Path)}
		}
	}
	for _, cc := range cur.Columns {
		if ref.Column(cc.Name) == nil {
			return &dataset.Error{Path: ref.Path, Column: cc.Name, Err: fmt.Errorf("the column is in %s but not here", cur.Path)}
		}
	}
	return nil
}

func typeName(t dataset.Type) string {
	if t == dataset.Numerical {
		return "numerical"
	}
	return "categorical"
}

// toDriftColumn drops missing and infinite values, as Evidently does, and
// sorts numerical values. It reuses (and reorders) the tables' storage.
// Categorical values go as counts of each level.
func toDriftColumn(rc, cc *dataset.Column) *drift.Column {
	c := &drift.Column{Name: rc.Name}
	if rc.Type == dataset.Numerical {
		c.Type = drift.Numerical
		c.Ref, c.Cur = finite(rc.Num), finite(cc.Num)
		stats.SortFloat64s(c.Ref)
		stats.SortFloat64s(c.Cur)
		c.Sorted = true
		return c
	}
	c.Type = drift.Categorical
	c.Levels = slices.Clone(rc.Levels)
	idx := make(map[string]int, len(rc.Levels)+len(cc.Levels))
	for i, l := range rc.Levels {
		idx[l] = i
	}
	curLevel := make([]int, len(cc.Levels)) // cc's codes to c.Levels
	for k, l := range cc.Levels {
		i, ok := idx[l]
		if !ok {
			i = len(c.Levels)
			idx[l] = i
			c.Levels = append(c.Levels, l)
		}
		curLevel[k] = i
	}
	c.RefCounts, c.CurCounts = make([]int, len(c.Levels)), make([]int, len(c.Levels))
	for _, k := range rc.Codes {
		c.RefCounts[k]++
	}
	for _, k := range cc.Codes {
		c.CurCounts[curLevel[k]]++
	}
	return c
}

// finite filters xs in place.
func finite(xs []float64) []float64 {
	out := xs[:0]
	for _, v := range xs {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out = append(out, v)
		}
	}
	return out
}

// WriteJSON writes r as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes r as a text table, the summary first.
func WriteTable(w io.Writer, r *Report) error {
	verdict := "no dataset drift"
	if r.DatasetDrift {
		verdict = "DATASET DRIFT"
	}
	fmt.Fprintf(w, "%s: %d of %d columns drifted (share %.3f); reference %d rows, current %d rows\n\n",
		verdict, r.DriftedColumns, r.ColumnsTotal, r.DriftShare, r.ReferenceRows, r.CurrentRows)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COLUMN\tTYPE\tMETHOD\tSTATISTIC\tP-VALUE\tTHRESHOLD\tDRIFT")
	for _, c := range r.Columns {
		p := "-"
		if c.PValue != nil {
			p = fmtNum(*c.PValue)
		}
		d := "no"
		if c.Drift {
			d = "YES"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Type, c.Method, fmtNum(c.Statistic), p, fmtNum(c.Threshold), d)
	}
	return tw.Flush()
}

func fmtNum(v float64) string {
	if v != 0 && (math.Abs(v) < 1e-4 || math.Abs(v) >= 1e6) {
		return strconv.FormatFloat(v, 'e', 3, 64)
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}
