// Package drift decides, column by column, whether current data has drifted
// from reference data, choosing methods and thresholds as Evidently does so
// that its users see the same numbers. It is pure: columns in, results out.
package drift

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/mlre-dev/mlre/internal/stats"
)

// Type is a column's kind.
type Type string

// Column kinds.
const (
	Numerical   Type = "num"
	Categorical Type = "cat"
)

// Method names, as Evidently names its stattests.
const (
	KS            = "ks"
	Wasserstein   = "wasserstein"
	PSI           = "psi"
	JensenShannon = "jensenshannon"
	ChiSquare     = "chisquare"
	Z             = "z"
	Hellinger     = "hellinger"
)

// method describes how a method decides drift.
type method struct {
	threshold float64
	pValue    bool // the score is a p-value: drift when small
	inclusive bool // drift at p <= threshold (KS) rather than p < threshold
	types     []Type
}

var methods = map[string]method{
	KS:            {threshold: 0.05, pValue: true, inclusive: true, types: []Type{Numerical}},
	ChiSquare:     {threshold: 0.05, pValue: true, types: []Type{Categorical}},
	Z:             {threshold: 0.05, pValue: true, types: []Type{Categorical}},
	Wasserstein:   {threshold: 0.1, types: []Type{Numerical}},
	PSI:           {threshold: 0.1, types: []Type{Categorical, Numerical}},
	JensenShannon: {threshold: 0.1, types: []Type{Categorical, Numerical}},
	Hellinger:     {threshold: 0.1, types: []Type{Categorical, Numerical}},
}

// rejects says whether p-value p means drift at threshold.
func (m method) rejects(p, threshold float64) bool {
	return p < threshold || (m.inclusive && p == threshold)
}

// AdjustFDR controls the false discovery rate across the columns tested
// with p-value methods: it sets each one's Benjamini–Hochberg adjusted
// p-value and decides drift on it. Distance methods are left as they are.
func AdjustFDR(results []Result) {
	var idx []int
	var ps []float64
	for i, r := range results {
		if r.PValue != nil {
			idx = append(idx, i)
			ps = append(ps, *r.PValue)
		}
	}
	for k, q := range stats.BenjaminiHochberg(ps) {
		r := &results[idx[k]]
		q := q
		r.PValueAdjusted = &q
		r.Drift = methods[r.Method].rejects(q, r.Threshold)
	}
}

// Methods lists the method names.
func Methods() []string {
	names := make([]string, 0, len(methods))
	for n := range methods {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// DefaultThreshold is Evidently's default threshold for a method.
func DefaultThreshold(name string) (float64, bool) {
	m, ok := methods[name]
	return m.threshold, ok
}

// Column is one column of reference and current data. Numerical columns use
// Ref/Cur; categorical columns use RefCat/CurCat. Missing values (NaN, ±Inf,
// empty categories) must already be removed, as Evidently drops them.
type Column struct {
	Name           string
	Type           Type
	Ref, Cur       []float64
	RefCat, CurCat []string
	// Levels, RefCounts and CurCounts may stand for RefCat and CurCat, with
	// the same results and less work on large samples: Levels are distinct
	// values, and RefCounts[i] and CurCounts[i] count Levels[i] in each
	// sample (0 when it does not occur). They are used when Levels is not
	// nil.
	Levels               []string
	RefCounts, CurCounts []int
	// Sorted says Ref and Cur are sorted ascending, which spares copies
	// and sorts on large data.
	Sorted bool
}

// Result is the outcome for one column. For tests (ks, chisquare, z),
// Statistic is the test statistic and PValue decides drift; for distances
// PValue is nil and Statistic decides drift.
type Result struct {
	Name      string   `json:"name"`
	Type      Type     `json:"type"`
	Method    string   `json:"method"`
	Statistic float64  `json:"statistic"`
	PValue    *float64 `json:"p_value"`
	// PValueAdjusted is the Benjamini–Hochberg adjusted p-value, set by
	// AdjustFDR; when set it decides drift.
	PValueAdjusted *float64 `json:"p_value_adjusted,omitempty"`
	Threshold      float64  `json:"threshold"`
	Drift          bool     `json:"drift"`
}

// ErrNoData is returned for a column with no reference or no current values.
var ErrNoData = errors.New("no values")

// DefaultMethod is the method Evidently picks for a column: with at most 1000
// reference rows, KS for numerical columns with more than 5 distinct values,
// else chi-square (more than 2 distinct values) or the z-test; with more
// rows, normed Wasserstein for numerical columns with more than 5 distinct
// values, else Jensen–Shannon. Distinct values count both samples together.
func DefaultMethod(c *Column) string {
	n := c.distinct(6) // only "more than 5" and "more than 2" matter
	refRows := c.len(true)
	if refRows <= 1000 {
		switch {
		case c.Type == Numerical && n > 5:
			return KS
		case n > 2:
			return ChiSquare
		default:
			return Z
		}
	}
	if c.Type == Numerical && n > 5 {
		return Wasserstein
	}
	return JensenShannon
}

// Applies reports whether method may be named for columns of type t.
func Applies(method string, t Type) bool {
	m, ok := methods[method]
	return ok && slices.Contains(m.types, t)
}

// Test runs method on c (DefaultMethod when method is ""), with threshold
// (the method's default when nil).
func Test(c *Column, method string, threshold *float64) (Result, error) {
	if c.len(true) == 0 || c.len(false) == 0 {
		return Result{}, fmt.Errorf("column %s: %w in the reference or the current data", c.Name, ErrNoData)
	}
	chosen := method != ""
	if !chosen {
		method = DefaultMethod(c)
	}
	m, ok := methods[method]
	if !ok {
		return Result{}, fmt.Errorf("column %s: unknown method %q; use one of %v", c.Name, method, Methods())
	}
	// As in Evidently, a method named by the user must suit the column's
	// type; the defaults also use chisquare and z on numerical columns with
	// few distinct values.
	if chosen && !slices.Contains(m.types, c.Type) {
		return Result{}, fmt.Errorf("column %s: method %s does not apply to %s columns", c.Name, method, typeName(c.Type))
	}
	return c.run(method, threshold)
}

// run runs a known method without checking that it suits the column type.
func (c *Column) run(method string, threshold *float64) (Result, error) {
	m := methods[method]
	r := Result{Name: c.Name, Type: c.Type, Method: method, Threshold: m.threshold}
	if threshold != nil {
		r.Threshold = *threshold
	}
	stat, p, err := c.score(method)
	if err != nil {
		return Result{}, fmt.Errorf("column %s, method %s: %w", c.Name, method, err)
	}
	r.Statistic = stat
	switch {
	case m.pValue:
		r.PValue = &p
		r.Drift = m.rejects(p, r.Threshold)
	default:
		r.Drift = stat >= r.Threshold
	}
	return r, nil
}

func typeName(t Type) string {
	if t == Numerical {
		return "numerical"
	}
	return "categorical"
}

func (c *Column) len(ref bool) int {
	switch {
	case c.Type == Numerical && ref:
		return len(c.Ref)
	case c.Type == Numerical:
		return len(c.Cur)
	case c.Levels != nil && ref:
		return sum(c.RefCounts)
	case c.Levels != nil:
		return sum(c.CurCounts)
	case ref:
		return len(c.RefCat)
	default:
		return len(c.CurCat)
	}
}

func sum(ns []int) int {
	t := 0
	for _, n := range ns {
		t += n
	}
	return t
}

// score returns the method's statistic and, for tests, its p-value.
func (c *Column) score(method string) (stat, p float64, err error) {
	switch method {
	case KS:
		ks := stats.KS2Samp
		if c.Sorted {
			ks = stats.KS2SampSorted
		}
		r, err := ks(c.Ref, c.Cur)
		return r.Statistic, r.PValue, err
	case Wasserstein:
		var w float64
		var err error
		if c.Sorted {
			w = stats.WassersteinSorted(c.Ref, c.Cur)
		} else {
			w, err = stats.Wasserstein(c.Ref, c.Cur)
		}
		return w / math.Max(stats.Std(c.Ref), 0.001), 0, err
	case ChiSquare:
		_, ref, cur := c.counts()
		nRef, nCur := float64(c.len(true)), float64(c.len(false))
		exp := make([]float64, len(ref))
		for i := range ref {
			exp[i] = ref[i] * nCur / nRef
		}
		r, err := stats.ChiSquare(cur, exp)
		return r.Statistic, r.PValue, err
	case Z:
		r, err := c.zTest()
		return r.Statistic, r.PValue, err
	case PSI:
		ref, cur := c.binned()
		v, err := stats.PSI(ref, cur)
		return v, 0, err
	case JensenShannon:
		ref, cur := c.binned()
		v, err := stats.JensenShannon(ref, cur, 2)
		return v, 0, err
	case Hellinger:
		v, err := c.hellinger()
		return v, 0, err
	}
	return 0, 0, fmt.Errorf("unknown method %q", method)
}

// distinct counts distinct values over both samples, stopping at limit.
func (c *Column) distinct(limit int) int {
	if c.Type == Numerical {
		return distinctAtMost(limit, c.Sorted, c.Ref, c.Cur)
	}
	if c.Levels != nil {
		n := 0
		for i := range c.Levels {
			if c.RefCounts[i]+c.CurCounts[i] > 0 {
				n++
				if n >= limit {
					return limit
				}
			}
		}
		return n
	}
	seen := map[string]struct{}{}
	for _, s := range [][]string{c.RefCat, c.CurCat} {
		for _, v := range s {
			seen[v] = struct{}{}
			if len(seen) >= limit {
				return limit
			}
		}
	}
	return len(seen)
}

// distinctAtMost counts the distinct values of xs together, up to limit.
// Sorted samples are counted without a map.
func distinctAtMost(limit int, sorted bool, xs ...[]float64) int {
	if !sorted {
		seen := map[float64]struct{}{}
		for _, x := range xs {
			for _, v := range x {
				seen[v] = struct{}{}
				if len(seen) >= limit {
					return limit
				}
			}
		}
		return len(seen)
	}
	// Merge-walk the sorted samples.
	idx := make([]int, len(xs))
	n, prev, first := 0, 0.0, true
	for {
		best := -1
		for k, x := range xs {
			if idx[k] < len(x) && (best < 0 || x[idx[k]] < xs[best][idx[best]]) {
				best = k
			}
		}
		if best < 0 {
			return n
		}
		v := xs[best][idx[best]]
		idx[best]++
		if first || v != prev {
			n++
			if n >= limit {
				return limit
			}
			prev, first = v, false
		}
	}
}

func distinctFloats(xs ...[]float64) []float64 {
	seen := map[float64]struct{}{}
	for _, x := range xs {
		for _, v := range x {
			seen[v] = struct{}{}
		}
	}
	out := make([]float64, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// counts returns the sorted union of values and the count of each in the
// reference and current samples.
func (c *Column) counts() (keys []string, ref, cur []float64) {
	if c.Type == Numerical {
		vals := distinctFloats(c.Ref, c.Cur)
		idx := make(map[float64]int, len(vals))
		for i, v := range vals {
			idx[v] = i
			keys = append(keys, strconv.FormatFloat(v, 'g', -1, 64))
		}
		ref, cur = make([]float64, len(vals)), make([]float64, len(vals))
		for _, v := range c.Ref {
			ref[idx[v]]++
		}
		for _, v := range c.Cur {
			cur[idx[v]]++
		}
		return keys, ref, cur
	}
	if c.Levels != nil {
		order := make([]int, 0, len(c.Levels))
		for i := range c.Levels {
			if c.RefCounts[i]+c.CurCounts[i] > 0 {
				order = append(order, i)
			}
		}
		slices.SortFunc(order, func(a, b int) int { return strings.Compare(c.Levels[a], c.Levels[b]) })
		keys = make([]string, len(order))
		ref, cur = make([]float64, len(order)), make([]float64, len(order))
		for j, i := range order {
			keys[j], ref[j], cur[j] = c.Levels[i], float64(c.RefCounts[i]), float64(c.CurCounts[i])
		}
		return keys, ref, cur
	}
	idx := map[string]int{}
	for _, s := range [][]string{c.RefCat, c.CurCat} {
		for _, v := range s {
			if _, ok := idx[v]; !ok {
				idx[v] = 0
				keys = append(keys, v)
			}
		}
	}
	slices.Sort(keys)
	for i, k := range keys {
		idx[k] = i
	}
	ref, cur = make([]float64, len(keys)), make([]float64, len(keys))
	for _, v := range c.RefCat {
		ref[idx[v]]++
	}
	for _, v := range c.CurCat {
		cur[idx[v]]++
	}
	return keys, ref, cur
}

// binned returns the share of rows per bin as Evidently's get_binned_data:
// numerical columns with more than 20 distinct reference values go into
// Sturges bins over both samples; everything else is counted per value.
func (c *Column) binned() (ref, cur []float64) {
	if c.Type == Numerical && distinctAtMost(21, c.Sorted, c.Ref) > 20 {
		lo, hi := stats.MinMax(c.Ref, c.Cur)
		edges := stats.BinEdges(lo, hi, stats.SturgesBins(len(c.Ref)+len(c.Cur), lo, hi))
		ref, cur = stats.Histogram(c.Ref, edges), stats.Histogram(c.Cur, edges)
	} else {
		_, ref, cur = c.counts()
	}
	return share(ref, c.len(true)), share(cur, c.len(false))
}

func share(counts []float64, n int) []float64 {
	for i := range counts {
		counts[i] /= float64(n)
	}
	return counts
}

// zTest is Evidently's two-proportion z-test: the first value in sorted
// order against all others.
func (c *Column) zTest() (stats.TestResult, error) {
	keys, ref, cur := c.counts()
	if len(keys) == 1 {
		return stats.TestResult{Statistic: 0, PValue: 1}, nil
	}
	nRef, nCur := float64(c.len(true)), float64(c.len(false))
	return stats.ZTestProportions(nRef-ref[0], nRef, nCur-cur[0], nCur)
}

// hellinger is Evidently's Hellinger distance: sqrt(1 - BC), BC the
// Bhattacharyya coefficient of the two distributions, clipped to [0, 1].
// Numerical columns are binned into Sturges bins over their distinct values
// (Evidently's density-weighted sum reduces to BC on bin shares). Unlike
// Evidently, a column that is one constant in both samples scores 0, not 1.
func (c *Column) hellinger() (float64, error) {
	var ref, cur []float64
	if c.Type == Numerical {
		vals := distinctFloats(c.Ref, c.Cur)
		lo, hi := vals[0], vals[len(vals)-1]
		edges := stats.BinEdges(lo, hi, stats.SturgesBins(len(vals), lo, hi))
		ref, cur = stats.Histogram(c.Ref, edges), stats.Histogram(c.Cur, edges)
	} else {
		_, ref, cur = c.counts()
	}
	p, q := stats.Proportions(ref), stats.Proportions(cur)
	var bc float64
	for i := range p {
		bc += math.Sqrt(p[i] * q[i])
	}
	return math.Sqrt(1 - math.Min(math.Max(bc, 0), 1)), nil
}

// DefaultDriftShare is Evidently's default share of drifted columns at
// which the dataset counts as drifted.
const DefaultDriftShare = 0.5

// Summary is the dataset-level verdict.
type Summary struct {
	Columns        int     `json:"columns_total"`
	DriftedColumns int     `json:"drifted_columns"`
	DriftShare     float64 `json:"drift_share"`
	DatasetDrift   bool    `json:"dataset_drift"`
}

// Summarize counts drifted columns; the dataset drifts when their share
// reaches share (Evidently's get_dataset_drift).
func Summarize(results []Result, share float64) Summary {
	s := Summary{Columns: len(results)}
	for _, r := range results {
		if r.Drift {
			s.DriftedColumns++
		}
	}
	if s.Columns > 0 {
		s.DriftShare = float64(s.DriftedColumns) / float64(s.Columns)
		s.DatasetDrift = s.DriftShare >= share
	}
	return s
}
