package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yml")
	require.NoError(t, os.WriteFile(good, []byte("server: {listen: '127.0.0.1:9800'}\nscrape_configs:\n  - job_name: node\n    static_configs: [{targets: ['127.0.0.1:9100']}]\n"), 0o600))
	bad := filepath.Join(dir, "bad.yml")
	require.NoError(t, os.WriteFile(bad, []byte("server:\n  listen: 127.0.0.1:9800\n  lissen: x\n"), 0o600))

	code, out, _ := runCLI(t, "config", "check", "--config", good)
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "is valid: 1 scrape configs")

	code, _, errOut := runCLI(t, "config", "check", "--config", bad)
	require.Equal(t, exitFailure, code)
	require.Contains(t, errOut, `bad.yml: invalid configuration: line 3: unknown key "lissen" in server`)

	code, _, errOut = runCLI(t, "config", "check")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "config check needs --config FILE")
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--no-such-flag"},
		{"no-such-command"},
		{"serve", "extra-arg"},
		{"serve", "--log.level", "loud"},
	} {
		code, _, errOut := runCLI(t, args...)
		require.Equal(t, exitUsage, code, "%v: %s", args, errOut)
		require.Contains(t, errOut, "mlre --help", "%v", args)
	}
}

func TestHelpAndVersion(t *testing.T) {
	code, out, _ := runCLI(t, "--help")
	require.Equal(t, exitOK, code)
	for _, want := range []string{"serve", "config", "version", "Prometheus HTTP query API"} {
		require.Contains(t, out, want)
	}
	code, out, _ = runCLI(t, "serve", "--help")
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "--storage.path")
	require.Contains(t, out, "--listen")
	code, out, _ = runCLI(t, "version")
	require.Equal(t, exitOK, code)
	require.True(t, strings.HasPrefix(out, "mlre, version "), out)
}

func TestServeFailsOnBadConfig(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yml")
	require.NoError(t, os.WriteFile(bad, []byte("storage:\n  retention: forever\n"), 0o600))
	code, _, errOut := runCLI(t, "serve", "--config", bad, "--listen", "127.0.0.1:0", "--storage.path", t.TempDir())
	require.Equal(t, exitFailure, code)
	require.Contains(t, errOut, `line 2: not a valid duration string: "forever"`)
}
