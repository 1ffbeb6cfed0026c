package probe

import (
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
)

// dnsServer serves example.test. A 192.0.2.1 over UDP and TCP on the same
// local port and answers NXDOMAIN for every other name.
func dnsServer(t *testing.T) string {
	t.Helper()
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		q := req.Question[0]
		switch {
		case q.Name == "example.test." && q.Qtype == dns.TypeA:
			m.Answer = append(m.Answer, &dns.A{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
				A:   net.ParseIP("192.0.2.1"),
			})
			m.Ns = append(m.Ns, &dns.NS{
				Hdr: dns.RR_Header{Name: "test.", Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: 60},
				Ns:  "ns.test.",
			})
		case q.Name == "example.test.":
		default:
			m.Rcode = dns.RcodeNameError
		}
		_ = w.WriteMsg(m)
	})

	// UDP and TCP on the same port: retry until the TCP twin is free.
	var (
		pc  net.PacketConn
		l   net.Listener
		err error
	)
	for range 10 {
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		l, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		_ = pc.Close()
	}
	require.NoError(t, err)
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: handler}, {Listener: l, Handler: handler}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { _ = srv.ActivateAndServe() }()
		<-started
		t.Cleanup(func() { _ = srv.Shutdown() })
	}
	return pc.LocalAddr().String()
}

func TestDNSProbe(t *testing.T) {
	addr := dnsServer(t)
	cases := []struct {
		name        string
		target      string
		dns         DNSConfig
		wantSuccess bool
		want        map[string]float64
		wantReason  string
	}{
		{
			name:        "A record over udp",
			target:      addr,
			dns:         DNSConfig{QueryName: "example.test"},
			wantSuccess: true,
			want:        map[string]float64{"probe_dns_answer_rrs": 1, "probe_dns_authority_rrs": 1, "probe_dns_additional_rrs": 0, "probe_dns_query_succeeded": 1},
		},
		{
			name:        "A record over tcp",
			target:      addr,
			dns:         DNSConfig{QueryName: "example.test", Transport: "tcp"},
			wantSuccess: true,
			want:        map[string]float64{"probe_dns_answer_rrs": 1},
		},
		{
			name:        "no AAAA record",
			target:      addr,
			dns:         DNSConfig{QueryName: "example.test", QueryType: "AAAA"},
			wantSuccess: true,
			want:        map[string]float64{"probe_dns_answer_rrs": 0},
		},
		{
			name:       "NXDOMAIN is not a valid rcode",
			target:     addr,
			dns:        DNSConfig{QueryName: "missing.test", ValidRcodes: []string{"NOERROR"}},
			want:       map[string]float64{"probe_dns_answer_rrs": 0, "probe_dns_query_succeeded": 1},
			wantReason: "rcode NXDOMAIN not in [NOERROR]",
		},
		{
			name:        "NXDOMAIN expected",
			target:      addr,
			dns:         DNSConfig{QueryName: "missing.test", ValidRcodes: []string{"NXDOMAIN"}},
			wantSuccess: true,
		},
		{
			name:       "server down",
			target:     closedAddr(t),
			dns:        DNSConfig{QueryName: "example.test", Transport: "tcp"},
			want:       map[string]float64{"probe_dns_query_succeeded": 0},
			wantReason: "connection refused",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runProbeT(t, Config{Type: "dns", Target: tc.target, DNS: &tc.dns, Timeout: model.Duration(time.Second)})
			requireSuccess(t, res, tc.wantSuccess)
			require.Contains(t, res.FailureReason, tc.wantReason)
			for name, want := range tc.want {
				require.Equal(t, want, requireValue(t, res, name), name)
			}
			for _, phase := range []string{"resolve", "connect", "request"} {
				require.GreaterOrEqual(t, requireValue(t, res, "probe_dns_duration_seconds", "phase", phase), 0.0)
			}
		})
	}
}
