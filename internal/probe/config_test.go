package probe

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
)

func TestParseConfigsGood(t *testing.T) {
	cases := []struct {
		name  string
		yaml  string
		check func(t *testing.T, cfgs []Config)
	}{
		{
			name: "empty document",
			yaml: "",
			check: func(t *testing.T, cfgs []Config) {
				require.Empty(t, cfgs)
			},
		},
		{
			name: "empty list",
			yaml: "[]",
			check: func(t *testing.T, cfgs []Config) {
				require.Empty(t, cfgs)
			},
		},
		{
			name: "http defaults",
			yaml: `
- name: model-api
  type: http
  target: https://model.example/healthz
`,
			check: func(t *testing.T, cfgs []Config) {
				require.Len(t, cfgs, 1)
				c := cfgs[0]
				require.Equal(t, model.Duration(15*time.Second), c.Interval)
				require.Equal(t, model.Duration(10*time.Second), c.Timeout)
				require.Equal(t, "ip6", c.IPProtocol)
				require.NotNil(t, c.HTTP)
				require.Equal(t, "GET", c.HTTP.Method)
				require.Empty(t, c.HTTP.ValidStatusCodes) // any 2xx
			},
		},
		{
			name: "timeout defaults to the interval when shorter than 10s",
			yaml: `
- name: fast
  type: tcp
  target: db:5432
  interval: 3s
`,
			check: func(t *testing.T, cfgs []Config) {
				require.Equal(t, model.Duration(3*time.Second), cfgs[0].Timeout)
				require.NotNil(t, cfgs[0].TCP)
			},
		},
		{
			name: "dns defaults",
			yaml: `
- name: resolver
  type: dns
  target: 10.0.0.53
  dns: {query_name: example.com}
`,
			check: func(t *testing.T, cfgs []Config) {
				d := cfgs[0].DNS
				require.Equal(t, "A", d.QueryType)
				require.Equal(t, "udp", d.Transport)
				require.Equal(t, []string{"NOERROR"}, d.ValidRcodes)
			},
		},
		{
			name: "everything set",
			yaml: `
- name: model-api
  type: http
  target: https://model.example/healthz
  interval: 30s
  timeout: 5s
  labels: {team: ml, tier: gold}
  ip_protocol: ip4
  http:
    method: POST
    headers: {X-Foo: bar, Host: model.internal}
    body: '{"ping": true}'
    valid_status_codes: [200, 204]
    fail_if_body_matches_regexp: ["error"]
    fail_if_body_not_matches_regexp: ["ok|ready"]
    no_follow_redirects: true
    fail_if_not_ssl: true
    tls_config: {insecure_skip_verify: true, ca_file: /ca.pem, cert_file: /c.pem, key_file: /k.pem, server_name: model}
    bearer_token_file: /token
- name: db
  type: tcp
  target: "[::1]:5432"
  tcp: {tls: true, tls_config: {server_name: db}}
- name: gw
  type: grpc
  target: gw:443
  grpc: {service: inference, tls: true}
- name: gpu-node
  type: icmp
  target: 10.0.0.7
  icmp: {payload_size: 56}
- name: resolver
  type: dns
  target: "[2001:db8::53]:5353"
  dns: {query_name: model.example, query_type: AAAA, transport: tcp, valid_rcodes: [NOERROR, NXDOMAIN]}
`,
			check: func(t *testing.T, cfgs []Config) {
				require.Len(t, cfgs, 5)
				h := cfgs[0].HTTP
				require.Equal(t, model.Duration(5*time.Second), cfgs[0].Timeout)
				require.Equal(t, map[string]string{"team": "ml", "tier": "gold"}, cfgs[0].Labels)
				require.Equal(t, "POST", h.Method)
				require.Equal(t, []int{200, 204}, h.ValidStatusCodes)
				require.True(t, h.NoFollowRedirects)
				require.Equal(t, TLSConfig{InsecureSkipVerify: true, CAFile: "/ca.pem", CertFile: "/c.pem", KeyFile: "/k.pem", ServerName: "model"}, h.TLSConfig)
				require.True(t, cfgs[1].TCP.TLS)
				require.Equal(t, "inference", cfgs[2].GRPC.Service)
				require.Equal(t, 56, cfgs[3].ICMP.PayloadSize)
				require.Equal(t, "AAAA", cfgs[4].DNS.QueryType)
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfgs, err := ParseConfigs([]byte(tc.yaml))
			require.NoError(t, err)
			tc.check(t, cfgs)
		})
	}
}

func TestParseConfigsBad(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want []string // substrings of the error
	}{
		{
			name: "not a list",
			yaml: "name: a\n",
			want: []string{"probes: invalid probe configuration: line 1: expected a list of probes, got a mapping"},
		},
		{
			name: "unknown field",
			yaml: "- name: a\n  type: http\n  target: http://x\n  tmeout: 5s\n",
			want: []string{"probes[0] (a): tmeout: line 4: unknown field; known fields are name, type, target, interval"},
		},
		{
			name: "unknown nested field",
			yaml: "- name: a\n  type: http\n  target: http://x\n  http:\n    fail_if_sll: true\n",
			want: []string{"probes[0] (a): http.fail_if_sll: line 5: unknown field"},
		},
		{
			name: "unknown tls_config field",
			yaml: "- name: a\n  type: tcp\n  target: x:1\n  tcp: {tls_config: {ca: x}}\n",
			want: []string{"probes[0] (a): tcp.tls_config.ca: line 4: unknown field; known fields are insecure_skip_verify, ca_file"},
		},
		{
			name: "wrong value type",
			yaml: "- name: a\n  type: http\n  target: http://x\n  http: {valid_status_codes: [ok]}\n",
			want: []string{"probes[0] (a): http.valid_status_codes: line 4: cannot unmarshal"},
		},
		{
			name: "bad duration",
			yaml: "- name: a\n  type: http\n  target: http://x\n  interval: soon\n",
			want: []string{`probes[0] (a): interval: line 4: not a valid duration string: "soon"`},
		},
		{
			name: "item not a mapping",
			yaml: "- just-a-string\n",
			want: []string{`probes[0]: line 1: expected a mapping, got the scalar "just-a-string"`},
		},
		{
			name: "duplicate key",
			yaml: "- name: a\n  type: http\n  target: http://x\n  type: tcp\n",
			want: []string{`probes: invalid probe configuration: yaml: unmarshal errors:`, `mapping key "type" already defined at line 2`},
		},
		{
			name: "missing name",
			yaml: "- type: http\n  target: http://x\n",
			want: []string{"probes[0]: name: required"},
		},
		{
			name: "invalid name",
			yaml: "- name: 1st probe\n  type: http\n  target: http://x\n",
			want: []string{`probes[0] (1st probe): name: "1st probe" is not valid`},
		},
		{
			name: "duplicate name",
			yaml: "- {name: a, type: http, target: 'http://x'}\n- {name: b, type: http, target: 'http://x'}\n- {name: a, type: tcp, target: 'x:1'}\n",
			want: []string{"probes[2] (a): name: duplicate name, already used by probes[0]"},
		},
		{
			name: "missing type",
			yaml: "- name: a\n  target: http://x\n",
			want: []string{"probes[0] (a): type: required: one of http, tcp, icmp, dns, grpc"},
		},
		{
			name: "unknown type",
			yaml: "- name: a\n  type: ftp\n  target: ftp://x\n",
			want: []string{`probes[0] (a): type: unknown probe type "ftp": use one of http, tcp, icmp, dns, grpc`},
		},
		{
			name: "missing target",
			yaml: "- name: a\n  type: http\n",
			want: []string{"probes[0] (a): target: required"},
		},
		{
			name: "timeout greater than default interval",
			yaml: "- name: a\n  type: http\n  target: http://x\n  timeout: 20s\n",
			want: []string{"probes[0] (a): timeout: 20s must not be greater than interval 15s"},
		},
		{
			name: "timeout greater than interval",
			yaml: "- name: a\n  type: http\n  target: http://x\n  interval: 5s\n  timeout: 6s\n",
			want: []string{"probes[0] (a): timeout: 6s must not be greater than interval 5s"},
		},
		{
			name: "bad regexp",
			yaml: "- name: model-api\n  type: http\n  target: http://x\n  http: {fail_if_body_not_matches_regexp: [ok, 'a(b']}\n",
			want: []string{"probes[0] (model-api): http.fail_if_body_not_matches_regexp[1]: invalid regular expression: error parsing regexp: missing closing )"},
		},
		{
			name: "bad status code",
			yaml: "- name: model-api\n  type: http\n  target: http://x\n  http: {valid_status_codes: [200, 999]}\n",
			want: []string{"probes[0] (model-api): http.valid_status_codes[1]: 999 is not an HTTP status code (100-599)"},
		},
		{
			name: "bad URL scheme",
			yaml: "- name: a\n  type: http\n  target: model.example/healthz\n",
			want: []string{`probes[0] (a): target: invalid URL "model.example/healthz": scheme must be http or https`},
		},
		{
			name: "unparsable URL",
			yaml: "- name: a\n  type: http\n  target: 'http://[::1'\n",
			want: []string{"probes[0] (a): target: invalid URL: parse"},
		},
		{
			name: "tcp target without port",
			yaml: "- name: a\n  type: tcp\n  target: db\n",
			want: []string{`probes[0] (a): target: "db" is not host:port`},
		},
		{
			name: "icmp target with port",
			yaml: "- name: a\n  type: icmp\n  target: host:22\n",
			want: []string{`probes[0] (a): target: "host:22" is not a host name or IP address`},
		},
		{
			name: "dns without query_name",
			yaml: "- name: d\n  type: dns\n  target: 10.0.0.53\n",
			want: []string{"probes[0] (d): dns.query_name: required"},
		},
		{
			name: "dns bad type, transport and rcode",
			yaml: "- name: d\n  type: dns\n  target: 10.0.0.53\n  dns: {query_name: x.example, query_type: AA, transport: quic, valid_rcodes: [NOPE]}\n",
			want: []string{
				`probes[0] (d): dns.query_type: unknown query type "AA"`,
				`probes[0] (d): dns.transport: "quic" is not valid: use udp or tcp`,
				`probes[0] (d): dns.valid_rcodes[0]: unknown rcode "NOPE"`,
			},
		},
		{
			name: "reserved label",
			yaml: "- name: a\n  type: http\n  target: http://x\n  labels: {job: x}\n",
			want: []string{`probes[0] (a): labels.job: label name "job" is reserved`},
		},
		{
			name: "reserved label instance",
			yaml: "- name: a\n  type: http\n  target: http://x\n  labels: {instance: x}\n",
			want: []string{`probes[0] (a): labels.instance: label name "instance" is reserved`},
		},
		{
			name: "invalid label name",
			yaml: "- name: a\n  type: http\n  target: http://x\n  labels: {team-name: x}\n",
			want: []string{"probes[0] (a): labels.team-name: invalid label name"},
		},
		{
			name: "bad ip_protocol",
			yaml: "- name: a\n  type: http\n  target: http://x\n  ip_protocol: ipv4\n",
			want: []string{`probes[0] (a): ip_protocol: "ipv4" is not valid: use ip4 or ip6`},
		},
		{
			name: "section of another type",
			yaml: "- name: a\n  type: tcp\n  target: x:1\n  http: {method: GET}\n",
			want: []string{`probes[0] (a): http: section set, but the probe type is "tcp"`},
		},
		{
			name: "cert without key",
			yaml: "- name: a\n  type: grpc\n  target: x:1\n  grpc: {tls: true, tls_config: {cert_file: /c.pem}}\n",
			want: []string{"probes[0] (a): grpc.tls_config: cert_file and key_file must be set together"},
		},
		{
			name: "all problems reported",
			yaml: "- name: a\n  type: http\n  target: http://x\n  timeout: 1m\n- name: b\n  type: smtp\n  target: x\n",
			want: []string{
				"probes[0] (a): timeout: 1m must not be greater than interval 15s",
				`probes[1] (b): type: unknown probe type "smtp"`,
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfgs, err := ParseConfigs([]byte(tc.yaml))
			require.Error(t, err)
			require.Nil(t, cfgs)
			require.True(t, errors.Is(err, ErrInvalidConfig), "error %q does not match ErrInvalidConfig", err)
			for _, want := range tc.want {
				require.Contains(t, err.Error(), want)
			}
		})
	}
}

func TestValidateDoesNotModify(t *testing.T) {
	h := &HTTPConfig{}
	cfgs := []Config{{Name: "a", Type: "http", Target: "http://x", HTTP: h}}
	require.NoError(t, Validate(cfgs))
	require.Empty(t, h.Method, "Validate must not apply defaults in place")
	require.Zero(t, cfgs[0].Interval)

	var cerr *ConfigError
	err := Validate([]Config{{Name: "a", Type: "http", Target: "http://x", Labels: map[string]string{"probe_type": "x"}}})
	require.ErrorAs(t, err, &cerr)
	require.Equal(t, 0, cerr.Index)
	require.Equal(t, "a", cerr.Name)
	require.Equal(t, "labels.probe_type", cerr.Field)
}

func FuzzParseConfigs(f *testing.F) {
	for _, seed := range []string{
		"",
		"[]",
		"- {name: a, type: http, target: 'http://x', interval: 1s}",
		"- {name: d, type: dns, target: 10.0.0.53, dns: {query_name: example.com, query_type: MX}}",
		"- {name: g, type: grpc, target: 'x:1', grpc: {tls: true, tls_config: {insecure_skip_verify: true}}}",
		"- {name: i, type: icmp, target: '::1', labels: {a: b}}",
		"- name: a\n  type: http\n  target: http://x\n  http: {fail_if_body_matches_regexp: ['(']}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfgs, err := ParseConfigs(data)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidConfig)
			return
		}
		// Whatever parses is valid, with its defaults applied.
		require.NoError(t, Validate(cfgs))
		for _, c := range cfgs {
			require.Equal(t, fingerprint(c), fingerprint(withDefaults(c)))
		}
	})
}
