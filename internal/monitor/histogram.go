package monitor

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/mlre-dev/mlre/internal/profile"
)

// maxHistogramLevels is how many categories a categorical histogram shows;
// the rest are summed into one "other" bin.
const maxHistogramLevels = 12

// Histogram compares one feature's distribution in the window with the
// reference's, as shares of each sample's non-missing values.
type Histogram struct {
	Feature string `json:"feature"`
	// Kind is "numerical" (bins over the reference's edges) or
	// "categorical" (one bin per level).
	Kind string         `json:"kind"`
	Bins []HistogramBin `json:"bins"`
}

// HistogramBin is one bin: [Lo, Hi) for a numerical feature (open-ended
// below the reference's range or above it), or one level.
type HistogramBin struct {
	Label     string  `json:"label"`
	Reference float64 `json:"reference"`
	Current   float64 `json:"current"`
}

// histograms compares each feature of cur with the reference ref.
func histograms(ref, cur *profile.Profile, features []string) []Histogram {
	out := make([]Histogram, 0, len(features))
	for _, f := range features {
		if r, c := ref.Num[f], cur.Num[f]; r != nil && c != nil && r.Edges != nil && len(r.Bins) == len(c.Bins) {
			out = append(out, numericHistogram(f, r, c))
			continue
		}
		if r, c := ref.Cat[f], cur.Cat[f]; r != nil && c != nil {
			out = append(out, categoricalHistogram(f, r, c))
		}
	}
	return out
}

func numericHistogram(name string, r, c *profile.Numeric) Histogram {
	h := Histogram{Feature: name, Kind: "numerical"}
	rn, cn := float64(r.Count), float64(c.Count)
	last := len(r.Bins) - 1
	for i := range r.Bins {
		if (i == 0 || i == last) && r.Bins[i] == 0 && c.Bins[i] == 0 {
			continue // nothing below or above the reference's range
		}
		var label string
		switch i {
		case 0:
			label = "< " + num(r.Edges[0])
		case last:
			label = "> " + num(r.Edges[len(r.Edges)-1])
		default:
			label = fmt.Sprintf("%s – %s", num(r.Edges[i-1]), num(r.Edges[i]))
		}
		h.Bins = append(h.Bins, HistogramBin{Label: label, Reference: share(float64(r.Bins[i]), rn), Current: share(float64(c.Bins[i]), cn)})
	}
	return h
}

func categoricalHistogram(name string, r, c *profile.Categorical) Histogram {
	h := Histogram{Feature: name, Kind: "categorical"}
	rn, cn := float64(r.Count), float64(c.Count)
	levels := make([]string, 0, len(r.Counts)+len(c.Counts))
	for l := range r.Counts {
		levels = append(levels, l)
	}
	for l := range c.Counts {
		if _, ok := r.Counts[l]; !ok {
			levels = append(levels, l)
		}
	}
	// The reference's most common levels first, then the window's.
	sort.Slice(levels, func(i, j int) bool {
		a, b := levels[i], levels[j]
		if r.Counts[a] != r.Counts[b] {
			return r.Counts[a] > r.Counts[b]
		}
		if c.Counts[a] != c.Counts[b] {
			return c.Counts[a] > c.Counts[b]
		}
		return a < b
	})
	otherR, otherC := float64(r.Other), float64(c.Other)
	for i, l := range levels {
		if i >= maxHistogramLevels {
			otherR += float64(r.Counts[l])
			otherC += float64(c.Counts[l])
			continue
		}
		h.Bins = append(h.Bins, HistogramBin{Label: l, Reference: share(float64(r.Counts[l]), rn), Current: share(float64(c.Counts[l]), cn)})
	}
	if otherR > 0 || otherC > 0 {
		h.Bins = append(h.Bins, HistogramBin{Label: "(other levels)", Reference: share(otherR, rn), Current: share(otherC, cn)})
	}
	return h
}

func share(n, total float64) float64 {
	if total == 0 {
		return 0
	}
	return n / total
}

// num formats a bin edge briefly: 4 significant digits.
func num(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
