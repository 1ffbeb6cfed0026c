package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/monitor"
)

func TestProfile(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("amount,plan,region,score,churned\n")
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&b, "%d,%s,%s,%.2f,%d\n", 10+i%37, []string{"basic", "pro"}[i%2], []string{"eu", "us"}[i%3%2], float64(i%100)/100, i%2)
	}
	ref := filepath.Join(dir, "ref.csv")
	require.NoError(t, os.WriteFile(ref, []byte(b.String()), 0o644))
	out := filepath.Join(dir, "ref.mlreprofile")

	code, _, stderr := runCLI(t, "profile", "--reference", ref, "--prediction-type", "probability", "--prediction-column", "score",
		"--label-column", "churned", "--exclude", "region", "-o", out)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stderr, "profiled 200 rows")
	require.Contains(t, stderr, "2 features [amount (numerical), plan (categorical)], probability predictions, calibrated by the labels")
	r, err := monitor.ReadReference(out)
	require.NoError(t, err)
	require.Equal(t, int64(200), r.Rows)
	require.NotNil(t, r.Calibrator)

	// From a model in the config.
	cfg := filepath.Join(dir, "mlre.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(`models:
  - name: churn
    prediction: {type: probability}
    protected_attributes: [region]
    reference: {file: ref.csv, prediction_column: score, label_column: churned}
`), 0o644))
	code, _, stderr = runCLI(t, "profile", "--config", cfg, "--model", "churn", "-o", filepath.Join(dir, "churn.mlreprofile"))
	require.Equal(t, exitOK, code, stderr)

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"profile", "--reference", ref}, exitUsage, "profile needs -o FILE"},
		{[]string{"profile", "-o", out}, exitUsage, "profile needs --config FILE --model NAME, or --reference FILE"},
		{[]string{"profile", "--config", cfg, "--model", "fraud", "-o", out}, exitUsage, `--model "fraud" is not in`},
		{[]string{"profile", "--reference", ref, "--prediction-type", "score", "-o", out}, exitUsage, `--prediction-type "score"`},
		{[]string{"profile", "--reference", filepath.Join(dir, "missing.csv"), "-o", out}, exitFailure, "missing.csv"},
		{[]string{"profile", "--reference", ref, "--prediction-column", "nope", "--prediction-type", "probability", "-o", out}, exitFailure, `has no column "nope"`},
	} {
		code, _, stderr := runCLI(t, tc.args...)
		require.Equal(t, tc.code, code, "%v: %s", tc.args, stderr)
		require.Contains(t, stderr, tc.want, tc.args)
	}
}

func TestProfileMulticlass(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,predicted,label\n")
	for i := range 300 {
		fmt.Fprintf(&b, "%d,%s,%s\n", i%17, []string{"cat", "dog", "bird"}[i%3], []string{"cat", "dog", "bird"}[i%2])
	}
	ref := filepath.Join(dir, "ref.csv")
	require.NoError(t, os.WriteFile(ref, []byte(b.String()), 0o644))
	out := filepath.Join(dir, "mc.mlreprofile")
	code, _, stderr := runCLI(t, "profile", "--reference", ref, "--prediction-type", "probability", "--classes", "cat,dog,bird",
		"--prediction-column", "predicted", "-o", out)
	require.Equal(t, exitOK, code, stderr)
	require.Contains(t, stderr, "1 features [x (numerical)], probability predictions; wrote")
	r, err := monitor.ReadReference(out)
	require.NoError(t, err)
	require.Nil(t, r.Calibrator, "no calibration for a multiclass model")
	require.Equal(t, int64(100), r.Profile.Cat[monitor.PredictionFeature].Counts["bird"], "the predicted class is profiled as a category")

	code, _, stderr = runCLI(t, "profile", "--reference", ref, "--prediction-type", "class", "--classes", "cat,dog", "-o", out)
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "--classes goes with --prediction-type probability")
}
