package report

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/dataset"
)

func TestNumHistogram(t *testing.T) {
	for _, tc := range []struct {
		name     string
		ref, cur []float64
		bins     int
		wantRef  []float64
		wantCur  []float64
	}{
		{"shared bins", []float64{0, 1, 2, 3}, []float64{3, 4}, 4, []float64{0.25, 0.25, 0.25, 0.25}, []float64{0, 0, 0, 1}},
		{"one value", []float64{5, 5}, []float64{5}, 1, []float64{1}, []float64{1}},
		{"no current values", []float64{1, 2}, nil, 2, []float64{0.5, 0.5}, []float64{0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := numHistogram(tc.ref, tc.cur)
			require.Len(t, h.Ref, tc.bins)
			require.Len(t, h.Edges, tc.bins+1)
			require.InDeltaSlice(t, tc.wantRef, h.Ref, 1e-12)
			require.InDeltaSlice(t, tc.wantCur, h.Cur, 1e-12)
			require.Equal(t, len(tc.ref), h.RefN)
		})
	}
	many := make([]float64, 1<<20)
	for i := range many {
		many[i] = float64(i)
	}
	h := numHistogram(many, many)
	require.Len(t, h.Ref, 22, "Sturges: ceil(log2(n)+1) bins for n values over both samples")
	sum := 0.0
	for _, v := range h.Ref {
		sum += v
	}
	require.InDelta(t, 1, sum, 1e-12)
}

func TestCatHistogram(t *testing.T) {
	col := func(vals ...string) *dataset.Column {
		c := &dataset.Column{Type: dataset.Categorical}
		idx := map[string]uint32{}
		for _, v := range vals {
			k, ok := idx[v]
			if !ok {
				k = uint32(len(c.Levels))
				idx[v] = k
				c.Levels = append(c.Levels, v)
			}
			c.Codes = append(c.Codes, k)
		}
		return c
	}
	h := catHistogram(col("a", "a", "b", "c"), col("b", "b", "d"))
	require.Equal(t, []string{"b", "a", "d", "c"}, h.Labels, "by share over both samples")
	require.InDeltaSlice(t, []float64{0.25, 0.5, 0, 0.25}, h.Ref, 1e-12)
	require.InDeltaSlice(t, []float64{2.0 / 3, 0, 1.0 / 3, 0}, h.Cur, 1e-12)
	require.False(t, h.Other)

	var many []string
	for i := range 30 {
		for range 30 - i {
			many = append(many, fmt.Sprintf("v%02d", i))
		}
	}
	h = catHistogram(col(many...), col(many...))
	require.Len(t, h.Labels, TopCategories+1)
	require.True(t, h.Other)
	require.Equal(t, "other", h.Labels[TopCategories])
	require.Equal(t, "v00", h.Labels[0])
	require.InDelta(t, float64(10*11/2)/float64(30*31/2), h.Ref[TopCategories], 1e-12, "v20..v29 hold 10+9+...+1 values")
}
