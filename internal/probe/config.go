package probe

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// ErrInvalidConfig is matched (errors.Is) by every configuration error this
// package returns.
var ErrInvalidConfig = errors.New("invalid probe configuration")

// Defaults applied by ParseConfigs (and, on a copy, by the Manager and RunOnce).
const (
	DefaultInterval   = 15 * time.Second
	MaxDefaultTimeout = 10 * time.Second
	DefaultIPProtocol = "ip6"
)

// probeTypes lists the probe types, in the order used in messages.
var probeTypes = []string{"http", "tcp", "icmp", "dns", "grpc"}

// Config is one entry of the `probes:` list in mlre.yaml.
type Config struct {
	Name     string         `yaml:"name" json:"name"`
	Type     string         `yaml:"type" json:"type"`
	Target   string         `yaml:"target" json:"target"`
	Interval model.Duration `yaml:"interval,omitempty" json:"interval"`
	Timeout  model.Duration `yaml:"timeout,omitempty" json:"timeout"`
	// Labels are added to every series of the probe.
	Labels map[string]string `yaml:"labels,omitempty" json:"labels,omitempty"`
	// IPProtocol is the preferred IP protocol (ip4 or ip6); the other one
	// is used when the target has no address of the preferred family, as in
	// blackbox_exporter with ip_protocol_fallback: true.
	IPProtocol string `yaml:"ip_protocol,omitempty" json:"ip_protocol"`

	HTTP *HTTPConfig `yaml:"http,omitempty" json:"http,omitempty"`
	TCP  *TCPConfig  `yaml:"tcp,omitempty" json:"tcp,omitempty"`
	DNS  *DNSConfig  `yaml:"dns,omitempty" json:"dns,omitempty"`
	GRPC *GRPCConfig `yaml:"grpc,omitempty" json:"grpc,omitempty"`
	ICMP *ICMPConfig `yaml:"icmp,omitempty" json:"icmp,omitempty"`
}

// HTTPConfig configures an http probe.
type HTTPConfig struct {
	Method  string            `yaml:"method,omitempty" json:"method"`
	Headers map[string]string `yaml:"headers,omitempty" json:"headers,omitempty"`
	Body    string            `yaml:"body,omitempty" json:"body,omitempty"`
	// ValidStatusCodes defaults to any 2xx code when empty.
	ValidStatusCodes           []int     `yaml:"valid_status_codes,omitempty" json:"valid_status_codes,omitempty"`
	FailIfBodyMatchesRegexp    []string  `yaml:"fail_if_body_matches_regexp,omitempty" json:"fail_if_body_matches_regexp,omitempty"`
	FailIfBodyNotMatchesRegexp []string  `yaml:"fail_if_body_not_matches_regexp,omitempty" json:"fail_if_body_not_matches_regexp,omitempty"`
	NoFollowRedirects          bool      `yaml:"no_follow_redirects,omitempty" json:"no_follow_redirects,omitempty"`
	FailIfSSL                  bool      `yaml:"fail_if_ssl,omitempty" json:"fail_if_ssl,omitempty"`
	FailIfNotSSL               bool      `yaml:"fail_if_not_ssl,omitempty" json:"fail_if_not_ssl,omitempty"`
	TLSConfig                  TLSConfig `yaml:"tls_config,omitempty" json:"tls_config"`
	BearerTokenFile            string    `yaml:"bearer_token_file,omitempty" json:"bearer_token_file,omitempty"`
}

// TLSConfig configures the TLS client of http, tcp and grpc probes.
type TLSConfig struct {
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify,omitempty" json:"insecure_skip_verify,omitempty"`
	CAFile             string `yaml:"ca_file,omitempty" json:"ca_file,omitempty"`
	CertFile           string `yaml:"cert_file,omitempty" json:"cert_file,omitempty"`
	KeyFile            string `yaml:"key_file,omitempty" json:"key_file,omitempty"`
	ServerName         string `yaml:"server_name,omitempty" json:"server_name,omitempty"`
}

// TCPConfig configures a tcp probe.
type TCPConfig struct {
	TLS       bool      `yaml:"tls,omitempty" json:"tls,omitempty"`
	TLSConfig TLSConfig `yaml:"tls_config,omitempty" json:"tls_config"`
}

// DNSConfig configures a dns probe.
type DNSConfig struct {
	QueryName   string   `yaml:"query_name" json:"query_name"`
	QueryType   string   `yaml:"query_type,omitempty" json:"query_type"`
	Transport   string   `yaml:"transport,omitempty" json:"transport"`
	ValidRcodes []string `yaml:"valid_rcodes,omitempty" json:"valid_rcodes"`
}

// GRPCConfig configures a grpc probe (grpc.health.v1.Health/Check).
type GRPCConfig struct {
	Service   string    `yaml:"service,omitempty" json:"service,omitempty"`
	TLS       bool      `yaml:"tls,omitempty" json:"tls,omitempty"`
	TLSConfig TLSConfig `yaml:"tls_config,omitempty" json:"tls_config"`
}

// ICMPConfig configures an icmp probe.
type ICMPConfig struct {
	PayloadSize int `yaml:"payload_size,omitempty" json:"payload_size,omitempty"`
}

// ConfigError is one problem in one probe's configuration. Its message names
// the list index, the probe name and the field:
//
//	probes[2] (model-api): http.valid_status_codes: ...
type ConfigError struct {
	Index int    // position in the probes list; -1 for a single probe (RunOnce)
	Name  string // probe name, when known
	Field string // dotted field path inside the probe, when known
	Err   error
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	if e.Index >= 0 {
		fmt.Fprintf(&b, "probes[%d]", e.Index)
	} else {
		b.WriteString("probe")
	}
	if e.Name != "" {
		fmt.Fprintf(&b, " (%s)", e.Name)
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(": " + e.Err.Error())
	return b.String()
}

func (e *ConfigError) Unwrap() error { return e.Err }

// Is makes every ConfigError match ErrInvalidConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// ParseConfigs decodes the YAML list that is the value of `probes:`. Unknown
// fields are rejected, defaults are applied, and every probe is validated;
// all problems found are returned together (errors.Join of *ConfigError).
func ParseConfigs(yamlText []byte) ([]Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(yamlText, &root); err != nil {
		return nil, fmt.Errorf("probes: %w: %w", ErrInvalidConfig, err)
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, nil // empty document
	}
	list := root.Content[0]
	if list.Kind == yaml.ScalarNode && list.Tag == "!!null" {
		return nil, nil
	}
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("probes: %w: line %d: expected a list of probes, got %s", ErrInvalidConfig, list.Line, nodeKind(list))
	}

	// First pass, node by node: reports unknown fields and type errors with
	// the list index, probe name and field path.
	var errs []error
	for i, item := range list.Content {
		name := mappingValue(item, "name")
		if item.Kind != yaml.MappingNode {
			errs = append(errs, &ConfigError{Index: i, Err: fmt.Errorf("line %d: expected a mapping, got %s", item.Line, nodeKind(item))})
			continue
		}
		if err := checkNode(item, reflect.TypeFor[Config](), ""); err != nil {
			err.Index, err.Name = i, name
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	// Second pass: the actual strict decode.
	dec := yaml.NewDecoder(bytes.NewReader(yamlText))
	dec.KnownFields(true)
	var cfgs []Config
	if err := dec.Decode(&cfgs); err != nil {
		return nil, fmt.Errorf("probes: %w: %w", ErrInvalidConfig, err)
	}
	for i := range cfgs {
		cfgs[i] = withDefaults(cfgs[i])
	}
	if err := Validate(cfgs); err != nil {
		return nil, err
	}
	return cfgs, nil
}

// checkNode walks a mapping node against the yaml tags of struct type t,
// rejecting unknown keys and decoding each leaf to catch type errors early.
func checkNode(n *yaml.Node, t reflect.Type, path string) *ConfigError {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			return &ConfigError{Field: path, Err: cleanYAMLError(err, n.Line)}
		}
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return &ConfigError{Field: path, Err: fmt.Errorf("line %d: expected a mapping, got %s", n.Line, nodeKind(n))}
	}
	fields := map[string]reflect.Type{}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		fields[tag] = f.Type
		names = append(names, tag)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		if key.Value == "<<" { // merge key: left to the strict decoder
			continue
		}
		p := key.Value
		if path != "" {
			p = path + "." + key.Value
		}
		ft, ok := fields[key.Value]
		if !ok {
			return &ConfigError{Field: p, Err: fmt.Errorf("line %d: unknown field; known fields are %s", key.Line, strings.Join(names, ", "))}
		}
		if err := checkNode(val, ft, p); err != nil {
			return err
		}
	}
	return nil
}

func cleanYAMLError(err error, line int) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: unmarshal errors:\n")
	msg = strings.Join(strings.Fields(msg), " ")
	if !strings.HasPrefix(msg, "line ") {
		msg = fmt.Sprintf("line %d: %s", line, msg)
	}
	return errors.New(msg)
}

func mappingValue(n *yaml.Node, key string) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && n.Content[i+1].Kind == yaml.ScalarNode {
			return n.Content[i+1].Value
		}
	}
	return ""
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		return fmt.Sprintf("the scalar %q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	default:
		return "a document"
	}
}

// withDefaults returns a copy of c with defaults filled in. Sections are
// copied, never modified in place.
func withDefaults(c Config) Config {
	if c.Interval == 0 {
		c.Interval = model.Duration(DefaultInterval)
	}
	if c.Timeout == 0 {
		c.Timeout = min(c.Interval, model.Duration(MaxDefaultTimeout))
	}
	if c.IPProtocol == "" {
		c.IPProtocol = DefaultIPProtocol
	}
	switch c.Type {
	case "http":
		h := HTTPConfig{}
		if c.HTTP != nil {
			h = *c.HTTP
		}
		if h.Method == "" {
			h.Method = "GET"
		}
		c.HTTP = &h
	case "tcp":
		if c.TCP == nil {
			c.TCP = &TCPConfig{}
		}
	case "dns":
		d := DNSConfig{}
		if c.DNS != nil {
			d = *c.DNS
		}
		if d.QueryType == "" {
			d.QueryType = "A"
		}
		if d.Transport == "" {
			d.Transport = "udp"
		}
		if len(d.ValidRcodes) == 0 {
			d.ValidRcodes = []string{"NOERROR"}
		}
		c.DNS = &d
	case "grpc":
		if c.GRPC == nil {
			c.GRPC = &GRPCConfig{}
		}
	case "icmp":
		if c.ICMP == nil {
			c.ICMP = &ICMPConfig{}
		}
	}
	return c
}

var nameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_-]*$`)

// reservedLabels may not be set in a probe's labels: mlre sets them itself,
// or blackbox metrics use them.
var reservedLabels = []string{
	"job", "instance", "probe_type",
	"phase", "version", "cipher", "serving_status",
	"fingerprint_sha256", "subject", "issuer", "subjectalternative", "serialnumber",
}

// Validate checks every probe (after applying defaults to a copy) and that
// names are unique. It returns all problems joined; each is a *ConfigError.
func Validate(cfgs []Config) error {
	var errs []error
	seen := map[string]int{}
	for i, c := range cfgs {
		errs = append(errs, validateOne(i, withDefaults(c))...)
		if c.Name == "" {
			continue
		}
		if j, ok := seen[c.Name]; ok {
			errs = append(errs, &ConfigError{Index: i, Name: c.Name, Field: "name", Err: fmt.Errorf("duplicate name, already used by probes[%d]", j)})
			continue
		}
		seen[c.Name] = i
	}
	return errors.Join(errs...)
}

func validateOne(i int, c Config) []error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &ConfigError{Index: i, Name: c.Name, Field: field, Err: fmt.Errorf(format, args...)})
	}

	switch {
	case c.Name == "":
		bad("name", "required")
	case !nameRE.MatchString(c.Name):
		bad("name", "%q is not valid: use letters, digits, '_' and '-', starting with a letter or '_'", c.Name)
	}

	if c.Interval <= 0 {
		bad("interval", "must be > 0")
	}
	if c.Timeout <= 0 {
		bad("timeout", "must be > 0")
	} else if c.Timeout > c.Interval {
		bad("timeout", "%s must not be greater than interval %s", c.Timeout, c.Interval)
	}
	if c.IPProtocol != "ip4" && c.IPProtocol != "ip6" {
		bad("ip_protocol", "%q is not valid: use ip4 or ip6", c.IPProtocol)
	}
	for _, k := range sortedKeys(c.Labels) {
		switch {
		case !model.LabelName(k).IsValidLegacy():
			bad("labels."+k, "invalid label name: use [a-zA-Z_][a-zA-Z0-9_]*")
		case strings.HasPrefix(k, "__"):
			bad("labels."+k, "label names starting with __ are reserved")
		case slices.Contains(reservedLabels, k):
			bad("labels."+k, "label name %q is reserved (mlre sets job, instance and probe_type itself)", k)
		}
	}

	sections := map[string]bool{
		"http": c.HTTP != nil, "tcp": c.TCP != nil, "icmp": c.ICMP != nil,
		"dns": c.DNS != nil, "grpc": c.GRPC != nil,
	}
	if c.Type == "" {
		bad("type", "required: one of %s", strings.Join(probeTypes, ", "))
	} else if !slices.Contains(probeTypes, c.Type) {
		bad("type", "unknown probe type %q: use one of %s", c.Type, strings.Join(probeTypes, ", "))
	}
	for _, t := range probeTypes {
		if sections[t] && t != c.Type {
			bad(t, "section set, but the probe type is %q", c.Type)
		}
	}

	if c.Target == "" {
		bad("target", "required")
	} else if msg := checkTarget(c.Type, c.Target); msg != "" {
		bad("target", "%s", msg)
	}

	switch c.Type {
	case "http":
		h := c.HTTP
		if !validMethod(h.Method) {
			bad("http.method", "%q is not a valid HTTP method", h.Method)
		}
		for _, k := range sortedKeys(h.Headers) {
			if !validMethod(k) { // header names are tokens, like methods
				bad("http.headers", "%q is not a valid header name", k)
			}
		}
		for j, code := range h.ValidStatusCodes {
			if code < 100 || code > 599 {
				bad(fmt.Sprintf("http.valid_status_codes[%d]", j), "%d is not an HTTP status code (100-599)", code)
			}
		}
		for j, re := range h.FailIfBodyMatchesRegexp {
			if _, err := regexp.Compile(re); err != nil {
				bad(fmt.Sprintf("http.fail_if_body_matches_regexp[%d]", j), "invalid regular expression: %w", err)
			}
		}
		for j, re := range h.FailIfBodyNotMatchesRegexp {
			if _, err := regexp.Compile(re); err != nil {
				bad(fmt.Sprintf("http.fail_if_body_not_matches_regexp[%d]", j), "invalid regular expression: %w", err)
			}
		}
		if h.FailIfSSL && h.FailIfNotSSL {
			bad("http.fail_if_ssl", "fail_if_ssl and fail_if_not_ssl cannot both be true")
		}
		errs = append(errs, validateTLS(i, c.Name, "http.tls_config", h.TLSConfig)...)
	case "tcp":
		errs = append(errs, validateTLS(i, c.Name, "tcp.tls_config", c.TCP.TLSConfig)...)
	case "grpc":
		errs = append(errs, validateTLS(i, c.Name, "grpc.tls_config", c.GRPC.TLSConfig)...)
	case "dns":
		d := c.DNS
		if d.QueryName == "" {
			bad("dns.query_name", "required")
		} else if _, ok := dns.IsDomainName(d.QueryName); !ok {
			bad("dns.query_name", "%q is not a valid domain name", d.QueryName)
		}
		if _, ok := dns.StringToType[d.QueryType]; !ok {
			bad("dns.query_type", "unknown query type %q (use e.g. A, AAAA, CNAME, MX, NS, SOA, SRV, TXT)", d.QueryType)
		}
		if d.Transport != "udp" && d.Transport != "tcp" {
			bad("dns.transport", "%q is not valid: use udp or tcp", d.Transport)
		}
		for j, rc := range d.ValidRcodes {
			if _, ok := dns.StringToRcode[rc]; !ok {
				bad(fmt.Sprintf("dns.valid_rcodes[%d]", j), "unknown rcode %q (use e.g. NOERROR, NXDOMAIN, SERVFAIL)", rc)
			}
		}
	case "icmp":
		if c.ICMP.PayloadSize < 0 || c.ICMP.PayloadSize > 65000 {
			bad("icmp.payload_size", "%d is out of range 0-65000", c.ICMP.PayloadSize)
		}
	}
	return errs
}

func validateTLS(i int, name, field string, t TLSConfig) []error {
	if (t.CertFile == "") != (t.KeyFile == "") {
		return []error{&ConfigError{Index: i, Name: name, Field: field, Err: errors.New("cert_file and key_file must be set together")}}
	}
	return nil
}

// checkTarget returns what is wrong with target for probe type typ, or "".
func checkTarget(typ, target string) string {
	if strings.TrimSpace(target) != target || strings.ContainsAny(target, " \t\n") {
		return fmt.Sprintf("%q contains white space", target)
	}
	switch typ {
	case "http":
		u, err := url.Parse(target)
		if err != nil {
			return fmt.Sprintf("invalid URL: %v", err)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return fmt.Sprintf("invalid URL %q: scheme must be http or https", target)
		}
		if u.Hostname() == "" {
			return fmt.Sprintf("invalid URL %q: no host", target)
		}
		if p := u.Port(); p != "" && !validPort(p) {
			return fmt.Sprintf("invalid URL %q: bad port %q", target, p)
		}
	case "tcp", "grpc":
		host, port, err := net.SplitHostPort(target)
		if err != nil {
			return fmt.Sprintf("%q is not host:port: %v", target, err)
		}
		if host == "" {
			return fmt.Sprintf("%q has no host", target)
		}
		if !validPort(port) {
			return fmt.Sprintf("%q has a bad port %q", target, port)
		}
	case "dns":
		host, port, err := net.SplitHostPort(target)
		if err != nil {
			host, port = target, "53"
		}
		if host == "" || strings.Contains(host, "/") {
			return fmt.Sprintf("%q is not host[:port]", target)
		}
		if !validPort(port) {
			return fmt.Sprintf("%q has a bad port %q", target, port)
		}
	case "icmp":
		if strings.Contains(target, "/") || (strings.Count(target, ":") == 1) {
			return fmt.Sprintf("%q is not a host name or IP address (no port or URL)", target)
		}
	}
	return ""
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n > 0 && n <= 65535
}

// validMethod reports whether s is an RFC 7230 token.
func validMethod(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r > 0x7e || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// SetDirectory makes the probes' relative file paths (bearer_token_file,
// tls_config's ca_file, cert_file and key_file) relative to dir, the
// config file's directory, as the rest of mlre.yaml's paths are.
func SetDirectory(cfgs []Config, dir string) {
	if dir == "" {
		return
	}
	join := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	tls := func(t *TLSConfig) { join(&t.CAFile); join(&t.CertFile); join(&t.KeyFile) }
	for i := range cfgs {
		c := &cfgs[i]
		if c.HTTP != nil {
			join(&c.HTTP.BearerTokenFile)
			tls(&c.HTTP.TLSConfig)
		}
		if c.TCP != nil {
			tls(&c.TCP.TLSConfig)
		}
		if c.GRPC != nil {
			tls(&c.GRPC.TLSConfig)
		}
	}
}
