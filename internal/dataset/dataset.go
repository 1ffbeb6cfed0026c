// Package dataset reads tabular files (CSV, Parquet and JSON Lines) into
// typed columns for batch drift checks: numerical columns as float64,
// categorical columns as strings. CSV and JSON Lines column types are
// inferred from the first rows, as pandas infers dtypes; a later value that
// does not fit is an error naming the file, the row (or line) and the
// column. Parquet columns keep the types the file declares.
package dataset

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"unsafe"
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

// Column is one column of a table. Numerical values are in Num, with NaN
// for missing ones. Categorical values are in Codes, indexes into Levels
// (4 bytes a row rather than a 16-byte string), with missing values left
// out; Missing counts them.
type Column struct {
	Name    string
	Type    Type
	Num     []float64
	Codes   []uint32
	Levels  []string
	Missing int

	levelIndex map[string]uint32
}

// Values returns the categorical values as strings (sharing Levels' memory).
func (c *Column) Values() []string {
	out := make([]string, len(c.Codes))
	for i, k := range c.Codes {
		out[i] = c.Levels[k]
	}
	return out
}

func (c *Column) code(b []byte) uint32 {
	if k, ok := c.levelIndex[string(b)]; ok {
		return k
	}
	if c.levelIndex == nil {
		c.levelIndex = map[string]uint32{}
	}
	k := uint32(len(c.Levels))
	s := string(b)
	c.Levels = append(c.Levels, s)
	c.levelIndex[s] = k
	return k
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

// Error is a problem in a file at a row and column. In CSV files rows are
// 1-based and the header is row 1; in Parquet files the first data row is
// row 1. JSON Lines files set Line (1-based, blank lines counted) instead of
// Row, and Column is the object's key.
type Error struct {
	Path   string
	Row    int
	Line   int
	Column string
	Err    error
}

func (e *Error) Error() string {
	where := e.Path
	if e.Row > 0 {
		where += fmt.Sprintf(", row %d", e.Row)
	}
	if e.Line > 0 {
		where += fmt.Sprintf(", line %d", e.Line)
	}
	if e.Column != "" {
		if e.Line > 0 {
			where += fmt.Sprintf(", key %q", e.Column)
		} else {
			where += fmt.Sprintf(", column %q", e.Column)
		}
	}
	return where + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Options tune reading.
type Options struct {
	// Types forces a column's type instead of inferring it (or, for
	// Parquet, instead of the type the file declares).
	Types map[string]Type
	// Progress, when set, is called with the number of bytes read from the
	// file each time a file reader reads more of it. ReadParquetFile reads
	// columns in parallel and calls it from several goroutines at once.
	Progress func(n int64)
}

// ReadCSV reads CSV with a header row from r; path names it in errors.
func ReadCSV(r io.Reader, path string, opts Options) (*Table, error) {
	return readCSV(r, path, opts, 0)
}

// ReadCSVFile opens and reads a CSV file, sizing the columns up front from
// the file's size.
func ReadCSVFile(path string, opts Options) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	return readCSV(progressReader(f, opts.Progress), path, opts, size)
}

func readCSV(r io.Reader, path string, opts Options, size int64) (*Table, error) {
	sc := newScanner(r)
	header, err := sc.next()
	if errors.Is(err, io.EOF) {
		return nil, &Error{Path: path, Err: errors.New("the file is empty; it needs a header row")}
	}
	if err != nil {
		return nil, csvError(path, err)
	}
	t := &Table{Path: path}
	seen := map[string]bool{}
	for i, hb := range header {
		name := strings.TrimSpace(string(hb))
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
	var pendingBytes int64
	intern := map[string]string{}
	row := 1
	for {
		rec, err := sc.next()
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
		if t.Rows < InferRows {
			strs := make([]string, len(rec))
			for i, f := range rec {
				strs[i] = internBytes(intern, f)
				pendingBytes += int64(len(f)) + 1
			}
			pending = append(pending, strs)
			t.Rows++
			if t.Rows == InferRows {
				t.reserve(size, pendingBytes)
				if err := t.settle(pending, 2, intern); err != nil {
					return nil, err
				}
				pending = nil
			}
			continue
		}
		t.Rows++
		for i, c := range t.Columns {
			if err := c.appendBytes(rec[i], t.Path, row, intern); err != nil {
				return nil, err
			}
		}
	}
	if t.Rows < InferRows {
		if err := t.settle(pending, 2, intern); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// reserve sizes the columns for the rows the file is likely to hold.
func (t *Table) reserve(size, sampleBytes int64) {
	if size <= 0 || sampleBytes <= 0 {
		return
	}
	est := int(float64(size) / float64(sampleBytes) * float64(t.Rows) * 1.02)
	for _, c := range t.Columns {
		if c.Type == Numerical || c.Type == "" {
			c.Num = make([]float64, 0, est)
		}
	}
}

func internBytes(m map[string]string, b []byte) string {
	if v, ok := m[string(b)]; ok {
		return v
	}
	s := string(b)
	if len(m) < 1<<20 {
		m[s] = s
	}
	return s
}

// settle decides the column types from the buffered rows and appends them.
func (t *Table) settle(rows [][]string, firstRow int, intern map[string]string) error {
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
	for j, r := range rows {
		for i, c := range t.Columns {
			if err := c.appendBytes(unsafeBytes(r[i]), t.Path, firstRow+j, intern); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *Column) appendBytes(b []byte, path string, row int, intern map[string]string) error {
	s := unsafeString(b) // not retained: parseNum and map lookups copy
	if IsMissing(s) {
		c.Missing++
		if c.Type == Numerical {
			c.Num = append(c.Num, math.NaN())
		}
		return nil
	}
	if c.Type == Numerical {
		v, err := parseNum(s)
		if err != nil {
			return &Error{Path: path, Row: row, Column: c.Name, Err: fmt.Errorf(
				"%q is not a number, but the column looked numerical in the first rows; declare it categorical (--schema)", s)}
		}
		c.Num = append(c.Num, v)
		return nil
	}
	c.Codes = append(c.Codes, c.code(b))
	return nil
}

func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

func parseNum(s string) (float64, error) {
	return parseFloat(unsafeBytes(strings.TrimSpace(s)))
}

func csvError(path string, err error) error {
	var line int
	if _, e := fmt.Sscanf(err.Error(), "line %d:", &line); e == nil {
		msg := err.Error()
		msg = msg[strings.Index(msg, ":")+2:]
		return &Error{Path: path, Row: line, Err: fmt.Errorf("malformed CSV: %s", msg)}
	}
	return &Error{Path: path, Err: fmt.Errorf("reading: %w", err)}
}
