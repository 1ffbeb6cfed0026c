package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/rules"

	"github.com/mlre-dev/mlre/internal/coststatus"
	"github.com/mlre-dev/mlre/internal/slostatus"
	"github.com/mlre-dev/mlre/internal/ui"
	"github.com/mlre-dev/mlre/internal/version"
)

// newUI makes the web UI over the same services as the API.
func (a *App) newUI(slos *slostatus.Service, costs *coststatus.Service) (*ui.UI, error) {
	return ui.New(ui.Options{
		Query: ui.QueryFunc(rules.EngineQueryFunc(a.engine, a.fanout)),
		Range: a.rangeQuery,
		SLOs: func(ctx context.Context) ([]slostatus.Status, error) {
			c := a.Config()
			return slos.List(ctx, c.SLOs, time.Duration(c.Prometheus.GlobalConfig.EvaluationInterval))
		},
		Models:  a.monitor.Details,
		Alerts:  a.rules.AlertingRules,
		Cost:    uiCost{a: a, s: costs},
		Demo:    a.opts.Demo,
		Auth:    a.authn,
		Logger:  a.logger.With("component", "ui"),
		Version: version.Get().Version,
	})
}

// rangeQuery runs a range query on the local and remote storage.
func (a *App) rangeQuery(ctx context.Context, q string, start, end time.Time, step time.Duration) (promql.Matrix, error) {
	qry, err := a.engine.NewRangeQuery(ctx, a.fanout, nil, q, start, end, step)
	if err != nil {
		return nil, err
	}
	defer qry.Close()
	res := qry.Exec(ctx)
	if res.Err != nil {
		return nil, res.Err
	}
	switch v := res.Value.(type) {
	case promql.Matrix:
		return v, nil
	case promql.String:
		return nil, errors.New("the query gives a string; a chart needs numbers")
	}
	return nil, fmt.Errorf("unexpected range query result %s", res.Value.Type())
}

// uiCost gives the UI the cost service over the config in force.
type uiCost struct {
	a *App
	s *coststatus.Service
}

func (c uiCost) Enabled() bool { return c.a.Config().Cost != nil }

func (c uiCost) Budgets(ctx context.Context) ([]coststatus.BudgetStatus, error) {
	return c.s.Budgets(ctx, c.a.Config().Budgets)
}

func (c uiCost) Spend(ctx context.Context, by string, from, to time.Time) (coststatus.Spend, error) {
	cfg := c.a.Config()
	if cfg.Cost == nil {
		return coststatus.Spend{}, errors.New("cost is off")
	}
	return c.s.Spend(ctx, cfg.Cost, by, from, to)
}

func (c uiCost) Recommend(ctx context.Context) (coststatus.Recommendations, error) {
	cfg := c.a.Config()
	if cfg.Cost == nil {
		return coststatus.Recommendations{}, errors.New("cost is off")
	}
	week := 7 * 24 * time.Hour
	return c.s.Recommend(ctx, cfg.Cost, "team", time.Duration(cfg.Cost.Idle.For), week, week)
}
