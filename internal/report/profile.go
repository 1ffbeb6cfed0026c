package report

import (
	"fmt"
	"slices"

	"github.com/mlre-dev/mlre/internal/dataset"
	"github.com/mlre-dev/mlre/internal/drift"
	"github.com/mlre-dev/mlre/internal/profile"
)

// CompareProfile runs drift on each of features between a reference
// profile (saved by `mlre profile`, read from refPath) and the current
// table, as `mlre serve` measures a model's window against its reference:
// the current table is profiled on the reference's schema and histogram
// edges, and profile.Drift tests the two profiles. The result equals
// Compare on the reference data while the profiles hold every value (or
// count every distinct value), and is approximate otherwise (see
// profile.Drift and docs/statistics.md).
//
// cur must have a column for each feature (numerical for a numerical one);
// its other columns are not compared and are listed in
// Report.IgnoredColumns.
func CompareProfile(ref *profile.Profile, refPath string, features []string, cur *dataset.Table, opts Options) (*Report, error) {
	if opts.DriftShare == 0 {
		opts.DriftShare = drift.DefaultDriftShare
	}
	schema := make([]profile.Feature, len(features))
	edges := map[string][]float64{}
	refEdges := ref.Edges()
	for i, name := range features {
		kind, ok := ref.Kinds[name]
		if !ok {
			return nil, fmt.Errorf("%s: the profile has no feature %q", refPath, name)
		}
		schema[i] = profile.Feature{Name: name, Kind: kind}
		if e, ok := refEdges[name]; ok {
			edges[name] = e
		}
		cc := cur.Column(name)
		switch {
		case cc == nil:
			return nil, &dataset.Error{Path: cur.Path, Column: name, Err: fmt.Errorf("the column is in the reference profile %s but not here", refPath)}
		case kind == profile.KindNumerical && cc.Type != dataset.Numerical:
			return nil, &dataset.Error{Path: cur.Path, Column: name, Err: fmt.Errorf("the column holds text here but is numerical in the reference profile %s", refPath)}
		}
	}
	curP := profile.New(schema, edges)
	if err := curP.AddTable(cur); err != nil {
		return nil, err
	}
	results := make([]drift.Result, len(features))
	var hists []Histogram
	if opts.Histograms {
		hists = make([]Histogram, len(features))
	}
	for i, f := range schema {
		t := drift.Categorical
		if f.Kind == profile.KindNumerical {
			t = drift.Numerical
		}
		method := opts.Method
		if method != "" && !drift.Applies(method, t) {
			method = ""
		}
		r, err := profile.Drift(ref, curP, f.Name, method, thresholdFor(method, opts.Threshold))
		if err != nil {
			return nil, fmt.Errorf("%s vs %s: %w", refPath, cur.Path, err)
		}
		results[i] = r
		if hists != nil {
			hists[i] = profileHistogram(ref, curP, f)
		}
		if opts.Progress != nil {
			opts.Progress(i+1, len(features))
		}
	}
	var ignored []string
	for _, c := range cur.Columns {
		if !slices.Contains(features, c.Name) {
			ignored = append(ignored, c.Name)
		}
	}
	if opts.FDR {
		drift.AdjustFDR(results)
	}
	s := drift.Summarize(results, opts.DriftShare)
	return &Report{
		ReferenceRows: int(ref.Rows), CurrentRows: cur.Rows,
		DatasetDrift: s.DatasetDrift, DriftShare: s.DriftShare,
		DriftedColumns: s.DriftedColumns, ColumnsTotal: s.Columns,
		Columns:        results,
		IgnoredColumns: ignored,
		ReferencePath:  refPath, CurrentPath: cur.Path,
		DatasetDriftShare: opts.DriftShare,
		Histograms:        hists,
	}, nil
}

// profileHistogram is a feature's chart from two profiles: numerical
// features on the reference's histogram edges (plus a bin below and one
// above them when values fell there), categorical ones from the level
// counts.
func profileHistogram(ref, cur *profile.Profile, f profile.Feature) Histogram {
	if f.Kind != profile.KindNumerical {
		r, c := ref.Cat[f.Name], cur.Cat[f.Name]
		return catShares(intCounts(r.Counts), intCounts(c.Counts), int(r.Count), int(c.Count), int(r.Other), int(c.Other))
	}
	r, c := ref.Num[f.Name], cur.Num[f.Name]
	h := Histogram{RefN: int(r.Count), CurN: int(c.Count)}
	k := len(r.Edges)
	if k < 2 || !slices.Equal(r.Edges, c.Edges) || len(r.Bins) != k+1 || len(c.Bins) != k+1 {
		return h // no histogram: charted as "no values"
	}
	h.Edges = slices.Clone(r.Edges)
	rb, cb := slices.Clone(r.Bins[1:k]), slices.Clone(c.Bins[1:k])
	if r.Bins[0]+c.Bins[0] > 0 {
		lo := c.Min
		if r.Bins[0] > 0 {
			lo = min(lo, r.Min)
		}
		h.Edges = slices.Insert(h.Edges, 0, lo)
		rb, cb = slices.Insert(rb, 0, r.Bins[0]), slices.Insert(cb, 0, c.Bins[0])
	}
	if r.Bins[k]+c.Bins[k] > 0 {
		h.Edges = append(h.Edges, max(r.Max, c.Max))
		rb, cb = append(rb, r.Bins[k]), append(cb, c.Bins[k])
	}
	h.Ref, h.Cur = make([]float64, len(rb)), make([]float64, len(cb))
	for i := range rb {
		h.Ref[i] = share(int(rb[i]), h.RefN)
		h.Cur[i] = share(int(cb[i]), h.CurN)
	}
	return h
}

func intCounts(in map[string]int64) map[string]int {
	out := make(map[string]int, len(in))
	for k, v := range in {
		out[k] = int(v)
	}
	return out
}
