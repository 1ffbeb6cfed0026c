package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/util/strutil"
)

// GeneratedRules is the name the rules mlre generates (the config's SLOs
// and the built-in health rules) go by in the rule manager and in
// /api/v1/rules. No such file is written: 'mlre rules generate' prints them.
const GeneratedRules = "<generated>/mlre.rules.yml"

// ruleLoader gives Prometheus's rule manager the user's rule files from disk
// and the generated SLO rules from memory, parsed and validated alike.
type ruleLoader struct {
	parser    parser.Parser
	logger    *slog.Logger
	generated atomic.Pointer[[]byte]
}

func (l *ruleLoader) Load(id string, ignoreUnknownFields bool, scheme model.ValidationScheme) (*rulefmt.RuleGroups, []error) {
	if id != GeneratedRules {
		return rulefmt.ParseFile(id, ignoreUnknownFields, scheme, l.parser, l.logger)
	}
	var b []byte
	if p := l.generated.Load(); p != nil {
		b = *p
	}
	rgs, errs := rulefmt.Parse(b, ignoreUnknownFields, scheme, l.parser, l.logger)
	for i := range errs {
		errs[i] = fmt.Errorf("%s: %w", id, errs[i])
	}
	return rgs, errs
}

func (l *ruleLoader) Parse(q string) (parser.Expr, error) { return l.parser.ParseExpr(q) }

// notifyFunc sends the rule manager's alerts to the configured Alertmanagers
// (send) and to mlre's built-in delivery, which has them on disk before the
// rule evaluation goes on.
func (a *App) notifyFunc(send rules.NotifyFunc, externalURL string) rules.NotifyFunc {
	return func(ctx context.Context, expr string, alerts ...*rules.Alert) {
		send(ctx, expr, alerts...)
		if len(alerts) == 0 {
			return
		}
		out := make([]model.Alert, 0, len(alerts))
		for _, al := range alerts {
			m := model.Alert{
				Labels:       labelSet(al.Labels),
				Annotations:  labelSet(al.Annotations),
				StartsAt:     al.FiredAt,
				GeneratorURL: externalURL + strutil.TableLinkForExpression(expr),
			}
			if !al.ResolvedAt.IsZero() {
				m.EndsAt = al.ResolvedAt
			} else {
				m.EndsAt = al.ValidUntil
			}
			out = append(out, m)
		}
		if err := a.dispatcher.Ingest(ctx, out); err != nil {
			a.logger.Error("queueing alerts for notification", "err", err)
		}
	}
}

func labelSet(ls labels.Labels) model.LabelSet {
	out := make(model.LabelSet, ls.Len())
	ls.Range(func(l labels.Label) { out[model.LabelName(l.Name)] = model.LabelValue(l.Value) })
	return out
}
