// Package alerting delivers alerts to receivers without a separate
// Alertmanager: it routes and groups them as Alertmanager does (its own
// route, template and receiver-integration packages), and keeps the groups,
// the notification log and the queue of undelivered notifications in the
// state database, so delivery is at least once across restarts and receiver
// outages.
package alerting

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	amconfig "github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/dispatch"
)

// Config is the `notifications:` section of mlre.yaml: Alertmanager's own
// configuration format (global, route, receivers, templates).
type Config struct {
	AM    *amconfig.Config
	Route *dispatch.Route
	// Text is the section as given, for comparing configs on reload.
	Text string
}

// ParseConfig parses the notifications section, given as YAML. Parts of
// Alertmanager's format that mlre's built-in delivery does not do are errors
// naming the field; an Alertmanager (the `alerting:` section) does them all.
func ParseConfig(text string) (*Config, error) {
	c, err := amconfig.Load(text)
	if err != nil {
		return nil, err
	}
	if c.Route == nil {
		return nil, errors.New("route: is required")
	}
	var unsupported []string
	if len(c.InhibitRules) > 0 {
		unsupported = append(unsupported, "inhibit_rules")
	}
	if len(c.MuteTimeIntervals) > 0 || len(c.TimeIntervals) > 0 {
		unsupported = append(unsupported, "time_intervals/mute_time_intervals")
	}
	var walk func(r *amconfig.Route, path string)
	walk = func(r *amconfig.Route, path string) {
		if len(r.MuteTimeIntervals) > 0 || len(r.ActiveTimeIntervals) > 0 {
			unsupported = append(unsupported, path+".mute_time_intervals/active_time_intervals")
		}
		for i, cr := range r.Routes {
			walk(cr, fmt.Sprintf("%s.routes[%d]", path, i))
		}
	}
	walk(c.Route, "route")
	if len(unsupported) > 0 {
		sort.Strings(unsupported)
		return nil, fmt.Errorf("%s: not supported by mlre's built-in delivery; send alerts to an Alertmanager (the alerting: section) for those", strings.Join(unsupported, ", "))
	}
	return &Config{AM: c, Route: dispatch.NewRoute(c.Route, nil), Text: text}, nil
}
