package slo

import (
	"fmt"
	"maps"
	"time"

	"github.com/prometheus/common/model"
)

// Sloth's spec, version prometheus/v1 (https://sloth.dev/specs/prometheus/v1/).
// Sloth sets the window on its command line (default 30d); mlre uses 30d.
type slothSpec struct {
	Version string            `yaml:"version"`
	Service string            `yaml:"service"`
	Labels  map[string]string `yaml:"labels"`
	// SLOPlugins: of Sloth's SLO plugins, mlre knows alert_for (a `for` on
	// the page and ticket alerts).
	SLOPlugins *slothPlugins `yaml:"slo_plugins"`
	SLOs       []slothSLO    `yaml:"slos"`
}

type slothPlugins struct {
	Chain []struct {
		ID       string `yaml:"id"`
		Priority int    `yaml:"priority"`
		Config   any    `yaml:"config"`
	} `yaml:"chain"`
}

// slothAlertForPlugin sets `for` on Sloth's alerts: 5m on the page, 10m on
// the ticket alert, with no config.
const slothAlertForPlugin = "sloth.dev/contrib/alert_for/v1"

type slothSLO struct {
	Name        string            `yaml:"name"`
	Objective   float64           `yaml:"objective"`
	Description string            `yaml:"description"`
	Labels      map[string]string `yaml:"labels"`
	SLI         slothSLI          `yaml:"sli"`
	Alerting    slothAlerting     `yaml:"alerting"`
}

type slothSLI struct {
	Events *slothEvents `yaml:"events"`
	Raw    *slothRaw    `yaml:"raw"`
	Plugin any          `yaml:"plugin"`
}

type slothEvents struct {
	ErrorQuery string `yaml:"error_query"`
	TotalQuery string `yaml:"total_query"`
}

type slothRaw struct {
	ErrorRatioQuery string `yaml:"error_ratio_query"`
}

type slothAlerting struct {
	Name        string            `yaml:"name"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
	PageAlert   slothAlert        `yaml:"page_alert"`
	TicketAlert slothAlert        `yaml:"ticket_alert"`
}

type slothAlert struct {
	Disable     bool              `yaml:"disable"`
	For         model.Duration    `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// SpecSeverityLabel keeps the `severity` a Sloth spec sets on its alerts:
// mlre's own severity label (page or ticket) takes that name.
const SpecSeverityLabel = "spec_severity"

func parseSloth(b []byte, source string) ([]SLO, error) {
	var sp slothSpec
	if err := decodeDoc(b, &sp); err != nil {
		return nil, err
	}
	if sp.Service == "" {
		return nil, fmt.Errorf("service: is required in a Sloth spec")
	}
	var pageFor, ticketFor model.Duration
	if sp.SLOPlugins != nil {
		for i, p := range sp.SLOPlugins.Chain {
			if p.ID != slothAlertForPlugin {
				return nil, fmt.Errorf("slo_plugins.chain[%d].id: Sloth plugin %q is not supported; mlre knows %s", i, p.ID, slothAlertForPlugin)
			}
			if p.Config != nil {
				return nil, fmt.Errorf("slo_plugins.chain[%d].config: mlre runs %s with its defaults only (page 5m, ticket 10m); set alerting.page_alert.for in a native SLO instead", i, p.ID)
			}
			pageFor, ticketFor = model.Duration(5*time.Minute), model.Duration(10*time.Minute)
		}
	}
	out := make([]SLO, 0, len(sp.SLOs))
	for i, ss := range sp.SLOs {
		if ss.SLI.Plugin != nil {
			return nil, fmt.Errorf("slos[%d] (%s/%s): sli.plugin: Sloth SLI plugins are not supported; write the SLI as events or raw", i, sp.Service, ss.Name)
		}
		s := SLO{
			Name:        ss.Name,
			Service:     sp.Service,
			Description: ss.Description,
			Objective:   ss.Objective,
			Labels:      map[string]string{},
			Source:      source + " (Sloth spec)",
		}
		maps.Copy(s.Labels, sp.Labels)
		maps.Copy(s.Labels, ss.Labels)
		if len(s.Labels) == 0 {
			s.Labels = nil
		}
		if ss.SLI.Events != nil {
			s.SLI.Events = &EventsSLI{ErrorQuery: ss.SLI.Events.ErrorQuery, TotalQuery: ss.SLI.Events.TotalQuery}
		}
		if ss.SLI.Raw != nil {
			s.SLI.Raw = &RawSLI{ErrorRatioQuery: ss.SLI.Raw.ErrorRatioQuery}
		}
		a := ss.Alerting
		pf, tf := pageFor, ticketFor
		if a.PageAlert.For != 0 {
			pf = a.PageAlert.For
		}
		if a.TicketAlert.For != 0 {
			tf = a.TicketAlert.For
		}
		s.Alerting = Alerting{
			Name:        a.Name,
			Labels:      moveSeverity(a.Labels),
			Annotations: a.Annotations,
			PageAlert:   AlertSpec{Disable: a.PageAlert.Disable, Labels: moveSeverity(a.PageAlert.Labels), Annotations: a.PageAlert.Annotations, For: pf},
			TicketAlert: AlertSpec{Disable: a.TicketAlert.Disable, Labels: moveSeverity(a.TicketAlert.Labels), Annotations: a.TicketAlert.Annotations, For: tf},
		}
		out = append(out, s)
	}
	return validateAll(out, "slos")
}

func moveSeverity(m map[string]string) map[string]string {
	if v, ok := m["severity"]; ok {
		m = maps.Clone(m)
		delete(m, "severity")
		m[SpecSeverityLabel] = v
	}
	return m
}
