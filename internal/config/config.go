// Package config loads mlre.yaml: a superset of prometheus.yml.
//
// The Prometheus sections (global, scrape_configs, rule_files, alerting,
// remote_write, remote_read, storage.tsdb, …) are parsed by Prometheus's own
// config package, so a user can paste their prometheus.yml unchanged. mlre adds
// the `server` section and the `path` and `retention` keys of `storage`.
// Unknown keys anywhere are errors that name the key and its line.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/units"
	"github.com/mlre-dev/mlre/internal/alerting"
	"github.com/mlre-dev/mlre/internal/cost"
	"github.com/mlre-dev/mlre/internal/health"
	"github.com/mlre-dev/mlre/internal/monitor"
	"github.com/mlre-dev/mlre/internal/probe"
	"github.com/mlre-dev/mlre/internal/slo"
	"github.com/prometheus/common/model"
	promconfig "github.com/prometheus/prometheus/config"
	"go.yaml.in/yaml/v3"
)

// Defaults used where the config file and flags are silent.
const (
	DefaultListen       = "127.0.0.1:9800"
	DefaultStoragePath  = "data"
	DefaultRetention    = 15 * 24 * time.Hour
	DefaultMaxBodyBytes = 32 << 20
)

// ErrInvalid is wrapped by every error that reports a bad config.
var ErrInvalid = errors.New("invalid configuration")

// Config is a loaded, validated mlre.yaml.
type Config struct {
	Server  ServerConfig
	Storage StorageConfig
	// Prometheus holds the sections in Prometheus's own format, parsed by
	// Prometheus's config package.
	Prometheus *promconfig.Config
	// SLOs are the objectives from `slos:` and from the files `slo_files:`
	// names, validated.
	SLOs []slo.SLO
	// Notifications is the built-in delivery's routing and receivers (nil
	// when the section is absent).
	Notifications *alerting.Config
	// HealthRules tunes the built-in health rules (nil: all on, defaults).
	HealthRules *health.Config
	// Collectors configures mlre's own host and GPU collectors.
	Collectors CollectorsConfig
	// Probes are the endpoint probes of `probes:` (blackbox_exporter's
	// series), validated.
	Probes []probe.Config
	// Models are the monitored models of `models:`, validated (their
	// references are read when the monitor applies the config).
	Models []monitor.Config
	// Cost is the `cost:` section (nil: no cost rules unless budgets are
	// set, which take the defaults).
	Cost *cost.Config
	// Budgets are the dollar budgets of `budgets:`.
	Budgets []cost.Budget
	// GeneratedRules is the Prometheus rule file mlre generates: the SLOs'
	// groups, then the built-in health rules.
	GeneratedRules []byte
	// SLOFiles are the `slo_files:` patterns, resolved against the config's
	// directory.
	SLOFiles []string
	// File is the path the config was loaded from; empty for the built-in
	// default config.
	File string
}

// ServerConfig is mlre's `server` section.
type ServerConfig struct {
	// Listen is the HTTP listen address, host:port.
	Listen string `yaml:"listen"`
	// MaxRequestBodySize caps the body of any request (remote_write included).
	MaxRequestBodySize ByteSize   `yaml:"max_request_body_size"`
	Auth               AuthConfig `yaml:"auth"`
}

// AuthConfig is `server.auth`.
type AuthConfig struct {
	Tokens []TokenConfig `yaml:"tokens"`
}

// Scope is what a token may do.
type Scope string

// The scopes a token can hold. Admin implies read and write.
const (
	ScopeRead  Scope = "read"
	ScopeWrite Scope = "write"
	ScopeAdmin Scope = "admin"
)

// TokenConfig is one entry of `server.auth.tokens`. The secret itself is
// never written in the config: it comes from a file or an environment variable.
type TokenConfig struct {
	Name      string  `yaml:"name"`
	TokenFile string  `yaml:"token_file"`
	TokenEnv  string  `yaml:"token_env"`
	Scopes    []Scope `yaml:"scopes"`

	// Secret is the resolved token. It is never marshalled or logged.
	Secret Secret `yaml:"-"`
}

// Secret is a string that prints as <secret>.
type Secret string

// String hides the value.
func (Secret) String() string { return "<secret>" }

// LogValue hides the value from slog.
func (Secret) LogValue() slog.Value { return slog.StringValue("<secret>") }

// MarshalYAML hides the value.
func (Secret) MarshalYAML() (any, error) { return "<secret>", nil }

// StorageConfig is mlre's part of the `storage` section; the Prometheus keys
// (`tsdb`, `exemplars`) are parsed into Prometheus.StorageConfig.
type StorageConfig struct {
	// Path is the data directory. Relative paths are relative to the config
	// file's directory.
	Path string `yaml:"path"`
	// Retention is how long samples are kept. It is shorthand for
	// storage.tsdb.retention.time, and may not be set together with it.
	Retention model.Duration `yaml:"retention"`
	// Exemplars reports whether storage.exemplars is set, which turns
	// exemplar storage on. Changing it takes a restart.
	Exemplars bool `yaml:"-"`
}

// ByteSize is a size in bytes written like Prometheus writes sizes: 512KiB, 32MiB, 1GB.
type ByteSize int64

// UnmarshalYAML parses a size with units.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := units.ParseBase2Bytes(s)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a size; write it like 32MiB or 1GiB", n.Line, s)
	}
	*b = ByteSize(v)
	return nil
}

// MarshalYAML writes the size with units.
func (b ByteSize) MarshalYAML() (any, error) { return units.Base2Bytes(b).String(), nil }

// lineDuration is a model.Duration whose parse errors name the line.
type lineDuration model.Duration

func (d *lineDuration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := model.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %w; write it like 15d, 12h or 90m", n.Line, err)
	}
	*d = lineDuration(v)
	return nil
}

// Default returns the config mlre runs with when no file is given: listen on
// DefaultListen, store in DefaultStoragePath, and scrape its own /metrics.
func Default() *Config { return DefaultFor(DefaultListen) }

// DefaultFor is Default with mlre's own /metrics scraped at self (host:port).
func DefaultFor(self string) *Config {
	c, err := Parse([]byte(fmt.Sprintf(defaultYAML, strconv.Quote(self))), "")
	if err != nil {
		panic("built-in default config is invalid: " + err.Error())
	}
	return c
}

const defaultYAML = `
global:
  scrape_interval: 15s
  evaluation_interval: 15s
scrape_configs:
  - job_name: mlre
    static_configs:
      - targets: [%s]
`

// LoadFile reads and parses the config at path.
func LoadFile(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %w", ErrInvalid, path, err)
	}
	c, err := Parse(b, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c.File = path
	return c, nil
}

// Parse parses mlre.yaml from b. Relative paths in it are resolved against
// dir (when dir is not empty).
func Parse(b []byte, dir string) (*Config, error) {
	cfg, promText, err := parseMlre(b, dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	pc, err := promconfig.Load(promText, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if dir != "" {
		pc.SetDirectory(dir)
	}
	cfg.Prometheus = pc
	if err := cfg.loadSLOs(b, dir); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := cfg.generateRules(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	resolveTokenFiles(cfg, dir)
	if err := cfg.applyDefaults(dir); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return cfg, nil
}

func (c *Config) applyDefaults(dir string) error {
	if c.Server.Listen == "" {
		c.Server.Listen = DefaultListen
	}
	if c.Server.MaxRequestBodySize == 0 {
		c.Server.MaxRequestBodySize = DefaultMaxBodyBytes
	}
	if c.Server.MaxRequestBodySize < 0 {
		return errors.New("server.max_request_body_size must be positive")
	}
	if c.Storage.Path == "" {
		c.Storage.Path = DefaultStoragePath
	} else if dir != "" && !filepath.IsAbs(c.Storage.Path) {
		c.Storage.Path = filepath.Join(dir, c.Storage.Path)
	}
	// Exemplar storage is on only when storage.exemplars is set, as in
	// Prometheus (where it takes a feature flag); it costs memory up front.
	c.Storage.Exemplars = c.Prometheus.StorageConfig.ExemplarsConfig != nil
	if c.Prometheus.StorageConfig.ExemplarsConfig == nil {
		ec := promconfig.DefaultExemplarsConfig
		c.Prometheus.StorageConfig.ExemplarsConfig = &ec
	}
	tc := c.Prometheus.StorageConfig.TSDBConfig
	if c.Storage.Retention != 0 {
		if c.Storage.Retention < 0 {
			return errors.New("storage.retention must be positive")
		}
		if tc.Retention != nil && tc.Retention.Time != 0 {
			return errors.New("storage.retention and storage.tsdb.retention.time are both set; keep one")
		}
		if tc.Retention == nil {
			tc.Retention = &promconfig.TSDBRetentionConfig{}
		}
		tc.Retention.Time = c.Storage.Retention
	}
	if tc.Retention == nil {
		tc.Retention = &promconfig.TSDBRetentionConfig{}
	}
	if tc.Retention.Time == 0 && tc.Retention.Size == 0 && tc.Retention.Percentage == 0 {
		tc.Retention.Time = model.Duration(DefaultRetention)
	}
	c.Storage.Retention = tc.Retention.Time
	if err := c.Collectors.setDefaults(c.Prometheus.GlobalConfig.ScrapeInterval); err != nil {
		return err
	}
	return c.validateAuth()
}

func (c *Config) validateAuth() error {
	seen := map[string]bool{}
	for i := range c.Server.Auth.Tokens {
		t := &c.Server.Auth.Tokens[i]
		where := fmt.Sprintf("server.auth.tokens[%d]", i)
		if t.Name == "" {
			return fmt.Errorf("%s: name is required", where)
		}
		where = fmt.Sprintf("server.auth.tokens[%d] (%s)", i, t.Name)
		if seen[t.Name] {
			return fmt.Errorf("%s: name is used twice; names must be unique", where)
		}
		seen[t.Name] = true
		if (t.TokenFile == "") == (t.TokenEnv == "") {
			return fmt.Errorf("%s: set exactly one of token_file or token_env", where)
		}
		if len(t.Scopes) == 0 {
			return fmt.Errorf("%s: scopes is empty; give one or more of read, write, admin", where)
		}
		for _, s := range t.Scopes {
			switch s {
			case ScopeRead, ScopeWrite, ScopeAdmin:
			default:
				return fmt.Errorf("%s: unknown scope %q; use read, write or admin", where, s)
			}
		}
		var secret string
		if t.TokenFile != "" {
			b, err := os.ReadFile(t.TokenFile)
			if err != nil {
				return fmt.Errorf("%s: reading token_file: %w", where, err)
			}
			secret = strings.TrimSpace(string(b))
		} else {
			v, ok := os.LookupEnv(t.TokenEnv)
			if !ok {
				return fmt.Errorf("%s: environment variable %s (token_env) is not set", where, t.TokenEnv)
			}
			secret = strings.TrimSpace(v)
		}
		if len(secret) < 16 {
			return fmt.Errorf("%s: the token is %d characters; use at least 16 (e.g. openssl rand -hex 32)", where, len(secret))
		}
		t.Secret = Secret(secret)
	}
	return nil
}

// resolveTokenFiles makes token_file paths relative to dir. It runs before
// validateAuth reads them.
func resolveTokenFiles(c *Config, dir string) {
	if dir == "" {
		return
	}
	for i := range c.Server.Auth.Tokens {
		if f := c.Server.Auth.Tokens[i].TokenFile; f != "" && !filepath.IsAbs(f) {
			c.Server.Auth.Tokens[i].TokenFile = filepath.Join(dir, f)
		}
	}
}

// mlreKeys are the keys mlre adds; everything else goes to Prometheus.
var (
	mlreTopKeys     = map[string]bool{"server": true, "slos": true, "slo_files": true, "notifications": true, "health_rules": true, "collectors": true, "probes": true, "models": true, "cost": true, "budgets": true}
	mlreStorageKeys = map[string]bool{"path": true, "retention": true}
)

// parseMlre decodes mlre's own sections strictly and returns the document
// with them removed, for Prometheus's parser. Removed lines are blanked rather
// than deleted, so line numbers in Prometheus's errors still point into the
// user's file.
func parseMlre(b []byte, dir string) (*Config, string, error) {
	cfg := &Config{}
	if err := strictDecode(b, cfg, dir); err != nil {
		return nil, "", err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, "", err
	}
	if len(doc.Content) == 0 {
		return cfg, "", nil
	}
	root := doc.Content[0]
	lines := strings.Split(string(b), "\n")
	var drop []span
	fallback := root.Style&yaml.FlowStyle != 0
	topEnd := len(lines)
	for i := 0; i < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		end := topEnd
		if i+2 < len(root.Content) {
			end = root.Content[i+2].Line - 1
		}
		if end < k.Line {
			fallback = true
		}
		switch {
		case mlreTopKeys[k.Value]:
			drop = append(drop, span{k.Line, end})
		case k.Value == "storage" && v.Kind == yaml.MappingNode:
			var keep int
			for j := 0; j < len(v.Content); j += 2 {
				ck := v.Content[j]
				cend := end
				if j+2 < len(v.Content) {
					cend = v.Content[j+2].Line - 1
				}
				if cend < ck.Line || ck.Line == k.Line {
					fallback = true
				}
				if mlreStorageKeys[ck.Value] {
					drop = append(drop, span{ck.Line, cend})
				} else {
					keep++
				}
			}
			if keep == 0 {
				drop = append(drop, span{k.Line, end})
			}
		}
	}
	if fallback {
		text, err := reencodeWithout(root)
		return cfg, text, err
	}
	for _, s := range drop {
		for l := s.from; l <= s.to && l <= len(lines); l++ {
			lines[l-1] = ""
		}
	}
	return cfg, strings.Join(lines, "\n"), nil
}

type span struct{ from, to int }

// reencodeWithout writes root without mlre's keys. It is used only for
// flow-style documents, where mlre's keys share lines with Prometheus's.
func reencodeWithout(root *yaml.Node) (string, error) {
	out := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if mlreTopKeys[k.Value] {
			continue
		}
		if k.Value == "storage" && v.Kind == yaml.MappingNode {
			sv := &yaml.Node{Kind: yaml.MappingNode}
			for j := 0; j < len(v.Content); j += 2 {
				if !mlreStorageKeys[v.Content[j].Value] {
					sv.Content = append(sv.Content, v.Content[j], v.Content[j+1])
				}
			}
			if len(sv.Content) == 0 {
				continue
			}
			v = sv
		}
		out.Content = append(out.Content, k, v)
	}
	if len(out.Content) == 0 {
		return "", nil
	}
	b, err := yaml.Marshal(out)
	return string(b), err
}

// strictDecode decodes b into a struct that holds mlre's sections typed and
// every Prometheus section as an opaque node, with unknown fields rejected.
// The struct is made by reflection from Prometheus's Config, so a key that
// Prometheus knows is always accepted here.
func strictDecode(b []byte, cfg *Config, dir string) error {
	v := reflect.New(fileType)
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v.Interface()); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return rewriteYAMLError(err)
	}
	if err := dec.Decode(new(yaml.Node)); !errors.Is(err, io.EOF) {
		return errors.New("the file holds more than one YAML document; mlre.yaml is a single document")
	}
	cfg.Server = v.Elem().FieldByName("Server").Interface().(ServerConfig)
	cfg.SLOFiles = v.Elem().FieldByName("SLOFiles").Interface().([]string)
	cfg.Collectors = v.Elem().FieldByName("Collectors").Interface().(CollectorsConfig)
	if n := v.Elem().FieldByName("Notifications").Interface().(yaml.Node); n.Kind != 0 && n.Tag != "!!null" {
		text, err := yaml.Marshal(&n)
		if err != nil {
			return err
		}
		nc, err := alerting.ParseConfig(string(text))
		if err != nil {
			return fmt.Errorf("notifications (Alertmanager's format): %w", err)
		}
		cfg.Notifications = nc
	}
	if n := v.Elem().FieldByName("HealthRules").Interface().(yaml.Node); n.Kind != 0 && n.Tag != "!!null" {
		text, err := yaml.Marshal(&n)
		if err != nil {
			return err
		}
		hc, err := health.ParseConfig(text)
		if err != nil {
			return fmt.Errorf("health_rules: %w", err)
		}
		cfg.HealthRules = hc
	}
	if n := v.Elem().FieldByName("Probes").Interface().(yaml.Node); n.Kind != 0 && n.Tag != "!!null" {
		text, err := yaml.Marshal(&n)
		if err != nil {
			return err
		}
		ps, err := probe.ParseConfigs(text)
		if err != nil {
			return err
		}
		probe.SetDirectory(ps, dir)
		cfg.Probes = ps
	}
	if n := v.Elem().FieldByName("Models").Interface().(yaml.Node); n.Kind != 0 && n.Tag != "!!null" {
		text, err := yaml.Marshal(&n)
		if err != nil {
			return err
		}
		ms, err := monitor.ParseConfigs(text, dir)
		if err != nil {
			return err
		}
		cfg.Models = ms
	}
	if err := decodeCost(v.Elem(), cfg); err != nil {
		return err
	}
	if st := v.Elem().FieldByName("Storage"); !st.IsNil() {
		cfg.Storage = StorageConfig{
			Path:      st.Elem().FieldByName("Path").String(),
			Retention: model.Duration(st.Elem().FieldByName("Retention").Interface().(lineDuration)),
		}
	}
	return nil
}

var fileType = buildFileTypes()

func buildFileTypes() reflect.Type {
	nodeT := reflect.TypeFor[yaml.Node]()
	st := []reflect.StructField{
		{Name: "Path", Type: reflect.TypeFor[string](), Tag: `yaml:"path"`},
		{Name: "Retention", Type: reflect.TypeFor[lineDuration](), Tag: `yaml:"retention"`},
	}
	st = append(st, nodeFields(reflect.TypeFor[promconfig.StorageConfig](), nodeT, mlreStorageKeys)...)
	storageT := reflect.StructOf(st)
	top := []reflect.StructField{
		{Name: "Server", Type: reflect.TypeFor[ServerConfig](), Tag: `yaml:"server"`},
		{Name: "Storage", Type: reflect.PointerTo(storageT), Tag: `yaml:"storage"`},
		// slos are decoded strictly by the slo package, which knows their fields.
		{Name: "SLOs", Type: nodeT, Tag: `yaml:"slos"`},
		{Name: "SLOFiles", Type: reflect.TypeFor[[]string](), Tag: `yaml:"slo_files"`},
		// notifications is Alertmanager's format, parsed by Alertmanager's package.
		{Name: "Notifications", Type: nodeT, Tag: `yaml:"notifications"`},
		{Name: "HealthRules", Type: nodeT, Tag: `yaml:"health_rules"`},
		{Name: "Collectors", Type: reflect.TypeFor[CollectorsConfig](), Tag: `yaml:"collectors"`},
		// probes are decoded strictly by the probe package.
		{Name: "Probes", Type: nodeT, Tag: `yaml:"probes"`},
		// models are decoded strictly by the monitor package.
		{Name: "Models", Type: nodeT, Tag: `yaml:"models"`},
		// cost and budgets are decoded strictly by the cost package.
		{Name: "Cost", Type: nodeT, Tag: `yaml:"cost"`},
		{Name: "Budgets", Type: nodeT, Tag: `yaml:"budgets"`},
	}
	top = append(top, nodeFields(reflect.TypeFor[promconfig.Config](), nodeT, map[string]bool{"storage": true, "server": true})...)
	return reflect.StructOf(top)
}

// nodeFields returns one yaml.Node field for every YAML key of t not in skip.
func nodeFields(t, nodeT reflect.Type, skip map[string]bool) []reflect.StructField {
	var out []reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || skip[name] || !f.IsExported() {
			continue
		}
		out = append(out, reflect.StructField{
			Name: "P" + f.Name, Type: nodeT, Tag: reflect.StructTag(`yaml:"` + name + `"`),
		})
	}
	return out
}

var unknownFieldRE = regexp.MustCompile(`^line (\d+): field (\S+) not found in type (.+)$`)

// rewriteYAMLError turns yaml.v3's messages, which name Go types, into ones
// that name the config section.
func rewriteYAMLError(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	msgs := make([]string, 0, len(te.Errors))
	for _, m := range te.Errors {
		if sm := unknownFieldRE.FindStringSubmatch(m); sm != nil {
			m = fmt.Sprintf("line %s: unknown key %q in %s", sm[1], sm[2], sectionName(sm[3]))
		}
		msgs = append(msgs, m)
	}
	return errors.New(strings.Join(msgs, "; "))
}

func sectionName(goType string) string {
	switch {
	case strings.HasSuffix(goType, "ServerConfig"):
		return "server"
	case strings.HasSuffix(goType, "AuthConfig"):
		return "server.auth"
	case strings.HasSuffix(goType, "TokenConfig"):
		return "server.auth.tokens"
	case strings.HasPrefix(goType, "struct { Path "):
		return "storage"
	case strings.HasSuffix(goType, "CollectorsConfig"):
		return "collectors"
	case strings.HasSuffix(goType, "HostCollectorConfig"):
		return "collectors.host"
	case strings.HasSuffix(goType, "GPUCollectorConfig"):
		return "collectors.gpu"
	default:
		return "the top level (mlre.yaml takes prometheus.yml's sections plus server, storage, slos, slo_files, notifications, health_rules, collectors, probes, models, cost and budgets)"
	}
}
