package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/dataset"
	"github.com/mlre-dev/mlre/internal/drift"
	"github.com/mlre-dev/mlre/internal/report"
)

// writeCSV writes rows of a numeric column x (a deterministic spread shifted
// by shift) and a categorical column c.
func writeCSV(t *testing.T, dir, name string, rows int, shift float64, cats []string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("x,c\n")
	for i := range rows {
		// A deterministic, roughly normal spread: sums of sines.
		v := math.Sin(float64(i)*1.7) + math.Sin(float64(i)*0.37) + shift
		fmt.Fprintf(&b, "%.6f,%s\n", v, cats[i%len(cats)])
	}
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o600))
	return p
}

func TestDriftCLI(t *testing.T) {
	dir := t.TempDir()
	ref := writeCSV(t, dir, "ref.csv", 2000, 0, []string{"a", "b", "c"})
	same := writeCSV(t, dir, "same.csv", 1500, 0, []string{"a", "b", "c"})
	moved := writeCSV(t, dir, "moved.csv", 1500, 1.5, []string{"a", "a", "a", "b"})

	code, out, errOut := runCLI(t, "drift", "--reference", ref, "--current", same)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "no dataset drift: 0 of 2 columns drifted")
	require.Contains(t, out, "wasserstein")
	require.Contains(t, out, "jensenshannon")

	jsonOut := filepath.Join(dir, "report.json")
	code, _, errOut = runCLI(t, "drift", "--reference", ref, "--current", moved, "--format", "json", "--output", jsonOut)
	require.Equal(t, exitFailure, code, errOut)
	require.Contains(t, errOut, "dataset drift: 2 of 2 columns drifted")
	b, err := os.ReadFile(jsonOut)
	require.NoError(t, err)
	var rep report.Report
	require.NoError(t, json.Unmarshal(b, &rep), string(b))
	require.Equal(t, 2000, rep.ReferenceRows)
	require.Equal(t, 1500, rep.CurrentRows)
	require.True(t, rep.DatasetDrift)
	require.Equal(t, 1.0, rep.DriftShare)
	require.Len(t, rep.Columns, 2)
	require.Equal(t, "x", rep.Columns[0].Name)
	require.Equal(t, drift.Numerical, rep.Columns[0].Type)
	require.Equal(t, "wasserstein", rep.Columns[0].Method)
	require.Nil(t, rep.Columns[0].PValue, "distances have no p-value")
	require.Greater(t, rep.Columns[0].Statistic, 0.1)
	require.Equal(t, "jensenshannon", rep.Columns[1].Method)

	// A forced method with its own threshold: chi-square on the categorical
	// column, a p-value test.
	code, out, _ = runCLI(t, "drift", "--reference", ref, "--current", moved, "--method", "chisquare", "--format", "json")
	require.Equal(t, exitFailure, code)
	require.Contains(t, out, `"method": "chisquare"`)
	require.Contains(t, out, `"method": "wasserstein"`, "chisquare applies to categorical columns only; numerical ones keep the default")
}

func TestDriftCLIErrors(t *testing.T) {
	dir := t.TempDir()
	ref := writeCSV(t, dir, "ref.csv", 50, 0, []string{"a"})
	other := filepath.Join(dir, "other.csv")
	require.NoError(t, os.WriteFile(other, []byte("x,d\n1,a\n"), 0o600))
	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("x,c\n1,a\n2\n"), 0o600))
	schema := filepath.Join(dir, "schema.yml")
	require.NoError(t, os.WriteFile(schema, []byte("numerical: [c]\n"), 0o600))

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"drift", "--reference", ref}, "drift needs --reference FILE and --current FILE"},
		{[]string{"drift", "--reference", ref, "--current", bad}, "bad.csv, row 3: has 1 fields, the header has 2"},
		{[]string{"drift", "--reference", ref, "--current", other}, `other.csv, column "c": the column is in`},
		{[]string{"drift", "--reference", ref, "--current", filepath.Join(dir, "nope.csv")}, "no such file"},
		{[]string{"drift", "--reference", ref, "--current", ref, "--method", "magic"}, `--method "magic"`},
		{[]string{"drift", "--reference", ref, "--current", ref, "--threshold", "0.2"}, "--threshold needs --method"},
		{[]string{"drift", "--reference", ref, "--current", ref, "--schema", schema}, `ref.csv, row 2, column "c": "a" is not a number`},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		require.Equal(t, exitUsage, code, "%v: %s", tc.args, errOut)
		require.Contains(t, errOut, tc.want, "%v", tc.args)
	}
}

func TestDriftCLIFDR(t *testing.T) {
	dir := t.TempDir()
	ref := writeCSV(t, dir, "ref.csv", 500, 0, []string{"a", "b", "c"})
	cur := writeCSV(t, dir, "cur.csv", 400, 0.02, []string{"a", "b", "c"})
	code, out, errOut := runCLI(t, "drift", "--reference", ref, "--current", cur, "--fdr", "--format", "json")
	require.Equal(t, exitOK, code, errOut)
	var rep report.Report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Equal(t, "ks", rep.Columns[0].Method)
	require.Equal(t, "chisquare", rep.Columns[1].Method)
	for _, c := range rep.Columns {
		require.NotNil(t, c.PValueAdjusted, c.Name)
		require.GreaterOrEqual(t, *c.PValueAdjusted, *c.PValue, c.Name)
	}
}

// writeFormats writes the rows writeCSV writes as Parquet and JSON Lines too.
func writeFormats(t *testing.T, dir, name string, rows int, shift float64, cats []string) (csvPath, parquetPath, jsonlPath string) {
	t.Helper()
	csvPath = writeCSV(t, dir, name+".csv", rows, shift, cats)
	b, err := os.ReadFile(csvPath)
	require.NoError(t, err)
	type row struct {
		X float64 `parquet:"x"`
		C string  `parquet:"c,dict"`
	}
	var pq []row
	var js strings.Builder
	for line := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
		if line == "x,c" {
			continue
		}
		x, c, _ := strings.Cut(line, ",")
		v, err := strconv.ParseFloat(x, 64)
		require.NoError(t, err)
		pq = append(pq, row{v, c})
		fmt.Fprintf(&js, "{\"x\": %s, \"c\": %q}\n", x, c)
	}
	parquetPath = filepath.Join(dir, name+".Parquet")
	f, err := os.Create(parquetPath)
	require.NoError(t, err)
	w := parquet.NewGenericWriter[row](f)
	_, err = w.Write(pq)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, f.Close())
	jsonlPath = filepath.Join(dir, name+".jsonl")
	require.NoError(t, os.WriteFile(jsonlPath, []byte(js.String()), 0o600))
	return csvPath, parquetPath, jsonlPath
}

func TestDriftCLIInputFormats(t *testing.T) {
	dir := t.TempDir()
	refCSV, refPQ, refJSONL := writeFormats(t, dir, "ref", 2000, 0, []string{"a", "b", "c"})
	curCSV, curPQ, curJSONL := writeFormats(t, dir, "cur", 1500, 0.4, []string{"a", "a", "b", "c"})

	code, want, errOut := runCLI(t, "drift", "--reference", refCSV, "--current", curCSV, "--format", "json")
	require.Equal(t, exitFailure, code, errOut)
	for _, pair := range [][2]string{{refPQ, curPQ}, {refJSONL, curJSONL}, {refCSV, curPQ}, {refPQ, curJSONL}, {refJSONL, curCSV}} {
		code, got, errOut := runCLI(t, "drift", "--reference", pair[0], "--current", pair[1], "--format", "json")
		require.Equal(t, exitFailure, code, errOut)
		require.JSONEq(t, want, got, "%s vs %s", pair[0], pair[1])
	}

	other := filepath.Join(dir, "cur.tsv")
	require.NoError(t, os.WriteFile(other, []byte("x\tc\n"), 0o600))
	code, _, errOut = runCLI(t, "drift", "--reference", refPQ, "--current", other)
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, `cur.tsv: unknown file format ".tsv": the format is chosen by extension, one of .csv (CSV), .parquet or .pq (Parquet), .jsonl or .ndjson (JSON Lines)`)

	bad := filepath.Join(dir, "bad.ndjson")
	require.NoError(t, os.WriteFile(bad, []byte("{\"x\": 1, \"c\": \"a\"}\n{\"x\": 2, \"c\": \"b\"}\n{\"x\": 3 \"c\": \"a\"}\n"), 0o600))
	code, _, errOut = runCLI(t, "drift", "--reference", refPQ, "--current", bad)
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "bad.ndjson, line 3: malformed JSON")
}

func TestDriftCLIHTML(t *testing.T) {
	dir := t.TempDir()
	ref := writeCSV(t, dir, "ref.csv", 2000, 0, []string{"a", "b", "c"})
	moved := writeCSV(t, dir, "moved.csv", 1500, 1.5, []string{"a", "a", "a", "b"})
	out := filepath.Join(dir, "drift.html")
	code, stdout, errOut := runCLI(t, "drift", "--reference", ref, "--current", moved, "--format", "html", "--output", out)
	require.Equal(t, exitFailure, code, errOut)
	require.Empty(t, stdout)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	page := string(b)
	require.True(t, strings.HasPrefix(page, "<!DOCTYPE html>"))
	require.Contains(t, page, "Dataset drift detected")
	require.Equal(t, 2, strings.Count(page, "<svg "))
	require.Less(t, strings.Index(page, `id="summary"`), strings.Index(page, "<table>"))

	code, _, errOut = runCLI(t, "drift", "--reference", ref, "--current", moved, "--format", "pdf")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, `--format "pdf": use table, json or html`)
}

func TestDriftCLIProgress(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 50 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "c%d", i)
	}
	b.WriteByte('\n')
	for r := range 300 {
		for i := range 50 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%.4f", math.Sin(float64(r*(i+1))*0.37))
		}
		b.WriteByte('\n')
	}
	path := filepath.Join(dir, "wide.csv")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o600))

	code, plain, errOut := runCLI(t, "drift", "--reference", path, "--current", path)
	require.Equal(t, exitOK, code, errOut)
	require.Empty(t, errOut, "no progress when stderr is not a terminal")

	code, out, errOut := runCLI(t, "drift", "--reference", path, "--current", path, "--progress")
	require.Equal(t, exitOK, code, errOut)
	require.Equal(t, plain, out, "progress leaves stdout alone")
	require.Contains(t, errOut, "mlre drift: comparing columns 50/50")
	require.Contains(t, errOut, "mlre drift: reading reference")
	require.True(t, strings.HasSuffix(errOut, "\r\x1b[K"), "the line is cleared at the end: %q", errOut)

	code, _, errOut = runCLI(t, "drift", "--reference", path, "--current", path, "--progress=false")
	require.Equal(t, exitOK, code)
	require.Empty(t, errOut)
}

func TestDriftHelp(t *testing.T) {
	code, out, _ := runCLI(t, "drift", "--help")
	require.Equal(t, exitOK, code)
	for _, want := range []string{".parquet, .pq", ".jsonl, .ndjson", "table, json or html", "--progress", "self-contained"} {
		require.Contains(t, out, want)
	}
}

// writeWideCSV writes rows of numerical columns n0..n5 (spreads shifted by
// shift) and categorical c0, c1; edit may change a row's line.
func writeWideCSV(t *testing.T, dir, name string, rows int, shift float64, edit func(row int, line string) string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("n0,n1,c0,n2,n3,n4,n5,c1\n")
	for r := range rows {
		x := float64(r)
		line := fmt.Sprintf("%v,%v,%s,%v,%v,%v,%v,%s",
			math.Sin(x*1.7)+shift, math.Exp(math.Sin(x*0.37)), []string{"a", "b", "c"}[r%3],
			math.Cos(x*0.9)*1e-7, float64(r%7), math.Sin(x)*1e6+shift, math.Sqrt(x), []string{"u", "v"}[(r/3)%2])
		if edit != nil {
			line = edit(r+2, line) // the file's row, the header being row 1
		}
		b.WriteString(line + "\n")
	}
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o600))
	return p
}

// TestDriftCLITwoPasses checks that reading large files in two passes
// (passesOver) reports what one pass reports: the same output, and the
// same errors, whichever pass meets them.
func TestDriftCLITwoPasses(t *testing.T) {
	defer func(n int64) { passesOver = n }(passesOver)
	both := func(t *testing.T, args ...string) (int, string, string) {
		t.Helper()
		passesOver = math.MaxInt64
		code, out, errOut := runCLI(t, args...)
		require.Equal(t, [][]string{nil}, planPasses(args[2], args[4], dataset.Options{}))
		passesOver = 0
		code2, out2, errOut2 := runCLI(t, args...)
		require.Equal(t, code, code2, "%v: %s", args, errOut2)
		require.Equal(t, out, out2, "%v", args)
		require.Equal(t, errOut, errOut2, "%v", args)
		return code, out, errOut
	}
	dir := t.TempDir()
	rows := dataset.InferRows + 2000 // past the rows that decide the types
	ref := writeWideCSV(t, dir, "ref.csv", rows, 0, nil)
	cur := writeWideCSV(t, dir, "cur.csv", rows-500, 0.3, nil)

	passesOver = 0
	require.Equal(t, [][]string{{"c0", "n3", "n4", "n5", "c1"}, {"n0", "n1", "n2"}}, planPasses(ref, cur, dataset.Options{}))
	code, out, errOut := both(t, "drift", "--reference", ref, "--current", cur, "--format", "json")
	require.Contains(t, []int{exitOK, exitFailure}, code, errOut)
	var rep report.Report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Len(t, rep.Columns, 8)
	require.Equal(t, "n0", rep.Columns[0].Name)
	require.Equal(t, "c1", rep.Columns[7].Name)
	both(t, "drift", "--reference", ref, "--current", cur)
	both(t, "drift", "--reference", ref, "--current", cur, "--format", "html")
	both(t, "drift", "--reference", ref, "--current", cur, "--method", "psi", "--fdr")

	passesOver = 0
	_, _, errOut = runCLI(t, "drift", "--reference", ref, "--current", cur, "--progress")
	require.Contains(t, errOut, "mlre drift: comparing columns 8/8")

	// Errors in the rows after the first InferRows, in the columns of
	// either pass; each must be the error one pass over the whole file
	// reports.
	late := dataset.InferRows + 500
	for name, edit := range map[string]func(int, string) string{
		"second-pass column first": func(row int, line string) string {
			f := strings.Split(line, ",")
			switch row {
			case late:
				f[1] = "x" // n1, read by the second pass
			case late + 100:
				f[4] = "y" // n3, read by the first
			}
			return strings.Join(f, ",")
		},
		"first-pass column first": func(row int, line string) string {
			f := strings.Split(line, ",")
			switch row {
			case late:
				f[6] = "x" // n5, first pass
			case late + 100:
				f[0] = "y" // n0, second pass
			}
			return strings.Join(f, ",")
		},
		"same row": func(row int, line string) string {
			f := strings.Split(line, ",")
			if row == late {
				f[0], f[6] = "x", "y"
			}
			return strings.Join(f, ",")
		},
		"extra field before a bad value": func(row int, line string) string {
			switch row {
			case late:
				return line + ",extra" // only the first pass reads the whole row
			case late + 100:
				return "bad," + line[strings.Index(line, ",")+1:]
			}
			return line
		},
		"quoted rows": func(row int, line string) string {
			f := strings.Split(line, ",")
			switch row {
			case late - 1:
				f[2] = `"b"` // a quoted field, read by the general path
			case late:
				f[0] = `"x"`
			}
			return strings.Join(f, ",")
		},
	} {
		t.Run(name, func(t *testing.T) {
			bad := writeWideCSV(t, t.TempDir(), "bad.csv", rows, 0, edit)
			code, _, errOut := both(t, "drift", "--reference", ref, "--current", bad)
			require.Equal(t, exitUsage, code, errOut)
			require.Contains(t, errOut, fmt.Sprintf("bad.csv, row %d", late))
		})
	}
}
