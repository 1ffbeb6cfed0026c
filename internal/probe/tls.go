package probe

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	pconfig "github.com/prometheus/common/config"
)

// The TLS metrics shared by the http, tcp and grpc probes.
var (
	sslEarliestCertExpiryOpts = prometheus.GaugeOpts{
		Name: "probe_ssl_earliest_cert_expiry",
		Help: "Returns last SSL chain expiry in unixtime",
	}
	sslLastChainExpiryOpts = prometheus.GaugeOpts{
		Name: "probe_ssl_last_chain_expiry_timestamp_seconds",
		Help: "Returns last SSL chain expiry in timestamp",
	}
	sslLastChainInfoOpts = prometheus.GaugeOpts{
		Name: "probe_ssl_last_chain_info",
		Help: "Contains SSL leaf certificate information",
	}
	tlsVersionInfoOpts = prometheus.GaugeOpts{
		Name: "probe_tls_version_info",
		Help: "Returns the TLS version used or NaN when unknown",
	}
	tlsCipherInfoOpts = prometheus.GaugeOpts{
		Name: "probe_tls_cipher_info",
		Help: "Returns the TLS cipher negotiated during handshake",
	}
)

// newTLSConfig builds a client tls.Config; serverName is used when the
// configuration sets none.
func newTLSConfig(c TLSConfig, serverName string) (*tls.Config, error) {
	cfg, err := pconfig.NewTLSConfig(&pconfig.TLSConfig{
		CAFile:             c.CAFile,
		CertFile:           c.CertFile,
		KeyFile:            c.KeyFile,
		ServerName:         c.ServerName,
		InsecureSkipVerify: c.InsecureSkipVerify,
	})
	if err != nil {
		return nil, fmt.Errorf("creating TLS configuration: %w", err)
	}
	if cfg.ServerName == "" {
		cfg.ServerName = serverName
	}
	return cfg, nil
}

// registerTLSMetrics registers and sets the TLS metrics for state.
func registerTLSMetrics(registry *prometheus.Registry, state *tls.ConnectionState) {
	earliest := prometheus.NewGauge(sslEarliestCertExpiryOpts)
	lastChain := prometheus.NewGauge(sslLastChainExpiryOpts)
	version := prometheus.NewGaugeVec(tlsVersionInfoOpts, []string{"version"})
	cipher := prometheus.NewGaugeVec(tlsCipherInfoOpts, []string{"cipher"})
	registry.MustRegister(earliest, lastChain, version, cipher)

	earliest.Set(float64(earliestCertExpiry(state).Unix()))
	lastChain.Set(float64(lastChainExpiry(state).Unix()))
	version.WithLabelValues(tlsVersionName(state.Version)).Set(1)
	cipher.WithLabelValues(tls.CipherSuiteName(state.CipherSuite)).Set(1)

	if len(state.PeerCertificates) > 0 {
		info := prometheus.NewGaugeVec(sslLastChainInfoOpts,
			[]string{"fingerprint_sha256", "subject", "issuer", "subjectalternative", "serialnumber"})
		registry.MustRegister(info)
		leaf := state.PeerCertificates[0]
		sum := sha256.Sum256(leaf.Raw)
		info.WithLabelValues(
			hex.EncodeToString(sum[:]),
			leaf.Subject.String(),
			leaf.Issuer.String(),
			strings.Join(leaf.DNSNames, ","),
			fmt.Sprintf("%x", leaf.SerialNumber),
		).Set(1)
	}
}

// earliestCertExpiry is the earliest NotAfter of the certificates the peer sent.
func earliestCertExpiry(state *tls.ConnectionState) time.Time {
	var earliest time.Time
	for _, c := range state.PeerCertificates {
		if !c.NotAfter.IsZero() && (earliest.IsZero() || c.NotAfter.Before(earliest)) {
			earliest = c.NotAfter
		}
	}
	return earliest
}

// lastChainExpiry is, over the verified chains, the latest of each chain's
// earliest NotAfter: when the last valid chain expires.
func lastChainExpiry(state *tls.ConnectionState) time.Time {
	var last time.Time
	for _, chain := range state.VerifiedChains {
		var earliest time.Time
		for _, c := range chain {
			if !c.NotAfter.IsZero() && (earliest.IsZero() || c.NotAfter.Before(earliest)) {
				earliest = c.NotAfter
			}
		}
		if last.IsZero() || last.Before(earliest) {
			last = earliest
		}
	}
	return last
}

func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLS 1.0"
	case tls.VersionTLS11:
		return "TLS 1.1"
	case tls.VersionTLS12:
		return "TLS 1.2"
	case tls.VersionTLS13:
		return "TLS 1.3"
	default:
		return "unknown"
	}
}
