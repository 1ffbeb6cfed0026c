package dataset

import (
	"errors"
	"fmt"
	"math"
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
