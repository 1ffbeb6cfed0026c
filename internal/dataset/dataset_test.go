package dataset

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func read(t *testing.T, text string, opts Options) (*Table, error) {
	t.Helper()
	return ReadCSV(strings.NewReader(text), "data.csv", opts)
}

func TestReadCSVTypes(t *testing.T) {
	tb, err := read(t, "\ufeffage,city,score,flag,empty\n31,Paris,0.5,true,\n,Lyon,1e3,false,NA\n45,NA,-inf,true,\n", Options{})
	require.NoError(t, err)
	require.Equal(t, 3, tb.Rows)
	age := tb.Column("age")
	require.Equal(t, Numerical, age.Type)
	require.Equal(t, 31.0, age.Num[0])
	require.True(t, math.IsNaN(age.Num[1]))
	require.Equal(t, 1, age.Missing)
	city := tb.Column("city")
	require.Equal(t, Categorical, city.Type)
	require.Equal(t, []string{"Paris", "Lyon"}, city.Values())
	require.Equal(t, []uint32{0, 1}, city.Codes)
	require.Equal(t, 1, city.Missing)
	score := tb.Column("score")
	require.Equal(t, []float64{0.5, 1000, math.Inf(-1)}, score.Num)
	require.Equal(t, Categorical, tb.Column("flag").Type)
	require.Equal(t, Categorical, tb.Column("empty").Type, "an all-missing column is categorical")
	require.Equal(t, 3, tb.Column("empty").Missing)
	require.Nil(t, tb.Column("nope"))
}

func TestForcedTypes(t *testing.T) {
	tb, err := read(t, "zip,n\n75001,1\n69002,2\n", Options{Types: map[string]Type{"zip": Categorical}})
	require.NoError(t, err)
	require.Equal(t, []string{"75001", "69002"}, tb.Column("zip").Values())
	_, err = read(t, "n\n1\nx\n", Options{Types: map[string]Type{"n": Numerical}})
	require.ErrorContains(t, err, `data.csv, row 3, column "n": "x" is not a number`)
}

func TestLateNonNumericValue(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,v\n")
	for i := range InferRows + 5 {
		fmt.Fprintf(&b, "%d,%d\n", i, i)
	}
	b.WriteString("x,7\n")
	_, err := read(t, b.String(), Options{})
	var de *Error
	require.True(t, errors.As(err, &de))
	require.Equal(t, InferRows+7, de.Row)
	require.Equal(t, "id", de.Column)
	require.ErrorContains(t, err, "declare it categorical")
}

func TestBadFiles(t *testing.T) {
	for name, tc := range map[string]struct{ text, want string }{
		"empty":          {"", "data.csv: the file is empty; it needs a header row"},
		"short row":      {"a,b\n1,2\n3\n", "data.csv, row 3: has 1 fields, the header has 2"},
		"duplicate name": {"a,a\n1,2\n", `data.csv, row 1, column "a": the header names this column twice`},
		"unnamed column": {"a,\n1,2\n", "data.csv, row 1: column 2 has no name in the header"},
		"bad quoting":    {"a,b\n\"1,2\n", "data.csv, row 2: malformed CSV"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := read(t, tc.text, Options{})
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestHeaderOnly(t *testing.T) {
	tb, err := read(t, "a,b\n", Options{})
	require.NoError(t, err)
	require.Equal(t, 0, tb.Rows)
	require.Len(t, tb.Columns, 2)
}

func FuzzReadCSV(f *testing.F) {
	f.Add("a,b\n1,x\n2,y\n")
	f.Add("a\n\"q\"\"uoted\"\n")
	f.Add("x,y,z\n1,,3\nNA,2,\n")
	f.Fuzz(func(t *testing.T, text string) {
		tb, err := ReadCSV(strings.NewReader(text), "f.csv", Options{})
		if err != nil {
			var de *Error
			if !errors.As(err, &de) || de.Path != "f.csv" {
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

// readPaths reads text with the rows after the first inferRows read by
// appendPlain (fast) and by splitting every record (general), and fails t
// unless both give the same table or the same error.
func readPaths(t *testing.T, text string, inferRows int, opts Options) (*Table, error) {
	t.Helper()
	defer func(n int) { csvInferRows, plainFastPath = n, true }(csvInferRows)
	csvInferRows = inferRows
	plainFastPath = false
	want, werr := ReadCSV(strings.NewReader(text), "f.csv", opts)
	plainFastPath = true
	got, gerr := ReadCSV(strings.NewReader(text), "f.csv", opts)
	if werr != nil || gerr != nil {
		if werr == nil || gerr == nil || werr.Error() != gerr.Error() {
			t.Fatalf("%q: error %v, the general path's %v", text, gerr, werr)
		}
		return nil, gerr
	}
	requireSameValues(t, want, got)
	return got, nil
}

// requireSameValues is requireSameTable, comparing numbers bit for bit
// (NaN with NaN) and checking Skipped.
func requireSameValues(t *testing.T, want, got *Table) {
	t.Helper()
	if want.Rows != got.Rows || len(want.Columns) != len(got.Columns) {
		t.Fatalf("%d rows and %d columns, want %d and %d", got.Rows, len(got.Columns), want.Rows, len(want.Columns))
	}
	for i, wc := range want.Columns {
		gc := got.Columns[i]
		if wc.Name != gc.Name || wc.Type != gc.Type || wc.Missing != gc.Missing || wc.Skipped != gc.Skipped || len(wc.Num) != len(gc.Num) {
			t.Fatalf("column %d: got %+v, want %+v", i, gc, wc)
		}
		for j := range wc.Num {
			if !sameFloat(wc.Num[j], gc.Num[j]) {
				t.Fatalf("column %s, value %d: got %v, want %v", wc.Name, j, gc.Num[j], wc.Num[j])
			}
		}
		if strings.Join(wc.Values(), "\x00") != strings.Join(gc.Values(), "\x00") || len(wc.Codes) != len(gc.Codes) {
			t.Fatalf("column %s: got %q, want %q", wc.Name, gc.Values(), wc.Values())
		}
	}
}

func TestReadCSVPlainRecords(t *testing.T) {
	for name, tc := range map[string]struct{ text, err string }{
		"numbers":            {text: "a,b,c\n1,2,x\n0.345584192064786,-0.46672978493183237,y\n1e5,-1.2345E-05,z\n.5,5.,w\n"},
		"last column number": {text: "c,a\nx,1\ny,2.5\nz,-0\n"},
		"missing values":     {text: "a,b\n1,2\nNA,\n,nan\n-1.#IND,NaN\n#N/A,<NA>\n"},
		"spaces":             {text: "a,b\n1,2\n 3, 4\n5 ,6 \n"},
		"inf and nan":        {text: "a,b\n1,2\ninf,-Infinity\nNAN,+inf\n"},
		"strconv only":       {text: "a,b\n1,2\n0x1p-2,1e-400000\n1e-400,5e-324\n"},
		"overflow":           {text: "a,b\n1,2\n1e309,2\n", err: `f.csv, row 3, column "a": "1e309" is not a number`},
		"many digits":        {text: "a,b\n1,2\n1234567890123456789012345,0.1000000000000000055511151231257827021181583404541015625\n"},
		"crlf":               {text: "a,b\r\n1,2\r\n3,4\r\n5,6"},
		"quoted later":       {text: "a,b\n1,x\n\"2\",\"y,z\"\n3,w\n"},
		"empty lines":        {text: "a,b\n1,x\n\n\n2,y\n"},
		"bad number":         {text: "a,b\n1,2\n3,4x\n", err: `f.csv, row 3, column "b": "4x" is not a number`},
		"half exponent":      {text: "a,b\n1,2\n1e,4\n", err: `f.csv, row 3, column "a": "1e" is not a number`},
		"too few":            {text: "a,b,c\n1,2,3\n4,5\n", err: "f.csv, row 3: has 2 fields, the header has 3"},
		"too many":           {text: "a,b\n1,2\n3,4,5\n", err: "f.csv, row 3: has 3 fields, the header has 2"},
		"trailing comma":     {text: "a,b\n1,2\n3,4,\n", err: "f.csv, row 3: has 3 fields, the header has 2"},
		"count before value": {text: "a,b\n1,2\nx,4,5\n", err: "f.csv, row 3: has 3 fields, the header has 2"},
		"bad before short":   {text: "a,b,c\n1,2,3\nx,4\n", err: "f.csv, row 3: has 2 fields, the header has 3"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := readPaths(t, tc.text, 1, Options{})
			if tc.err == "" {
				require.NoError(t, err)
			} else {
				require.ErrorContains(t, err, tc.err)
			}
		})
	}
}

func TestReadCSVColumns(t *testing.T) {
	text := "a,b,c\n1,x,0.5\n2,y,bad\n3,z,1.5\n"
	opts := Options{Types: map[string]Type{"c": Numerical}}
	_, err := read(t, text, opts)
	require.EqualError(t, err, `data.csv, row 3, column "c": "bad" is not a number, but the column looked numerical in the first rows; declare it categorical (--schema)`)

	opts.Columns = []string{"a", "b"}
	tb, err := readPaths(t, text, 1, opts)
	require.NoError(t, err, "c's values are not checked")
	require.Equal(t, 3, tb.Rows)
	require.Equal(t, []float64{1, 2, 3}, tb.Column("a").Num)
	require.Equal(t, []string{"x", "y", "z"}, tb.Column("b").Values())
	c := tb.Column("c")
	require.True(t, c.Skipped)
	require.Equal(t, Numerical, c.Type)
	require.Empty(t, c.Num)

	// RowPrefix: the rows are read as far as column b only.
	opts.Columns, opts.RowPrefix = []string{"a", "b"}, true
	tb, err = readPaths(t, "a,b,c\n1,x,0.5\n2,y,bad,extra\n3,z\n", 1, Options{Columns: []string{"a"}})
	require.EqualError(t, err, "f.csv, row 3: has 4 fields, the header has 3")
	func() {
		defer func(n int) { csvInferRows = n }(csvInferRows)
		csvInferRows = 1 // RowPrefix applies to the rows after those that decide the types
		tb, err = read(t, "a,b,c\n1,x,0.5\n2,y,bad,extra\n3,z,\n", opts)
		require.NoError(t, err)
		require.Equal(t, []float64{1, 2, 3}, tb.Column("a").Num)
		require.Equal(t, []string{"x", "y", "z"}, tb.Column("b").Values())
		_, err = read(t, "a,b,c\n1,x,0.5\n2\n", opts)
		require.EqualError(t, err, "data.csv, row 3: has 1 fields, the header has 3", "a row that ends before the columns read")
	}()
	opts.RowPrefix = false

	opts.Columns = []string{"a", "d"}
	_, err = read(t, text, opts)
	require.EqualError(t, err, `data.csv, column "d": no such column`)

	cols, err := ReadCSVSchema(writeFile(t, t.TempDir(), "s.csv", "n,c\n1,a\n2.5,b\n"), Options{})
	require.NoError(t, err)
	require.Len(t, cols, 2)
	require.Equal(t, Column{Name: "n", Type: Numerical, Skipped: true}, *cols[0])
	require.Equal(t, Column{Name: "c", Type: Categorical, Skipped: true}, *cols[1])
}

// FuzzReadCSVPlainRecords checks that appendPlain reads what the general
// path reads, and that reading some columns reads them as reading all
// does.
func FuzzReadCSVPlainRecords(f *testing.F) {
	f.Add("a,b\n1,x\n2.5,y\n-3e2,z\n", uint8(1), uint8(1))
	f.Add("a,b,c\n1,2,3\n4,,6\n7,8\n", uint8(1), uint8(2))
	f.Add("a,b\n1,2\n 3,4 \nNA,-1.#IND\n0x10,1_0\n", uint8(2), uint8(3))
	f.Add("a,b\n1,2\n3,4,5\n\"6\",7\n", uint8(1), uint8(0))
	f.Fuzz(func(t *testing.T, text string, inferRows, keep uint8) {
		full, err := readPaths(t, text, 1+int(inferRows)%3, Options{})
		if err != nil {
			return
		}
		// Keep the columns whose bit is set in keep.
		names := []string{}
		for i, c := range full.Columns {
			if keep>>(i%8)&1 == 1 {
				names = append(names, c.Name)
			}
		}
		some, err := readPaths(t, text, 1+int(inferRows)%3, Options{Columns: names})
		if err != nil {
			t.Fatalf("reading columns %q fails (%v), reading all does not", names, err)
		}
		// A later pass may stop reading rows after its last column.
		defer func(n int) { csvInferRows = n }(csvInferRows)
		csvInferRows = 1 + int(inferRows)%3
		prefix, err := ReadCSV(strings.NewReader(text), "f.csv", Options{Columns: names, RowPrefix: true})
		if err != nil {
			t.Fatalf("reading columns %q, RowPrefix, fails (%v), reading all does not", names, err)
		}
		for _, got := range []*Table{some, prefix} {
			for i, c := range got.Columns {
				fc := *full.Columns[i]
				if c.Skipped {
					fc = Column{Name: fc.Name, Type: fc.Type, Skipped: true}
				}
				requireSameValues(t, &Table{Rows: full.Rows, Columns: []*Column{&fc}}, &Table{Rows: got.Rows, Columns: []*Column{c}})
			}
		}
	})
}

func TestColumnCodes(t *testing.T) {
	var c Column
	var levels []string
	for i := range 5000 {
		s := strconv.Itoa(i)
		switch i % 4 {
		case 1:
			s += "\x00" // differs from i's digits only by a zero byte
		case 2:
			s = strings.Repeat(s, 5) // longer than 8 bytes
		case 3:
			s = ""
			if i%8 == 3 {
				s = "\x00"
			}
			s += fmt.Sprintf("%c", rune(i))
		}
		if slices.Contains(levels, s) {
			continue
		}
		levels = append(levels, s)
	}
	for round := range 2 {
		for i, s := range levels {
			require.Equal(t, uint32(i), c.code([]byte(s)), "round %d, %q", round, s)
		}
	}
	require.Equal(t, levels, c.Levels)
}

func TestFieldEnd(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	alphabet := []byte{',', '+', '-', 0x2B, 0x2D, 0x00, 0x01, 0xAC, 0xFF, '1', 'a'}
	for range 20000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		pos := rng.IntN(len(b) + 1)
		want := len(b)
		if k := bytes.IndexByte(b[pos:], ','); k >= 0 {
			want = pos + k
		}
		require.Equal(t, want, fieldEnd(b, pos), "%q from %d", b, pos)
	}
}
