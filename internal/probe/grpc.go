package probe

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// probeGRPC calls grpc.health.v1.Health/Check on target (host:port); the
// probe succeeds when the service is SERVING.
func probeGRPC(ctx context.Context, target string, cfg Config, registry *prometheus.Registry, logger *slog.Logger) bool {
	var (
		durationGaugeVec = prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "probe_grpc_duration_seconds",
			Help: "Duration of gRPC request by phase",
		}, []string{"phase"})
		isSSLGauge = prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "probe_grpc_ssl",
			Help: "Indicates if SSL was used for the connection",
		})
		statusCodeGauge = prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "probe_grpc_status_code",
			Help: "Response gRPC status code",
		})
		healthCheckResponseGaugeVec = prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "probe_grpc_healthcheck_response",
			Help: "Response HealthCheck response",
		}, []string{"serving_status"})
	)
	durationGaugeVec.WithLabelValues("resolve")
	registry.MustRegister(durationGaugeVec, isSSLGauge, statusCodeGauge, healthCheckResponseGaugeVec)

	gc := cfg.GRPC
	if gc == nil {
		gc = &GRPCConfig{}
	}
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		logger.Error("Error splitting target address and port", "err", err)
		return false
	}
	ip, lookupTime, err := chooseProtocol(ctx, cfg.IPProtocol, host, registry, logger)
	durationGaugeVec.WithLabelValues("resolve").Add(lookupTime)
	if err != nil {
		logger.Error("Error resolving address", "err", err)
		return false
	}

	creds := insecure.NewCredentials()
	if gc.TLS {
		tlsConfig, err := newTLSConfig(gc.TLSConfig, host)
		if err != nil {
			logger.Error("Error creating TLS configuration", "err", err)
			return false
		}
		creds = credentials.NewTLS(tlsConfig)
	}
	// Dial the resolved address, keeping the original authority.
	conn, err := grpc.NewClient("passthrough:///"+net.JoinHostPort(ip.String(), port),
		grpc.WithTransportCredentials(creds),
		grpc.WithAuthority(target),
	)
	if err != nil {
		logger.Error("Error creating gRPC client", "err", err)
		return false
	}
	defer conn.Close()

	checkStart := time.Now()
	serverPeer := new(peer.Peer)
	resp, err := grpc_health_v1.NewHealthClient(conn).Check(ctx,
		&grpc_health_v1.HealthCheckRequest{Service: gc.Service}, grpc.Peer(serverPeer))
	durationGaugeVec.WithLabelValues("check").Add(time.Since(checkStart).Seconds())

	for name := range grpc_health_v1.HealthCheckResponse_ServingStatus_value {
		healthCheckResponseGaugeVec.WithLabelValues(name).Set(0)
	}
	code := codes.OK
	if err != nil {
		code = status.Code(err)
	} else {
		healthCheckResponseGaugeVec.WithLabelValues(resp.GetStatus().String()).Set(1)
	}
	statusCodeGauge.Set(float64(code))

	if serverPeer.AuthInfo != nil {
		if info, ok := serverPeer.AuthInfo.(credentials.TLSInfo); ok {
			isSSLGauge.Set(1)
			registerTLSMetrics(registry, &info.State)
		}
	}

	switch {
	case err != nil:
		logger.Error("gRPC health check failed", "code", code.String(), "err", err)
		return false
	case resp.GetStatus() != grpc_health_v1.HealthCheckResponse_SERVING:
		logger.Error("gRPC service is not serving", "serving_status", resp.GetStatus().String(), "err", "serving status "+resp.GetStatus().String())
		return false
	}
	return true
}
