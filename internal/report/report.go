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
// tables' numerical columns (sorts them, drops missing values).
func Compare(ref, cur *dataset.Table, opts Options) (*Report, error) {
	if opts.DriftShare == 0 {
		opts.DriftShare = drift.DefaultDriftShare
	}
	if err := sameColumns(ref, cur); err != nil {
		return nil, err
	}
	results := make([]drift.Result, len(ref.Columns))
	errs := make([]error, len(ref.Columns))
	var hists []Histogram
	if opts.Histograms {
		hists = make([]Histogram, len(ref.Columns))
	}
	var done atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, rc := range ref.Columns {
		cc := cur.Column(rc.Name)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			col := toDriftColumn(rc, cc)
			method := opts.Method
			if method != "" && !drift.Applies(method, col.Type) {
				method = ""
			}
			if hists != nil {
				hists[i] = histogram(col, rc, cc)
			}
			results[i], errs[i] = drift.Test(col, method, thresholdFor(method, opts.Threshold))
			if opts.Progress != nil {
				opts.Progress(int(done.Add(1)), len(ref.Columns))
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("%s vs %s: %w", ref.Path, cur.Path, errs[i])
		}
	}
	if opts.FDR {
		drift.AdjustFDR(results)
	}
	s := drift.Summarize(results, opts.DriftShare)
	return &Report{
		ReferenceRows: ref.Rows, CurrentRows: cur.Rows,
		DatasetDrift: s.DatasetDrift, DriftShare: s.DriftShare,
		DriftedColumns: s.DriftedColumns, ColumnsTotal: s.Columns,
		Columns:       results,
		ReferencePath: ref.Path, CurrentPath: cur.Path,
		DatasetDriftShare: opts.DriftShare,
		Histograms:        hists,
	}, nil
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
	c.RefCat, c.CurCat = rc.Values(), cc.Values()
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
