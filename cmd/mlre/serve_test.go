package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestServeDemoFlags(t *testing.T) {
	code, _, errOut := runCLI(t, "serve", "--demo", "--config", "mlre.yaml")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "--demo writes and runs its own config: leave out --config")
	require.Contains(t, errOut, "mlre --help")

	code, out, _ := runCLI(t, "serve", "--help")
	require.Equal(t, exitOK, code)
	require.Contains(t, out, "--demo")
	require.Contains(t, out, "/api/v1/demo/incidents")
}

// TestServeDemo starts mlre serve --demo for a few seconds: it writes its
// config and data under --storage.path, says where to look, and stops
// cleanly.
func TestServeDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo-data")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"serve", "--demo", "--listen", "127.0.0.1:0", "--storage.path", dir}, &out, &errb)
	require.Equal(t, exitOK, code, errb.String())
	require.Contains(t, errb.String(), "mlre demo: a simulated ML fleet")
	require.Contains(t, errb.String(), "error-burst at ")
	_, err := os.Stat(filepath.Join(dir, "demo", "mlre.yaml"))
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(dir, "wal"))
	require.NoError(t, err, "the TSDB lives in the demo's directory")
}
