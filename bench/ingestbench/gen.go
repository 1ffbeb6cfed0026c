package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
)

// schema is the benchmark model's inputs: numerical features n0, n1, …
// and categorical features c0, c1, … (a fifth of them, rounded down).
type schema struct {
	num, cat int
}

// catLevels is the number of categories of each categorical feature.
const catLevels = 8

func newSchema(features int) schema {
	c := features / 5
	return schema{num: features - c, cat: c}
}

func (s schema) names() []string {
	out := make([]string, 0, s.num+s.cat)
	for i := 0; i < s.num; i++ {
		out = append(out, "n"+strconv.Itoa(i))
	}
	for i := 0; i < s.cat; i++ {
		out = append(out, "c"+strconv.Itoa(i))
	}
	return out
}

// writeFeaturesYAML writes the model's features: list, one flow mapping a
// line, indented for a model entry under models:.
func (s schema) writeFeaturesYAML(w io.Writer) error {
	for i, n := range s.names() {
		t := "numerical"
		if i >= s.num {
			t = "categorical"
		}
		if _, err := fmt.Fprintf(w, "      - {name: %s, type: %s}\n", n, t); err != nil {
			return err
		}
	}
	return nil
}

// sample is one generated row: the features in schema order, the
// model's score and the true label.
type sample struct {
	num   []float64
	cat   []int
	pred  float64
	label int
}

// gen draws rows. The same distributions feed the reference and the
// stream, so the stream does not drift:
//   - n(4k):   normal, mean 10k, sd 1+k
//   - n(4k+1): log-normal, exp(N(0, 1))
//   - n(4k+2): uniform on [0, 100)
//   - n(4k+3): counts, floor of an exponential with mean 3
//   - c*:      v0 … v7 with weights 1, 1/2, …, 1/8
//
// The score is a logistic function of n0, n1 and c0 plus noise, and the
// label is drawn with that probability (a calibrated model).
type gen struct {
	s   schema
	r   *rand.Rand
	cum []float64 // cumulative category weights
}

func newGen(s schema, seed uint64) *gen {
	g := &gen{s: s, r: rand.New(rand.NewPCG(seed, 0x1ab))}
	tot := 0.0
	for k := 0; k < catLevels; k++ {
		tot += 1 / float64(k+1)
		g.cum = append(g.cum, tot)
	}
	for k := range g.cum {
		g.cum[k] /= tot
	}
	return g
}

func (g *gen) next(x *sample) {
	if len(x.num) != g.s.num {
		x.num = make([]float64, g.s.num)
		x.cat = make([]int, g.s.cat)
	}
	for i := range x.num {
		k := i / 4
		switch i % 4 {
		case 0:
			x.num[i] = 10*float64(k) + (1+float64(k))*g.r.NormFloat64()
		case 1:
			x.num[i] = math.Exp(g.r.NormFloat64())
		case 2:
			x.num[i] = 100 * g.r.Float64()
		case 3:
			x.num[i] = math.Floor(3 * g.r.ExpFloat64())
		}
	}
	for i := range x.cat {
		u := g.r.Float64()
		k := 0
		for k < catLevels-1 && u >= g.cum[k] {
			k++
		}
		x.cat[i] = k
	}
	z := 0.3*g.r.NormFloat64() - 0.5
	if g.s.num > 0 {
		z += 0.8 * x.num[0] // n0 ~ N(0, 1)
	}
	if g.s.num > 1 {
		z -= 0.5 * (math.Log(x.num[1])) // log n1 ~ N(0, 1)
	}
	if g.s.cat > 0 {
		z += 0.2 * float64(x.cat[0]-1)
	}
	x.pred = 1 / (1 + math.Exp(-z))
	x.label = 0
	if g.r.Float64() < x.pred {
		x.label = 1
	}
}

// appendNum writes a numerical value the way a client would: counts as
// integers, the rest with prec decimals, or (prec < 0) in the shortest form
// that reads back exactly, as Python's json.dumps and Go's encoding/json
// write a float64 (usually 16 or 17 significant digits).
func appendNum(b []byte, i int, v float64, prec int) []byte {
	if i%4 == 3 {
		return strconv.AppendInt(b, int64(v), 10)
	}
	return strconv.AppendFloat(b, v, 'f', prec, 64)
}

func appendCat(b []byte, k int) []byte {
	return strconv.AppendInt(append(b, 'v'), int64(k), 10)
}

// writeReference writes a CSV of rows drawn from the stream's
// distributions, with the score in "prediction" and the truth in "label"
// (the columns mlre takes by default).
func writeReference(w io.Writer, s schema, rows int, seed uint64) error {
	bw := bufio.NewWriter(w)
	for _, n := range s.names() {
		bw.WriteString(n)
		bw.WriteByte(',')
	}
	bw.WriteString("prediction,label\n")
	g := newGen(s, seed)
	var x sample
	var b []byte
	for r := 0; r < rows; r++ {
		g.next(&x)
		b = b[:0]
		for i, v := range x.num {
			b = append(appendNum(b, i, v, 4), ',')
		}
		for _, k := range x.cat {
			b = append(appendCat(b, k), ',')
		}
		b = strconv.AppendFloat(b, x.pred, 'f', 4, 64)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(x.label), 10)
		b = append(b, '\n')
		bw.Write(b)
	}
	return bw.Flush()
}

// seqDigits is the width of the request number in every id.
const seqDigits = 10

// template is one pre-generated request body. Every row's id is
// "<prefix>-<request number>-<row>"; the request number's digits sit at
// slots and are written when the request is sent, so each request carries
// ids never sent before while its body costs one copy.
type template struct {
	body  []byte
	slots []int // offset of each row's request-number digits
	rows  int
}

// buildTemplate makes a body of rows NDJSON predictions of version
// (omitted when empty), without timestamps (the server stamps them);
// prec is appendNum's.
func buildTemplate(g *gen, rows int, prefix, version string, prec int) *template {
	t := &template{rows: rows}
	rowDigits := len(strconv.Itoa(max(rows-1, 0)))
	names := g.s.names()
	var x sample
	b := make([]byte, 0, rows*(64+len(prefix)+24*len(names)))
	for r := 0; r < rows; r++ {
		g.next(&x)
		b = append(b, `{"id":"`...)
		b = append(b, prefix...)
		b = append(b, '-')
		t.slots = append(t.slots, len(b))
		for i := 0; i < seqDigits; i++ {
			b = append(b, '0')
		}
		b = append(b, '-')
		rs := strconv.Itoa(r)
		for i := len(rs); i < rowDigits; i++ {
			b = append(b, '0')
		}
		b = append(b, rs...)
		b = append(b, '"')
		if version != "" {
			b = append(b, `,"version":`...)
			b = strconv.AppendQuote(b, version)
		}
		b = append(b, `,"features":{`...)
		for i, v := range x.num {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = append(b, names[i]...)
			b = append(b, `":`...)
			b = appendNum(b, i, v, prec)
		}
		for i, k := range x.cat {
			if i > 0 || len(x.num) > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = append(b, names[g.s.num+i]...)
			b = append(b, `":"`...)
			b = appendCat(b, k)
			b = append(b, '"')
		}
		b = append(b, `},"prediction":`...)
		b = strconv.AppendFloat(b, x.pred, 'f', 4, 64)
		b = append(b, "}\n"...)
	}
	t.body = b
	return t
}

// fill copies the template into dst (reusing its storage) and stamps
// request number seq into every id.
func (t *template) fill(dst []byte, seq uint64) []byte {
	dst = append(dst[:0], t.body...)
	var d [seqDigits]byte
	for i := seqDigits - 1; i >= 0; i-- {
		d[i] = byte('0' + seq%10)
		seq /= 10
	}
	for _, off := range t.slots {
		copy(dst[off:off+seqDigits], d[:])
	}
	return dst
}
