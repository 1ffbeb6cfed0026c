// Package testbin finds the real programs (promtool, prometheus,
// alertmanager, node_exporter) that tests run against. A missing program
// skips the test, or fails it when MLRE_INTEGRATION=1 (as in CI).
package testbin

import (
	"os"
	"os/exec"
	"testing"
)

// Integration reports whether missing programs must fail tests rather than
// skip them.
func Integration() bool { return os.Getenv("MLRE_INTEGRATION") == "1" }

// Need returns the path of name, skipping or failing t when it is missing.
func Need(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if Integration() {
			t.Fatalf("%s is required with MLRE_INTEGRATION=1 but was not found in PATH: %v", name, err)
		}
		t.Skipf("%s not found in PATH (%v); install it or set MLRE_INTEGRATION=1 to make this a failure", name, err)
	}
	return p
}
