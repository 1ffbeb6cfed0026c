package demo

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// ErrUnknownIncident is wrapped by Trigger's error for a name the fleet
// does not have.
var ErrUnknownIncident = errors.New("no such demo incident")

// Incident names.
const (
	ErrorBurst         = "error-burst"
	SlowDependency     = "slow-dependency"
	FeatureDrift       = "feature-drift"
	FairnessRegression = "fairness-regression"
	XID79              = "xid-79"
	ThermalThrottling  = "thermal-throttling"
	StalePipeline      = "stale-pipeline"
)

// Alert is an alert an incident is meant to raise: its name and labels it
// carries (a selector on ALERTS, with alertstate="firing").
type Alert struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels,omitempty"`
}

// Selector is the PromQL selector of the alert firing.
func (a Alert) Selector() string {
	var b strings.Builder
	fmt.Fprintf(&b, `ALERTS{alertname=%q, alertstate="firing"`, a.Name)
	for _, k := range sortedKeys(a.Labels) {
		fmt.Fprintf(&b, `, %s=%q`, k, a.Labels[k])
	}
	b.WriteString("}")
	return b.String()
}

// Incident is one kind of trouble the fleet can be put in.
type Incident struct {
	Name        string
	Description string
	// Alerts are the alerts the incident is meant to raise.
	Alerts   []Alert
	Duration time.Duration
	// GPU incidents need the simulated GPUs (a build with cgo).
	GPU bool
}

// Catalog lists every incident, in the default schedule's order.
func Catalog() []Incident {
	return []Incident{
		{Name: ErrorBurst, Duration: 3 * time.Minute,
			Description: "The fraud scorer answers a third of its requests with 5xx errors (a bad deploy).",
			Alerts:      []Alert{{Name: "FraudScorerErrorBudgetBurn", Labels: map[string]string{"severity": "page"}}}},
		{Name: SlowDependency, Duration: 4 * time.Minute,
			Description: "The feature store answers in 1.5s instead of milliseconds: the recommender, which calls it, slows down, and its probe sees it.",
			Alerts: []Alert{
				{Name: "RecommenderLatencyBudgetBurn", Labels: map[string]string{"severity": "page"}},
				{Name: "ProbeSlow", Labels: map[string]string{"job": "feature-store"}},
			}},
		{Name: FeatureDrift, Duration: 4 * time.Minute,
			Description: "Transaction amounts sent to the fraud model grow fivefold (a new high-value merchant): the amount feature drifts from the reference.",
			Alerts:      []Alert{{Name: "ModelFeatureDrift", Labels: map[string]string{"model": "fraud", "feature": "amount"}}}},
		{Name: FairnessRegression, Duration: 4 * time.Minute,
			Description: "The churn model scores customers in the apac region far lower than the others: its demographic parity ratio drops under 0.8.",
			Alerts:      []Alert{{Name: "ModelUnfair", Labels: map[string]string{"model": "churn", "attribute": "region"}}}},
		{Name: XID79, Duration: 2 * time.Minute, GPU: true,
			Description: "GPU 5 of gpu-node-b falls off the bus (XID 79); after the incident the node is power-cycled and the GPU comes back.",
			Alerts:      []Alert{{Name: "GPUXidRestartNode", Labels: map[string]string{"Hostname": "gpu-node-b"}}}},
		{Name: ThermalThrottling, Duration: 3 * time.Minute, GPU: true,
			Description: "GPU 3 of gpu-node-a overheats (92°C) and slows its clocks for heat.",
			Alerts:      []Alert{{Name: "GPUThermalThrottling", Labels: map[string]string{"Hostname": "gpu-node-a"}}}},
		{Name: StalePipeline, Duration: 3 * time.Minute,
			Description: "The fraud feature pipeline stops succeeding: its last-success timestamp grows old.",
			Alerts:      []Alert{{Name: "FeaturePipelineStale", Labels: map[string]string{"severity": "page"}}}},
	}
}

// IncidentStatus is an incident and its state now.
type IncidentStatus struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Alerts      []Alert `json:"alerts"`
	// Duration is how long a run of the incident lasts, e.g. "3m".
	Duration string `json:"duration"`
	Active   bool   `json:"active"`
	// Started is when the incident last started; Ends when the run going
	// on now ends.
	Started *time.Time `json:"started,omitempty"`
	Ends    *time.Time `json:"ends,omitempty"`
	// NextStart is its next start on the schedule (none when the schedule
	// is manual).
	NextStart *time.Time `json:"next_start,omitempty"`
}

// incidentState is an incident's run state, under Fleet.mu.
type incidentState struct {
	active        bool
	started, ends time.Time
}

// Incidents returns every incident of the fleet and its state now.
func (f *Fleet) Incidents() []IncidentStatus {
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]IncidentStatus, 0, len(f.catalog))
	for _, in := range f.catalog {
		st := f.state[in.Name]
		s := IncidentStatus{Name: in.Name, Description: in.Description, Alerts: in.Alerts,
			Duration: model.Duration(in.Duration).String(), Active: st.active}
		if !st.started.IsZero() {
			t := st.started
			s.Started = &t
		}
		if st.active {
			t := st.ends
			s.Ends = &t
		}
		if !f.startedAt.IsZero() {
			if off, ok := f.sched.nextStart(now.Sub(f.startedAt), in.Name, f.durations); ok {
				t := f.startedAt.Add(off)
				s.NextStart = &t
			}
		}
		out = append(out, s)
	}
	return out
}

// Trigger starts the incident name now, for its duration (a running one
// runs its full duration again from now).
func (f *Fleet) Trigger(name string) error {
	in, ok := f.incident(name)
	if !ok {
		names := make([]string, len(f.catalog))
		for i, c := range f.catalog {
			names[i] = c.Name
		}
		return fmt.Errorf("%w: %q; the incidents are %s", ErrUnknownIncident, name, strings.Join(names, ", "))
	}
	f.begin(name, time.Now().Add(in.Duration))
	return nil
}

func (f *Fleet) incident(name string) (Incident, bool) {
	for _, in := range f.catalog {
		if in.Name == name {
			return in, true
		}
	}
	return Incident{}, false
}

// begin marks the incident active until ends and applies its effect.
func (f *Fleet) begin(name string, ends time.Time) {
	f.effectMu.Lock()
	defer f.effectMu.Unlock()
	f.mu.Lock()
	st := f.state[name]
	was := st.active
	if !was {
		st.started = time.Now()
	}
	st.active, st.ends = true, ends
	f.state[name] = st
	f.mu.Unlock()
	if !was {
		f.logger.Warn("demo incident started", "incident", name, "ends", ends.Format(time.TimeOnly))
		f.gpus.apply(name, true)
	}
}

// end ends the incident if it is active and its time is up at now.
func (f *Fleet) end(name string, now time.Time) {
	f.effectMu.Lock()
	defer f.effectMu.Unlock()
	f.mu.Lock()
	st := f.state[name]
	if !st.active || now.Before(st.ends) {
		f.mu.Unlock()
		return
	}
	st.active = false
	f.state[name] = st
	f.mu.Unlock()
	f.logger.Info("demo incident ended", "incident", name)
	f.gpus.apply(name, false)
}

// active reports which incidents run now.
func (f *Fleet) active() map[string]bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := make(map[string]bool, len(f.state))
	for n, st := range f.state {
		if st.active {
			m[n] = true
		}
	}
	return m
}

// tickSchedule starts the scheduled incident due at now and ends the
// incidents whose time is up.
func (f *Fleet) tickSchedule(now time.Time) {
	if sl, active, ok := f.sched.slotAt(now.Sub(f.startedAt), f.durations); ok && active && sl.index > f.lastSlot {
		f.lastSlot = sl.index
		f.begin(sl.name, f.startedAt.Add(sl.stop))
	}
	for _, in := range f.catalog {
		f.end(in.Name, now)
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
