package probe

import (
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestICMPProbe(t *testing.T) {
	conn, privileged, err := openICMP(false, slog.New(slog.DiscardHandler))
	if errors.Is(err, ErrICMPNotPermitted) {
		// The probe must then fail cleanly, with the reason.
		res := runProbeT(t, Config{Type: "icmp", Target: "127.0.0.1"})
		requireSuccess(t, res, false)
		require.Contains(t, res.FailureReason, "ICMP sockets not permitted")
		t.Skipf("cannot ping here: %v", err)
	}
	require.NoError(t, err)
	require.NoError(t, conn.Close())
	t.Logf("privileged socket: %v", privileged)

	for _, payload := range []int{0, 1000} {
		res := runProbeT(t, Config{Type: "icmp", Target: "127.0.0.1", ICMP: &ICMPConfig{PayloadSize: payload}})
		requireSuccess(t, res, true)
		require.Equal(t, 4.0, requireValue(t, res, "probe_ip_protocol"))
		require.Positive(t, requireValue(t, res, "probe_icmp_duration_seconds", "phase", "rtt"))
		require.GreaterOrEqual(t, requireValue(t, res, "probe_icmp_duration_seconds", "phase", "setup"), 0.0)
		require.Positive(t, requireValue(t, res, "probe_icmp_reply_hop_limit"))
	}
}
