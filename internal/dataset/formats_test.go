package dataset

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"
)

// The same eight rows as CSV, JSON Lines and Parquet. zip holds digit
// strings, which CSV would infer as numbers; Options.Types makes it
// categorical for all three.
const sampleCSV = `age,city,score,flag,zip,empty,ratio,count
31,Paris,0.5,true,75001,,0.5,1
,Lyon,1000,false,69002,,-1.75,2
45,,-2.25,true,13001,,0.25,3
52,Paris,NaN,,75001,,0,4
28,Nice,3.125,false,06000,,1.5,5
61,Lyon,0.1,true,69002,,-0.5,6
39,Paris,,false,75001,,2,7
33,Paris,7,true,13001,,0.75,8
`

const sampleJSONL = `{"age": 31, "city": "Paris", "score": 0.5, "flag": true, "zip": "75001", "empty": null, "ratio": 0.5, "count": 1}
{"age": null, "city": "Lyon", "score": 1000, "flag": false, "zip": "69002", "ratio": -1.75, "count": 2}
{"age": 45, "score": -2.25, "flag": true, "zip": "13001", "ratio": 0.25, "count": 3}

{"count": 4, "ratio": 0, "zip": "75001", "flag": null, "score": NaN, "city": "Paris", "age": 52}
{"age": 28, "city": "Nice", "score": 3.125, "flag": false, "zip": "06000", "ratio": 1.5, "count": 5}
{"age": 61, "city": "Lyon", "score": 0.1, "flag": true, "zip": "69002", "ratio": -0.5, "count": 6}
{"age": 39, "city": "Paris", "score": null, "flag": false, "zip": "75001", "ratio": 2, "count": 7}
{"age": 33, "city": "Paris", "score": 7, "flag": true, "zip": "13001", "ratio": 0.75, "count": 8}
`

type sampleRow struct {
	Age   *int64   `parquet:"age,optional"`
	City  *string  `parquet:"city,optional,dict"`
	Score *float64 `parquet:"score,optional"`
	Flag  *bool    `parquet:"flag,optional"`
	Zip   string   `parquet:"zip"`
	Empty *string  `parquet:"empty,optional"`
	Ratio float32  `parquet:"ratio"`
	Count int32    `parquet:"count"`
}

func ptr[T any](v T) *T { return &v }

func sampleRows() []sampleRow {
	return []sampleRow{
		{Age: ptr[int64](31), City: ptr("Paris"), Score: ptr(0.5), Flag: ptr(true), Zip: "75001", Ratio: 0.5, Count: 1},
		{City: ptr("Lyon"), Score: ptr(1000.0), Flag: ptr(false), Zip: "69002", Ratio: -1.75, Count: 2},
		{Age: ptr[int64](45), Score: ptr(-2.25), Flag: ptr(true), Zip: "13001", Ratio: 0.25, Count: 3},
		{Age: ptr[int64](52), City: ptr("Paris"), Score: ptr(math.NaN()), Zip: "75001", Ratio: 0, Count: 4},
		{Age: ptr[int64](28), City: ptr("Nice"), Score: ptr(3.125), Flag: ptr(false), Zip: "06000", Ratio: 1.5, Count: 5},
		{Age: ptr[int64](61), City: ptr("Lyon"), Score: ptr(0.1), Flag: ptr(true), Zip: "69002", Ratio: -0.5, Count: 6},
		{Age: ptr[int64](39), City: ptr("Paris"), Flag: ptr(false), Zip: "75001", Ratio: 2, Count: 7},
		{Age: ptr[int64](33), City: ptr("Paris"), Score: ptr(7.0), Flag: ptr(true), Zip: "13001", Ratio: 0.75, Count: 8},
	}
}

// writeParquet writes rows to dir/name with parquet-go, in small row groups
// and pages so that readers cross their boundaries.
func writeParquet[T any](t testing.TB, dir, name string, rows []T, opts ...parquet.WriterOption) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	require.NoError(t, err)
	w := parquet.NewGenericWriter[T](f, opts...)
	_, err = w.Write(rows)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, f.Close())
	return p
}

func writeFile(t testing.TB, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(text), 0o600))
	return p
}

// requireSameTable compares two tables column by column: types, missing
// counts, numbers (NaN equal to NaN) and categorical values in row order.
func requireSameTable(t *testing.T, want, got *Table) {
	t.Helper()
	require.Equal(t, want.Rows, got.Rows, "rows")
	require.Len(t, got.Columns, len(want.Columns))
	for i, wc := range want.Columns {
		gc := got.Columns[i]
		require.Equal(t, wc.Name, gc.Name, "column %d", i)
		require.Equal(t, wc.Type, gc.Type, wc.Name)
		require.Equal(t, wc.Missing, gc.Missing, "%s: missing", wc.Name)
		require.Len(t, gc.Num, len(wc.Num), wc.Name)
		for j := range wc.Num {
			if math.IsNaN(wc.Num[j]) {
				require.True(t, math.IsNaN(gc.Num[j]), "%s row %d: %v", wc.Name, j, gc.Num[j])
				continue
			}
			require.Equal(t, wc.Num[j], gc.Num[j], "%s row %d", wc.Name, j)
		}
		require.Equal(t, wc.Values(), gc.Values(), wc.Name)
	}
}

func TestFormatsReadTheSameTable(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Types: map[string]Type{"zip": Categorical}}
	want, err := ReadFile(writeFile(t, dir, "sample.csv", sampleCSV), opts)
	require.NoError(t, err)
	require.Equal(t, 8, want.Rows)
	for name, typ := range map[string]Type{"age": Numerical, "city": Categorical, "score": Numerical, "flag": Categorical,
		"zip": Categorical, "empty": Categorical, "ratio": Numerical, "count": Numerical} {
		require.Equal(t, typ, want.Column(name).Type, name)
	}
	require.Equal(t, 2, want.Column("score").Missing, "NaN and an empty field")
	require.Equal(t, 8, want.Column("empty").Missing)

	files := map[string]string{
		"jsonl":                 writeFile(t, dir, "sample.jsonl", sampleJSONL),
		"ndjson upper case":     writeFile(t, dir, "sample.NDJSON", sampleJSONL),
		"parquet":               writeParquet(t, dir, "sample.parquet", sampleRows()),
		"pq, small row groups":  writeParquet(t, dir, "small.PQ", sampleRows(), parquet.MaxRowsPerRowGroup(3), parquet.PageBufferSize(64)),
		"parquet, data page v1": writeParquet(t, dir, "v1.parquet", sampleRows(), parquet.DataPageVersion(1), parquet.MaxRowsPerRowGroup(5)),
	}
	for name, path := range files {
		t.Run(name, func(t *testing.T) {
			got, err := ReadFile(path, opts)
			require.NoError(t, err)
			requireSameTable(t, want, got)
		})
	}
}

func TestReadFileUnknownExtension(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"data.tsv", `data.tsv: unknown file format ".tsv": the format is chosen by extension, one of .csv (CSV), .parquet or .pq (Parquet), .jsonl or .ndjson (JSON Lines)`},
		{"data", "data: unknown file format (the name has no extension)"},
		{"data.json", `unknown file format ".json"`},
	} {
		_, err := ReadFile(tc.path, Options{})
		require.ErrorIs(t, err, ErrUnknownFormat)
		require.ErrorContains(t, err, tc.want)
	}
}

func TestReadFileProgress(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{
		writeFile(t, dir, "p.csv", sampleCSV),
		writeFile(t, dir, "p.jsonl", sampleJSONL),
		writeParquet(t, dir, "p.parquet", sampleRows()),
	} {
		var n int64
		_, err := ReadFile(path, Options{Progress: func(k int64) { n += k }})
		require.NoError(t, err, path)
		st, err := os.Stat(path)
		require.NoError(t, err)
		if strings.HasSuffix(path, ".parquet") {
			require.Positive(t, n, path) // the footer may be read twice
			continue
		}
		require.Equal(t, st.Size(), n, path)
	}
}
