package app

import (
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

// GeneratedSLORules is the name the rules generated for the config's SLOs
// go by in the rule manager and in /api/v1/rules. No such file is written:
// 'mlre rules generate' prints the same rules.
const GeneratedSLORules = "<generated>/slos.rules.yml"

// ruleLoader gives Prometheus's rule manager the user's rule files from disk
// and the generated SLO rules from memory, parsed and validated alike.
type ruleLoader struct {
	parser parser.Parser
	logger *slog.Logger
	slos   atomic.Pointer[[]byte]
}

func (l *ruleLoader) Load(id string, ignoreUnknownFields bool, scheme model.ValidationScheme) (*rulefmt.RuleGroups, []error) {
	if id != GeneratedSLORules {
		return rulefmt.ParseFile(id, ignoreUnknownFields, scheme, l.parser, l.logger)
	}
	var b []byte
	if p := l.slos.Load(); p != nil {
		b = *p
	}
	rgs, errs := rulefmt.Parse(b, ignoreUnknownFields, scheme, l.parser, l.logger)
	for i := range errs {
		errs[i] = fmt.Errorf("%s: %w", id, errs[i])
	}
	return rgs, errs
}

func (l *ruleLoader) Parse(q string) (parser.Expr, error) { return l.parser.ParseExpr(q) }
