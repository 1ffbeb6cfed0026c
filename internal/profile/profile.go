// Package profile keeps mergeable, fixed-size summaries of features (and of
// a model's prediction) for streaming drift detection: a profile per model,
// version and time bucket takes any amount of traffic in bounded memory,
// profiles of buckets merge exactly, and drift against a reference is
// computed from two profiles (see Drift). A reference dataset is profiled
// by the same code (FromTable), so a saved reference profile stands in for
// the reference data.
//
// The package is pure: no I/O, no globals, no goroutines. A Profile is not
// safe for concurrent use; give each writer its own and Merge them.
package profile

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/DataDog/sketches-go/ddsketch"

	"github.com/mlre-dev/mlre/internal/dataset"
	"github.com/mlre-dev/mlre/internal/stats"
)

// Kind is how a feature is profiled.
type Kind string

// Feature kinds. A boolean feature is profiled like a categorical one with
// the levels "true" and "false".
const (
	KindNumerical   Kind = "numerical"
	KindCategorical Kind = "categorical"
	KindBoolean     Kind = "boolean"
)

// Limits that keep a profile's size flat.
const (
	// RelativeAccuracy is the sketch's relative accuracy: a quantile it
	// returns is within 0.5% of |q - Center| of the true one.
	RelativeAccuracy = 0.005
	// SketchMaxBins bounds each of the sketch's two stores (values above
	// and below Center); past it the bins nearest Center are collapsed.
	SketchMaxBins = 2048
	// SmallMax is how many raw values a numerical feature keeps exactly.
	SmallMax = 1000
	// MaxValues is how many distinct values a numerical feature counts
	// exactly before it gives the counts up.
	MaxValues = 100
	// MaxLevels is how many levels a categorical feature counts; values
	// beyond them count in Other.
	MaxLevels = 1000
)

// Feature names a feature and its kind.
type Feature struct {
	Name string
	Kind Kind
}

// ValueCount is one distinct value of a numerical feature and how often it
// was seen.
type ValueCount struct {
	Value float64
	Count int64
}

// Numeric summarises a numerical feature. Missing values (NaN, ±Inf, and
// strings that do not parse as numbers) are counted in Missing and nowhere
// else, as Evidently drops them before testing drift.
type Numeric struct {
	// Count is the number of non-missing values seen.
	Count, Missing int64
	// Min and Max are exact; both are 0 while Count is 0.
	Min, Max float64
	// Mean and M2 are Welford's running mean and sum of squared
	// deviations (merged with Chan's formula): the sample variance is
	// M2/(Count-1) (ddof=1, pandas' std), the population one M2/Count.
	Mean, M2 float64
	// Center is the origin of the sketch, which holds v - Center: its
	// error is relative to |v - Center|. It is the point of the reference
	// range (Edges) nearest 0, so 0 when the range includes 0 (DDSketch's
	// usual relative accuracy) and the near end of the range otherwise, so
	// that data far from 0 with a small spread (years, coordinates,
	// temperatures in kelvin) keeps its resolution.
	Center float64
	// Sketch is a DDSketch of v - Center with relative accuracy
	// RelativeAccuracy and at most SketchMaxBins bins per sign.
	Sketch *ddsketch.DDSketch
	// Edges are histogram edges fixed by the reference (nil: no
	// histogram). Bins has len(Edges)+1 counts: Bins[0] counts values
	// below Edges[0], Bins[len(Edges)] values above the last edge, and
	// Bins[i] for 1 <= i < len(Edges) the values in [Edges[i-1], Edges[i]),
	// the last of these closed, exactly as numpy.histogram assigns them.
	Edges []float64
	Bins  []int64
	// Small holds every value, in arrival order, while Count <= SmallMax;
	// it is nil once more arrived. It makes small-sample drift exact.
	Small []float64
	// Values counts each distinct value, sorted by value, while there are
	// at most MaxValues of them; past that it is nil and ManyValues is set.
	// It makes drift exact for discrete features of any size.
	Values     []ValueCount
	ManyValues bool
}

// Categorical summarises a categorical or boolean feature. The empty string
// is a missing value.
type Categorical struct {
	Count, Missing int64
	// Counts holds the count of each level seen, at most MaxLevels of them.
	Counts map[string]int64
	// Other counts values of levels beyond the first MaxLevels.
	Other int64
}

// Profile summarises the features of a stream of rows.
type Profile struct {
	// Rows counts EndRow calls.
	Rows int64
	// Features lists the feature names in schema order.
	Features []string
	Num      map[string]*Numeric
	Cat      map[string]*Categorical
	Kinds    map[string]Kind
}

// ErrSchema is returned for an invalid schema or for profiles whose schemas
// or edges differ.
var ErrSchema = errors.New("profile schema")

// Check validates a schema and its edges, the arguments of New.
func Check(features []Feature, edges map[string][]float64) error {
	kinds := map[string]Kind{}
	for i, f := range features {
		if f.Name == "" {
			return fmt.Errorf("%w: feature %d has no name", ErrSchema, i+1)
		}
		if _, dup := kinds[f.Name]; dup {
			return fmt.Errorf("%w: feature %q is listed twice", ErrSchema, f.Name)
		}
		switch f.Kind {
		case KindNumerical, KindCategorical, KindBoolean:
		default:
			return fmt.Errorf("%w: feature %q has kind %q; use %s, %s or %s", ErrSchema, f.Name, f.Kind, KindNumerical, KindCategorical, KindBoolean)
		}
		kinds[f.Name] = f.Kind
	}
	for name, e := range edges {
		k, ok := kinds[name]
		if !ok || k != KindNumerical {
			if e == nil {
				continue
			}
			return fmt.Errorf("%w: edges given for %q, which is not a numerical feature", ErrSchema, name)
		}
		if err := CheckEdges(e); err != nil {
			return fmt.Errorf("%w: feature %q: %w", ErrSchema, name, err)
		}
	}
	return nil
}

// CheckEdges validates histogram edges: nil (no histogram), or at least two
// finite, strictly increasing values.
func CheckEdges(e []float64) error {
	if e == nil {
		return nil
	}
	if len(e) < 2 {
		return fmt.Errorf("histogram needs at least 2 edges, got %d", len(e))
	}
	for i, v := range e {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("histogram edge %d is %v", i, v)
		}
		if i > 0 && v <= e[i-1] {
			return fmt.Errorf("histogram edges must increase strictly (edge %d is %v after %v)", i, v, e[i-1])
		}
	}
	return nil
}

// New returns an empty profile of features. edges holds histogram edges per
// numerical feature (from ReferenceEdges or a reference profile's Edges);
// a feature without edges has no histogram. New panics if Check fails:
// check schemas from untrusted input with Check first.
func New(features []Feature, edges map[string][]float64) *Profile {
	if err := Check(features, edges); err != nil {
		panic(err)
	}
	p := &Profile{
		Num:   map[string]*Numeric{},
		Cat:   map[string]*Categorical{},
		Kinds: map[string]Kind{},
	}
	for _, f := range features {
		p.Features = append(p.Features, f.Name)
		p.Kinds[f.Name] = f.Kind
		if f.Kind == KindNumerical {
			p.Num[f.Name] = newNumeric(edges[f.Name])
		} else {
			p.Cat[f.Name] = &Categorical{Counts: map[string]int64{}}
		}
	}
	return p
}

func newNumeric(edges []float64) *Numeric {
	n := &Numeric{Sketch: newSketch()}
	if edges != nil {
		n.Edges = slices.Clone(edges)
		n.Bins = make([]int64, len(edges)+1)
		n.Center = min(max(0, edges[0]), edges[len(edges)-1])
	}
	return n
}

func newSketch() *ddsketch.DDSketch {
	s, err := ddsketch.LogCollapsingLowestDenseDDSketch(RelativeAccuracy, SketchMaxBins)
	if err != nil {
		panic(err) // the accuracy is a valid constant
	}
	return s
}

// Schema returns the profile's features.
func (p *Profile) Schema() []Feature {
	out := make([]Feature, len(p.Features))
	for i, name := range p.Features {
		out[i] = Feature{Name: name, Kind: p.Kinds[name]}
	}
	return out
}

// Edges returns the histogram edges of the numerical features that have
// them: with Schema, what New needs to start profiles that merge with p.
func (p *Profile) Edges() map[string][]float64 {
	out := map[string][]float64{}
	for name, n := range p.Num {
		if n.Edges != nil {
			out[name] = slices.Clone(n.Edges)
		}
	}
	return out
}

// ObserveNumber records v for feature. For a numerical feature NaN and ±Inf
// are missing. For a categorical feature v becomes the level
// strconv.FormatFloat(v, 'g', -1, 64); for a boolean one 0 is "false", 1
// is "true" and other numbers are levels of their own. Unknown features
// are ignored.
func (p *Profile) ObserveNumber(feature string, v float64) {
	if n := p.Num[feature]; n != nil {
		n.observe(v)
		return
	}
	c := p.Cat[feature]
	if c == nil {
		return
	}
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		c.Missing++
	case p.Kinds[feature] == KindBoolean && v == 0:
		c.observe("false")
	case p.Kinds[feature] == KindBoolean && v == 1:
		c.observe("true")
	default:
		c.observe(strconv.FormatFloat(v, 'g', -1, 64))
	}
}

// ObserveString records s for feature. The empty string is missing. A
// numerical feature parses s (surrounding spaces allowed); a string that is
// not a finite number is missing. A boolean feature maps what
// strconv.ParseBool accepts to "true" or "false" and keeps other strings as
// levels of their own. Unknown features are ignored.
func (p *Profile) ObserveString(feature string, s string) {
	if n := p.Num[feature]; n != nil {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			n.Missing++
			return
		}
		n.observe(v)
		return
	}
	c := p.Cat[feature]
	if c == nil {
		return
	}
	if s == "" {
		c.Missing++
		return
	}
	if p.Kinds[feature] == KindBoolean {
		if b, err := strconv.ParseBool(s); err == nil {
			s = strconv.FormatBool(b)
		}
	}
	c.observe(s)
}

// ObserveMissing records a missing value for feature.
func (p *Profile) ObserveMissing(feature string) {
	if n := p.Num[feature]; n != nil {
		n.Missing++
	} else if c := p.Cat[feature]; c != nil {
		c.Missing++
	}
}

// EndRow counts a row.
func (p *Profile) EndRow() { p.Rows++ }

func (n *Numeric) observe(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		n.Missing++
		return
	}
	if n.Count == 0 {
		n.Min, n.Max = v, v
	} else {
		n.Min, n.Max = min(n.Min, v), max(n.Max, v)
	}
	n.Count++
	d := v - n.Mean
	n.Mean += d / float64(n.Count)
	n.M2 += d * (v - n.Mean)
	if n.Count <= SmallMax {
		n.Small = append(n.Small, v)
	} else {
		n.Small = nil
	}
	if !n.ManyValues {
		n.countValue(v, 1)
	}
	if n.Bins != nil {
		n.Bins[binIndex(n.Edges, v)]++
	}
	n.sketchAdd(v, 1)
}

// countValue adds count to v's entry in Values, giving Values up past
// MaxValues distinct values.
func (n *Numeric) countValue(v float64, count int64) {
	i, found := slices.BinarySearchFunc(n.Values, v, func(e ValueCount, v float64) int { return cmp.Compare(e.Value, v) })
	if found {
		n.Values[i].Count += count
		return
	}
	if len(n.Values) == MaxValues {
		n.Values, n.ManyValues = nil, true
		return
	}
	n.Values = slices.Insert(n.Values, i, ValueCount{Value: v, Count: count})
}

// sketchAdd adds v - Center to the sketch. Differences beyond the sketch's
// range (about ±8e307) are clamped to it.
func (n *Numeric) sketchAdd(v float64, count float64) {
	x := v - n.Center
	lim := n.Sketch.MaxIndexableValue()
	x = min(max(x, -lim), lim)
	_ = n.Sketch.AddWithCount(x, count) // cannot fail: x is finite, in range and count > 0
}

// binIndex returns the index in Bins of v: 0 below edges[0], len(edges)
// above the last edge, else 1 + numpy.histogram's bin. The first guess and
// its corrections are stats.Histogram's, so that equal-width edges assign
// exactly as numpy does; the loops also make uneven edges correct.
func binIndex(edges []float64, v float64) int {
	nb := len(edges) - 1
	first, last := edges[0], edges[nb]
	if v < first {
		return 0
	}
	if v > last {
		return nb + 1
	}
	norm := float64(nb) / (last - first)
	i := min(int((v-first)*norm), nb-1)
	for i > 0 && v < edges[i] {
		i--
	}
	for i < nb-1 && v >= edges[i+1] {
		i++
	}
	return i + 1
}

func (c *Categorical) observe(s string) {
	c.Count++
	if n := len(c.Counts); n < MaxLevels {
		c.Counts[s]++ // one map access for a known level
		if len(c.Counts) > n {
			// A new level: key it by a copy, not the caller's memory.
			delete(c.Counts, s)
			c.Counts[strings.Clone(s)] = 1
		}
		return
	}
	if _, ok := c.Counts[s]; ok {
		c.Counts[s]++
		return
	}
	c.Other++
}

// Merge adds o into p, as if p had seen o's rows too. It is exact: counts,
// bins and sketch bins add, Min/Max combine, Mean/M2 follow Chan et al.'s
// parallel formula, Small concatenates while the total is at most SmallMax,
// and Values combine while there are at most MaxValues. Two exceptions
// depend on arrival order and so are not exact: a categorical feature with
// more than MaxLevels levels keeps the MaxLevels most frequent (ties by
// name) and counts the rest in Other, and a sketch that has collapsed bins
// (values spread over more than SketchMaxBins bins of one sign) may differ
// slightly from one fed all the values. Merge fails, leaving p unchanged,
// when the schemas, edges or sketch centres differ.
func (p *Profile) Merge(o *Profile) error {
	if p == o {
		o = o.Clone()
	}
	if err := p.compatible(o); err != nil {
		return err
	}
	p.Rows += o.Rows
	for name, n := range p.Num {
		if err := n.merge(o.Num[name]); err != nil {
			return fmt.Errorf("feature %q: %w", name, err) // unreachable: checked above
		}
	}
	for name, c := range p.Cat {
		c.merge(o.Cat[name])
	}
	return nil
}

// compatible reports whether o can merge into p.
func (p *Profile) compatible(o *Profile) error {
	if !slices.Equal(p.Features, o.Features) {
		return fmt.Errorf("%w: features differ: %v and %v", ErrSchema, p.Features, o.Features)
	}
	for _, name := range p.Features {
		if p.Kinds[name] != o.Kinds[name] {
			return fmt.Errorf("%w: feature %q is %s in one profile and %s in the other", ErrSchema, name, p.Kinds[name], o.Kinds[name])
		}
		if p.Kinds[name] != KindNumerical {
			if p.Cat[name] == nil || o.Cat[name] == nil {
				return fmt.Errorf("%w: feature %q has no summary", ErrSchema, name)
			}
			continue
		}
		a, b := p.Num[name], o.Num[name]
		if a == nil || b == nil {
			return fmt.Errorf("%w: feature %q has no summary", ErrSchema, name)
		}
		if !slices.Equal(a.Edges, b.Edges) {
			return fmt.Errorf("%w: feature %q has different histogram edges (%v and %v); start profiles from the same reference edges", ErrSchema, name, a.Edges, b.Edges)
		}
		if a.Center != b.Center {
			return fmt.Errorf("%w: feature %q has different sketch centres (%v and %v)", ErrSchema, name, a.Center, b.Center)
		}
	}
	return nil
}

func (n *Numeric) merge(o *Numeric) error {
	if err := n.Sketch.MergeWith(o.Sketch); err != nil {
		return err
	}
	n.Missing += o.Missing
	if o.Count == 0 {
		return nil
	}
	if n.Count == 0 {
		n.Min, n.Max = o.Min, o.Max
	} else {
		n.Min, n.Max = min(n.Min, o.Min), max(n.Max, o.Max)
	}
	na, nb := float64(n.Count), float64(o.Count)
	total := na + nb
	d := o.Mean - n.Mean
	n.Mean += d * nb / total
	n.M2 += o.M2 + d*d*na*nb/total
	n.Count += o.Count
	if n.Count <= SmallMax {
		n.Small = append(n.Small, o.Small...)
	} else {
		n.Small = nil
	}
	if o.ManyValues {
		n.Values, n.ManyValues = nil, true
	}
	for _, vc := range o.Values {
		if n.ManyValues {
			break
		}
		n.countValue(vc.Value, vc.Count)
	}
	for i, b := range o.Bins {
		n.Bins[i] += b
	}
	return nil
}

func (c *Categorical) merge(o *Categorical) {
	c.Count += o.Count
	c.Missing += o.Missing
	c.Other += o.Other
	for k, v := range o.Counts {
		c.Counts[k] += v
	}
	if len(c.Counts) <= MaxLevels {
		return
	}
	type level struct {
		name  string
		count int64
	}
	levels := make([]level, 0, len(c.Counts))
	for k, v := range c.Counts {
		levels = append(levels, level{k, v})
	}
	slices.SortFunc(levels, func(a, b level) int {
		return cmp.Or(cmp.Compare(b.count, a.count), cmp.Compare(a.name, b.name))
	})
	for _, l := range levels[MaxLevels:] {
		delete(c.Counts, l.name)
		c.Other += l.count
	}
}

// Clone returns a deep copy of p.
func (p *Profile) Clone() *Profile {
	q := &Profile{
		Rows:     p.Rows,
		Features: slices.Clone(p.Features),
		Num:      make(map[string]*Numeric, len(p.Num)),
		Cat:      make(map[string]*Categorical, len(p.Cat)),
		Kinds:    make(map[string]Kind, len(p.Kinds)),
	}
	for k, v := range p.Kinds {
		q.Kinds[k] = v
	}
	for k, n := range p.Num {
		c := *n
		c.Sketch = n.Sketch.Copy()
		c.Edges, c.Bins = slices.Clone(n.Edges), slices.Clone(n.Bins)
		c.Small, c.Values = slices.Clone(n.Small), slices.Clone(n.Values)
		q.Num[k] = &c
	}
	for k, c := range p.Cat {
		d := *c
		d.Counts = make(map[string]int64, len(c.Counts))
		for l, v := range c.Counts {
			d.Counts[l] = v
		}
		q.Cat[k] = &d
	}
	return q
}

// ReferenceEdges returns histogram edges for a numerical feature from its
// reference values: numpy.histogram_bin_edges(values, bins="sturges") over
// the finite values (nil when there are none).
//
// Evidently's get_binned_data (psi, jensenshannon) instead takes Sturges
// edges over the reference and current values together, which a stream
// cannot know in advance; so profile drift bins on the reference range and
// counts values outside it in two extra bins (see Drift), and can differ
// from batch `mlre drift` (docs/statistics.md should say so).
func ReferenceEdges(values []float64) []float64 {
	return referenceEdges(values, 0)
}

// referenceEdges is ReferenceEdges with at most maxBins bins (0: no limit).
// Edges that rounding makes equal (a tiny range far from 0) are merged so
// that the edges still increase strictly; if fewer than two remain there
// is no histogram (nil).
func referenceEdges(values []float64, maxBins int) []float64 {
	n := 0
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		n++
		lo, hi = min(lo, v), max(hi, v)
	}
	if n == 0 {
		return nil
	}
	bins := stats.SturgesBins(n, lo, hi)
	if maxBins > 0 {
		bins = min(bins, maxBins)
	}
	var out []float64
	for _, e := range stats.BinEdges(lo, hi, bins) {
		if len(out) == 0 || e > out[len(out)-1] {
			out = append(out, e)
		}
	}
	if len(out) < 2 {
		return nil // no float lies between lo-0.5 and hi+0.5: no histogram
	}
	return out
}

// FromTable profiles a reference table: histogram edges for each numerical
// feature come from its values (ReferenceEdges, at most maxBins bins when
// maxBins > 0), then every value goes through the same Observe calls a
// stream uses. It returns the profile and the edges it chose, which New
// needs for current profiles.
func FromTable(t *dataset.Table, features []Feature, maxBins int) (*Profile, map[string][]float64, error) {
	if err := Check(features, nil); err != nil {
		return nil, nil, err
	}
	edges := map[string][]float64{}
	for _, f := range features {
		c, err := tableColumn(t, f)
		if err != nil {
			return nil, nil, err
		}
		if f.Kind == KindNumerical {
			if e := referenceEdges(c.Num, maxBins); e != nil {
				edges[f.Name] = e
			}
		}
	}
	p := New(features, edges)
	if err := p.AddTable(t); err != nil {
		return nil, nil, err
	}
	return p, edges, nil
}

// AddTable adds every row of t to p, through the same Observe calls a
// stream uses: a current table profiled on a reference's schema and edges
// (New(ref.Schema(), ref.Edges())) tests against it with Drift. t must have
// a column for each of p's features, numerical for a numerical one; its
// other columns are ignored.
func (p *Profile) AddTable(t *dataset.Table) error {
	cols := make([]*dataset.Column, len(p.Features))
	for i, name := range p.Features {
		c, err := tableColumn(t, Feature{Name: name, Kind: p.Kinds[name]})
		if err != nil {
			return err
		}
		cols[i] = c
	}
	for i, name := range p.Features {
		c := cols[i]
		if c.Type == dataset.Numerical {
			for _, v := range c.Num {
				p.ObserveNumber(name, v)
			}
			continue
		}
		for _, code := range c.Codes {
			p.ObserveString(name, c.Levels[code])
		}
		for range c.Missing {
			p.ObserveMissing(name)
		}
	}
	p.Rows += int64(t.Rows)
	return nil
}

// tableColumn returns t's column for f, checking that a numerical feature
// has a numerical column.
func tableColumn(t *dataset.Table, f Feature) (*dataset.Column, error) {
	c := t.Column(f.Name)
	if c == nil {
		return nil, &dataset.Error{Path: t.Path, Column: f.Name, Err: errors.New("the schema names this feature but the file has no such column")}
	}
	if f.Kind == KindNumerical && c.Type != dataset.Numerical {
		return nil, &dataset.Error{Path: t.Path, Column: f.Name, Err: errors.New("the feature is numerical but the column holds text; fix the data or declare the feature categorical")}
	}
	return c, nil
}
