package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/publicsuffix"

	"github.com/mlre-dev/mlre/internal/version"
)

const maxRedirects = 10

// roundTripTrace holds the timings of one HTTP round trip.
type roundTripTrace struct {
	tls           bool
	start         time.Time
	dnsDone       time.Time
	connectDone   time.Time
	gotConn       time.Time
	responseStart time.Time
	tlsStart      time.Time
	tlsDone       time.Time
	end           time.Time
}

// tracingTransport starts a new trace for each round trip (one per
// redirect) and records httptrace events into the current one.
type tracingTransport struct {
	next   http.RoundTripper
	logger *slog.Logger

	mu      sync.Mutex
	traces  []*roundTripTrace
	current *roundTripTrace
}

func (t *tracingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.logger.Debug("Making HTTP request", "url", req.URL.String(), "host", req.Host)
	t.mu.Lock()
	t.current = &roundTripTrace{tls: req.URL.Scheme == "https"}
	t.traces = append(t.traces, t.current)
	t.mu.Unlock()
	return t.next.RoundTrip(req)
}

func (t *tracingTransport) update(f func(tr *roundTripTrace)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.current != nil {
		f(t.current)
	}
}

func (t *tracingTransport) clientTrace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) { t.update(func(tr *roundTripTrace) { tr.start = time.Now() }) },
		DNSDone:  func(httptrace.DNSDoneInfo) { t.update(func(tr *roundTripTrace) { tr.dnsDone = time.Now() }) },
		ConnectStart: func(string, string) {
			t.update(func(tr *roundTripTrace) {
				if tr.dnsDone.IsZero() { // dialed an IP address: no resolution
					tr.start = time.Now()
					tr.dnsDone = tr.start
				}
			})
		},
		ConnectDone:          func(string, string, error) { t.update(func(tr *roundTripTrace) { tr.connectDone = time.Now() }) },
		GotConn:              func(httptrace.GotConnInfo) { t.update(func(tr *roundTripTrace) { tr.gotConn = time.Now() }) },
		GotFirstResponseByte: func() { t.update(func(tr *roundTripTrace) { tr.responseStart = time.Now() }) },
		TLSHandshakeStart:    func() { t.update(func(tr *roundTripTrace) { tr.tlsStart = time.Now() }) },
		TLSHandshakeDone: func(tls.ConnectionState, error) {
			t.update(func(tr *roundTripTrace) { tr.tlsDone = time.Now() })
		},
	}
}

// byteCounter counts the bytes read through it.
type byteCounter struct {
	io.Reader
	n int64
}

func (b *byteCounter) Read(p []byte) (int, error) {
	n, err := b.Reader.Read(p)
	b.n += int64(n)
	return n, err
}

func probeHTTP(ctx context.Context, target string, cfg Config, registry *prometheus.Registry, logger *slog.Logger) bool {
	var (
		durationGaugeVec = prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "probe_http_duration_seconds",
			Help: "Duration of http request by phase, summed over all redirects",
		}, []string{"phase"})
		contentLengthGauge = prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "probe_http_content_length",
			Help: "Length of http content response",
		})
		bodyUncompressedLengthGauge = prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "probe_http_uncompressed_body_length",
			Help: "Length of uncompressed response body",
		})
		redirectsGauge = prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "probe_http_redirects",
			Help: "The number of redirects",
		})
		isSSLGauge = prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "probe_http_ssl",
			Help: "Indicates if SSL was used for the final redirect",
		})
		statusCodeGauge = prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "probe_http_status_code",
			Help: "Response HTTP status code",
		})
		httpVersionGauge = prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "probe_http_version",
			Help: "Returns the version of HTTP of the probe response",
		})
		failedDueToRegex = prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "probe_failed_due_to_regex",
			Help: "Indicates if probe failed due to regex",
		})
		lastModifiedGauge = prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "probe_http_last_modified_timestamp_seconds",
			Help: "Returns the Last-Modified HTTP response header in unixtime",
		})
	)
	for _, phase := range []string{"resolve", "connect", "tls", "processing", "transfer"} {
		durationGaugeVec.WithLabelValues(phase)
	}
	registry.MustRegister(durationGaugeVec, contentLengthGauge, bodyUncompressedLengthGauge,
		redirectsGauge, isSSLGauge, statusCodeGauge, httpVersionGauge, failedDueToRegex)

	hc := cfg.HTTP
	if hc == nil {
		hc = &HTTPConfig{Method: http.MethodGet}
	}
	targetURL, err := url.Parse(target)
	if err != nil {
		logger.Error("Could not parse target URL", "err", err)
		return false
	}
	targetHost, targetPort := targetURL.Hostname(), targetURL.Port()
	if targetPort == "" {
		targetPort = "80"
		if targetURL.Scheme == "https" {
			targetPort = "443"
		}
	}

	ip, lookupTime, err := chooseProtocol(ctx, cfg.IPProtocol, targetHost, registry, logger)
	durationGaugeVec.WithLabelValues("resolve").Add(lookupTime)
	if err != nil {
		logger.Error("Error resolving address", "err", err)
		return false
	}

	// The server name comes from the Host header when one is configured,
	// else (left empty) Go uses the host of each request's URL, so redirects
	// to other hosts get the right SNI.
	serverName := ""
	for k, v := range hc.Headers {
		if textproto.CanonicalMIMEHeaderKey(k) == "Host" {
			serverName = v
		}
	}
	tlsConfig, err := newTLSConfig(hc.TLSConfig, serverName)
	if err != nil {
		logger.Error("Error creating TLS configuration", "err", err)
		return false
	}

	// The first host is dialed at the address resolved above (honouring
	// ip_protocol); other hosts, reached through redirects, are resolved by
	// the dialer.
	firstAddr := net.JoinHostPort(targetHost, targetPort)
	resolvedAddr := net.JoinHostPort(ip.IP.String(), targetPort)
	dialer := &net.Dialer{}
	transport := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if strings.EqualFold(addr, firstAddr) {
				addr = resolvedAddr
			}
			return dialer.DialContext(ctx, network, addr)
		},
		TLSClientConfig:   tlsConfig,
		DisableKeepAlives: true,
		ForceAttemptHTTP2: true,
	}
	defer transport.CloseIdleConnections()
	tt := &tracingTransport{next: transport, logger: logger}

	jar, err := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List})
	if err != nil {
		logger.Error("Error creating cookie jar", "err", err)
		return false
	}
	redirects := 0
	client := &http.Client{
		Transport: tt,
		Jar:       jar,
		CheckRedirect: func(r *http.Request, via []*http.Request) error {
			logger.Debug("Received redirect", "location", r.Response.Header.Get("Location"))
			redirects = len(via)
			if hc.NoFollowRedirects {
				logger.Debug("Not following redirect")
				return http.ErrUseLastResponse
			}
			if redirects > maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			return nil
		},
	}

	var body io.Reader
	if hc.Body != "" {
		body = strings.NewReader(hc.Body)
	}
	method := hc.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, targetURL.String(), body)
	if err != nil {
		logger.Error("Error creating request", "err", err)
		return false
	}
	for k, v := range hc.Headers {
		if textproto.CanonicalMIMEHeaderKey(k) == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "mlre/"+version.Version)
	}
	if hc.BearerTokenFile != "" {
		token, err := os.ReadFile(hc.BearerTokenFile)
		if err != nil {
			logger.Error("Error reading bearer token file", "err", err)
			return false
		}
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), tt.clientTrace()))

	success := false
	var bodyBytes int64
	resp, err := client.Do(req)
	if resp == nil {
		resp = &http.Response{}
		if err != nil {
			logger.Error("Error for HTTP request", "err", err)
		}
	} else {
		requestErrored := err != nil
		if requestErrored {
			logger.Error("Error for HTTP request", "err", err)
		}
		logger.Debug("Received HTTP response", "status_code", resp.StatusCode)
		switch {
		case len(hc.ValidStatusCodes) > 0:
			success = slices.Contains(hc.ValidStatusCodes, resp.StatusCode)
			if !success {
				logger.Warn("Invalid HTTP response status code", "status_code", resp.StatusCode,
					"valid_status_codes", fmt.Sprint(hc.ValidStatusCodes),
					"err", fmt.Sprintf("status code %d not in %v", resp.StatusCode, hc.ValidStatusCodes))
			}
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			success = true
		default:
			logger.Warn("Invalid HTTP response status code, wanted 2xx", "status_code", resp.StatusCode,
				"err", fmt.Sprintf("status code %d", resp.StatusCode))
		}

		counter := &byteCounter{Reader: resp.Body}
		if success && (len(hc.FailIfBodyMatchesRegexp) > 0 || len(hc.FailIfBodyNotMatchesRegexp) > 0) {
			success = matchBody(counter, hc, logger)
			if success {
				failedDueToRegex.Set(0)
			} else {
				failedDueToRegex.Set(1)
			}
		}
		if !requestErrored {
			if _, err := io.Copy(io.Discard, counter); err != nil {
				logger.Error("Failed to read HTTP response body", "err", err)
				success = false
			}
			bodyBytes = counter.n
		}
		if resp.Body != nil {
			_ = resp.Body.Close()
		}
		tt.update(func(tr *roundTripTrace) { tr.end = time.Now() })

		if t, err := http.ParseTime(resp.Header.Get("Last-Modified")); err == nil {
			registry.MustRegister(lastModifiedGauge)
			lastModifiedGauge.Set(float64(t.Unix()))
		}
		if v, err := strconv.ParseFloat(strings.TrimPrefix(resp.Proto, "HTTP/"), 64); err == nil {
			httpVersionGauge.Set(v)
		} else {
			logger.Debug("Error parsing version number from HTTP version", "proto", resp.Proto, "err", err)
		}
	}

	tt.mu.Lock()
	for i, tr := range tt.traces {
		// The first round trip's resolution was measured by chooseProtocol.
		if i != 0 && !tr.dnsDone.IsZero() && !tr.start.IsZero() {
			durationGaugeVec.WithLabelValues("resolve").Add(tr.dnsDone.Sub(tr.start).Seconds())
		}
		if tr.gotConn.IsZero() {
			continue // never connected
		}
		if tr.tls {
			durationGaugeVec.WithLabelValues("connect").Add(tr.connectDone.Sub(tr.dnsDone).Seconds())
			durationGaugeVec.WithLabelValues("tls").Add(tr.tlsDone.Sub(tr.tlsStart).Seconds())
		} else {
			durationGaugeVec.WithLabelValues("connect").Add(tr.gotConn.Sub(tr.dnsDone).Seconds())
		}
		if tr.responseStart.IsZero() {
			continue // no response
		}
		durationGaugeVec.WithLabelValues("processing").Add(tr.responseStart.Sub(tr.gotConn).Seconds())
		if tr.end.IsZero() {
			continue // redirected, or the body was not read
		}
		durationGaugeVec.WithLabelValues("transfer").Add(tr.end.Sub(tr.responseStart).Seconds())
	}
	tt.mu.Unlock()

	if resp.TLS != nil {
		isSSLGauge.Set(1)
		registerTLSMetrics(registry, resp.TLS)
		if hc.FailIfSSL {
			logger.Error("Final request was over SSL", "err", "fail_if_ssl is set")
			success = false
		}
	} else if hc.FailIfNotSSL && success {
		logger.Error("Final request was not over SSL", "err", "fail_if_not_ssl is set")
		success = false
	}

	statusCodeGauge.Set(float64(resp.StatusCode))
	contentLengthGauge.Set(float64(resp.ContentLength))
	bodyUncompressedLengthGauge.Set(float64(bodyBytes))
	redirectsGauge.Set(float64(redirects))
	return success
}

// matchBody applies the body regular expressions.
func matchBody(r io.Reader, hc *HTTPConfig, logger *slog.Logger) bool {
	body, err := io.ReadAll(r)
	if err != nil {
		logger.Error("Error reading HTTP body", "err", err)
		return false
	}
	for _, expr := range hc.FailIfBodyMatchesRegexp {
		re, err := regexp.Compile(expr)
		if err != nil {
			logger.Error("Could not compile regular expression", "regexp", expr, "err", err)
			return false
		}
		if re.Match(body) {
			logger.Error("Body matched regular expression", "regexp", expr, "err", errors.New("body matched "+expr))
			return false
		}
	}
	for _, expr := range hc.FailIfBodyNotMatchesRegexp {
		re, err := regexp.Compile(expr)
		if err != nil {
			logger.Error("Could not compile regular expression", "regexp", expr, "err", err)
			return false
		}
		if !re.Match(body) {
			logger.Error("Body did not match regular expression", "regexp", expr, "err", errors.New("body did not match "+expr))
			return false
		}
	}
	return true
}
