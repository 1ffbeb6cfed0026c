package monitor

// pending holds recent predictions by id, for joining their labels and for
// recognising re-sent ids, oldest first so the oldest go first at the cap
// or when they leave the join window.
type pending struct {
	max   int
	byID  map[string]int // id → position in recs (absolute)
	recs  []pendingRec
	first int // absolute position of recs[0]
}

type pendingRec struct {
	ID        string
	T         int64 // prediction time, unix ms
	Version   string
	PredClass string
	Pred      float64
	Attrs     []string
	Joined    bool
}

func newPending(max int) *pending {
	return &pending{max: max, byID: map[string]int{}}
}

// has reports whether id is held.
func (p *pending) has(id string) bool {
	_, ok := p.byID[id]
	return ok
}

// add holds r; it returns how many old ones were dropped at the cap.
func (p *pending) add(r pendingRec) int {
	p.byID[r.ID] = p.first + len(p.recs)
	p.recs = append(p.recs, r)
	dropped := 0
	for len(p.byID) > p.max {
		p.popFront()
		dropped++
	}
	return dropped
}

// get returns the prediction held under id.
func (p *pending) get(id string) (*pendingRec, bool) {
	i, ok := p.byID[id]
	if !ok {
		return nil, false
	}
	return &p.recs[i-p.first], true
}

// expire drops predictions made before t (unix ms).
func (p *pending) expire(t int64) {
	for len(p.recs) > 0 && p.recs[0].T < t {
		p.popFront()
	}
	p.compact()
}

func (p *pending) popFront() {
	r := p.recs[0]
	if i, ok := p.byID[r.ID]; ok && i == p.first {
		delete(p.byID, r.ID)
	}
	p.recs[0] = pendingRec{}
	p.recs = p.recs[1:]
	p.first++
}

// compact releases the slice's dropped prefix once it is large.
func (p *pending) compact() {
	if cap(p.recs) > 1024 && len(p.recs) < cap(p.recs)/4 {
		p.recs = append([]pendingRec(nil), p.recs...)
	}
}

func (p *pending) len() int { return len(p.byID) }

// snapshot returns the held predictions, oldest first.
func (p *pending) snapshot() []pendingRec {
	out := make([]pendingRec, 0, len(p.byID))
	for i, r := range p.recs {
		if j, ok := p.byID[r.ID]; ok && j == p.first+i {
			out = append(out, r)
		}
	}
	return out
}

// restore replaces the contents with recs (oldest first).
func (p *pending) restore(recs []pendingRec) {
	p.byID, p.recs, p.first = map[string]int{}, nil, 0
	for _, r := range recs {
		p.add(r)
	}
}
