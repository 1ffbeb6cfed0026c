package probe

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	"google.golang.org/grpc/health/grpc_health_v1"
)

func TestGRPCProbe(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer()
	hs := health.NewServer()
	hs.SetServingStatus("", grpc_health_v1.HealthCheckResponse_SERVING)
	hs.SetServingStatus("inference", grpc_health_v1.HealthCheckResponse_SERVING)
	hs.SetServingStatus("training", grpc_health_v1.HealthCheckResponse_NOT_SERVING)
	grpc_health_v1.RegisterHealthServer(srv, hs)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	addr := l.Addr().String()

	cases := []struct {
		name          string
		target        string
		service       string
		wantSuccess   bool
		wantCode      codes.Code
		wantServing   string // serving_status with value 1, "" for none
		wantReasonSub string
	}{
		{name: "server SERVING", target: addr, wantSuccess: true, wantServing: "SERVING"},
		{name: "service SERVING", target: addr, service: "inference", wantSuccess: true, wantServing: "SERVING"},
		{name: "service NOT_SERVING", target: addr, service: "training", wantServing: "NOT_SERVING", wantReasonSub: "NOT_SERVING"},
		{name: "unknown service", target: addr, service: "nope", wantCode: codes.NotFound, wantReasonSub: "NotFound"},
		{name: "server down", target: closedAddr(t), wantCode: codes.Unavailable, wantReasonSub: "Unavailable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runProbeT(t, Config{Type: "grpc", Target: tc.target, GRPC: &GRPCConfig{Service: tc.service}})
			requireSuccess(t, res, tc.wantSuccess)
			require.Contains(t, res.FailureReason, tc.wantReasonSub)
			require.Equal(t, float64(tc.wantCode), requireValue(t, res, "probe_grpc_status_code"))
			require.Equal(t, 0.0, requireValue(t, res, "probe_grpc_ssl"))
			for status := range grpc_health_v1.HealthCheckResponse_ServingStatus_value {
				want := 0.0
				if status == tc.wantServing {
					want = 1
				}
				require.Equal(t, want, requireValue(t, res, "probe_grpc_healthcheck_response", "serving_status", status), status)
			}
			require.GreaterOrEqual(t, requireValue(t, res, "probe_grpc_duration_seconds", "phase", "check"), 0.0)
		})
	}
}
