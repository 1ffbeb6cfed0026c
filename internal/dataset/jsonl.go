package dataset

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"

	"github.com/valyala/fastjson"
)

// ReadJSONL reads JSON Lines from r: one JSON object per line, blank lines
// skipped; path names it in errors. The columns are the union of the
// objects' keys, in the order they first appear. A null value or an absent
// key is a missing value, as is NaN (which Python's json module writes).
// Types are inferred from the first InferRows objects, as for CSV: a column
// is numerical when every non-missing value there is a JSON number, and
// categorical otherwise (strings and booleans, as "true" and "false", are
// categories; so is a number's text in a categorical column). A key that
// first appears after those rows makes a categorical column, as a CSV
// column that is all missing in the first rows does. Nested objects and
// arrays are errors naming the line and key.
func ReadJSONL(r io.Reader, path string, opts Options) (*Table, error) {
	return readJSONL(r, path, opts, 0)
}

func readJSONL(r io.Reader, path string, opts Options, size int64) (*Table, error) {
	jr := &jsonlReader{
		t:      &Table{Path: path},
		opts:   opts,
		index:  map[string]int{},
		intern: map[string]string{},
		size:   size,
	}
	jr.visit = jr.field
	return jr.read(r)
}

// ReadJSONLFile opens and reads a JSON Lines file.
func ReadJSONLFile(path string, opts Options) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	return readJSONL(progressReader(f, opts.Progress), path, opts, size)
}

type jsonKind uint8

const (
	jsonMissing jsonKind = iota
	jsonNumber
	jsonString
	jsonBool
)

// jsonValue is a value buffered until the column types are settled: a
// number's text and value, a string, or "true"/"false".
type jsonValue struct {
	kind jsonKind
	text string
	num  float64
}

type jsonlReader struct {
	t        *Table
	opts     Options
	index    map[string]int // key -> column
	seen     []int          // the last row that set each column
	intern   map[string]string
	parser   fastjson.Parser
	visit    func(key []byte, v *fastjson.Value)
	size     int64 // the file's size, when known, to size the columns
	consumed int64 // bytes of the lines read so far

	// Until InferRows rows are read, values wait in pending (one slice
	// per column, one value per row) with each row's line in lines.
	settled bool
	pending [][]jsonValue
	lines   []int

	// The row being read.
	row, line int
	fieldAt   int // the index of the field in the object
	err       error
	numText   []byte
}

func (jr *jsonlReader) read(r io.Reader) (*Table, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var long []byte
	for {
		b, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, b...)
			continue
		}
		if len(long) > 0 {
			long = append(long, b...)
			b = long
		}
		if len(b) > 0 {
			jr.line++
			jr.consumed += int64(len(b))
			if err := jr.object(b); err != nil {
				return nil, err
			}
		}
		long = long[:0]
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &Error{Path: jr.t.Path, Err: fmt.Errorf("reading: %w", err)}
		}
	}
	if jr.t.Rows == 0 {
		return nil, &Error{Path: jr.t.Path, Err: errors.New("the file has no JSON objects; JSON Lines needs one object per line")}
	}
	if !jr.settled {
		if err := jr.settle(); err != nil {
			return nil, err
		}
	}
	return jr.t, nil
}

// object reads one line.
func (jr *jsonlReader) object(b []byte) error {
	if jr.line == 1 {
		b = bytes.TrimPrefix(b, []byte("\ufeff"))
	}
	b = bytes.Trim(b, " \t\r\n") // JSON's whitespace
	if len(b) == 0 {
		return nil
	}
	v, err := jr.parser.ParseBytes(b)
	if err != nil {
		return &Error{Path: jr.t.Path, Line: jr.line, Err: fmt.Errorf("malformed JSON: %w", err)}
	}
	o, err := v.Object()
	if err != nil {
		return &Error{Path: jr.t.Path, Line: jr.line, Err: fmt.Errorf("expected a JSON object, got %s", v.Type())}
	}
	jr.row = jr.t.Rows + 1
	jr.fieldAt = 0
	if !jr.settled {
		jr.lines = append(jr.lines, jr.line)
	}
	o.Visit(jr.visit)
	if jr.err != nil {
		return jr.err
	}
	for i, c := range jr.t.Columns {
		if jr.seen[i] == jr.row {
			continue
		}
		if jr.settled {
			c.appendMissing()
		} else {
			jr.pending[i] = append(jr.pending[i], jsonValue{})
		}
	}
	jr.t.Rows++
	if !jr.settled && jr.t.Rows == InferRows {
		return jr.settle()
	}
	return nil
}

// field reads one key and value of the current object (fastjson's Visit
// callback; errors go to jr.err).
func (jr *jsonlReader) field(key []byte, v *fastjson.Value) {
	if jr.err != nil {
		return
	}
	// Objects usually list their keys in the same order: try the column
	// at this position before the map.
	i := jr.fieldAt
	jr.fieldAt++
	if i >= len(jr.t.Columns) || jr.t.Columns[i].Name != string(key) {
		var ok bool
		if i, ok = jr.index[string(key)]; !ok {
			i = jr.newColumn(string(key))
		}
	}
	c := jr.t.Columns[i]
	if jr.seen[i] == jr.row {
		jr.err = &Error{Path: jr.t.Path, Line: jr.line, Column: c.Name, Err: errors.New("the object has this key twice")}
		return
	}
	jr.seen[i] = jr.row
	var (
		kind jsonKind
		text []byte
		num  float64
	)
	switch v.Type() {
	case fastjson.TypeNull:
	case fastjson.TypeNumber:
		jr.numText = v.MarshalTo(jr.numText[:0])
		f, err := parseFloat(jr.numText)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			jr.err = &Error{Path: jr.t.Path, Line: jr.line, Column: c.Name, Err: fmt.Errorf("malformed number %q", jr.numText)}
			return
		}
		if !math.IsNaN(f) {
			kind, text, num = jsonNumber, jr.numText, f
		}
	case fastjson.TypeString:
		kind = jsonString
		text, _ = v.StringBytes()
	case fastjson.TypeTrue:
		kind, text = jsonBool, []byte("true")
	case fastjson.TypeFalse:
		kind, text = jsonBool, []byte("false")
	default:
		jr.err = &Error{Path: jr.t.Path, Line: jr.line, Column: c.Name, Err: fmt.Errorf(
			"the value is a JSON %s; only numbers, strings, booleans and null are supported, so flatten nested fields", v.Type())}
		return
	}
	if !jr.settled {
		jr.pending[i] = append(jr.pending[i], jsonValue{kind: kind, text: internBytes(jr.intern, text), num: num})
		return
	}
	if err := c.appendJSON(kind, text, num); err != nil {
		jr.err = &Error{Path: jr.t.Path, Line: jr.line, Column: c.Name, Err: err}
	}
}

func (jr *jsonlReader) newColumn(name string) int {
	c := &Column{Name: name, Type: jr.opts.Types[name]}
	i := len(jr.t.Columns)
	jr.t.Columns = append(jr.t.Columns, c)
	jr.index[name] = i
	jr.seen = append(jr.seen, 0)
	if !jr.settled {
		jr.pending = append(jr.pending, make([]jsonValue, jr.t.Rows, max(jr.t.Rows, InferRows)))
		return i
	}
	// Missing in every row so far, which settles a CSV column as
	// categorical.
	if c.Type == "" {
		c.Type = Categorical
	}
	for range jr.t.Rows {
		c.appendMissing()
	}
	return i
}

// settle decides the column types from the buffered rows and appends them.
func (jr *jsonlReader) settle() error {
	for i, c := range jr.t.Columns {
		if c.Type == "" {
			c.Type = inferJSON(jr.pending[i])
		}
		capacity := len(jr.pending[i])
		if jr.size > 0 && jr.consumed > 0 && jr.t.Rows == InferRows {
			capacity = int(float64(jr.size) / float64(jr.consumed) * float64(jr.t.Rows) * 1.02)
		}
		if c.Type == Numerical {
			c.Num = make([]float64, 0, capacity)
		} else {
			c.Codes = make([]uint32, 0, capacity)
		}
		for j, v := range jr.pending[i] {
			if err := c.appendJSON(v.kind, unsafeBytes(v.text), v.num); err != nil {
				return &Error{Path: jr.t.Path, Line: jr.lines[j], Column: c.Name, Err: err}
			}
		}
	}
	jr.settled, jr.pending, jr.lines = true, nil, nil
	return nil
}

// inferJSON is the CSV rule for JSON values: numerical when every
// non-missing value is a number and there is at least one.
func inferJSON(vs []jsonValue) Type {
	typ := Categorical
	for _, v := range vs {
		switch v.kind {
		case jsonMissing:
		case jsonNumber:
			typ = Numerical
		default:
			return Categorical
		}
	}
	return typ
}

func (c *Column) appendMissing() {
	c.Missing++
	if c.Type == Numerical {
		c.Num = append(c.Num, math.NaN())
	}
}

// appendJSON appends a value read from JSON.
func (c *Column) appendJSON(kind jsonKind, text []byte, num float64) error {
	switch {
	case kind == jsonMissing:
		c.appendMissing()
	case c.Type != Numerical:
		c.Codes = append(c.Codes, c.code(text))
	case kind == jsonNumber:
		c.Num = append(c.Num, num)
	case kind == jsonString && IsMissing(unsafeString(text)):
		c.appendMissing()
	default:
		v, err := parseNum(unsafeString(text))
		if err != nil || kind == jsonBool {
			return fmt.Errorf("%q is not a number, but the column looked numerical in the first rows; declare it categorical (--schema)", text)
		}
		c.Num = append(c.Num, v)
	}
	return nil
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
