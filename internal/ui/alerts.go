package ui

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/rules"
)

// alertRow is one active alert.
type alertRow struct {
	Name, Severity, State string
	Kind                  string // slo, model, gpu, host, probe, cost or other
	Labels                []labelPair
	Summary, Action       string
	Runbook               string
	Since                 time.Time
	Value                 float64
	// Link is the UI page of what the alert is about.
	Link string
}

type labelPair struct{ Name, Value string }

// ruleRow is one alerting rule with its active alerts.
type ruleRow struct {
	Name, Severity, State, Kind string
	For                         time.Duration
	Active                      int
	Summary                     string
}

// activeAlerts lists the alerts firing or pending, firing pages first.
func (u *UI) activeAlerts() []alertRow {
	if u.o.Alerts == nil {
		return nil
	}
	var out []alertRow
	for _, r := range u.o.Alerts() {
		for _, a := range r.ActiveAlerts() {
			out = append(out, alertRowOf(r, a))
		}
	}
	sortAlerts(out)
	return out
}

var severityRank = map[string]int{"page": 0, "critical": 0, "ticket": 1, "warning": 1}

func sortAlerts(out []alertRow) {
	rank := func(a alertRow) int {
		r, ok := severityRank[a.Severity]
		if !ok {
			r = 2
		}
		if a.State != "firing" {
			r += 10
		}
		return r
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if rank(a) != rank(b) {
			return rank(a) < rank(b)
		}
		if !a.Since.Equal(b.Since) {
			return a.Since.After(b.Since)
		}
		return a.Name < b.Name
	})
}

func alertRowOf(r *rules.AlertingRule, a *rules.Alert) alertRow {
	row := alertRowFromLabels(a.Labels)
	row.State = a.State.String()
	row.Since = a.ActiveAt
	row.Value = a.Value
	row.Summary = a.Annotations.Get("summary")
	if row.Summary == "" {
		row.Summary = a.Annotations.Get("description")
	}
	row.Action = a.Annotations.Get("action")
	row.Runbook = a.Annotations.Get("runbook_url")
	if row.Name == "" {
		row.Name = r.Name()
	}
	return row
}

// alertRowFromLabels names an alert and what it is about from its labels.
func alertRowFromLabels(ls labels.Labels) alertRow {
	row := alertRow{Name: ls.Get("alertname"), Severity: ls.Get("severity")}
	row.Kind, row.Link = alertKind(ls)
	ls.Range(func(l labels.Label) {
		switch l.Name {
		case "alertname", "severity", "alertstate":
			return
		}
		row.Labels = append(row.Labels, labelPair{l.Name, l.Value})
	})
	return row
}

// alertKind says what an alert is about, and the page that shows it.
func alertKind(ls labels.Labels) (kind, link string) {
	name := ls.Get("alertname")
	switch {
	case ls.Get("slo") != "":
		return "slo", "/slos/" + pathSegment(ls.Get("service")) + "/" + pathSegment(ls.Get("slo"))
	case ls.Get("model") != "":
		return "model", "/models/" + pathSegment(ls.Get("model"))
	case strings.HasPrefix(name, "GPU") || ls.Get("UUID") != "":
		return "gpu", "/infra#gpus"
	case strings.HasPrefix(name, "Host"):
		return "host", "/infra#hosts"
	case strings.HasPrefix(name, "Probe"):
		return "probe", "/infra#endpoints"
	case strings.HasPrefix(name, "Cost"):
		return "cost", "/cost"
	}
	return "other", ""
}

type alertsData struct {
	Firing, Pending []alertRow
	// Rules are the rules with active alerts, or every rule with ?rules=all.
	Rules    []ruleRow
	Total    int
	Inactive int
	// InactiveByKind counts the inactive rules not listed, by kind.
	InactiveByKind []kindCount
	All            bool
}

type kindCount struct {
	Kind  string
	Count int
}

func (u *UI) alerts(r *http.Request) (*view, error) {
	d := alertsData{All: r.URL.Query().Get("rules") == "all"}
	for _, a := range u.activeAlerts() {
		if a.State == "firing" {
			d.Firing = append(d.Firing, a)
		} else {
			d.Pending = append(d.Pending, a)
		}
	}
	if u.o.Alerts != nil {
		byKind := map[string]int{}
		for _, r := range u.o.Alerts() {
			row := ruleRow{Name: r.Name(), Severity: r.Labels().Get("severity"), State: r.State().String(),
				For: r.HoldDuration(), Active: len(r.ActiveAlerts()), Summary: r.Annotations().Get("summary")}
			row.Kind, _ = alertKind(r.Labels().Copy())
			if row.Kind == "other" {
				row.Kind, _ = alertKind(labels.FromStrings("alertname", r.Name()))
			}
			d.Total++
			if row.Active == 0 {
				d.Inactive++
				if !d.All {
					byKind[row.Kind]++
					continue
				}
			}
			d.Rules = append(d.Rules, row)
		}
		for k, n := range byKind {
			d.InactiveByKind = append(d.InactiveByKind, kindCount{k, n})
		}
		sort.Slice(d.InactiveByKind, func(i, j int) bool { return d.InactiveByKind[i].Kind < d.InactiveByKind[j].Kind })
		sort.SliceStable(d.Rules, func(i, j int) bool {
			a, b := d.Rules[i], d.Rules[j]
			if (a.Active > 0) != (b.Active > 0) {
				return a.Active > 0
			}
			if a.Kind != b.Kind {
				return a.Kind < b.Kind
			}
			return a.Name < b.Name
		})
	}
	return &view{Page: "alerts", Title: "Alerts", Nav: "alerts", Data: d}, nil
}
