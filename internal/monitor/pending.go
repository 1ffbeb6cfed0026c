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
	Probs     []float64 // a multiclass model's, in the order of its classes
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

// oldest is the time of the front prediction; false when there is none.
func (p *pending) oldest() (int64, bool) {
	if len(p.recs) == 0 {
		return 0, false
	}
	return p.recs[0].T, true
}

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

// heldLabels holds labels that came before their prediction, by id and in
// arrival order, until the prediction comes (take), they leave the join
// window (expire) or they are the oldest at the cap.
type heldLabels struct {
	max   int
	byID  map[string]int // id → position in recs (absolute)
	recs  []heldLabel    // a taken label stays as a gap until it reaches the front
	first int            // absolute position of recs[0]
}

type heldLabel struct {
	ID    string
	At    int64 // arrival, unix ms
	Label Label
}

func newHeldLabels(max int) *heldLabels {
	return &heldLabels{max: max, byID: map[string]int{}}
}

func (h *heldLabels) has(id string) bool {
	_, ok := h.byID[id]
	return ok
}

// add holds l; it returns how many old ones were dropped at the cap.
func (h *heldLabels) add(l heldLabel) int {
	h.byID[l.ID] = h.first + len(h.recs)
	h.recs = append(h.recs, l)
	dropped := 0
	for len(h.byID) > h.max {
		if h.popFront() {
			dropped++
		}
	}
	return dropped
}

// take removes and returns the label held under id.
func (h *heldLabels) take(id string) (heldLabel, bool) {
	i, ok := h.byID[id]
	if !ok {
		return heldLabel{}, false
	}
	delete(h.byID, id)
	return h.recs[i-h.first], true
}

// expire drops the labels that arrived before t (unix ms) and returns how
// many of them were still held.
func (h *heldLabels) expire(t int64) int {
	n := 0
	for len(h.recs) > 0 && h.recs[0].At < t {
		if h.popFront() {
			n++
		}
	}
	if cap(h.recs) > 1024 && len(h.recs) < cap(h.recs)/4 {
		h.recs = append([]heldLabel(nil), h.recs...)
	}
	return n
}

// popFront drops the oldest entry and reports whether it was still held
// (not a gap left by take).
func (h *heldLabels) popFront() bool {
	l := h.recs[0]
	i, ok := h.byID[l.ID]
	live := ok && i == h.first
	if live {
		delete(h.byID, l.ID)
	}
	h.recs[0] = heldLabel{}
	h.recs = h.recs[1:]
	h.first++
	return live
}

// oldest is the arrival of the front entry (held or a gap); false when
// there is none.
func (h *heldLabels) oldest() (int64, bool) {
	if len(h.recs) == 0 {
		return 0, false
	}
	return h.recs[0].At, true
}

func (h *heldLabels) len() int { return len(h.byID) }

// snapshot returns the held labels, oldest first.
func (h *heldLabels) snapshot() []heldLabel {
	out := make([]heldLabel, 0, len(h.byID))
	for i, l := range h.recs {
		if j, ok := h.byID[l.ID]; ok && j == h.first+i {
			out = append(out, l)
		}
	}
	return out
}

// restore replaces the contents with ls (oldest first).
func (h *heldLabels) restore(ls []heldLabel) {
	h.byID, h.recs, h.first = map[string]int{}, nil, 0
	for _, l := range ls {
		h.add(l)
	}
}
