package slo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ParseNative reads the `slos:` list of a YAML document (mlre.yaml or a
// native SLO file) strictly, validates every SLO and returns them. Other
// top-level keys are left alone. source names the file in errors.
func ParseNative(b []byte, source string) ([]SLO, error) {
	var doc struct {
		SLOs []SLO                `yaml:"slos"`
		Rest map[string]yaml.Node `yaml:",inline"`
	}
	if err := decodeDoc(b, &doc); err != nil {
		return nil, err
	}
	for i := range doc.SLOs {
		doc.SLOs[i].Source = source
	}
	return validateAll(doc.SLOs, "slos")
}

// ParseFile reads an SLO file in any supported format: native (a `slos:`
// list), Sloth (`version: prometheus/v1`) or OpenSLO (`apiVersion:
// openslo/v1`, one or more documents).
func ParseFile(b []byte, source string) ([]SLO, error) {
	var head struct {
		Version    string `yaml:"version"`
		APIVersion string `yaml:"apiVersion"`
		SLOs       any    `yaml:"slos"`
	}
	var first yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&first); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(first.Content) > 0 {
		n := first.Content[0]
		if n.Kind == yaml.SequenceNode && len(n.Content) > 0 {
			n = n.Content[0] // OpenSLO allows a list of objects
		}
		if n.Kind == yaml.MappingNode {
			_ = n.Decode(&head)
		}
	}
	switch {
	case head.Version == "prometheus/v1":
		return parseSloth(b, source)
	case head.Version != "":
		return nil, fmt.Errorf("version %q is not a supported Sloth spec version; use prometheus/v1", head.Version)
	case strings.HasPrefix(head.APIVersion, "openslo/"):
		return parseOpenSLO(b, source)
	case head.APIVersion != "":
		return nil, fmt.Errorf("apiVersion %q is not supported; SLO files are native (slos:), Sloth (version: prometheus/v1) or OpenSLO (apiVersion: openslo/v1)", head.APIVersion)
	case head.SLOs != nil:
		return ParseNative(b, source)
	}
	return nil, errors.New("no SLOs found: expected a native file (slos:), a Sloth spec (version: prometheus/v1) or OpenSLO (apiVersion: openslo/v1)")
}

// decodeDoc decodes a single YAML document strictly, rewriting yaml.v3's
// messages so they name the SLO field rather than a Go type.
func decodeDoc(b []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return rewriteYAMLError(err)
	}
	return nil
}

func validateAll(slos []SLO, list string) ([]SLO, error) {
	seen := map[string]int{}
	for i := range slos {
		s := &slos[i]
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("%s[%d]%s: %w", list, i, idSuffix(s), err)
		}
		if j, ok := seen[s.ID()]; ok {
			return nil, fmt.Errorf("%s[%d] (%s): the same service and name as %s[%d]; SLO names must be unique within a service", list, i, s.ID(), list, j)
		}
		seen[s.ID()] = i
	}
	return slos, nil
}

func idSuffix(s *SLO) string {
	if s.Name == "" && s.Service == "" {
		return ""
	}
	return " (" + s.ID() + ")"
}

var unknownFieldRE = regexp.MustCompile(`^line (\d+): field (\S+) not found in type (.+)$`)

// yamlSections maps the Go types in yaml.v3's messages to the keys a user writes.
var yamlSections = map[string]string{
	"slo.SLO": "an SLO", "slo.SLI": "sli", "slo.EventsSLI": "sli.events", "slo.RawSLI": "sli.raw",
	"slo.LatencySLI": "sli.latency", "slo.FreshnessSLI": "sli.freshness", "slo.ThresholdSLI": "sli.threshold",
	"slo.Alerting": "alerting", "slo.AlertSpec": "an alert (page_alert, ticket_alert, …)", "slo.AlertWindow": "alerting.windows",
	"slo.slothSpec": "the Sloth spec", "slo.slothSLO": "a Sloth SLO", "slo.slothSLI": "sli", "slo.slothAlerting": "alerting",
	"slo.slothAlert": "an alert (page_alert, ticket_alert)", "slo.slothEvents": "sli.events", "slo.slothRaw": "sli.raw",
	"slo.slothPlugins": "slo_plugins",
}

func rewriteYAMLError(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	msgs := make([]string, 0, len(te.Errors))
	for _, m := range te.Errors {
		if sm := unknownFieldRE.FindStringSubmatch(m); sm != nil {
			where := yamlSections[sm[3]]
			if where == "" {
				where = sm[3]
			}
			m = fmt.Sprintf("line %s: unknown key %q in %s", sm[1], sm[2], where)
		}
		msgs = append(msgs, m)
	}
	return errors.New(strings.Join(msgs, "; "))
}
