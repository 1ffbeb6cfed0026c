package monitor

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/profile"
)

func TestHistograms(t *testing.T) {
	feats := []profile.Feature{{Name: "x", Kind: profile.KindNumerical}, {Name: "c", Kind: profile.KindCategorical}}
	edges := map[string][]float64{"x": {0, 1, 2}}
	ref, cur := profile.New(feats, edges), profile.New(feats, edges)
	for _, v := range []float64{0.5, 0.5, 1.5, 1.5} {
		ref.ObserveNumber("x", v)
	}
	for _, s := range []string{"a", "a", "a", "b"} {
		ref.ObserveString("c", s)
	}
	for _, v := range []float64{1.5, 1.5, 1.5, 7} { // 7 is above the reference's range
		cur.ObserveNumber("x", v)
	}
	for _, s := range []string{"b", "new"} {
		cur.ObserveString("c", s)
	}
	got := histograms(ref, cur, []string{"x", "c"})
	require.Equal(t, []Histogram{
		{Feature: "x", Kind: "numerical", Bins: []HistogramBin{
			{Label: "0 – 1", Reference: 0.5, Current: 0},
			{Label: "1 – 2", Reference: 0.5, Current: 0.75},
			{Label: "> 2", Reference: 0, Current: 0.25},
		}},
		{Feature: "c", Kind: "categorical", Bins: []HistogramBin{
			{Label: "a", Reference: 0.75, Current: 0},
			{Label: "b", Reference: 0.25, Current: 0.5},
			{Label: "new", Reference: 0, Current: 0.5},
		}},
	}, got)
}
