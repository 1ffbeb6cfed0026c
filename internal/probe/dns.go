package probe

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// probeDNS sends one query to the DNS server target (host[:port], port 53 by
// default) and checks the response code.
func probeDNS(ctx context.Context, target string, cfg Config, registry *prometheus.Registry, logger *slog.Logger) bool {
	durationGaugeVec := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "probe_dns_duration_seconds",
		Help: "Duration of DNS request by phase",
	}, []string{"phase"})
	answerRRs := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "probe_dns_answer_rrs",
		Help: "Returns number of entries in the answer resource record list",
	})
	authorityRRs := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "probe_dns_authority_rrs",
		Help: "Returns number of entries in the authority resource record list",
	})
	additionalRRs := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "probe_dns_additional_rrs",
		Help: "Returns number of entries in the additional resource record list",
	})
	querySucceeded := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "probe_dns_query_succeeded",
		Help: "Displays whether or not the query was executed successfully",
	})
	for _, phase := range []string{"resolve", "connect", "request"} {
		durationGaugeVec.WithLabelValues(phase)
	}
	registry.MustRegister(durationGaugeVec, answerRRs, authorityRRs, additionalRRs, querySucceeded)

	dc := withDefaults(Config{Type: "dns", DNS: cfg.DNS}).DNS
	qtype, ok := dns.StringToType[dc.QueryType]
	if !ok {
		logger.Error("Invalid query type", "query_type", dc.QueryType, "err", fmt.Sprintf("unknown query type %q", dc.QueryType))
		return false
	}
	var validRcodes []int
	for _, rc := range dc.ValidRcodes {
		code, ok := dns.StringToRcode[rc]
		if !ok {
			logger.Error("Invalid rcode", "rcode", rc, "err", fmt.Sprintf("unknown rcode %q", rc))
			return false
		}
		validRcodes = append(validRcodes, code)
	}

	host, port, err := net.SplitHostPort(target)
	if err != nil {
		host, port = target, "53"
	}
	ip, lookupTime, err := chooseProtocol(ctx, cfg.IPProtocol, host, registry, logger)
	durationGaugeVec.WithLabelValues("resolve").Add(lookupTime)
	if err != nil {
		logger.Error("Error resolving address", "err", err)
		return false
	}
	network := dc.Transport + "4"
	if ip.IP.To4() == nil {
		network = dc.Transport + "6"
	}
	server := net.JoinHostPort(ip.String(), port)

	client := &dns.Client{Net: network}
	if deadline, ok := ctx.Deadline(); ok {
		client.Timeout = time.Until(deadline)
	}
	msg := new(dns.Msg)
	msg.Id = dns.Id()
	msg.RecursionDesired = true
	msg.Question = []dns.Question{{Name: dns.Fqdn(dc.QueryName), Qtype: qtype, Qclass: dns.ClassINET}}

	logger.Debug("Making DNS query", "server", server, "network", network, "query", dc.QueryName, "type", dc.QueryType)
	start := time.Now()
	resp, rtt, err := client.ExchangeContext(ctx, msg, server)
	// rtt covers the exchange after the connection is set up; the rest of
	// the elapsed time is the connection.
	durationGaugeVec.WithLabelValues("connect").Set((time.Since(start) - rtt).Seconds())
	durationGaugeVec.WithLabelValues("request").Set(rtt.Seconds())
	if err != nil {
		logger.Error("Error while sending a DNS query", "err", err)
		return false
	}
	logger.Debug("Got response", "rcode", dns.RcodeToString[resp.Rcode], "answers", len(resp.Answer))

	answerRRs.Set(float64(len(resp.Answer)))
	authorityRRs.Set(float64(len(resp.Ns)))
	additionalRRs.Set(float64(len(resp.Extra)))
	querySucceeded.Set(1)

	if qtype == dns.TypeSOA {
		serial := prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "probe_dns_serial",
			Help: "Returns the serial number of the zone",
		})
		registry.MustRegister(serial)
		for _, rr := range resp.Answer {
			if soa, ok := rr.(*dns.SOA); ok {
				serial.Set(float64(soa.Serial))
			}
		}
	}

	if !slices.Contains(validRcodes, resp.Rcode) {
		logger.Error("Rcode is not one of the valid rcodes", "rcode", dns.RcodeToString[resp.Rcode],
			"valid_rcodes", fmt.Sprint(dc.ValidRcodes),
			"err", fmt.Sprintf("rcode %s not in %v", dns.RcodeToString[resp.Rcode], dc.ValidRcodes))
		return false
	}
	return true
}
