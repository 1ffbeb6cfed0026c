package profile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/DataDog/sketches-go/ddsketch/store"
)

// formatVersion is the first byte of MarshalBinary's output.
const formatVersion = 1

// ErrFormat is returned by UnmarshalBinary for input that is not a profile
// this version can read.
var ErrFormat = errors.New("profile: bad encoding")

// maxCount keeps counts where float64 holds them exactly.
const maxCount = 1 << 53

const (
	kindNumerical   = 1
	kindCategorical = 2
	kindBoolean     = 3
)

// MarshalBinary encodes p compactly: a version byte, then varints and
// little-endian float64s. The encoding is canonical (levels sorted), so
// equal profiles encode to equal bytes.
//
// Version 1 layout: Rows, the number of features, then per feature its
// name, a kind byte and
//
//   - numerical: Count, Missing, Min, Max, Mean, M2, Center, the edges,
//     the bins (when there are edges), Small (Count floats when Count <=
//     SmallMax), a ManyValues byte, Values (unless ManyValues), and the
//     sketch: its zero count, then for each store (values above Center,
//     below it) the number of non-empty bins, the first index and the
//     gaps to the next, each with its count;
//   - categorical and boolean: Count, Missing, Other, the number of
//     levels, and each level with its count.
//
// The sketch's bins are written by this package rather than by
// DDSketch.Encode because DecodeDDSketch ignores errors inside a store
// (truncated input decodes to a partial sketch) and can panic on corrupt
// indices; here every field is checked on the way in.
func (p *Profile) MarshalBinary() ([]byte, error) {
	b := []byte{formatVersion}
	b = binary.AppendUvarint(b, uint64(p.Rows))
	b = binary.AppendUvarint(b, uint64(len(p.Features)))
	for _, name := range p.Features {
		b = appendString(b, name)
		switch p.Kinds[name] {
		case KindNumerical:
			n := p.Num[name]
			if n == nil {
				return nil, fmt.Errorf("profile: numerical feature %q has no summary", name)
			}
			b = append(b, kindNumerical)
			b = n.appendTo(b)
		case KindCategorical, KindBoolean:
			c := p.Cat[name]
			if c == nil {
				return nil, fmt.Errorf("profile: feature %q has no summary", name)
			}
			k := byte(kindCategorical)
			if p.Kinds[name] == KindBoolean {
				k = kindBoolean
			}
			b = append(b, k)
			b = c.appendTo(b)
		default:
			return nil, fmt.Errorf("profile: feature %q has kind %q", name, p.Kinds[name])
		}
	}
	return b, nil
}

func (n *Numeric) appendTo(b []byte) []byte {
	b = binary.AppendUvarint(b, uint64(n.Count))
	b = binary.AppendUvarint(b, uint64(n.Missing))
	for _, v := range []float64{n.Min, n.Max, n.Mean, n.M2, n.Center} {
		b = appendFloat(b, v)
	}
	b = binary.AppendUvarint(b, uint64(len(n.Edges)))
	for _, e := range n.Edges {
		b = appendFloat(b, e)
	}
	if n.Edges != nil {
		for _, c := range n.Bins {
			b = binary.AppendUvarint(b, uint64(c))
		}
	}
	if n.Count <= SmallMax {
		for _, v := range n.Small {
			b = appendFloat(b, v)
		}
	}
	if n.ManyValues {
		b = append(b, 1)
	} else {
		b = append(b, 0)
		b = binary.AppendUvarint(b, uint64(len(n.Values)))
		for _, vc := range n.Values {
			b = appendFloat(b, vc.Value)
			b = binary.AppendUvarint(b, uint64(vc.Count))
		}
	}
	b = binary.AppendUvarint(b, uint64(n.Sketch.GetZeroCount()))
	for _, s := range []store.Store{n.Sketch.GetPositiveValueStore(), n.Sketch.GetNegativeValueStore()} {
		var idx []int
		var counts []float64
		s.ForEach(func(i int, c float64) bool {
			idx = append(idx, i)
			counts = append(counts, c)
			return false
		})
		b = binary.AppendUvarint(b, uint64(len(idx)))
		for k, i := range idx {
			if k == 0 {
				b = binary.AppendVarint(b, int64(i))
			} else {
				b = binary.AppendUvarint(b, uint64(i-idx[k-1]))
			}
			b = binary.AppendUvarint(b, uint64(counts[k]))
		}
	}
	return b
}

func (c *Categorical) appendTo(b []byte) []byte {
	b = binary.AppendUvarint(b, uint64(c.Count))
	b = binary.AppendUvarint(b, uint64(c.Missing))
	b = binary.AppendUvarint(b, uint64(c.Other))
	levels := make([]string, 0, len(c.Counts))
	for l := range c.Counts {
		levels = append(levels, l)
	}
	slices.Sort(levels)
	b = binary.AppendUvarint(b, uint64(len(levels)))
	for _, l := range levels {
		b = appendString(b, l)
		b = binary.AppendUvarint(b, uint64(c.Counts[l]))
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendFloat(b []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
}

// UnmarshalBinary decodes what MarshalBinary wrote into p, replacing its
// contents. It checks the input thoroughly (lengths, sorted and unique
// keys, counts that add up, valid edges and sketch bins) and returns an
// error wrapping ErrFormat for anything else, leaving p unchanged.
func (p *Profile) UnmarshalBinary(data []byte) error {
	q, err := decode(data)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFormat, err)
	}
	*p = *q
	return nil
}

// reader reads the encoding; the first error sticks. It accepts only the
// bytes MarshalBinary writes (minimal varints included), so that a decoded
// profile encodes back to its input.
type reader struct {
	b       []byte
	err     error
	scratch [binary.MaxVarintLen64]byte
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 || n != len(binary.AppendUvarint(r.scratch[:0], v)) {
		r.fail("truncated, overlong or non-minimal varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 || n != len(binary.AppendVarint(r.scratch[:0], v)) {
		r.fail("truncated, overlong or non-minimal varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a count, at most maxCount.
func (r *reader) count(what string) int64 {
	v := r.uvarint()
	if v > maxCount {
		r.fail("%s %d is too large", what, v)
		return 0
	}
	return int64(v)
}

// length reads a length of elements of at least minSize bytes each,
// refusing lengths the remaining input cannot hold.
func (r *reader) length(what string, minSize int) int {
	v := r.uvarint()
	if r.err == nil && v > uint64(len(r.b)/minSize) {
		r.fail("%s %d exceeds the remaining input", what, v)
		return 0
	}
	return int(v)
}

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 1 {
		r.fail("truncated")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) float() float64 {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 8 {
		r.fail("truncated float")
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

// finite reads a finite float.
func (r *reader) finite(what string) float64 {
	v := r.float()
	if math.IsNaN(v) || math.IsInf(v, 0) {
		r.fail("%s is %v", what, v)
	}
	return v
}

func (r *reader) string() string {
	n := r.length("string length", 1)
	if r.err != nil {
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func decode(data []byte) (*Profile, error) {
	if len(data) == 0 {
		return nil, errors.New("empty input")
	}
	if data[0] != formatVersion {
		return nil, fmt.Errorf("version %d; this build reads version %d", data[0], formatVersion)
	}
	r := &reader{b: data[1:]}
	rows := r.count("row count")
	nf := r.length("feature count", 2)
	var features []Feature
	type entry struct {
		num *Numeric
		cat *Categorical
	}
	var entries []entry
	seen := map[string]bool{}
	for range nf {
		name := r.string()
		kind := r.byte()
		if r.err != nil {
			break
		}
		if name == "" || seen[name] {
			return nil, fmt.Errorf("feature name %q is empty or repeated", name)
		}
		seen[name] = true
		var e entry
		switch kind {
		case kindNumerical:
			features = append(features, Feature{Name: name, Kind: KindNumerical})
			e.num = r.numeric()
		case kindCategorical, kindBoolean:
			k := KindCategorical
			if kind == kindBoolean {
				k = KindBoolean
			}
			features = append(features, Feature{Name: name, Kind: k})
			e.cat = r.categorical()
		default:
			r.fail("unknown kind %d", kind)
		}
		if r.err != nil {
			return nil, fmt.Errorf("feature %q: %w", name, r.err)
		}
		entries = append(entries, e)
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%d bytes after the end", len(r.b))
	}
	p := New(features, nil)
	p.Rows = rows
	for i, f := range features {
		if e := entries[i]; e.num != nil {
			p.Num[f.Name] = e.num
		} else {
			p.Cat[f.Name] = e.cat
		}
	}
	return p, nil
}

func (r *reader) numeric() *Numeric {
	n := &Numeric{Sketch: newSketch()}
	n.Count = r.count("count")
	n.Missing = r.count("missing count")
	n.Min, n.Max = r.finite("min"), r.finite("max")
	// Mean and M2 overflow (to ±Inf or NaN) for values near ±1e308.
	n.Mean, n.M2 = r.float(), r.float()
	n.Center = r.finite("center")
	if ne := r.length("edge count", 8); ne > 0 {
		n.Edges = make([]float64, ne)
		for i := range n.Edges {
			n.Edges[i] = r.float()
		}
	}
	if r.err != nil {
		return nil
	}
	if err := CheckEdges(n.Edges); err != nil {
		r.fail("%v", err)
		return nil
	}
	if n.M2 < 0 || n.Min > n.Max || (n.Count == 0 && (n.Min != 0 || n.Max != 0 || n.Mean != 0 || n.M2 != 0)) {
		r.fail("inconsistent moments (count %d, min %v, max %v, mean %v, M2 %v)", n.Count, n.Min, n.Max, n.Mean, n.M2)
		return nil
	}
	if want := newNumeric(n.Edges).Center; n.Center != want {
		r.fail("sketch centre %v, want %v for these edges", n.Center, want)
		return nil
	}
	if n.Edges != nil {
		n.Bins = make([]int64, len(n.Edges)+1)
		var sum int64
		for i := range n.Bins {
			n.Bins[i] = r.count("bin count")
			if sum += n.Bins[i]; sum > maxCount {
				r.fail("bins hold too many values")
			}
		}
		if r.err == nil && sum != n.Count {
			r.fail("bins add up to %d, not the count %d", sum, n.Count)
		}
	}
	if n.Count > 0 && n.Count <= SmallMax && r.err == nil {
		if int(n.Count) > len(r.b)/8 {
			r.fail("truncated small sample")
			return nil
		}
		n.Small = make([]float64, n.Count)
		for i := range n.Small {
			n.Small[i] = r.finite("small-sample value")
		}
		if r.err == nil && (slices.Min(n.Small) != n.Min || slices.Max(n.Small) != n.Max) {
			r.fail("small sample does not match min and max")
		}
	}
	switch r.byte() {
	case 0:
		nv := r.length("value count", 9)
		if nv > MaxValues {
			r.fail("%d distinct values, at most %d", nv, MaxValues)
		}
		var sum int64
		for i := 0; i < nv && r.err == nil; i++ {
			vc := ValueCount{Value: r.finite("value"), Count: r.count("value count")}
			if vc.Count == 0 || (i > 0 && vc.Value <= n.Values[i-1].Value) {
				r.fail("values must be sorted, distinct and counted")
			}
			n.Values = append(n.Values, vc)
			sum += vc.Count
		}
		if r.err == nil && sum != n.Count {
			r.fail("values add up to %d, not the count %d", sum, n.Count)
		}
	case 1:
		n.ManyValues = true
		if n.Count <= MaxValues {
			r.fail("many values flagged for only %d values", n.Count)
		}
	default:
		r.fail("bad values flag")
	}
	if r.err != nil {
		return nil
	}
	r.sketch(n)
	if r.err != nil {
		return nil
	}
	return n
}

// sketch reads the sketch's bins into n.Sketch.
func (r *reader) sketch(n *Numeric) {
	s := n.Sketch
	lo, hi := s.Index(s.MinIndexableValue()), s.Index(s.MaxIndexableValue())
	total := r.count("zero count")
	if total > 0 {
		_ = s.AddWithCount(0, float64(total)) // cannot fail
	}
	for _, st := range []store.Store{s.GetPositiveValueStore(), s.GetNegativeValueStore()} {
		nb := r.length("sketch bin count", 2)
		if nb > SketchMaxBins {
			r.fail("%d sketch bins, at most %d", nb, SketchMaxBins)
		}
		first := 0
		idx := 0
		for k := 0; k < nb && r.err == nil; k++ {
			if k == 0 {
				v := r.varint()
				if v < int64(lo) || v > int64(hi) {
					r.fail("sketch index %d out of range", v)
					break
				}
				idx, first = int(v), int(v)
			} else {
				d := r.uvarint()
				if d == 0 || d >= SketchMaxBins || idx+int(d)-first >= SketchMaxBins || idx+int(d) > hi {
					r.fail("sketch bins spread too wide")
					break
				}
				idx += int(d)
			}
			c := r.count("sketch bin count")
			if c == 0 {
				r.fail("empty sketch bin")
				break
			}
			total += c
			if total > maxCount {
				r.fail("sketch count too large")
				break
			}
			st.AddWithCount(idx, float64(c))
		}
	}
	if r.err == nil && total != n.Count {
		r.fail("sketch holds %d values, not the count %d", total, n.Count)
	}
}

func (r *reader) categorical() *Categorical {
	c := &Categorical{Counts: map[string]int64{}}
	c.Count = r.count("count")
	c.Missing = r.count("missing count")
	c.Other = r.count("other count")
	nl := r.length("level count", 2)
	if nl > MaxLevels {
		r.fail("%d levels, at most %d", nl, MaxLevels)
	}
	sum := c.Other
	prev := ""
	for i := 0; i < nl && r.err == nil; i++ {
		l := r.string()
		v := r.count("level count")
		if l == "" || (i > 0 && l <= prev) || v == 0 {
			r.fail("levels must be non-empty, sorted, distinct and counted")
			break
		}
		c.Counts[l] = v
		if sum += v; sum > maxCount {
			r.fail("levels hold too many values")
		}
		prev = l
	}
	if r.err == nil && sum != c.Count {
		r.fail("levels add up to %d, not the count %d", sum, c.Count)
	}
	return c
}
