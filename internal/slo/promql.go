package slo

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// promParser parses every expression the package reads or writes, so that
// what mlre generates is what Prometheus will accept.
var promParser = parser.NewParser(parser.Options{})

// windowRE matches Sloth's window placeholder, {{.window}}, spaces allowed.
var windowRE = regexp.MustCompile(`\{\{\s*\.window\s*\}\}`)

// expand puts window into a query's {{.window}} placeholders and parses it.
func expand(q string, window time.Duration) (parser.Expr, error) {
	return promParser.ParseExpr(windowRE.ReplaceAllLiteralString(q, model.Duration(window).String()))
}

func checkWindowQuery(field, q string) error {
	if strings.TrimSpace(q) == "" {
		return fieldErr(field, "is required")
	}
	if !windowRE.MatchString(q) {
		return fieldErr(field, "has no {{.window}} placeholder; write the range as [{{.window}}], e.g. rate(x[{{.window}}])")
	}
	e, err := expand(q, 5*time.Minute)
	if err != nil {
		return fieldErr(field, "is not valid PromQL: "+err.Error())
	}
	return checkInstant(field, e)
}

// checkInstant refuses queries that do not return an instant vector (a range
// selector like x[5m], a string).
func checkInstant(field string, e parser.Expr) error {
	if t := e.Type(); t != parser.ValueTypeVector && t != parser.ValueTypeScalar {
		return fieldErr(field, fmt.Sprintf("returns a %s; it must return an instant vector, e.g. sum(rate(x[{{.window}}]))", t))
	}
	return nil
}

func checkQuery(field, q string) error {
	if strings.TrimSpace(q) == "" {
		return fieldErr(field, "is required")
	}
	if windowRE.MatchString(q) {
		return fieldErr(field, "takes an instant query; {{.window}} has no meaning here")
	}
	e, err := promParser.ParseExpr(q)
	if err != nil {
		return fieldErr(field, "is not valid PromQL: "+err.Error())
	}
	if e.Type() != parser.ValueTypeVector {
		return fieldErr(field, fmt.Sprintf("returns a %s; it must return an instant vector", e.Type()))
	}
	return nil
}

// parseSelector parses `{a="b",...}` and returns its matchers.
func parseSelector(s string) ([]*labels.Matcher, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "{") {
		return nil, fmt.Errorf("%q is not a label selector; write it like {job=\"api\"}", s)
	}
	ms, err := promParser.ParseMetricSelector(s)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", s, err)
	}
	for _, m := range ms {
		if m.Name == labels.MetricName {
			return nil, errors.New("the selector may not set __name__; the metric comes from sli.latency.metric")
		}
	}
	return ms, nil
}

// num writes a float as a PromQL number literal.
func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// dur writes a duration as Prometheus does: 5m, 1h, 3d.
func dur(d time.Duration) string { return model.Duration(d).String() }

// leRegexp matches the ways a bucket boundary can be written in an le label:
// 1, 1.0 and 1.00 for one; 0.3 and 0.30 for 0.3. Prometheus 3 writes 1.0;
// Prometheus 2 and most client libraries write 1.
func leRegexp(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if strings.Contains(s, ".") {
		return regexp.QuoteMeta(s) + "0*"
	}
	return regexp.QuoteMeta(s) + `(\.0*)?`
}

// selector writes a vector selector for metric with the given matchers.
func selector(metric string, ms []*labels.Matcher, extra ...*labels.Matcher) string {
	var parts []string
	for _, m := range append(append([]*labels.Matcher{}, ms...), extra...) {
		parts = append(parts, m.String())
	}
	return metric + "{" + strings.Join(parts, ",") + "}"
}

// canonical parses e and prints it as Prometheus does, which both checks the
// generated text and makes the output stable.
func canonical(e string) (string, error) {
	x, err := promParser.ParseExpr(e)
	if err != nil {
		return "", fmt.Errorf("generated expression does not parse (a bug in mlre): %s: %w", e, err)
	}
	return x.String(), nil
}

// sumOf writes e summed into one series without labels, as every SLI must be;
// an expression whose result has no labels anyway is written as it is.
func sumOf(e parser.Expr) string {
	if labelFree(e) {
		return e.String()
	}
	return "sum(" + e.String() + ")"
}

// labelFree reports whether e's result certainly has no labels: an ungrouped
// aggregation, a number, vector(…), or arithmetic on those.
func labelFree(e parser.Expr) bool {
	switch x := e.(type) {
	case *parser.ParenExpr:
		return labelFree(x.Expr)
	case *parser.AggregateExpr:
		return len(x.Grouping) == 0 && !x.Without
	case *parser.NumberLiteral:
		return true
	case *parser.Call:
		return x.Func.Name == "vector"
	case *parser.BinaryExpr:
		return labelFree(x.LHS) && labelFree(x.RHS)
	}
	return false
}
