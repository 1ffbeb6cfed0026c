package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

const (
	protocolICMP     = 1
	protocolIPv6ICMP = 58
)

// ErrICMPNotPermitted is returned by openICMP when neither a raw ICMP socket
// nor an unprivileged ping socket may be opened.
var ErrICMPNotPermitted = errors.New("ICMP sockets not permitted: need CAP_NET_RAW (raw socket) or a group in net.ipv4.ping_group_range (unprivileged ping socket)")

// openICMP opens an ICMP socket for the given family: a privileged raw
// socket first, then an unprivileged datagram ("ping") socket.
func openICMP(v6 bool, logger *slog.Logger) (conn *icmp.PacketConn, privileged bool, err error) {
	raw, dgram, laddr := "ip4:icmp", "udp4", "0.0.0.0"
	if v6 {
		raw, dgram, laddr = "ip6:ipv6-icmp", "udp6", "::"
	}
	conn, rawErr := icmp.ListenPacket(raw, laddr)
	if rawErr == nil {
		return conn, true, nil
	}
	logger.Debug("Unable to open a raw ICMP socket, trying an unprivileged one", "network", raw, "err", rawErr)
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		return nil, false, fmt.Errorf("%w: %s: %w", ErrICMPNotPermitted, raw, rawErr)
	}
	conn, dgramErr := icmp.ListenPacket(dgram, laddr)
	if dgramErr == nil {
		return conn, false, nil
	}
	return nil, false, fmt.Errorf("%w: %s: %w; %s: %w", ErrICMPNotPermitted, raw, rawErr, dgram, dgramErr)
}

// probeICMP sends one echo request to target (a host name or address) and
// waits for the matching reply.
func probeICMP(ctx context.Context, target string, cfg Config, registry *prometheus.Registry, logger *slog.Logger) bool {
	durationGaugeVec := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "probe_icmp_duration_seconds",
		Help: "Duration of icmp request by phase",
	}, []string{"phase"})
	hopLimitGauge := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "probe_icmp_reply_hop_limit",
		Help: "Replied packet hop limit (TTL for ipv4)",
	})
	for _, phase := range []string{"resolve", "setup", "rtt"} {
		durationGaugeVec.WithLabelValues(phase)
	}
	registry.MustRegister(durationGaugeVec)

	dst, lookupTime, err := chooseProtocol(ctx, cfg.IPProtocol, target, registry, logger)
	durationGaugeVec.WithLabelValues("resolve").Add(lookupTime)
	if err != nil {
		logger.Error("Error resolving address", "err", err)
		return false
	}
	v6 := dst.IP.To4() == nil

	setupStart := time.Now()
	conn, privileged, err := openICMP(v6, logger)
	if err != nil {
		logger.Error("Error listening to socket", "err", err)
		return false
	}
	defer conn.Close()

	hopLimitKnown := true
	var requestType, replyType icmp.Type = ipv4.ICMPTypeEcho, ipv4.ICMPTypeEchoReply
	proto := protocolICMP
	if v6 {
		requestType, replyType, proto = ipv6.ICMPTypeEchoRequest, ipv6.ICMPTypeEchoReply, protocolIPv6ICMP
		if err := conn.IPv6PacketConn().SetControlMessage(ipv6.FlagHopLimit, true); err != nil {
			logger.Debug("Failed to set control message for the hop limit", "err", err)
			hopLimitKnown = false
		}
	} else if err := conn.IPv4PacketConn().SetControlMessage(ipv4.FlagTTL, true); err != nil {
		logger.Debug("Failed to set control message for the TTL", "err", err)
		hopLimitKnown = false
	}

	payload := []byte("mlre probe")
	if n := cfg.ICMP.payloadSize(); n > 0 {
		p := make([]byte, n)
		copy(p, payload)
		payload = p
	}
	echo := &icmp.Echo{ID: rand.IntN(1 << 16), Seq: rand.IntN(1 << 16), Data: payload}
	wb, err := (&icmp.Message{Type: requestType, Body: echo}).Marshal(nil)
	if err != nil {
		logger.Error("Error marshalling packet", "err", err)
		return false
	}
	var to net.Addr = dst
	if !privileged {
		to = &net.UDPAddr{IP: dst.IP, Zone: dst.Zone}
	}
	durationGaugeVec.WithLabelValues("setup").Add(time.Since(setupStart).Seconds())

	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(DefaultInterval)
	}
	if err := conn.SetDeadline(deadline); err != nil {
		logger.Error("Error setting socket deadline", "err", err)
		return false
	}
	// Unblock the read below when ctx is cancelled before the deadline.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()

	logger.Debug("Writing ICMP echo request", "id", echo.ID, "seq", echo.Seq, "privileged", privileged)
	rttStart := time.Now()
	if _, err := conn.WriteTo(wb, to); err != nil {
		logger.Error("Error writing to socket", "err", err)
		return false
	}

	rb := make([]byte, 65536)
	for {
		var (
			n        int
			peer     net.Addr
			hopLimit = -1
		)
		if v6 {
			var cm *ipv6.ControlMessage
			n, cm, peer, err = conn.IPv6PacketConn().ReadFrom(rb)
			if cm != nil && hopLimitKnown {
				hopLimit = cm.HopLimit
			}
		} else {
			var cm *ipv4.ControlMessage
			n, cm, peer, err = conn.IPv4PacketConn().ReadFrom(rb)
			if cm != nil && hopLimitKnown {
				hopLimit = cm.TTL
			}
		}
		if err != nil {
			var nerr net.Error
			if errors.As(err, &nerr) && nerr.Timeout() {
				logger.Error("Timeout reading from socket", "err", fmt.Errorf("no echo reply before the deadline: %w", err))
				return false
			}
			logger.Error("Error reading from socket", "err", err)
			if ctx.Err() != nil {
				return false
			}
			continue
		}
		if !addrIP(peer).Equal(dst.IP) {
			continue
		}
		msg, err := icmp.ParseMessage(proto, rb[:n])
		if err != nil || msg.Type != replyType {
			continue
		}
		reply, ok := msg.Body.(*icmp.Echo)
		// Unprivileged sockets on Linux get their echo ID from the kernel.
		idOK := reply != nil && (reply.ID == echo.ID || (!privileged && runtime.GOOS == "linux"))
		if !ok || !idOK || reply.Seq != echo.Seq || !bytes.Equal(reply.Data, echo.Data) {
			continue
		}
		durationGaugeVec.WithLabelValues("rtt").Add(time.Since(rttStart).Seconds())
		if hopLimit >= 0 {
			registry.MustRegister(hopLimitGauge)
			hopLimitGauge.Set(float64(hopLimit))
		}
		logger.Debug("Found matching reply packet")
		return true
	}
}

func (c *ICMPConfig) payloadSize() int {
	if c == nil {
		return 0
	}
	return c.PayloadSize
}

func addrIP(a net.Addr) net.IP {
	switch a := a.(type) {
	case *net.IPAddr:
		return a.IP
	case *net.UDPAddr:
		return a.IP
	default:
		return nil
	}
}
