// Package dataset reads tabular files (CSV for now) into typed columns for
// batch drift checks: numerical columns as float64, categorical columns as
// strings. Column types are inferred from the first rows, as pandas infers
// dtypes; a later value that does not fit is an error naming the file, the
// row and the column.
package dataset

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// InferRows is how many data rows decide whether a column is numerical.
const InferRows = 10000

// Type is a column's kind.
type Type string

// Column kinds.
const (
	Numerical   Type = "num"
	Categorical Type = "cat"
)

// Column is one column of a table. Missing values are NaN in Num and are
// left out of Cat (Missing counts them).
type Column struct {
	Name    string
	Type    Type
	Num     []float64
	Cat     []string
	Missing int
}

// Table is a file read into columns.
type Table struct {
	Path    string
	Rows    int
	Columns []*Column
}

// Column returns the column with the given name, or nil.
func (t *Table) Column(name string) *Column {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// IsMissing reports whether a CSV field is a missing value, using pandas'
// default na_values.
func IsMissing(s string) bool {
	switch s {
	case "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
		"<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null":
		return true
	}
	return false
}

// Error is a problem in a file at a row (1-based, the header is row 1) and
// column.
type Error struct {
	Path   string
	Row    int
	Column string
	Err    error
}

func (e *Error) Error() string {
	where := e.Path
	if e.Row > 0 {
		where += fmt.Sprintf(", row %d", e.Row)
	}
	if e.Column != "" {
		where += fmt.Sprintf(", column %q", e.Column)
	}
	return where + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Options tune reading.
type Options struct {
	// Types forces a column's type instead of inferring it.
	Types map[string]Type
}

// ReadCSV reads a CSV file with a header row.
func ReadCSV(r io.Reader, path string, opts Options) (*Table, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1 // checked below, with a clearer message
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &Error{Path: path, Err: errors.New("the file is empty; it needs a header row")}
	}
	if err != nil {
		return nil, csvError(path, err)
	}
	t := &Table{Path: path}
	seen := map[string]bool{}
	for i, h := range header {
		name := strings.TrimSpace(h)
		if i == 0 {
			name = strings.TrimPrefix(name, "\ufeff")
		}
		if name == "" {
			return nil, &Error{Path: path, Row: 1, Err: fmt.Errorf("column %d has no name in the header", i+1)}
		}
		if seen[name] {
			return nil, &Error{Path: path, Row: 1, Column: name, Err: errors.New("the header names this column twice")}
		}
		seen[name] = true
		t.Columns = append(t.Columns, &Column{Name: name, Type: opts.Types[name]})
	}

	// Rows are buffered as strings until InferRows decide the types.
	var pending [][]string
	intern := map[string]string{}
	row := 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		row++
		if err != nil {
			return nil, csvError(path, err)
		}
		if len(rec) != len(t.Columns) {
			return nil, &Error{Path: path, Row: row, Err: fmt.Errorf("has %d fields, the header has %d", len(rec), len(t.Columns))}
		}
		if pending != nil || t.Rows < InferRows {
			if pending == nil && t.Rows == 0 {
				pending = make([][]string, 0, 1024)
			}
			pending = append(pending, internAll(intern, rec))
			t.Rows++
			if t.Rows == InferRows {
				if err := t.settle(pending, 2); err != nil {
					return nil, err
				}
				pending = nil
			}
			continue
		}
		t.Rows++
		if err := t.appendRow(rec, row, intern); err != nil {
			return nil, err
		}
	}
	if pending != nil || t.Rows == 0 {
		if err := t.settle(pending, 2); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func internAll(m map[string]string, rec []string) []string {
	out := make([]string, len(rec))
	for i, s := range rec {
		v, ok := m[s]
		if !ok {
			if len(m) < 1<<20 {
				s = strings.Clone(s)
				m[s] = s
			} else {
				s = strings.Clone(s)
			}
			v = s
		}
		out[i] = v
	}
	return out
}

// settle decides the column types from the buffered rows and appends them.
func (t *Table) settle(rows [][]string, firstRow int) error {
	for i, c := range t.Columns {
		if c.Type != "" {
			continue
		}
		c.Type = Numerical
		nonMissing := 0
		for _, r := range rows {
			s := r[i]
			if IsMissing(s) {
				continue
			}
			nonMissing++
			if _, err := parseNum(s); err != nil {
				c.Type = Categorical
				break
			}
		}
		if nonMissing == 0 {
			c.Type = Categorical
		}
	}
	intern := map[string]string{}
	for j, r := range rows {
		if err := t.appendRow(r, firstRow+j, intern); err != nil {
			return err
		}
	}
	return nil
}

func (t *Table) appendRow(rec []string, row int, intern map[string]string) error {
	for i, c := range t.Columns {
		s := rec[i]
		if IsMissing(s) {
			c.Missing++
			if c.Type == Numerical {
				c.Num = append(c.Num, math.NaN())
			}
			continue
		}
		if c.Type == Numerical {
			v, err := parseNum(s)
			if err != nil {
				return &Error{Path: t.Path, Row: row, Column: c.Name, Err: fmt.Errorf(
					"%q is not a number, but the column looked numerical in the first rows; declare it categorical (--schema)", s)}
			}
			c.Num = append(c.Num, v)
			continue
		}
		v, ok := intern[s]
		if !ok {
			v = strings.Clone(s)
			if len(intern) < 1<<20 {
				intern[v] = v
			}
		}
		c.Cat = append(c.Cat, v)
	}
	return nil
}

func parseNum(s string) (float64, error) {
	return strconv.ParseFloat(strings.TrimSpace(s), 64)
}

func csvError(path string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &Error{Path: path, Row: pe.StartLine, Err: fmt.Errorf("malformed CSV: %w", pe.Err)}
	}
	return &Error{Path: path, Err: fmt.Errorf("reading: %w", err)}
}
