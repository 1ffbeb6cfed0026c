package dataset

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzScannerMatchesEncodingCSV checks the allocation-free scanner against
// encoding/csv: wherever encoding/csv reads a document, the scanner must
// read the same records; where it fails, the scanner must fail too.
func FuzzScannerMatchesEncodingCSV(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n", "a,b\r\n1,2\r\n", "\"x,y\",z\n", "\"multi\nline\",2\n", "\"q\"\"q\",\n",
		"a,,b\n", "\n\na\n\n", "a\r", "\"a\r\nb\",c\r\n", "a\"b,c\n", "\"a\"b,c\n", "a,b,\n", "x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		cr := csv.NewReader(strings.NewReader(doc))
		cr.FieldsPerRecord = -1
		want, werr := cr.ReadAll()
		sc := newScanner(strings.NewReader(doc))
		var got [][]string
		var gerr error
		for {
			rec, err := sc.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				gerr = err
				break
			}
			strs := make([]string, len(rec))
			for i, b := range rec {
				strs[i] = string(b)
			}
			got = append(got, strs)
		}
		if werr != nil {
			if gerr == nil {
				t.Fatalf("encoding/csv fails (%v) but the scanner read %q", werr, got)
			}
			return
		}
		if gerr != nil {
			t.Fatalf("the scanner fails (%v) but encoding/csv read %q", gerr, want)
		}
		if len(got) != len(want) {
			t.Fatalf("records: got %q, want %q", got, want)
		}
		for i := range want {
			if strings.Join(got[i], "\x00") != strings.Join(want[i], "\x00") || len(got[i]) != len(want[i]) {
				t.Fatalf("record %d: got %q, want %q", i, got[i], want[i])
			}
		}
	})
}
