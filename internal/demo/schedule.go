package demo

import "time"

// Schedule says when the fleet's incidents happen on their own: the first
// one First after Start, then each after the one before it ended and a calm
// Gap, in Order, round and round.
type Schedule struct {
	// Manual turns the schedule off: incidents start only by Trigger.
	Manual bool
	// First is the calm time from Start to the first incident (default 1m).
	First time.Duration
	// Gap is the calm time after each incident (default 2m).
	Gap time.Duration
	// Order names the incidents in the order they happen (default: every
	// incident the fleet has, in the order Catalog lists them).
	Order []string
}

// Defaults of a Schedule.
const (
	DefaultFirst = time.Minute
	DefaultGap   = 2 * time.Minute
)

// slot is one scheduled run of an incident, as offsets from Start.
type slot struct {
	index       int // counts from 0 over all cycles
	name        string
	start, stop time.Duration
}

// withDefaults fills First, Gap and Order (from names).
func (s Schedule) withDefaults(names []string) Schedule {
	if s.First <= 0 {
		s.First = DefaultFirst
	}
	if s.Gap <= 0 {
		s.Gap = DefaultGap
	}
	if len(s.Order) == 0 {
		s.Order = names
	}
	return s
}

// slotAt is the slot running at offset, or the next one when none runs
// (ok false when the schedule has nothing). s must have its defaults and
// durations every incident of Order.
func (s Schedule) slotAt(offset time.Duration, durations map[string]time.Duration) (sl slot, active, ok bool) {
	if s.Manual || len(s.Order) == 0 {
		return slot{}, false, false
	}
	n := len(s.Order)
	var cycle time.Duration
	for _, name := range s.Order {
		cycle += durations[name] + s.Gap
	}
	if offset < s.First {
		return slot{index: 0, name: s.Order[0], start: s.First, stop: s.First + durations[s.Order[0]]}, false, true
	}
	r := offset - s.First
	k := int(r / cycle)
	r %= cycle
	base := s.First + time.Duration(k)*cycle
	for i, name := range s.Order {
		d := durations[name]
		if r < d+s.Gap {
			sl = slot{index: k*n + i, name: name, start: base, stop: base + d}
			if r < d {
				return sl, true, true
			}
			// In the gap: the next slot is the one to come.
			j := (i + 1) % n
			next := base + d + s.Gap
			return slot{index: k*n + i + 1, name: s.Order[j], start: next, stop: next + durations[s.Order[j]]}, false, true
		}
		r -= d + s.Gap
		base += d + s.Gap
	}
	return slot{}, false, false // unreachable: r < cycle
}

// ActiveAt names the incident the schedule runs at offset from Start, if any.
func (s Schedule) ActiveAt(offset time.Duration, durations map[string]time.Duration) (string, bool) {
	sl, active, _ := s.slotAt(offset, durations)
	return sl.name, active
}

// nextStart is the first scheduled start of the incident name after offset.
func (s Schedule) nextStart(offset time.Duration, name string, durations map[string]time.Duration) (time.Duration, bool) {
	sl, active, ok := s.slotAt(offset, durations)
	if !ok {
		return 0, false
	}
	n := len(s.Order)
	for range n + 1 {
		if sl.name == name && (!active || sl.start > offset) {
			return sl.start, true
		}
		active = false
		i := (sl.index + 1) % n
		next := sl.stop + s.Gap
		sl = slot{index: sl.index + 1, name: s.Order[i], start: next, stop: next + durations[s.Order[i]]}
	}
	return 0, false
}
