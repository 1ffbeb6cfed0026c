package probe

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// tlsServer starts a TLS server with httptest's certificate and returns its
// address, certificate and a CA file trusting it.
func tlsServer(t *testing.T) (addr string, cert *x509.Certificate, caFile string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // expected handshake failures
	srv.StartTLS()
	t.Cleanup(srv.Close)
	cert = srv.Certificate()
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600))
	return srv.Listener.Addr().String(), cert, caFile
}

func TestTCPProbe(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	tlsAddr, cert, caFile := tlsServer(t)

	cases := []struct {
		name        string
		target      string
		tcp         *TCPConfig
		wantSuccess bool
		wantTLS     bool
		wantReason  string
	}{
		{name: "up", target: l.Addr().String(), wantSuccess: true},
		{name: "down", target: closedAddr(t), wantReason: "connection refused"},
		{name: "tls with ca_file", target: tlsAddr, tcp: &TCPConfig{TLS: true, TLSConfig: TLSConfig{CAFile: caFile}}, wantSuccess: true, wantTLS: true},
		{name: "tls insecure", target: tlsAddr, tcp: &TCPConfig{TLS: true, TLSConfig: TLSConfig{InsecureSkipVerify: true}}, wantSuccess: true, wantTLS: true},
		{name: "tls unknown CA", target: tlsAddr, tcp: &TCPConfig{TLS: true}, wantReason: "certificate"},
		{name: "tls to a plain listener", target: l.Addr().String(), tcp: &TCPConfig{TLS: true}, wantReason: "TLS Handshake"},
		{name: "missing ca_file", target: tlsAddr, tcp: &TCPConfig{TLS: true, TLSConfig: TLSConfig{CAFile: filepath.Join(t.TempDir(), "nope.pem")}}, wantReason: "nope.pem"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runProbeT(t, Config{Type: "tcp", Target: tc.target, TCP: tc.tcp})
			requireSuccess(t, res, tc.wantSuccess)
			require.Contains(t, res.FailureReason, tc.wantReason)
			require.Equal(t, 0.0, requireValue(t, res, "probe_failed_due_to_regex"))
			_, hasTLS := res.Value("probe_ssl_earliest_cert_expiry")
			require.Equal(t, tc.wantTLS, hasTLS)
			if tc.wantTLS {
				require.Equal(t, float64(cert.NotAfter.Unix()), requireValue(t, res, "probe_ssl_earliest_cert_expiry"))
				require.Equal(t, 1.0, requireValue(t, res, "probe_tls_version_info", "version", "TLS 1.3"))
				require.Equal(t, 1.0, requireValue(t, res, "probe_tls_cipher_info", "cipher", tls.CipherSuiteName(tls.TLS_AES_128_GCM_SHA256)))
			}
		})
	}
}
