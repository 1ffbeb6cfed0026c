package ui

import (
	"net/http"
	"sort"
	"time"

	"github.com/mlre-dev/mlre/internal/coststatus"
)

type costData struct {
	Enabled  bool
	Budgets  []coststatus.BudgetStatus
	Spend    coststatus.Spend
	By       string
	Recs     coststatus.Recommendations
	Rate     *Chart
	Currency string
}

func (u *UI) cost(r *http.Request) (*view, error) {
	v := &view{Page: "cost", Title: "Cost", Nav: "cost"}
	c := u.o.Cost
	if c == nil || !c.Enabled() {
		v.Data = costData{}
		return v, nil
	}
	ctx := r.Context()
	d := costData{Enabled: true, By: r.URL.Query().Get("by")}
	if d.By == "" {
		d.By = "team"
	}
	var err error
	if d.Budgets, err = c.Budgets(ctx); err != nil {
		return nil, err
	}
	sort.SliceStable(d.Budgets, func(i, j int) bool {
		a, b := d.Budgets[i].RemainingRatio, d.Budgets[j].RemainingRatio
		if a != nil && b != nil {
			return *a < *b
		}
		return a != nil
	})
	now := u.o.Now()
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if d.Spend, err = c.Spend(ctx, d.By, from, now); err != nil {
		return nil, errBadRequest(err.Error())
	}
	d.Currency = d.Spend.Currency
	if d.Recs, err = c.Recommend(ctx); err != nil {
		return nil, err
	}
	d.Rate, err = u.fittedChart(ctx, "GPU spend rate by "+d.By+" ($/h, allocated)", "dollars",
		`sum by (`+d.By+`) (mlre_cost:gpu_dollars_per_hour{kind="allocated"})`, 24*time.Hour, labelLegend(d.By))
	if err != nil {
		return nil, err
	}
	v.Data = d
	return v, nil
}
