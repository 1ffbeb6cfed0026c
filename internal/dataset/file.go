package dataset

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
)

// ErrUnknownFormat is returned by ReadFile for a file name whose extension
// names no format it reads.
var ErrUnknownFormat = errors.New("unknown file format")

// Extensions lists the file name extensions ReadFile knows, by format.
const Extensions = ".csv (CSV), .parquet or .pq (Parquet), .jsonl or .ndjson (JSON Lines)"

// ReadFile reads a CSV, Parquet or JSON Lines file, chosen by the file
// name's extension (case-insensitive): .csv; .parquet or .pq; .jsonl or
// .ndjson.
func ReadFile(path string, opts Options) (*Table, error) {
	ext := strings.ToLower(filepath.Ext(path))
	var read func(string, Options) (*Table, error)
	switch ext {
	case ".csv":
		return ReadCSVFile(path, opts)
	case ".parquet", ".pq":
		read = ReadParquetFile
	case ".jsonl", ".ndjson":
		read = ReadJSONLFile
	}
	if read != nil {
		cols := opts.Columns
		opts.Columns = nil
		t, err := read(path, opts)
		if err != nil {
			return nil, err
		}
		if err := t.skip(cols); err != nil {
			return nil, err
		}
		t.dropSkipped()
		return t, nil
	}
	what := fmt.Sprintf("%q", filepath.Ext(path))
	if ext == "" {
		what = "(the name has no extension)"
	}
	return nil, &Error{Path: path, Err: fmt.Errorf("%w %s: the format is chosen by extension, one of %s", ErrUnknownFormat, what, Extensions)}
}

// progressReader reports the bytes read from r to progress, if set.
func progressReader(r io.Reader, progress func(int64)) io.Reader {
	if progress == nil {
		return r
	}
	return &countingReader{r: r, progress: progress}
}

type countingReader struct {
	r        io.Reader
	progress func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.progress(int64(n))
	}
	return n, err
}

type countingReaderAt struct {
	r        io.ReaderAt
	mu       sync.Mutex // columns are read in parallel; progress is called by one at a time
	progress func(int64)
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	if n > 0 {
		c.mu.Lock()
		c.progress(int64(n))
		c.mu.Unlock()
	}
	return n, err
}

// dropSkipped releases the values of the skipped columns.
func (t *Table) dropSkipped() {
	for _, c := range t.Columns {
		if c.Skipped {
			*c = Column{Name: c.Name, Type: c.Type, Skipped: true}
		}
	}
}
