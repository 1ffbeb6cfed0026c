package main

// These tests need no server: they check that the generated bodies are
// valid NDJSON predictions of the configured shape, that stamping request
// numbers makes every id unique, that the reference CSV has the same
// columns, and that the sink answers as mlre does.

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type row struct {
	ID         string         `json:"id"`
	Version    string         `json:"version"`
	Features   map[string]any `json:"features"`
	Prediction float64        `json:"prediction"`
}

func decodeRows(t *testing.T, b []byte) []row {
	t.Helper()
	var rows []row
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r row
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("line %d: %v: %s", len(rows), err, sc.Bytes())
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestSchema(t *testing.T) {
	s := newSchema(20)
	if s.num != 16 || s.cat != 4 {
		t.Fatalf("20 features: got %d numerical, %d categorical; want 16, 4", s.num, s.cat)
	}
	var b strings.Builder
	if err := s.writeFeaturesYAML(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 20 || strings.TrimSpace(lines[0]) != "- {name: n0, type: numerical}" ||
		strings.TrimSpace(lines[19]) != "- {name: c3, type: categorical}" {
		t.Fatalf("features YAML:\n%s", b.String())
	}
}

func TestTemplateRows(t *testing.T) {
	s := newSchema(20)
	tpl := buildTemplate(newGen(s, 2), 1000, "run1", "v1", 4)
	rows := decodeRows(t, tpl.fill(nil, 7))
	if len(rows) != 1000 {
		t.Fatalf("got %d rows, want 1000", len(rows))
	}
	for i, r := range rows {
		if r.Version != "v1" || len(r.Features) != 20 || !(r.Prediction > 0 && r.Prediction < 1) {
			t.Fatalf("row %d: %+v", i, r)
		}
		for _, n := range s.names() {
			v, ok := r.Features[n]
			if !ok {
				t.Fatalf("row %d lacks %s", i, n)
			}
			_, isStr := v.(string)
			if isStr != (n[0] == 'c') {
				t.Fatalf("row %d: %s = %#v has the wrong type", i, n, v)
			}
		}
	}
	if rows[0].ID != "run1-0000000007-000" || rows[999].ID != "run1-0000000007-999" {
		t.Fatalf("ids %q … %q", rows[0].ID, rows[999].ID)
	}
}

func TestIDsUniqueAcrossRequests(t *testing.T) {
	tpls := []*template{
		buildTemplate(newGen(newSchema(20), 2), 50, "p", "", -1),
		buildTemplate(newGen(newSchema(20), 3), 50, "p", "", -1),
	}
	seen := map[string]bool{}
	var buf []byte
	for seq := uint64(0); seq < 40; seq++ {
		buf = tpls[seq%2].fill(buf, seq)
		for _, r := range decodeRows(t, buf) {
			if seen[r.ID] {
				t.Fatalf("id %s sent twice", r.ID)
			}
			seen[r.ID] = true
		}
	}
	if len(seen) != 40*50 {
		t.Fatalf("got %d ids, want %d", len(seen), 40*50)
	}
	// The template itself is left untouched.
	if !bytes.Contains(tpls[0].body, []byte(`"id":"p-0000000000-00"`)) {
		t.Fatal("fill changed the template")
	}
}

func TestReference(t *testing.T) {
	s := newSchema(20)
	var b bytes.Buffer
	if err := writeReference(&b, s, 5000, 1); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5001 {
		t.Fatalf("got %d lines, want a header and 5000 rows", len(recs))
	}
	want := append(s.names(), "prediction", "label")
	if strings.Join(recs[0], ",") != strings.Join(want, ",") {
		t.Fatalf("header %v, want %v", recs[0], want)
	}
	levels := map[string]bool{}
	pos := 0
	for _, r := range recs[1:] {
		levels[r[16]] = true
		if r[21] == "1" {
			pos++
		}
	}
	if len(levels) != catLevels {
		t.Fatalf("c0 takes %d levels, want %d", len(levels), catLevels)
	}
	if pos < 500 || pos > 4500 {
		t.Fatalf("%d positive labels of 5000", pos)
	}
}

func TestSink(t *testing.T) {
	var reqs, rows atomic.Int64
	srv := httptest.NewServer(sinkHandler(&reqs, &rows))
	defer srv.Close()
	o := options{url: srv.URL, model: "m", perRequest: 100, concurrency: 2, features: 20,
		duration: 200 * time.Millisecond, pool: 1, precision: 4, idPrefix: "s", timeout: 5 * time.Second}
	rep, err := run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Errors != 0 || rep.RowsAccepted == 0 || rep.RowsAccepted != rep.RowsSent {
		t.Fatalf("report: %+v", rep)
	}
	if got := rows.Load(); got != rep.RowsAccepted+rep.WarmupAccepted {
		t.Fatalf("sink saw %d rows, client counted %d", got, rep.RowsAccepted+rep.WarmupAccepted)
	}
	resp, err := http.Post(srv.URL, "application/x-ndjson", strings.NewReader("{}\n{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r ingestResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.Data.Accepted != 2 {
		t.Fatalf("sink answered %+v, %v", r, err)
	}
}

func TestSliceRates(t *testing.T) {
	got := sliceRates([]int64{600, 600, 150}, 60*time.Second, 135)
	want := []float64{10, 10, 10}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
