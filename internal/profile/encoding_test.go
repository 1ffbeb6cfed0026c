package profile

import (
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/profile_v1.bin")

type sketchBin struct {
	store      int
	index      int
	count      float64
	zeroCounts float64
}

func sketchBins(n *Numeric) []sketchBin {
	out := []sketchBin{{zeroCounts: n.Sketch.GetZeroCount()}}
	n.Sketch.GetPositiveValueStore().ForEach(func(i int, c float64) bool {
		out = append(out, sketchBin{store: 1, index: i, count: c})
		return false
	})
	n.Sketch.GetNegativeValueStore().ForEach(func(i int, c float64) bool {
		out = append(out, sketchBin{store: -1, index: i, count: c})
		return false
	})
	return out
}

// requireIdentical checks that two profiles hold the same data: every
// field, and the sketches bin for bin and quantile for quantile.
func requireIdentical(t *testing.T, want, got *Profile) {
	t.Helper()
	w, g := want.Clone(), got.Clone()
	for name, n := range w.Num {
		require.Equal(t, sketchBins(n), sketchBins(g.Num[name]), name)
		require.Equal(t, sketchQuantiles(t, n), sketchQuantiles(t, g.Num[name]), name)
		n.Sketch, g.Num[name].Sketch = nil, nil
	}
	require.Equal(t, w, g)
}

// exampleProfiles covers the encoding's branches.
func exampleProfiles() map[string]*Profile {
	rng := newRand(11)
	out := map[string]*Profile{
		"empty schema": New(nil, nil),
		"no rows":      New(mixedSchema, map[string][]float64{"x": {-1, 0, 1}}),
	}
	for _, n := range []int{1, 90, 1000, 1001, 20000} {
		rows := mixedRows(rng, n)
		out[fmt.Sprintf("%d rows", n)] = profileRows(map[string][]float64{"x": ReferenceEdges(normals(rng, 100, 3, 2))}, rows)
		out[fmt.Sprintf("%d rows, no edges", n)] = profileRows(nil, rows)
	}
	// Far from 0, with a centre; values below and above the edges.
	offset := numProfile([]float64{990, 1000, 1010}, normals(rng, 3000, 1000, 8))
	offset.ObserveNumber("x", -1e308)
	offset.ObserveNumber("x", 0)
	offset.ObserveNumber("x", 1e308)
	out["offset"] = offset
	var many []string
	for i := range MaxLevels + 5 {
		many = append(many, fmt.Sprint(i), "x")
	}
	out["levels beyond MaxLevels"] = catProfile(KindCategorical, many)
	return out
}

func TestRoundTrip(t *testing.T) {
	for name, p := range exampleProfiles() {
		t.Run(name, func(t *testing.T) {
			b, err := p.MarshalBinary()
			require.NoError(t, err)
			require.Equal(t, byte(formatVersion), b[0])
			var q Profile
			require.NoError(t, q.UnmarshalBinary(b))
			requireIdentical(t, p, &q)
			b2, err := q.MarshalBinary()
			require.NoError(t, err)
			require.Equal(t, b, b2)
			// A decoded profile works on: it merges and observes like the original.
			require.NoError(t, q.Merge(p))
			require.NoError(t, p.Merge(p.Clone()))
			requireSameCounts(t, p, &q)
		})
	}
}

func TestUnmarshalRejects(t *testing.T) {
	good, err := exampleProfiles()["1001 rows"].MarshalBinary()
	require.NoError(t, err)
	small, err := numProfile([]float64{0, 1, 2}, []float64{0.5, 1.5, 1.5}).MarshalBinary()
	require.NoError(t, err)
	t.Logf("small profile: % x", small)

	// Every truncation fails.
	for i := range len(good) {
		var p Profile
		require.ErrorIs(t, p.UnmarshalBinary(good[:i]), ErrFormat, "truncated to %d of %d bytes", i, len(good))
	}

	// The small profile's layout: version, rows, 1 feature, "x", kind,
	// count 3, missing 0, min, max, mean, M2, centre, 3 edges, 4 bins,
	// 3 small values, the values flag, 2 values, then the sketch.
	const (
		offCount = 6
		offBins  = offCount + 2 + 5*8 + 1 + 3*8
	)
	require.Equal(t, byte(3), small[offCount])
	require.Equal(t, []byte{0, 1, 2, 0}, small[offBins:offBins+4])
	tests := []struct {
		name string
		edit func(b []byte) []byte
		want string
	}{
		{"bad version", func(b []byte) []byte { b[0] = 2; return b }, "version 2"},
		{"empty", func([]byte) []byte { return nil }, "empty input"},
		{"trailing byte", func(b []byte) []byte { return append(b, 0) }, "1 bytes after the end"},
		{"unknown kind", func(b []byte) []byte { b[5] = 9; return b }, "unknown kind 9"},
		{"bins do not add up", func(b []byte) []byte { b[offBins+1] = 2; return b }, "bins add up to 4"},
		{"non-minimal varint", func(b []byte) []byte {
			return append([]byte{b[0], 0x83, 0x00}, b[2:]...)
		}, "non-minimal varint"},
		{"huge feature count", func(b []byte) []byte {
			return append(binary.AppendUvarint([]byte{b[0], b[1]}, math.MaxUint64), b[3:]...)
		}, "feature count"},
		{"NaN edge", func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[offCount+2+5*8+1:], math.Float64bits(math.NaN()))
			return b
		}, "histogram edge 0 is NaN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.edit(append([]byte(nil), small...))
			var p Profile
			err := p.UnmarshalBinary(b)
			require.ErrorIs(t, err, ErrFormat)
			require.ErrorContains(t, err, tt.want)
			require.Nil(t, p.Features, "left unchanged")
		})
	}
}

// TestGolden decodes a version 1 encoding written by an earlier build, so
// that format changes are deliberate: testdata/profile_v1.bin is
// goldenProfile encoded, rewritten by go test -run TestGolden -update.
func TestGolden(t *testing.T) {
	p := goldenProfile()
	path := filepath.Join("testdata", "profile_v1.bin")
	if *update {
		b, err := p.MarshalBinary()
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, b, 0o644))
	}
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var q Profile
	require.NoError(t, q.UnmarshalBinary(b))
	requireIdentical(t, p, &q)
	again, err := p.MarshalBinary()
	require.NoError(t, err)
	require.Equal(t, b, again)
}

// goldenProfile is deterministic without a random generator, so that the
// golden file does not depend on math/rand's algorithms.
func goldenProfile() *Profile {
	schema := []Feature{{"amount", KindNumerical}, {"grade", KindNumerical}, {"country", KindCategorical}, {"ok", KindBoolean}}
	p := New(schema, map[string][]float64{"amount": {0, 25, 50, 75, 100}})
	countries := []string{"fr", "de", "us", "", "jp"}
	for i := range 3000 {
		p.ObserveNumber("amount", 50+40*math.Sin(float64(i)*0.7)+float64(i%13))
		p.ObserveNumber("grade", float64(i%5))
		p.ObserveString("country", countries[i%len(countries)])
		p.ObserveString("ok", []string{"true", "false", "1"}[i%3])
		if i%17 == 0 {
			p.ObserveMissing("grade")
		}
		p.EndRow()
	}
	return p
}

func FuzzUnmarshal(f *testing.F) {
	for _, p := range exampleProfiles() {
		b, err := p.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		if len(b) < 1024 {
			f.Add(b)
		}
	}
	b, _ := numProfile([]float64{0, 1, 2}, []float64{0.5, 1.5, 1.5, 3}).MarshalBinary()
	f.Add(b)
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Profile
		if err := p.UnmarshalBinary(data); err != nil {
			require.ErrorIs(t, err, ErrFormat)
			return
		}
		// What decodes is canonical, and usable.
		again, err := p.MarshalBinary()
		require.NoError(t, err)
		require.Equal(t, data, again)
		for _, name := range p.Features {
			_, _ = Drift(&p, &p, name, "", nil)
		}
		require.NoError(t, p.Merge(p.Clone()))
	})
}
