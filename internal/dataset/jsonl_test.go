package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func readJSONLText(text string, opts Options) (*Table, error) {
	return ReadJSONL(strings.NewReader(text), "data.jsonl", opts)
}

func TestReadJSONLTypes(t *testing.T) {
	tb, err := readJSONLText(`{"n": 1, "mixed": 1, "s": "3.5", "b": true, "nested_ok": null}
{"n": 2.5e3, "mixed": "x", "s": "4", "b": false, "late": 7}
{"n": null, "mixed": 2.50, "s": "", "b": null}
`, Options{})
	require.NoError(t, err)
	require.Equal(t, 3, tb.Rows)
	var names []string
	for _, c := range tb.Columns {
		names = append(names, c.Name)
	}
	require.Equal(t, []string{"n", "mixed", "s", "b", "nested_ok", "late"}, names, "keys in order of first appearance")

	n := tb.Column("n")
	require.Equal(t, Numerical, n.Type)
	require.Equal(t, []float64{1, 2500}, n.Num[:2])
	require.True(t, math.IsNaN(n.Num[2]))
	require.Equal(t, 1, n.Missing)

	mixed := tb.Column("mixed")
	require.Equal(t, Categorical, mixed.Type, "numbers and strings: categorical, as in CSV")
	require.Equal(t, []string{"1", "x", "2.50"}, mixed.Values(), "numbers keep their text")

	s := tb.Column("s")
	require.Equal(t, Categorical, s.Type, "JSON strings are categories even when they look like numbers")
	require.Equal(t, []string{"3.5", "4", ""}, s.Values())
	require.Equal(t, []string{"true", "false"}, tb.Column("b").Values())
	require.Equal(t, 1, tb.Column("b").Missing)
	require.Equal(t, Categorical, tb.Column("nested_ok").Type, "all null")
	require.Equal(t, 3, tb.Column("nested_ok").Missing)
	late := tb.Column("late")
	require.Equal(t, Numerical, late.Type)
	require.Equal(t, 2, late.Missing)

	// Options.Types forces: strings parse as CSV fields do.
	tb, err = readJSONLText("{\"s\": \"3.5\", \"n\": 1}\n{\"s\": \"NA\", \"n\": 2}\n", Options{Types: map[string]Type{"s": Numerical, "n": Categorical}})
	require.NoError(t, err)
	require.Equal(t, 3.5, tb.Column("s").Num[0])
	require.Equal(t, 1, tb.Column("s").Missing)
	require.Equal(t, []string{"1", "2"}, tb.Column("n").Values())
}

func TestReadJSONLLateKeysAndValues(t *testing.T) {
	var b strings.Builder
	for i := range InferRows + 3 {
		fmt.Fprintf(&b, "{\"id\": %d}\n", i)
	}
	b.WriteString("{\"id\": 5, \"late\": 1.5}\n")
	tb, err := readJSONLText(b.String(), Options{})
	require.NoError(t, err)
	late := tb.Column("late")
	require.Equal(t, Categorical, late.Type, "a key missing from the first rows is categorical, like an all-missing CSV column")
	require.Equal(t, InferRows+3, late.Missing)
	require.Equal(t, []string{"1.5"}, late.Values())

	b.WriteString("\n{\"id\": \"x\"}\n")
	_, err = readJSONLText(b.String(), Options{})
	var de *Error
	require.True(t, errors.As(err, &de))
	require.Equal(t, InferRows+6, de.Line, "blank lines count")
	require.Equal(t, "id", de.Column)
	require.ErrorContains(t, err, fmt.Sprintf(`data.jsonl, line %d, key "id": "x" is not a number, but the column looked numerical in the first rows; declare it categorical (--schema)`, InferRows+6))
}

func TestReadJSONLBadInput(t *testing.T) {
	long := `{"a": "` + strings.Repeat("x", 3<<20) + `"}`
	for name, tc := range map[string]struct{ text, want string }{
		"empty":           {"", "data.jsonl: the file has no JSON objects"},
		"blank lines":     {"\n  \n", "data.jsonl: the file has no JSON objects"},
		"not an object":   {"{\"a\": 1}\n[1, 2]\n", "data.jsonl, line 2: expected a JSON object, got array"},
		"a bare number":   {"{\"a\": 1}\n3\n", "data.jsonl, line 2: expected a JSON object, got number"},
		"bad JSON line 3": {"{\"a\": 1}\n{\"a\": 2}\n{\"a\": 3,}\n", "data.jsonl, line 3: malformed JSON"},
		"two objects":     {"{\"a\": 1} {\"a\": 2}\n", "data.jsonl, line 1: malformed JSON"},
		"nested object":   {"{\"a\": 1, \"b\": {\"c\": 2}}\n", `data.jsonl, line 1, key "b": the value is a JSON object; only numbers, strings, booleans and null are supported`},
		"array value":     {"{\"a\": 1}\n{\"a\": [1]}\n", `data.jsonl, line 2, key "a": the value is a JSON array`},
		"duplicate key":   {"{\"a\": 1, \"a\": 2}\n", `data.jsonl, line 1, key "a": the object has this key twice`},
		"bad number":      {"{\"a\": 1-2}\n", `data.jsonl, line 1, key "a": malformed number "1-2"`},
		"long bad line":   {"{\"a\": 1}\n" + long[:len(long)-1] + "\n", "data.jsonl, line 2: malformed JSON"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := readJSONLText(tc.text, Options{})
			require.ErrorContains(t, err, tc.want)
		})
	}
	tb, err := readJSONLText("\ufeff"+long+"\r\n{\"a\": \"y\"}", Options{})
	require.NoError(t, err, "a BOM, CRLF, a line longer than the buffer and no final newline")
	require.Equal(t, 2, tb.Rows)
	require.Equal(t, "y", tb.Column("a").Values()[1])
}

// FuzzReadJSONL: no panics; errors name the file; every column holds one
// value per row; a read table written back as JSON Lines reads the same;
// and where encoding/json accepts every line, the numbers agree with it.
func FuzzReadJSONL(f *testing.F) {
	f.Add(sampleJSONL)
	f.Add("{\"a\": 1}\n{\"a\": \"x\"}\n")
	f.Add("{\"a\": 1e400, \"b\": -0.0}\n{\"b\": NaN}\n")
	f.Add("{\"a\\u0062\": [1]}\n")
	f.Add("{\"x\": 1}\n\n{\"y\": null, \"x\": true}\n")
	f.Fuzz(func(t *testing.T, text string) {
		tb, err := ReadJSONL(strings.NewReader(text), "f.jsonl", Options{})
		if err != nil {
			var de *Error
			if !errors.As(err, &de) || de.Path != "f.jsonl" {
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

		again, err := ReadJSONL(bytes.NewReader(writeJSONL(tb)), "f.jsonl", Options{})
		if err != nil {
			t.Fatalf("reading the table written back: %v", err)
		}
		requireSameTable(t, tb, again)

		if oracle := decodeLines(text); oracle != nil {
			for _, c := range tb.Columns {
				if c.Type != Numerical {
					continue
				}
				for row, obj := range oracle {
					num, ok := obj[c.Name].(json.Number)
					if !ok {
						continue
					}
					want, err := strconv.ParseFloat(string(num), 64)
					if err != nil && !errors.Is(err, strconv.ErrRange) {
						t.Fatalf("encoding/json accepted %q", num)
					}
					if got := c.Num[row]; got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
						t.Fatalf("row %d, %q: read %v, encoding/json reads %v", row+1, c.Name, got, want)
					}
				}
			}
		}
	})
}

// writeJSONL writes a table back as JSON Lines, every key on every line.
func writeJSONL(tb *Table) []byte {
	var b bytes.Buffer
	next := make([]int, len(tb.Columns)) // the next code of each categorical column
	for row := range tb.Rows {
		obj := map[string]any{}
		var keys []string
		for i, c := range tb.Columns {
			keys = append(keys, c.Name)
			if c.Type == Numerical {
				switch v := c.Num[row]; {
				case math.IsNaN(v):
					obj[c.Name] = nil
				case math.IsInf(v, 1):
					obj[c.Name] = json.RawMessage("1e999")
				case math.IsInf(v, -1):
					obj[c.Name] = json.RawMessage("-1e999")
				default:
					obj[c.Name] = json.RawMessage(strconv.FormatFloat(v, 'g', -1, 64))
				}
				continue
			}
			// Categorical columns hold their missing values nowhere: write
			// the non-missing ones first, then nulls.
			if next[i] < len(c.Codes) {
				obj[c.Name] = c.Levels[c.Codes[next[i]]]
				next[i]++
			} else {
				obj[c.Name] = nil
			}
		}
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			quoteJSON(&b, k)
			b.WriteByte(':')
			switch v := obj[k].(type) {
			case string:
				quoteJSON(&b, v)
			case json.RawMessage:
				b.Write(v)
			default:
				b.WriteString("null")
			}
		}
		b.WriteString("}\n")
	}
	return b.Bytes()
}

// quoteJSON writes s as a JSON string, keeping its bytes (encoding/json
// would replace invalid UTF-8, which the reader keeps).
func quoteJSON(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := range len(s) {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(b, "\\u%04x", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// decodeLines decodes text with encoding/json, one object per non-blank
// line, or returns nil if encoding/json rejects any line.
func decodeLines(text string) []map[string]any {
	var out []map[string]any
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.Trim(strings.TrimPrefix(line, "\ufeff"), " \t\r\n")
		if line == "" {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil || dec.More() || obj == nil {
			return nil
		}
		out = append(out, obj)
	}
	return out
}
