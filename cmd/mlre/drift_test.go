package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

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
