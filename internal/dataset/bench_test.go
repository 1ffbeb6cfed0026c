package dataset

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// BenchmarkReadFormats reads the same table as CSV, Parquet and JSON Lines:
// the batch shape, 40 numerical and 10 categorical columns, made as
// bench/gen_drift_data.py makes them (normal, lognormal and uniform columns;
// categories with 8-40 levels). The Parquet file is written as pyarrow
// writes pandas frames: optional DOUBLE columns, dictionary-encoded strings,
// Snappy, one row group per 1Mi rows.
//
// MLRE_BENCH_ROWS sets the rows (default 50000; the issue uses 1000000) and
// MLRE_BENCH_DIR keeps the generated files between runs:
//
//	MLRE_BENCH_ROWS=1000000 MLRE_BENCH_DIR=/tmp/mlre-bench \
//	  go test ./internal/dataset -run '^$' -bench ReadFormats -benchtime 3x
func BenchmarkReadFormats(b *testing.B) {
	rows := 50000
	if s := os.Getenv("MLRE_BENCH_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("MLRE_BENCH_ROWS: %v", err)
		}
		rows = n
	}
	dir := os.Getenv("MLRE_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	files := benchFiles(b, dir, rows)
	for _, name := range []string{"csv", "parquet", "jsonl"} {
		path := files[name]
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(st.Size())
			for b.Loop() {
				tb, err := ReadFile(path, Options{})
				if err != nil {
					b.Fatal(err)
				}
				if tb.Rows != rows {
					b.Fatalf("%d rows, want %d", tb.Rows, rows)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// benchFiles writes (or finds) the three files and checks once that they
// read the same.
func benchFiles(b *testing.B, dir string, rows int) map[string]string {
	b.Helper()
	base := filepath.Join(dir, fmt.Sprintf("drift-%d", rows))
	files := map[string]string{"csv": base + ".csv", "parquet": base + ".parquet", "jsonl": base + ".jsonl"}
	if _, err := os.Stat(files["jsonl"]); err == nil {
		return files
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	const numCols, catCols = 40, 10
	names := make([]string, 0, numCols+catCols)
	for i := range numCols {
		names = append(names, fmt.Sprintf("n%d", i))
	}
	for j := range catCols {
		names = append(names, fmt.Sprintf("c%d", j))
	}
	rng := rand.New(rand.NewPCG(1, 1))
	num := make([][]float64, numCols)
	for i := range num {
		num[i] = make([]float64, rows)
		for r := range rows {
			switch i % 3 {
			case 0:
				num[i][r] = rng.NormFloat64()
			case 1:
				num[i][r] = math.Exp(0.5 * rng.NormFloat64())
			default:
				num[i][r] = rng.Float64()
			}
		}
	}
	cat := make([][]string, catCols)
	for j := range cat {
		k := 8 + (j*7)%33
		cum := make([]float64, k) // weights k, k-1, ..., 1
		total := float64(k * (k + 1) / 2)
		acc := 0.0
		for x := range k {
			acc += float64(k-x) / total
			cum[x] = acc
		}
		cat[j] = make([]string, rows)
		for r := range rows {
			x, _ := slices.BinarySearch(cum, rng.Float64())
			cat[j][r] = "v" + strconv.Itoa(min(x, k-1))
		}
	}

	// CSV and JSON Lines, numbers in Python's repr as pandas writes them.
	writeText := func(path string, line func(w *bufio.Writer, r int)) {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		for r := -1; r < rows; r++ {
			line(w, r)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
	var buf []byte
	writeText(files["csv"], func(w *bufio.Writer, r int) {
		for i, name := range names {
			if i > 0 {
				w.WriteByte(',')
			}
			switch {
			case r < 0:
				w.WriteString(name)
			case i < numCols:
				buf = appendPyFloat(buf[:0], num[i][r])
				w.Write(buf)
			default:
				w.WriteString(cat[i-numCols][r])
			}
		}
		w.WriteByte('\n')
	})
	writeText(files["jsonl"], func(w *bufio.Writer, r int) {
		if r < 0 {
			return
		}
		w.WriteByte('{')
		for i, name := range names {
			if i > 0 {
				w.WriteString(", ")
			}
			w.WriteString(`"` + name + `": `)
			if i < numCols {
				buf = appendPyFloat(buf[:0], num[i][r])
				w.Write(buf)
			} else {
				w.WriteString(`"` + cat[i-numCols][r] + `"`)
			}
		}
		w.WriteString("}\n")
	})

	// Parquet.
	group := parquet.Group{}
	for i, name := range names {
		if i < numCols {
			group[name] = parquet.Optional(parquet.Leaf(parquet.DoubleType))
		} else {
			group[name] = parquet.Optional(parquet.Encoded(parquet.String(), &parquet.RLEDictionary))
		}
	}
	schema := parquet.NewSchema("drift", group)
	f, err := os.Create(files["parquet"])
	if err != nil {
		b.Fatal(err)
	}
	w := parquet.NewWriter(f, schema, parquet.Compression(&parquet.Snappy), parquet.MaxRowsPerRowGroup(1<<20), parquet.PageBufferSize(1<<20))
	leaves := schema.Columns() // sorted by name
	batch := make([]parquet.Row, 0, 4096)
	for r := range rows {
		row := make(parquet.Row, len(leaves))
		for c, path := range leaves {
			name := path[0]
			i := slices.Index(names, name)
			var v parquet.Value
			if i < numCols {
				v = parquet.ValueOf(num[i][r])
			} else {
				v = parquet.ValueOf(cat[i-numCols][r])
			}
			row[c] = v.Level(0, 1, c)
		}
		batch = append(batch, row)
		if len(batch) == cap(batch) || r == rows-1 {
			if _, err := w.WriteRows(batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}

	// The three read the same.
	want, err := ReadFile(files["csv"], Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"parquet", "jsonl"} {
		got, err := ReadFile(files[name], Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, wc := range want.Columns {
			gc := got.Column(wc.Name)
			if gc == nil || gc.Type != wc.Type || gc.Missing != wc.Missing || !slices.Equal(gc.Num, wc.Num) || !slices.Equal(gc.Values(), wc.Values()) {
				b.Fatalf("%s: column %q differs from the CSV's", name, wc.Name)
			}
		}
	}
	return files
}

// BenchmarkReadCSVMemory reads the batch shape (40 numerical columns as
// Python writes them, 10 categorical) from memory, without the file system:
// every column, and the columns of each of two passes (the categorical ones
// and half of the numerical ones, then the other half). Types are inferred from
// the first 1000 rows here, so that most rows take the path of the rows
// after InferRows in a large file.
func BenchmarkReadCSVMemory(b *testing.B) {
	defer func(n int) { csvInferRows = n }(csvInferRows)
	csvInferRows = 1000
	const rows, numCols, catCols = 20000, 40, 10
	rng := rand.New(rand.NewPCG(5, 6))
	var doc []byte
	var first, second []string
	for i := range numCols + catCols {
		if i > 0 {
			doc = append(doc, ',')
		}
		name := fmt.Sprintf("n%d", i)
		if i >= numCols {
			name = fmt.Sprintf("c%d", i-numCols)
		}
		doc = append(doc, name...)
		if i < numCols/2 || i >= numCols {
			first = append(first, name)
		} else {
			second = append(second, name)
		}
	}
	doc = append(doc, '\n')
	for range rows {
		for i := range numCols + catCols {
			if i > 0 {
				doc = append(doc, ',')
			}
			switch {
			case i >= numCols:
				doc = append(doc, 'v')
				doc = strconv.AppendInt(doc, int64(rng.IntN(8+i%33)), 10)
			case i%3 == 0:
				doc = appendPyFloat(doc, rng.NormFloat64())
			case i%3 == 1:
				doc = appendPyFloat(doc, math.Exp(0.5*rng.NormFloat64()))
			default:
				doc = appendPyFloat(doc, rng.Float64())
			}
		}
		doc = append(doc, '\n')
	}
	for _, bc := range []struct {
		name string
		opts Options
	}{{"all", Options{}}, {"first-pass", Options{Columns: first}}, {"second-pass", Options{Columns: second, RowPrefix: true}}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				t, err := readCSV(bytes.NewReader(doc), "mem.csv", bc.opts, int64(len(doc)))
				if err != nil || t.Rows != rows {
					b.Fatal(err, t.Rows)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
