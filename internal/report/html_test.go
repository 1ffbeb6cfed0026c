package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/mlre-dev/mlre/internal/dataset"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// numColumn is a deterministic, roughly normal spread of n values moved by
// shift, with every tenth value missing when gaps is set.
func numColumn(name string, n int, shift float64, gaps bool) *dataset.Column {
	c := &dataset.Column{Name: name, Type: dataset.Numerical}
	for i := range n {
		v := math.Sin(float64(i)*1.7) + math.Sin(float64(i)*0.37) + shift
		if gaps && i%10 == 0 {
			v = math.NaN()
			c.Missing++
		}
		c.Num = append(c.Num, v)
	}
	return c
}

// catColumn cycles through levels, weighting the first ones more.
func catColumn(name string, n int, levels []string, skew int) *dataset.Column {
	c := &dataset.Column{Name: name, Type: dataset.Categorical}
	index := map[string]uint32{}
	for i := range n {
		k := (i * i / (skew + 1)) % len(levels)
		if i%3 == 0 {
			k = (i / 3) % min(3, len(levels))
		}
		l := levels[k]
		code, ok := index[l]
		if !ok {
			code = uint32(len(c.Levels))
			index[l] = code
			c.Levels = append(c.Levels, l)
		}
		c.Codes = append(c.Codes, code)
	}
	return c
}

// cycleColumn cycles through levels, skipping every step-th row's level.
func cycleColumn(name string, n int, levels []string, step int) *dataset.Column {
	c := &dataset.Column{Name: name, Type: dataset.Categorical, Levels: levels}
	for i := range n {
		k := i % len(levels)
		if i%step == 0 {
			k = 0
		}
		c.Codes = append(c.Codes, uint32(k))
	}
	return c
}

func sampleTables() (ref, cur *dataset.Table) {
	var plans []string
	for i := range 26 {
		plans = append(plans, fmt.Sprintf("plan-%c", 'a'+i))
	}
	cities := []string{"Paris", "Lyon", "Marseille", "Nice", "<Lille & Co>"}
	ref = &dataset.Table{Path: "reference.csv", Rows: 300, Columns: []*dataset.Column{
		numColumn("age", 300, 0, true),
		numColumn("income", 300, 0, false),
		catColumn("city", 300, cities, 0),
		cycleColumn("plan", 300, plans, 7),
	}}
	cur = &dataset.Table{Path: "current.parquet", Rows: 200, Columns: []*dataset.Column{
		numColumn("age", 200, 0.05, true),
		numColumn("income", 200, 1.5, false),
		catColumn("city", 200, cities, 3),
		cycleColumn("plan", 200, plans, 5),
	}}
	return ref, cur
}

func sampleHTML(t *testing.T) []byte {
	t.Helper()
	ref, cur := sampleTables()
	rep, err := Compare(ref, cur, Options{Histograms: true})
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, WriteHTML(&b, rep))
	return b.Bytes()
}

func TestHTMLGolden(t *testing.T) {
	got := sampleHTML(t)
	golden := filepath.Join("testdata", "report.golden.html")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test ./internal/report -run TestHTMLGolden -update to create it")
	require.Equal(t, string(want), string(got), "the HTML changed; review it and rerun with -update")
}

func TestHTMLStructure(t *testing.T) {
	doc, err := html.Parse(bytes.NewReader(sampleHTML(t)))
	require.NoError(t, err)

	var (
		order     []string // ids of sections, tables and figures, in document order
		svgs      []*html.Node
		title     string
		lang      string
		colHeads  int
		rowHeads  int
		scripts   int
		verdict   string
		figureIDs []string
	)
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "html":
				lang = attr(n, "lang")
			case "title":
				if n.Parent != nil && n.Parent.Data == "head" {
					title = text(n)
				}
			case "section":
				order = append(order, "section:"+attr(n, "id"))
			case "table":
				order = append(order, "table")
			case "th":
				switch attr(n, "scope") {
				case "col":
					colHeads++
				case "row":
					rowHeads++
				}
			case "svg":
				svgs = append(svgs, n)
			case "figure":
				figureIDs = append(figureIDs, attr(n, "id"))
			case "script", "link", "img", "iframe":
				scripts++
			case "p":
				if strings.Contains(attr(n, "class"), "verdict") {
					verdict = text(n)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)

	require.Equal(t, "en", lang)
	require.Contains(t, title, "Dataset drift detected")
	require.Equal(t, "Dataset drift detected", verdict)
	require.Equal(t, []string{"section:summary", "section:columns", "table", "section:distributions"}, order, "summary before the table")
	require.Equal(t, 7, colHeads, "column, type, method, statistic, p-value, threshold, drift")
	require.Equal(t, 4, rowHeads, "one row per column")
	require.Zero(t, scripts, "no scripts, links or images: self-contained")
	require.Len(t, svgs, 4, "one chart per column")
	require.Equal(t, []string{"col-2", "col-3", "col-1", "col-4"}, figureIDs, "drifted columns (income, city) first")
	for _, s := range svgs {
		require.Equal(t, "img", attr(s, "role"))
		require.NotEmpty(t, attr(s, "aria-label"))
		require.NotNil(t, s.FirstChild)
		require.Equal(t, "title", s.FirstChild.Data, "an accessible name as the first child")
		rects := 0
		var count func(n *html.Node)
		count = func(n *html.Node) {
			if n.Type == html.ElementNode && n.Data == "rect" {
				rects++
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				count(c)
			}
		}
		count(s)
		require.LessOrEqual(t, rects, 60, attr(s, "aria-label"))
		require.Positive(t, rects)
	}
}

func TestHTMLManyColumns(t *testing.T) {
	ref := &dataset.Table{Path: "ref.csv", Rows: 20000}
	cur := &dataset.Table{Path: "cur.csv", Rows: 20000}
	var levels []string
	for i := range 40 {
		levels = append(levels, fmt.Sprintf("level-%d", i))
	}
	for i := range 40 {
		name := fmt.Sprintf("n%d", i)
		ref.Columns = append(ref.Columns, numColumn(name, 20000, 0, i%2 == 0))
		cur.Columns = append(cur.Columns, numColumn(name, 20000, float64(i%4)/4, false))
	}
	for i := range 10 {
		name := fmt.Sprintf("c%d", i)
		ref.Columns = append(ref.Columns, catColumn(name, 20000, levels, 0))
		cur.Columns = append(cur.Columns, catColumn(name, 20000, levels, i))
	}
	rep, err := Compare(ref, cur, Options{Histograms: true})
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, WriteHTML(&b, rep))
	require.Less(t, b.Len(), 1<<20, "50 columns stay under 1 MB")
	require.Equal(t, 50, strings.Count(b.String(), "<svg "))
	require.NotContains(t, b.String(), "http", "no external assets")
	require.NotContains(t, b.String(), "<script")
	for _, h := range rep.Histograms {
		require.LessOrEqual(t, len(h.Ref), MaxBins)
		require.LessOrEqual(t, len(h.Ref), TopCategories+1)
	}

	// The histograms stay out of the JSON document.
	var js bytes.Buffer
	require.NoError(t, WriteJSON(&js, rep))
	var doc map[string]any
	require.NoError(t, json.Unmarshal(js.Bytes(), &doc))
	var keys []string
	for k := range doc {
		keys = append(keys, k)
	}
	require.ElementsMatch(t, []string{"reference_rows", "current_rows", "dataset_drift", "drift_share", "drifted_columns", "columns_total", "columns"}, keys)
}

func TestWriteHTMLNeedsHistograms(t *testing.T) {
	ref, cur := sampleTables()
	rep, err := Compare(ref, cur, Options{})
	require.NoError(t, err)
	require.Nil(t, rep.Histograms)
	require.ErrorIs(t, WriteHTML(&bytes.Buffer{}, rep), ErrNoHistograms)
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

func TestHTMLFormatting(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{count3(0), "0"},
		{count3(999), "999"},
		{count3(1000), "1,000"},
		{count3(1000000), "1,000,000"},
		{pct(0.1234), "12.3%"},
		{short(1234.5678), "1235"},
		{short(-0.000123456), "-0.0001235"},
		{px(12.345), "12.3"},
		{px(7), "7"},
		{truncate("short", 24), "short"},
		{truncate("ünïcödé-category-name-that-is-long", 10), "ünïcödé-c…"},
	} {
		require.Equal(t, tc.want, tc.got)
	}
}
