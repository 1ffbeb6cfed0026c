package dataset

import (
	"errors"
	"io"
	"math"
	"os"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"
)

func TestParquetKeepsFileTypes(t *testing.T) {
	type row struct {
		Zip   string  `parquet:"zip,dict"`
		Price int64   `parquet:"price,decimal(2:10)"`
		Level uint32  `parquet:"level"`
		When  int64   `parquet:"when,timestamp(millisecond)"`
		Flag  bool    `parquet:"flag"`
		Gone  *string `parquet:"gone,optional"`
	}
	rows := []row{
		{Zip: "75001", Price: 1999, Level: 4000000000, When: 1700000000000, Flag: true},
		{Zip: "69002", Price: -5, Level: 1, When: 1700000001000},
	}
	path := writeParquet(t, t.TempDir(), "types.parquet", rows)

	tb, err := ReadParquetFile(path, Options{})
	require.NoError(t, err)
	require.Equal(t, 2, tb.Rows)
	zip := tb.Column("zip")
	require.Equal(t, Categorical, zip.Type, "strings that look like numbers stay categorical")
	require.Equal(t, []string{"75001", "69002"}, zip.Values())
	require.Equal(t, []float64{19.99, -0.05}, tb.Column("price").Num)
	require.Equal(t, []float64{4e9, 1}, tb.Column("level").Num, "unsigned")
	require.Equal(t, []float64{1.7e12, 1.700000001e12}, tb.Column("when").Num)
	require.Equal(t, []string{"true", "false"}, tb.Column("flag").Values())
	require.Equal(t, Categorical, tb.Column("gone").Type, "no values at all: categorical, as in CSV")
	require.Equal(t, 2, tb.Column("gone").Missing)

	// Options.Types forces either way.
	tb, err = ReadParquetFile(path, Options{Types: map[string]Type{"zip": Numerical, "price": Categorical, "level": Categorical}})
	require.NoError(t, err)
	require.Equal(t, []float64{75001, 69002}, tb.Column("zip").Num)
	require.Equal(t, []string{"19.99", "-0.05"}, tb.Column("price").Values())
	require.Equal(t, []string{"4000000000", "1"}, tb.Column("level").Values())

	_, err = ReadParquetFile(path, Options{Types: map[string]Type{"flag": Numerical}})
	require.ErrorContains(t, err, `types.parquet, row 1, column "flag": "true" is not a number`)
}

func TestParquetSkipsPandasIndex(t *testing.T) {
	type row struct {
		Index int64   `parquet:"__index_level_0__"`
		ID    int64   `parquet:"id"`
		X     float64 `parquet:"x"`
	}
	rows := []row{{10, 1, 0.5}, {12, 2, 1.5}}
	dir := t.TempDir()
	for _, tc := range []struct {
		meta string
		want []string
	}{
		{`{"index_columns": ["__index_level_0__"], "columns": []}`, []string{"id", "x"}},
		{`{"index_columns": ["__index_level_0__", "id"]}`, []string{"x"}},
		{`{"index_columns": [{"kind": "range", "name": null, "start": 0, "stop": 2, "step": 1}]}`, []string{"__index_level_0__", "id", "x"}},
		{`not json`, []string{"__index_level_0__", "id", "x"}},
	} {
		path := writeParquet(t, dir, "pandas.parquet", rows, parquet.KeyValueMetadata("pandas", tc.meta))
		tb, err := ReadParquetFile(path, Options{})
		require.NoError(t, err)
		var names []string
		for _, c := range tb.Columns {
			names = append(names, c.Name)
		}
		require.Equal(t, tc.want, names, tc.meta)
	}
}

func TestParquetForcedCategoricalFloats(t *testing.T) {
	type row struct {
		X *float64 `parquet:"x,optional"`
	}
	path := writeParquet(t, t.TempDir(), "f.parquet", []row{{ptr(2.0)}, {ptr(0.5)}, {ptr(math.NaN())}, {nil}, {ptr(1e-5)}})
	tb, err := ReadParquetFile(path, Options{Types: map[string]Type{"x": Categorical}})
	require.NoError(t, err)
	x := tb.Column("x")
	require.Equal(t, []string{"2.0", "0.5", "1e-05"}, x.Values(), "as pandas writes them to CSV")
	require.Equal(t, 2, x.Missing)
}

func TestParquetBadFiles(t *testing.T) {
	dir := t.TempDir()
	good := writeParquet(t, dir, "good.parquet", sampleRows())
	b, err := os.ReadFile(good)
	require.NoError(t, err)
	truncated := writeFile(t, dir, "truncated.parquet", string(b[:len(b)/2]))
	noFooter := writeFile(t, dir, "nofooter.parquet", string(b[:len(b)-9]))
	notParquet := writeFile(t, dir, "text.parquet", sampleCSV)
	empty := writeFile(t, dir, "empty.parquet", "")

	type point struct{ X, Y float64 }
	type nested struct {
		ID    int64 `parquet:"id"`
		Point point `parquet:"point"`
	}
	type list struct {
		ID   int64    `parquet:"id"`
		Tags []string `parquet:"tags,list"`
	}
	type repeated struct {
		ID   int64    `parquet:"id"`
		Tags []string `parquet:"tags"`
	}
	nestedPath := writeParquet(t, dir, "nested.parquet", []nested{{1, point{1, 2}}})
	listPath := writeParquet(t, dir, "list.parquet", []list{{1, []string{"a"}}})
	repeatedPath := writeParquet(t, dir, "repeated.parquet", []repeated{{1, []string{"a"}}})

	for _, tc := range []struct{ path, want string }{
		{truncated, "truncated.parquet: not a readable Parquet file"},
		{noFooter, "nofooter.parquet: not a readable Parquet file"},
		{notParquet, "text.parquet: not a readable Parquet file"},
		{empty, "empty.parquet: not a readable Parquet file"},
		{nestedPath, `nested.parquet, column "point": nested columns (structs, lists, maps) are not supported`},
		{listPath, `list.parquet, column "tags": nested columns`},
		{repeatedPath, `repeated.parquet, column "tags": repeated columns are not supported`},
	} {
		_, err := ReadFile(tc.path, Options{})
		require.ErrorContains(t, err, tc.want)
		var de *Error
		require.True(t, errors.As(err, &de), "%T", err)
		require.Equal(t, tc.path, de.Path)
	}
}

// FuzzReadParquet damages a valid file byte by byte: reading must fail with
// an error naming the file, or succeed with consistent columns, never panic.
func FuzzReadParquet(f *testing.F) {
	dir := f.TempDir()
	b, err := os.ReadFile(writeParquet(f, dir, "seed.parquet", sampleRows(), parquet.MaxRowsPerRowGroup(3)))
	if err != nil {
		f.Fatal(err)
	}
	// Headers may claim pages this large: keep each execution fast.
	defer func(n int64) { maxPageSize = n }(maxPageSize)
	maxPageSize = 1 << 20
	f.Add(b, 0, byte(0))
	f.Add(b, len(b)/2, byte(0xff))
	f.Add(b, len(b)-20, byte(7))
	f.Fuzz(func(t *testing.T, data []byte, at int, v byte) {
		if len(data) > 0 {
			at = ((at % len(data)) + len(data)) % len(data)
			data = append([]byte(nil), data...)
			data[at] ^= v
		}
		tb, err := ReadParquet(byteReaderAt(data), int64(len(data)), "f.parquet", Options{})
		if err != nil {
			var de *Error
			if !errors.As(err, &de) || de.Path != "f.parquet" {
				t.Fatalf("error without file context: %v", err)
			}
			return
		}
		for _, c := range tb.Columns {
			n := len(c.Num)
			if c.Type == Categorical {
				n = len(c.Codes) + c.Missing
			}
			if n != tb.Rows {
				t.Fatalf("column %q holds %d values for %d rows", c.Name, n, tb.Rows)
			}
		}
	})
}

type byteReaderAt []byte

func (b byteReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > int64(len(b)) {
		return 0, errors.New("offset out of range")
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
