package probe

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
)

func testLogger(t *testing.T) *slog.Logger {
	t.Helper()
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// runProbeT runs cfg once with RunOnce and fails the test on a config error.
func runProbeT(t *testing.T, cfg Config) *Result {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "test"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = model.Duration(2 * time.Second)
	}
	res, err := RunOnce(context.Background(), cfg, testLogger(t))
	require.NoError(t, err)
	require.NotNil(t, res)
	return res
}

// requireValue returns the value of a gauge that must be present.
func requireValue(t *testing.T, res *Result, name string, labelPairs ...string) float64 {
	t.Helper()
	v, ok := res.Value(name, labelPairs...)
	require.Truef(t, ok, "metric %s%v not found", name, labelPairs)
	return v
}

func requireSuccess(t *testing.T, res *Result, want bool) {
	t.Helper()
	require.Equalf(t, want, res.Success, "success: reason %q", res.FailureReason)
	want01 := 0.0
	if want {
		want01 = 1
	}
	require.Equal(t, want01, requireValue(t, res, "probe_success"))
	require.InDelta(t, res.Duration.Seconds(), requireValue(t, res, "probe_duration_seconds"), 1e-9)
}

// closedAddr returns a local TCP address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestRunOnceRejectsInvalidConfig(t *testing.T) {
	_, err := RunOnce(context.Background(), Config{Name: "x", Type: "ftp", Target: "ftp://x"}, nil)
	require.ErrorIs(t, err, ErrInvalidConfig)
	require.ErrorContains(t, err, `probe (x): type: unknown probe type "ftp"`)
}

func TestResultValue(t *testing.T) {
	res := runProbeT(t, Config{Type: "tcp", Target: closedAddr(t)})
	_, ok := res.Value("no_such_metric")
	require.False(t, ok)
	require.Equal(t, 4.0, requireValue(t, res, "probe_ip_protocol"))
	require.NotEmpty(t, res.FailureReason)
}
