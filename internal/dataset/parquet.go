package dataset

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/snappy"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
	"github.com/pierrec/lz4/v4"
)

// ReadParquetFile opens and reads a Parquet file.
func ReadParquetFile(path string, opts Options) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	var r io.ReaderAt = f
	if opts.Progress != nil {
		r = &countingReaderAt{r: f, progress: opts.Progress}
	}
	return ReadParquet(r, st.Size(), path, opts)
}

// ReadParquet reads a Parquet file of size bytes from r; path names it in
// errors. Columns keep the file's types rather than being inferred:
// INT32, INT64 (decimals scaled, timestamps and dates as their integer
// counts), INT96 (as Unix nanoseconds), FLOAT, DOUBLE and FLOAT16 columns are
// numerical; BOOLEAN columns are categorical with the values "true" and
// "false", as they read from CSV; BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY columns
// (strings, enums, UUIDs) are categorical, even when the strings look like
// numbers. Options.Types can force either type. Nulls and NaNs are missing
// values; a numerical column with no values at all is categorical, as in
// CSV. Nested and repeated columns are errors naming the column. Columns
// that hold a pandas index (listed in pyarrow's "pandas" metadata) are left
// out, as pandas.read_parquet leaves them out of the data. Columns are read
// in parallel, straight from their pages.
func ReadParquet(r io.ReaderAt, size int64, path string, opts Options) (t *Table, err error) {
	defer recoverParquet(path, "", &err)
	if err := checkParquetFooter(r, size); err != nil {
		return nil, &Error{Path: path, Err: fmt.Errorf("not a readable Parquet file: %w", err)}
	}
	pf, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true), parquet.ReadBufferSize(256<<10))
	if err != nil {
		return nil, &Error{Path: path, Err: fmt.Errorf("not a readable Parquet file: %w", err)}
	}
	if err := checkParquetPages(r, size, pf.Metadata()); err != nil {
		return nil, &Error{Path: path, Err: fmt.Errorf("malformed Parquet file: %w", err)}
	}
	var rows int64
	for _, rg := range pf.RowGroups() {
		rows += rg.NumRows()
	}
	if rows != pf.NumRows() || rows < 0 {
		return nil, &Error{Path: path, Err: fmt.Errorf("malformed Parquet file: %d rows in the row groups, %d in the footer", rows, pf.NumRows())}
	}
	t = &Table{Path: path, Rows: int(rows)}
	// Size the columns up front, but no further than 8 values a byte: a
	// damaged footer may claim any number of rows. (Appends grow past it
	// for the rare file that packs more, such as long runs of nulls.)
	prealloc := int(min(rows, 8*size+1024))
	var cols []*pqColumn
	seen := map[string]bool{}
	index := pandasIndex(pf)
	for _, leaf := range pf.Root().Columns() {
		if index[leaf.Name()] {
			continue
		}
		pc, err := newPQColumn(path, leaf, opts, t.Rows, prealloc)
		if err != nil {
			return nil, err
		}
		if seen[pc.col.Name] {
			return nil, &Error{Path: path, Column: pc.col.Name, Err: errors.New("the schema names this column twice")}
		}
		seen[pc.col.Name] = true
		cols = append(cols, pc)
		t.Columns = append(t.Columns, pc.col)
	}

	groups := pf.RowGroups()
	errs := make([]error, len(cols))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(cols)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(cols) {
					return
				}
				errs[i] = cols[i].read(groups)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return t, nil
}

// pandasIndex returns the columns that hold a pandas DataFrame's index, as
// listed in the "pandas" metadata pyarrow writes: pandas.read_parquet makes
// them the index, so they are not data columns. (A RangeIndex is stored as
// metadata only.)
func pandasIndex(pf *parquet.File) map[string]bool {
	meta, ok := pf.Lookup("pandas")
	if !ok {
		return nil
	}
	var m struct {
		IndexColumns []json.RawMessage `json:"index_columns"`
	}
	if json.Unmarshal([]byte(meta), &m) != nil {
		return nil
	}
	index := map[string]bool{}
	for _, raw := range m.IndexColumns {
		var name string
		if json.Unmarshal(raw, &name) == nil {
			index[name] = true
		}
	}
	return index
}

// checkParquetFooter checks the magic bytes and the footer's length before
// parquet-go allocates a buffer of that length.
func checkParquetFooter(r io.ReaderAt, size int64) error {
	if size < 12 {
		return fmt.Errorf("%d bytes is too short", size)
	}
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return err
	}
	if string(tail[4:]) != "PAR1" {
		return errors.New("the file does not end with Parquet's magic bytes (truncated, or not Parquet)")
	}
	if n := int64(binary.LittleEndian.Uint32(tail[:4])); n > size-12 {
		return fmt.Errorf("the footer claims %d bytes, more than the file holds (truncated?)", n)
	}
	return nil
}

// maxPageSize bounds a page's uncompressed size, unless its compressed size
// times maxPageRatio is larger. (A variable so that the fuzz test can lower
// it: each damaged header may cost an allocation of this size.)
var maxPageSize int64 = 256 << 20

const maxPageRatio = 1024

// checkParquetPages walks the page headers of every column chunk and checks
// that the pages lie inside their chunk and the chunks inside the file.
// parquet-go allocates what a page header claims before reading it, so a
// damaged header could otherwise cost gigabytes before the read fails.
func checkParquetPages(r io.ReaderAt, size int64, meta *format.FileMetaData) error {
	var (
		compact thrift.CompactProtocol
		header  format.PageHeader
	)
	for g, rg := range meta.RowGroups {
		for _, cc := range rg.Columns {
			md := &cc.MetaData
			start, end := md.DataPageOffset, md.DataPageOffset+md.TotalCompressedSize
			if md.DictionaryPageOffset != 0 {
				start, end = md.DictionaryPageOffset, md.DictionaryPageOffset+md.TotalCompressedSize
			}
			where := fmt.Sprintf("row group %d, column %q", g+1, md.PathInSchema)
			if md.TotalCompressedSize < 0 || start < 4 || end > size-8 || end < start {
				return fmt.Errorf("%s: the column chunk lies outside the file", where)
			}
			for pos := start; pos < end; {
				cr := &countingReader{r: io.NewSectionReader(r, pos, end-pos), progress: func(int64) {}}
				var n int64
				cr.progress = func(k int64) { n += k }
				br := bufio.NewReaderSize(cr, 512)
				header = format.PageHeader{}
				if err := thrift.NewDecoder(compact.NewReader(br)).Decode(&header); err != nil {
					return fmt.Errorf("%s: page header at byte %d: %w", where, pos, err)
				}
				pos += n - int64(br.Buffered())
				c, u := int64(header.CompressedPageSize), int64(header.UncompressedPageSize)
				if c < 0 || c > end-pos || u < 0 || u > max(maxPageSize, maxPageRatio*c) {
					return fmt.Errorf("%s: a page header claims %d bytes (%d uncompressed) with %d left in the chunk", where, c, u, end-pos)
				}
				if err := checkCompressedPage(r, md.Codec, &header, pos); err != nil {
					return fmt.Errorf("%s: page at byte %d: %w", where, pos, err)
				}
				pos += c
			}
		}
	}
	return nil
}

// checkCompressedPage checks what parquet-go's decompressors would trust:
// a Snappy page's decoded length, and that an LZ4_RAW page decompresses
// (parquet-go doubles its buffer for as long as LZ4 fails).
func checkCompressedPage(r io.ReaderAt, codec format.CompressionCodec, h *format.PageHeader, pos int64) error {
	if codec != format.Snappy && codec != format.Lz4Raw {
		return nil
	}
	c, u := int64(h.CompressedPageSize), int64(h.UncompressedPageSize)
	if v2 := h.DataPageHeaderV2; v2.Valid {
		if v2.V.IsCompressed.Valid && !v2.V.IsCompressed.V {
			return nil
		}
		levels := int64(v2.V.RepetitionLevelsByteLength) + int64(v2.V.DefinitionLevelsByteLength)
		if levels < 0 || levels > c || levels > u {
			return fmt.Errorf("the levels claim %d bytes of a %d-byte page", levels, c)
		}
		pos, c, u = pos+levels, c-levels, u-levels
	}
	if codec == format.Snappy {
		b := make([]byte, min(c, 10))
		if _, err := r.ReadAt(b, pos); err != nil {
			return err
		}
		if n, err := snappy.DecodedLen(b); err != nil || int64(n) > u {
			return fmt.Errorf("the Snappy data claims more bytes than the page's %d", u)
		}
		return nil
	}
	src := make([]byte, c)
	if _, err := r.ReadAt(src, pos); err != nil {
		return err
	}
	if _, err := lz4.UncompressBlock(src, make([]byte, u)); err != nil && c > 0 {
		return fmt.Errorf("the LZ4 data does not decompress into the page's %d bytes", u)
	}
	return nil
}

// recoverParquet turns a panic while decoding a damaged file into an error.
func recoverParquet(path, column string, err *error) {
	if p := recover(); p != nil {
		*err = &Error{Path: path, Column: column, Err: fmt.Errorf("malformed Parquet file: %v", p)}
	}
}

// pqColumn reads one top-level Parquet column into a Column.
type pqColumn struct {
	path   string
	leaf   *parquet.Column
	col    *Column
	rows   int
	kind   parquet.Kind
	maxDef byte
	// Conversions of the physical values.
	scale    float64 // decimals: divide by this
	unsigned bool
	float16  bool
	uuid     bool
	natural  Type // the column's type by the file
	forced   bool // the type differs from the file's: convert value by value

	row int // rows read so far
	// The current chunk's dictionary, converted.
	dict      parquet.Dictionary
	dictNum   []float64
	dictCodes []uint32
	// Scratch buffers.
	num    []float64
	codes  []uint32
	values []parquet.Value
}

func newPQColumn(path string, leaf *parquet.Column, opts Options, rows, prealloc int) (*pqColumn, error) {
	name := leaf.Name()
	if !leaf.Leaf() {
		return nil, &Error{Path: path, Column: name, Err: errors.New(
			"nested columns (structs, lists, maps) are not supported; flatten the column or leave it out of the file")}
	}
	if leaf.Repeated() {
		return nil, &Error{Path: path, Column: name, Err: errors.New(
			"repeated columns are not supported; flatten the column or leave it out of the file")}
	}
	typ := leaf.Type()
	pc := &pqColumn{path: path, leaf: leaf, rows: rows, kind: typ.Kind(), maxDef: byte(leaf.MaxDefinitionLevel()), scale: 1}
	var logical format.LogicalTypeValue
	if lt := typ.LogicalType(); lt != nil {
		logical = lt.Value
	}
	natural := Numerical
	switch pc.kind {
	case parquet.Boolean:
		natural = Categorical
	case parquet.Int32, parquet.Int64:
		switch lt := logical.(type) {
		case *format.DecimalType:
			pc.scale = math.Pow10(int(lt.Scale))
		case *format.IntType:
			pc.unsigned = !lt.IsSigned
		}
	case parquet.ByteArray, parquet.FixedLenByteArray:
		natural = Categorical
		switch logical.(type) {
		case *format.DecimalType:
			return nil, &Error{Path: path, Column: name, Err: fmt.Errorf(
				"DECIMAL stored as %s is not supported; store it as INT32, INT64 or DOUBLE", pc.kind)}
		case *format.Float16Type:
			if pc.kind == parquet.FixedLenByteArray && typ.Length() == 2 {
				natural, pc.float16 = Numerical, true
			}
		case *format.UUIDType:
			pc.uuid = pc.kind == parquet.FixedLenByteArray && typ.Length() == 16
		}
	}
	if _, ok := logical.(*format.NullType); ok {
		natural = Categorical
	}
	pc.natural = natural
	pc.col = &Column{Name: name, Type: natural}
	if forced := opts.Types[name]; forced != "" {
		pc.col.Type = forced
		pc.forced = forced != natural
	}
	if pc.col.Type == Numerical {
		pc.col.Num = make([]float64, 0, prealloc)
	} else {
		pc.col.Codes = make([]uint32, 0, prealloc)
	}
	return pc, nil
}

func (pc *pqColumn) read(groups []parquet.RowGroup) (err error) {
	defer recoverParquet(pc.path, pc.col.Name, &err)
	for g, rg := range groups {
		chunks := rg.ColumnChunks()
		if err := pc.readChunk(chunks[pc.leaf.Index()]); err != nil {
			if de := (*Error)(nil); errors.As(err, &de) {
				return err
			}
			return &Error{Path: pc.path, Column: pc.col.Name, Err: fmt.Errorf("row group %d: %w", g+1, err)}
		}
	}
	if pc.row != pc.rows {
		return &Error{Path: pc.path, Column: pc.col.Name, Err: fmt.Errorf(
			"malformed Parquet file: the column holds %d rows, the file %d", pc.row, pc.rows)}
	}
	c := pc.col
	if c.Type == Numerical && c.Missing == pc.rows && !pc.forced {
		// As in CSV, a column with no values is categorical.
		c.Type, c.Num, c.Codes = Categorical, nil, []uint32{}
	}
	return nil
}

func (pc *pqColumn) readChunk(chunk parquet.ColumnChunk) error {
	pages := chunk.Pages()
	defer pages.Close()
	pc.dict, pc.dictNum, pc.dictCodes = nil, nil, nil
	for {
		p, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		n := int(p.NumRows())
		if pc.row+n > pc.rows {
			parquet.Release(p)
			return fmt.Errorf("malformed Parquet file: the column holds more rows than the file's %d", pc.rows)
		}
		err = pc.page(p)
		parquet.Release(p)
		if err != nil {
			return err
		}
		pc.row += n
	}
}

var errCorruptPage = errors.New("malformed Parquet file: a page's values do not match its definition levels")

// page appends a page's values: typed fast paths for numbers and strings,
// value by value for the rest.
func (pc *pqColumn) page(p parquet.Page) error {
	c := pc.col
	if pc.forced || pc.float16 || pc.uuid || pc.kind == parquet.Boolean || pc.kind == parquet.Int96 || pc.kind == parquet.FixedLenByteArray {
		return pc.pageValues(p)
	}
	defs := p.DefinitionLevels()
	if c.Type == Numerical {
		vals, err := pc.denseNums(p)
		if err != nil {
			return err
		}
		if len(defs) == 0 {
			for _, v := range vals {
				if math.IsNaN(v) {
					c.Missing++
				}
			}
			c.Num = append(c.Num, vals...)
			return nil
		}
		j := 0
		for _, d := range defs {
			if d != pc.maxDef {
				c.appendMissing()
				continue
			}
			if j >= len(vals) {
				return errCorruptPage
			}
			v := vals[j]
			j++
			if math.IsNaN(v) {
				c.Missing++
			}
			c.Num = append(c.Num, v)
		}
		if j != len(vals) {
			return errCorruptPage
		}
		return nil
	}
	codes, err := pc.denseCodes(p)
	if err != nil {
		return err
	}
	if len(defs) == 0 {
		c.Codes = append(c.Codes, codes...)
		return nil
	}
	nonNull := 0
	for _, d := range defs {
		if d == pc.maxDef {
			nonNull++
		} else {
			c.Missing++
		}
	}
	if nonNull != len(codes) {
		return errCorruptPage
	}
	c.Codes = append(c.Codes, codes...)
	return nil
}

// denseNums returns the page's non-null values as float64s.
func (pc *pqColumn) denseNums(p parquet.Page) ([]float64, error) {
	data := p.Data()
	if dict := p.Dictionary(); dict != nil {
		if dict != pc.dict {
			pc.dict = dict
			dd := dict.Page().Data()
			pc.dictNum = pc.convertNums(&dd, nil)
		}
		idx := data.Int32()
		out := pc.num[:0]
		for _, k := range idx {
			if k < 0 || int(k) >= len(pc.dictNum) {
				return nil, fmt.Errorf("malformed Parquet file: dictionary index %d out of range", k)
			}
			out = append(out, pc.dictNum[k])
		}
		pc.num = out
		return out, nil
	}
	if pc.kind == parquet.Double && pc.scale == 1 {
		return data.Double(), nil
	}
	pc.num = pc.convertNums(&data, pc.num[:0])
	return pc.num, nil
}

// convertNums appends plain INT32, INT64, FLOAT or DOUBLE values as
// float64s.
func (pc *pqColumn) convertNums(data *encoding.Values, out []float64) []float64 {
	switch pc.kind {
	case parquet.Int32:
		for _, v := range data.Int32() {
			if pc.unsigned {
				out = append(out, float64(uint32(v))/pc.scale)
			} else {
				out = append(out, float64(v)/pc.scale)
			}
		}
	case parquet.Int64:
		for _, v := range data.Int64() {
			if pc.unsigned {
				out = append(out, float64(uint64(v))/pc.scale)
			} else {
				out = append(out, float64(v)/pc.scale)
			}
		}
	case parquet.Float:
		for _, v := range data.Float() {
			out = append(out, float64(v))
		}
	case parquet.Double:
		for _, v := range data.Double() {
			out = append(out, v/pc.scale)
		}
	}
	return out
}

// denseCodes returns the page's non-null BYTE_ARRAY values as level codes.
func (pc *pqColumn) denseCodes(p parquet.Page) ([]uint32, error) {
	c := pc.col
	data := p.Data()
	if dict := p.Dictionary(); dict != nil {
		if dict != pc.dict {
			pc.dict = dict
			dd := dict.Page().Data()
			b, off := dd.ByteArray()
			pc.dictCodes = pc.dictCodes[:0]
			for i := 0; i+1 < len(off); i++ {
				pc.dictCodes = append(pc.dictCodes, c.code(b[off[i]:off[i+1]]))
			}
		}
		out := pc.codes[:0]
		for _, k := range data.Int32() {
			if k < 0 || int(k) >= len(pc.dictCodes) {
				return nil, fmt.Errorf("malformed Parquet file: dictionary index %d out of range", k)
			}
			out = append(out, pc.dictCodes[k])
		}
		pc.codes = out
		return out, nil
	}
	b, off := data.ByteArray()
	out := pc.codes[:0]
	for i := 0; i+1 < len(off); i++ {
		out = append(out, c.code(b[off[i]:off[i+1]]))
	}
	pc.codes = out
	return out, nil
}

// pageValues appends a page value by value, converting between types.
func (pc *pqColumn) pageValues(p parquet.Page) error {
	if pc.values == nil {
		pc.values = make([]parquet.Value, 1024)
	}
	r := p.Values()
	row := pc.row
	var text []byte
	for {
		n, err := r.ReadValues(pc.values)
		for _, v := range pc.values[:n] {
			row++
			if v.IsNull() {
				pc.col.appendMissing()
				continue
			}
			if pc.natural == Numerical {
				f := pc.number(v)
				if math.IsNaN(f) {
					pc.col.appendMissing()
					continue
				}
				if pc.col.Type == Numerical {
					pc.col.Num = append(pc.col.Num, f)
					continue
				}
			}
			text = pc.text(text[:0], v)
			if pc.col.Type == Categorical {
				pc.col.Codes = append(pc.col.Codes, pc.col.code(text))
				continue
			}
			// A categorical column forced numerical: parse as CSV does.
			s := unsafeString(text)
			if IsMissing(s) {
				pc.col.appendMissing()
				continue
			}
			f, perr := parseNum(s)
			if perr != nil {
				return &Error{Path: pc.path, Row: row, Column: pc.col.Name, Err: fmt.Errorf("%q is not a number", s)}
			}
			pc.col.Num = append(pc.col.Num, f)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// number converts a non-null value of a numerical column.
func (pc *pqColumn) number(v parquet.Value) float64 {
	switch pc.kind {
	case parquet.Int32:
		if pc.unsigned {
			return float64(v.Uint32()) / pc.scale
		}
		return float64(v.Int32()) / pc.scale
	case parquet.Int64:
		if pc.unsigned {
			return float64(v.Uint64()) / pc.scale
		}
		return float64(v.Int64()) / pc.scale
	case parquet.Int96:
		// Legacy timestamps: nanoseconds of the day and a Julian day.
		i := v.Int96()
		nanos := int64(uint64(i[1])<<32 | uint64(i[0]))
		return float64((int64(i[2])-2440588)*86400e9 + nanos)
	case parquet.Float:
		return float64(v.Float())
	case parquet.Double:
		return v.Double()
	case parquet.FixedLenByteArray:
		if b := v.ByteArray(); pc.float16 && len(b) == 2 {
			return float16(binary.LittleEndian.Uint16(b))
		}
	}
	return math.NaN()
}

// text formats a non-null value as a category.
func (pc *pqColumn) text(dst []byte, v parquet.Value) []byte {
	switch pc.kind {
	case parquet.Boolean:
		return strconv.AppendBool(dst, v.Boolean())
	case parquet.ByteArray:
		return append(dst, v.ByteArray()...)
	case parquet.FixedLenByteArray:
		b := v.ByteArray()
		if pc.uuid {
			dst = hex.AppendEncode(dst, b[:4])
			for _, part := range [][]byte{b[4:6], b[6:8], b[8:10], b[10:]} {
				dst = append(dst, '-')
				dst = hex.AppendEncode(dst, part)
			}
			return dst
		}
		if !pc.float16 {
			return append(dst, b...)
		}
	case parquet.Int32:
		if pc.scale == 1 && pc.unsigned {
			return strconv.AppendUint(dst, uint64(uint32(v.Int32())), 10)
		} else if pc.scale == 1 {
			return strconv.AppendInt(dst, int64(v.Int32()), 10)
		}
	case parquet.Int64:
		if pc.scale == 1 && pc.unsigned {
			return strconv.AppendUint(dst, uint64(v.Int64()), 10)
		} else if pc.scale == 1 {
			return strconv.AppendInt(dst, v.Int64(), 10)
		}
	}
	return appendPyFloat(dst, pc.number(v))
}

// appendPyFloat formats v as Python's repr (and so pandas' to_csv) does:
// 2.0, 0.5, 1e-05, 1e+16, inf.
func appendPyFloat(dst []byte, v float64) []byte {
	switch a := math.Abs(v); {
	case math.IsInf(v, 1):
		return append(dst, "inf"...)
	case math.IsInf(v, -1):
		return append(dst, "-inf"...)
	case a != 0 && (a < 1e-4 || a >= 1e16):
		return strconv.AppendFloat(dst, v, 'e', -1, 64)
	case v == math.Trunc(v):
		return append(strconv.AppendFloat(dst, v, 'f', -1, 64), ".0"...)
	}
	return strconv.AppendFloat(dst, v, 'f', -1, 64)
}

// float16 decodes an IEEE 754 half-precision number.
func float16(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(frac, -24)
	case 0x1f:
		if frac != 0 {
			return math.NaN()
		}
		return sign * math.Inf(1)
	}
	return sign * math.Ldexp(1024+frac, exp-25)
}
