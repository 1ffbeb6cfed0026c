package probe

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"

	"github.com/prometheus/client_golang/prometheus"
)

// probeTCP connects to target (host:port), optionally completing a TLS
// handshake.
func probeTCP(ctx context.Context, target string, cfg Config, registry *prometheus.Registry, logger *slog.Logger) bool {
	failedDueToRegex := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "probe_failed_due_to_regex",
		Help: "Indicates if probe failed due to regex",
	})
	registry.MustRegister(failedDueToRegex)

	tc := cfg.TCP
	if tc == nil {
		tc = &TCPConfig{}
	}
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		logger.Error("Error splitting target address and port", "err", err)
		return false
	}
	ip, _, err := chooseProtocol(ctx, cfg.IPProtocol, host, registry, logger)
	if err != nil {
		logger.Error("Error resolving address", "err", err)
		return false
	}
	network := "tcp4"
	if ip.IP.To4() == nil {
		network = "tcp6"
	}
	addr := net.JoinHostPort(ip.String(), port)

	var dialer net.Dialer
	logger.Debug("Dialing TCP", "address", addr, "tls", tc.TLS)
	conn, err := dialer.DialContext(ctx, network, addr)
	if err != nil {
		logger.Error("Error dialing TCP", "err", err)
		return false
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(deadline); err != nil {
			logger.Error("Error setting deadline", "err", err)
			return false
		}
	}
	logger.Debug("Successfully dialed")

	if !tc.TLS {
		return true
	}
	tlsConfig, err := newTLSConfig(tc.TLSConfig, host)
	if err != nil {
		logger.Error("Error creating TLS configuration", "err", err)
		return false
	}
	tlsConn := tls.Client(conn, tlsConfig)
	if err := tlsConn.HandshakeContext(ctx); err != nil {
		logger.Error("TLS Handshake (client) failed", "err", err)
		return false
	}
	defer tlsConn.Close()
	state := tlsConn.ConnectionState()
	registerTLSMetrics(registry, &state)
	return true
}
