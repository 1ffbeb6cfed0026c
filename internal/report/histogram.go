package report

import (
	"cmp"
	"slices"
	"sort"

	"github.com/mlre-dev/mlre/internal/dataset"
	"github.com/mlre-dev/mlre/internal/drift"
	"github.com/mlre-dev/mlre/internal/stats"
)

// Histogram limits: charts stay small however many values a column has.
const (
	// MaxBins caps the shared bins of a numerical column.
	MaxBins = 30
	// TopCategories is how many categories a categorical chart shows
	// before it adds up the rest as "other".
	TopCategories = 20
)

// Histogram is one column's reference and current distributions, as shares
// of each sample's non-missing values. Numerical columns use shared
// equal-width bins over both samples (Sturges' count, at most MaxBins), with
// len(Edges) = len(Ref)+1; categorical columns have one bar per category
// (the TopCategories most frequent over both samples) in Labels, and a last
// "other" bar for the rest when Other is set.
type Histogram struct {
	Edges      []float64
	Labels     []string
	Other      bool
	Ref, Cur   []float64
	RefN, CurN int
}

// histogram summarises a compared column: col has the numerical values,
// finite and sorted; rc and cc have the categorical ones.
func histogram(col *drift.Column, rc, cc *dataset.Column) Histogram {
	if col.Type == drift.Numerical {
		return numHistogram(col.Ref, col.Cur)
	}
	return catHistogram(rc, cc)
}

func numHistogram(ref, cur []float64) Histogram {
	h := Histogram{RefN: len(ref), CurN: len(cur)}
	if len(ref)+len(cur) == 0 {
		return h
	}
	lo, hi := stats.MinMax(ref, cur)
	bins := min(stats.SturgesBins(len(ref)+len(cur), lo, hi), MaxBins)
	h.Edges = stats.BinEdges(lo, hi, bins)
	h.Ref, h.Cur = sortedShares(ref, h.Edges), sortedShares(cur, h.Edges)
	return h
}

// sortedShares counts sorted xs into bins [a, b), the last one closed, and
// divides by len(xs).
func sortedShares(xs, edges []float64) []float64 {
	n := len(edges) - 1
	out := make([]float64, n)
	if len(xs) == 0 {
		return out
	}
	at := func(i int) int {
		if i == n {
			return len(xs)
		}
		return sort.SearchFloat64s(xs, edges[i])
	}
	for i := range n {
		out[i] = float64(at(i+1)-at(i)) / float64(len(xs))
	}
	return out
}

func catHistogram(rc, cc *dataset.Column) Histogram {
	refCounts, curCounts := map[string]int{}, map[string]int{}
	count(rc, refCounts)
	count(cc, curCounts)
	return catShares(refCounts, curCounts, len(rc.Codes), len(cc.Codes), 0, 0)
}

// catShares charts counts per category out of refN and curN values;
// otherRef and otherCur are values of categories not in the counts (a
// profile's levels beyond its cap), added to the "other" bar.
func catShares(refCounts, curCounts map[string]int, refN, curN, otherRef, otherCur int) Histogram {
	h := Histogram{RefN: refN, CurN: curN}
	type cat struct {
		name  string
		share float64
	}
	var cats []cat
	add := func(name string) {
		cats = append(cats, cat{name, share(refCounts[name], h.RefN) + share(curCounts[name], h.CurN)})
	}
	for name := range refCounts {
		add(name)
	}
	for name := range curCounts {
		if _, ok := refCounts[name]; !ok {
			add(name)
		}
	}
	slices.SortFunc(cats, func(a, b cat) int {
		if c := cmp.Compare(b.share, a.share); c != 0 {
			return c
		}
		return cmp.Compare(a.name, b.name)
	})
	for i, c := range cats {
		if i < TopCategories {
			h.Labels = append(h.Labels, c.name)
			h.Ref = append(h.Ref, share(refCounts[c.name], h.RefN))
			h.Cur = append(h.Cur, share(curCounts[c.name], h.CurN))
			continue
		}
		otherRef += refCounts[c.name]
		otherCur += curCounts[c.name]
	}
	if len(cats) > TopCategories || otherRef+otherCur > 0 {
		h.Other = true
		h.Labels = append(h.Labels, "other")
		h.Ref = append(h.Ref, share(otherRef, h.RefN))
		h.Cur = append(h.Cur, share(otherCur, h.CurN))
	}
	return h
}

// count adds up a categorical column's values by level.
func count(c *dataset.Column, into map[string]int) {
	perCode := make([]int, len(c.Levels))
	for _, k := range c.Codes {
		perCode[k]++
	}
	for k, n := range perCode {
		if n > 0 {
			into[c.Levels[k]] += n
		}
	}
}

func share(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return float64(n) / float64(total)
}
