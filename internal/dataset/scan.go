package dataset

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// scanner splits CSV (RFC 4180, as encoding/csv reads it without LazyQuotes)
// into records without allocating per field: the fields it returns point into
// its buffers and are valid until the next call to next.
type scanner struct {
	r      *bufio.Reader
	line   int // line number where the current record started (1-based)
	next_  int // line number of the next record
	rec    []byte
	fields [][]byte
	unq    []byte // unquoted copy of the record's fields when quotes occur
	bounds []int
}

func newScanner(r io.Reader) *scanner {
	return &scanner{r: bufio.NewReaderSize(r, 1<<20), next_: 1}
}

var errQuote = errors.New(`bare " in non-quoted field`)
var errExtraQuote = errors.New(`extraneous or missing " in quoted field`)

// next returns the next record's fields, or io.EOF.
func (s *scanner) next() ([][]byte, error) {
	rec, quoted, err := s.record()
	if err != nil {
		return nil, err
	}
	return s.split(rec, quoted)
}

// split returns the fields of a record from record.
func (s *scanner) split(rec []byte, quoted bool) ([][]byte, error) {
	if !quoted {
		return s.splitPlain(rec), nil
	}
	return s.splitQuoted(rec)
}

// record returns the next non-empty record without its line end, and
// whether it has quotes (then split must unquote it), or io.EOF. The record
// is valid until the next call. A line without quotes that fits in the
// buffer is returned from the buffer, without a copy.
func (s *scanner) record() (rec []byte, quoted bool, err error) {
	for {
		s.line = s.next_
		chunk, err := s.r.ReadSlice('\n')
		if err == nil && bytes.IndexByte(chunk, '"') < 0 {
			s.next_++
			if rec := trimEOL(chunk); len(rec) > 0 {
				return rec, false, nil
			}
			continue // encoding/csv skips empty lines
		}
		rec, quoted, err := s.slowRecord(chunk, err)
		if err != nil || len(rec) > 0 {
			return rec, quoted, err
		}
	}
}

// slowRecord reads a record that starts with chunk (which ReadSlice
// returned with err) into s.rec: a line longer than the buffer, a quoted
// field that spans lines, or the file's last line. It returns an empty
// record for an empty line.
func (s *scanner) slowRecord(chunk []byte, err error) ([]byte, bool, error) {
	s.rec = s.rec[:0]
	quotes := 0
	for first := true; ; first = false {
		if !first {
			chunk, err = s.r.ReadSlice('\n')
		}
		if len(chunk) > 0 {
			s.next_++
		}
		s.rec = append(s.rec, chunk...)
		quotes += bytes.Count(chunk, []byte{'"'})
		if errors.Is(err, bufio.ErrBufferFull) {
			s.next_-- // the line goes on
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, false, err
		}
		if quotes%2 == 1 && err == nil {
			continue // a quoted field spans lines
		}
		if len(s.rec) == 0 && errors.Is(err, io.EOF) {
			return nil, false, io.EOF
		}
		break
	}
	rec := trimEOL(s.rec)
	if n := len(rec); n > 0 && rec[n-1] == '\r' && len(rec) == len(s.rec) {
		rec = rec[:n-1] // encoding/csv drops a trailing \r before EOF
	}
	return rec, quotes > 0, nil
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

func (s *scanner) splitPlain(rec []byte) [][]byte {
	s.fields = s.fields[:0]
	for {
		i := bytes.IndexByte(rec, ',')
		if i < 0 {
			s.fields = append(s.fields, rec)
			return s.fields
		}
		s.fields = append(s.fields, rec[:i])
		rec = rec[i+1:]
	}
}

func (s *scanner) splitQuoted(rec []byte) ([][]byte, error) {
	s.unq = s.unq[:0]
	s.bounds = s.bounds[:0]
	i := 0
	for {
		start := len(s.unq)
		if i < len(rec) && rec[i] == '"' {
			i++
			for {
				j := bytes.IndexByte(rec[i:], '"')
				if j < 0 {
					return nil, s.parseErr(errExtraQuote)
				}
				s.unq = appendCRLF(s.unq, rec[i:i+j])
				i += j + 1
				if i < len(rec) && rec[i] == '"' {
					s.unq = append(s.unq, '"')
					i++
					continue
				}
				break
			}
			if i < len(rec) && rec[i] != ',' {
				return nil, s.parseErr(errExtraQuote)
			}
		} else {
			j := bytes.IndexByte(rec[i:], ',')
			end := len(rec)
			if j >= 0 {
				end = i + j
			}
			if bytes.IndexByte(rec[i:end], '"') >= 0 {
				return nil, s.parseErr(errQuote)
			}
			s.unq = append(s.unq, rec[i:end]...)
			i = end
		}
		s.bounds = append(s.bounds, start, len(s.unq))
		if i >= len(rec) {
			break
		}
		i++ // the comma
		if i == len(rec) {
			s.bounds = append(s.bounds, len(s.unq), len(s.unq))
			break
		}
	}
	s.fields = s.fields[:0]
	for k := 0; k < len(s.bounds); k += 2 {
		s.fields = append(s.fields, s.unq[s.bounds[k]:s.bounds[k+1]])
	}
	return s.fields, nil
}

func (s *scanner) parseErr(err error) error {
	return fmt.Errorf("line %d: %w", s.line, err)
}

// appendCRLF appends b with each \r\n turned into \n, as encoding/csv does
// inside quoted fields.
func appendCRLF(dst, b []byte) []byte {
	for {
		k := bytes.Index(b, []byte("\r\n"))
		if k < 0 {
			return append(dst, b...)
		}
		dst = append(dst, b[:k]...)
		dst = append(dst, '\n')
		b = b[k+2:]
	}
}
