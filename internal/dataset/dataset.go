// Package dataset reads tabular files (CSV, Parquet and JSON Lines) into
// typed columns for batch drift checks: numerical columns as float64,
// categorical columns as strings. CSV and JSON Lines column types are
// inferred from the first rows, as pandas infers dtypes; a later value that
// does not fit is an error naming the file, the row (or line) and the
// column. Parquet columns keep the types the file declares.
package dataset

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"math/bits"
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
	// Skipped says the column's values were not read (Options.Columns):
	// its name and type are known, Num, Codes, Levels and Missing are empty.
	Skipped bool

	// levelSlots is an open-addressing hash table of Levels: code+1 in the
	// slot a level hashes to (or after it), 0 for an empty slot. It is
	// several times faster than a map[string]uint32 for the lookup of
	// every categorical value.
	levelSlots []uint32
	levelKeys  []uint64 // each level's key from levelHash
}

// Values returns the categorical values as strings (sharing Levels' memory).
func (c *Column) Values() []string {
	out := make([]string, len(c.Codes))
	for i, k := range c.Codes {
		out[i] = c.Levels[k]
	}
	return out
}

// levelSeed seeds the hash of levels longer than 8 bytes.
var levelSeed = maphash.MakeSeed()

// levelHash hashes a level for levelSlots: short levels (most are) by
// multiplying their bytes, packed into key, the others with maphash (key
// is then 0).
func levelHash(b []byte) (h, key uint64) {
	if len(b) > 8 {
		return maphash.Bytes(levelSeed, b), 0
	}
	for i, x := range b {
		key |= uint64(x) << (8 * i)
	}
	return bits.RotateLeft64((key^uint64(len(b)))*0x9E3779B97F4A7C15, 32), key
}

// code returns the code of level b, adding it to Levels if it is new.
func (c *Column) code(b []byte) uint32 {
	if len(c.levelSlots) == 0 {
		c.levelSlots = make([]uint32, 16)
	}
	mask := uint64(len(c.levelSlots) - 1)
	h, key := levelHash(b)
	for i := h & mask; ; i = (i + 1) & mask {
		k := c.levelSlots[i]
		if k == 0 {
			break
		}
		// Short levels compare as integers (their bytes and length).
		if c.levelKeys[k-1] == key && len(c.Levels[k-1]) == len(b) && (key != 0 || c.Levels[k-1] == string(b)) {
			return k - 1
		}
	}
	k := uint32(len(c.Levels))
	c.Levels = append(c.Levels, string(b))
	c.levelKeys = append(c.levelKeys, key)
	if 2*len(c.Levels) > len(c.levelSlots) {
		c.levelSlots = make([]uint32, 4*len(c.levelSlots))
		for j := range c.Levels {
			c.slot(unsafeBytes(c.Levels[j]), uint32(j))
		}
	} else {
		c.slot(b, k)
	}
	return k
}

// slot puts code k of level b into the first free slot from b's hash on.
func (c *Column) slot(b []byte, k uint32) {
	mask := uint64(len(c.levelSlots) - 1)
	h, _ := levelHash(b)
	i := h & mask
	for c.levelSlots[i] != 0 {
		i = (i + 1) & mask
	}
	c.levelSlots[i] = k + 1
}

// Table is a file read into columns.
type Table struct {
	Path    string
	Rows    int
	Columns []*Column

	// plainEnd is the index of the last column appendPlain reads.
	plainEnd int
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
	// columns in parallel, from several goroutines, but calls it from one
	// at a time.
	Progress func(n int64)
	// Columns, when not nil, names the columns whose values to read; the
	// others are Skipped. A skipped column's type is still inferred (or
	// forced by Types), but its values are neither stored nor checked, so
	// a bad value in it is not an error. Reading a large file in several
	// passes over different columns keeps less of it in memory at once.
	// The CSV reader skips the columns as it reads; the Parquet and JSON
	// Lines readers read them and then drop their values. A name that is
	// not in the file is an error.
	Columns []string
	// RowPrefix, with Columns, has the CSV reader read each unquoted row
	// after the first InferRows only as far as the last column in Columns
	// and ignore the rest of the line, so a row with too many fields is
	// not an error. It is for a later pass over a file that an earlier
	// pass read whole, with the columns at the start of the rows.
	RowPrefix bool
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

// ReadCSVSchema returns the columns of a CSV file as ReadCSVFile would
// read them, names and types (inferred from the first InferRows rows unless
// opts.Types forces them), without values (each is Skipped). It reads the
// header and the rows that decide the types only; an error in them is
// returned as ReadCSVFile would return it.
func ReadCSVSchema(path string, opts Options) ([]*Column, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	opts.Columns = []string{}
	t, err := readCSVRows(f, path, opts, 0, csvInferRows)
	if err != nil {
		return nil, err
	}
	return t.Columns, nil
}

// csvInferRows is InferRows; tests lower it to reach the code that reads
// the rows after inference with small files.
var csvInferRows = InferRows

// plainFastPath lets appendPlain read unquoted records; tests turn it off
// to compare with the general path.
var plainFastPath = true

func readCSV(r io.Reader, path string, opts Options, size int64) (*Table, error) {
	return readCSVRows(r, path, opts, size, -1)
}

// readCSVRows reads the file, or its first maxRows data rows when
// maxRows >= 0.
func readCSVRows(r io.Reader, path string, opts Options, size int64, maxRows int) (*Table, error) {
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
	if err := t.skip(opts.Columns); err != nil {
		return nil, err
	}
	t.plainEnd = len(t.Columns) - 1
	if opts.RowPrefix && opts.Columns != nil {
		for t.plainEnd > 0 && t.Columns[t.plainEnd].Skipped {
			t.plainEnd--
		}
	}

	// Rows are buffered until InferRows decide the types.
	pending := newPendingRows(len(t.Columns), size)
	row := 1
	for t.Rows != maxRows {
		rec, quoted, err := sc.record()
		if errors.Is(err, io.EOF) {
			break
		}
		row++
		if err != nil {
			return nil, csvError(path, err)
		}
		if t.Rows >= csvInferRows && !quoted && plainFastPath {
			// The common case: numbers are parsed where they lie in the
			// line, without splitting it into fields first.
			t.Rows++
			if err := t.appendPlain(rec, row); err != nil {
				return nil, err
			}
			continue
		}
		fields, err := sc.split(rec, quoted)
		if err != nil {
			return nil, csvError(path, err)
		}
		if len(fields) != len(t.Columns) {
			return nil, t.fieldCountError(row, len(fields))
		}
		if t.Rows < csvInferRows {
			pending.add(fields)
			t.Rows++
			if t.Rows == csvInferRows {
				if err := t.settle(pending, 2, size); err != nil {
					return nil, err
				}
				pending = nil
			}
			continue
		}
		t.Rows++
		for i, c := range t.Columns {
			if c.Skipped {
				continue
			}
			if err := c.appendBytes(fields[i], t.Path, row); err != nil {
				return nil, err
			}
		}
	}
	if t.Rows < csvInferRows {
		if err := t.settle(pending, 2, 0); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// skip marks the columns not named in names Skipped, when names is not nil.
func (t *Table) skip(names []string) error {
	if names == nil {
		return nil
	}
	keep := make(map[string]bool, len(names))
	for _, n := range names {
		if t.Column(n) == nil {
			return &Error{Path: t.Path, Column: n, Err: errors.New("no such column")}
		}
		keep[n] = true
	}
	for _, c := range t.Columns {
		c.Skipped = !keep[c.Name]
	}
	return nil
}

// appendPlain appends the values of an unquoted record (row, 1-based with
// the header) to the columns that are not skipped. A number that
// parseDecimal reads up to the next comma (or the end of the last field) is
// appended as it is; every other field is cut at the next comma and goes
// through appendBytes, as the fields of quoted records do. Errors are those
// of splitting the record and appending its fields in order: a wrong
// number of fields first, then the first bad value. With RowPrefix it stops
// after the last column it reads.
func (t *Table) appendPlain(rec []byte, row int) error {
	last := len(t.Columns) - 1
	pos := 0
	for j, c := range t.Columns[:t.plainEnd+1] {
		if c.Type == Numerical && !c.Skipped {
			if v, n, ok := parseDecimal(rec[pos:]); ok {
				end := pos + n
				if end < len(rec) && rec[end] == ',' && j < last || end == len(rec) && j == last {
					c.Num = append(c.Num, v)
					pos = end + 1
					continue
				}
			}
		}
		end := fieldEnd(rec, pos)
		if (end == len(rec)) != (j == last) {
			return t.fieldCountError(row, bytes.Count(rec, []byte{','})+1)
		}
		if !c.Skipped {
			if err := c.appendBytes(rec[pos:end], t.Path, row); err != nil {
				if n := bytes.Count(rec, []byte{','}) + 1; n != len(t.Columns) {
					return t.fieldCountError(row, n)
				}
				return err
			}
		}
		pos = end + 1
	}
	return nil
}

// fieldEnd returns the index of the first comma in rec from pos on, or
// len(rec). It looks at eight bytes at a time: fields are short, and a call
// to bytes.IndexByte costs more than it saves on them.
func fieldEnd(rec []byte, pos int) int {
	for ; pos+8 <= len(rec); pos += 8 {
		v := binary.LittleEndian.Uint64(rec[pos:]) ^ 0x2C2C2C2C2C2C2C2C // commas become zero bytes
		// The lowest byte that is zero sets its high bit here (bytes
		// above it may be set wrongly by the borrow; they do not matter).
		if z := (v - 0x0101010101010101) &^ v & 0x8080808080808080; z != 0 {
			return pos + bits.TrailingZeros64(z)>>3
		}
	}
	for pos < len(rec) && rec[pos] != ',' {
		pos++
	}
	return pos
}

func (t *Table) fieldCountError(row, fields int) error {
	return &Error{Path: t.Path, Row: row, Err: fmt.Errorf("has %d fields, the header has %d", fields, len(t.Columns))}
}

// reserve sizes the columns whose values are read for the rows a file of
// size bytes likely holds, going by the first t.Rows rows' sampleBytes.
func (t *Table) reserve(size, sampleBytes int64) {
	if size <= 0 || sampleBytes <= 0 {
		return
	}
	est := int(float64(size) / float64(sampleBytes) * float64(t.Rows) * 1.02)
	for _, c := range t.Columns {
		switch {
		case c.Skipped:
		case c.Type == Numerical:
			c.Num = make([]float64, 0, est)
		default:
			c.Codes = make([]uint32, 0, est)
		}
	}
}

// pendingRows holds the first rows' fields, copied into one buffer, until
// their values decide the column types.
type pendingRows struct {
	ncol int
	buf  []byte
	ends []int // ends[r*ncol+i] is where field i of row r ends in buf
}

// newPendingRows returns pendingRows for ncol columns, sized for the first
// rows of a file of size bytes (0 if unknown): a field takes a byte at
// least, with its comma.
func newPendingRows(ncol int, size int64) *pendingRows {
	p := &pendingRows{ncol: ncol}
	if size > 0 {
		p.buf = make([]byte, 0, min(size, 16<<20))
		p.ends = make([]int, 0, min(size, int64(ncol*csvInferRows)))
	}
	return p
}

func (p *pendingRows) add(fields [][]byte) {
	for _, f := range fields {
		p.buf = append(p.buf, f...)
		p.ends = append(p.ends, len(p.buf))
	}
}

func (p *pendingRows) rows() int { return len(p.ends) / p.ncol }

// field returns field i of row r.
func (p *pendingRows) field(r, i int) []byte {
	k := r*p.ncol + i
	start := 0
	if k > 0 {
		start = p.ends[k-1]
	}
	return p.buf[start:p.ends[k]]
}

// settle decides the column types from the buffered rows (the first is row
// firstRow), sizes the columns for a file of size bytes (when known), and
// appends the rows.
func (t *Table) settle(p *pendingRows, firstRow int, size int64) error {
	for i, c := range t.Columns {
		if c.Type != "" {
			continue
		}
		c.Type = Numerical
		nonMissing := 0
		for r := range p.rows() {
			s := unsafeString(p.field(r, i))
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
	// The fields and the commas between them: the lines' length.
	t.reserve(size, int64(len(p.buf)+len(p.ends)))
	for r := range p.rows() {
		for i, c := range t.Columns {
			if c.Skipped {
				continue
			}
			if err := c.appendBytes(p.field(r, i), t.Path, firstRow+r); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *Column) appendBytes(b []byte, path string, row int) error {
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
