package ui

import (
	"net/http"

	"github.com/mlre-dev/mlre/internal/coststatus"
)

// overviewSLOs is how many SLOs the overview shows, least budget first.
const overviewSLOs = 12

type overviewData struct {
	SLOs                  []sloRow
	SLOCount, SLOsBurning int
	Firing                []alertRow
	Pending               int
	Models                []modelRow
	ModelProblems         int
	GPU                   gpuFleet
	Budgets               []coststatus.BudgetStatus
	CostOn                bool
}

func (u *UI) overview(r *http.Request) (*view, error) {
	ctx := r.Context()
	d := overviewData{}
	rows, err := u.sloRows(ctx)
	if err != nil {
		return nil, err
	}
	d.SLOCount = len(rows)
	for _, s := range rows {
		if s.State != "ok" && s.State != "nodata" {
			d.SLOsBurning++
		}
	}
	d.SLOs = rows[:min(len(rows), overviewSLOs)]
	alerts := u.activeAlerts()
	for _, a := range alerts {
		if a.State == "firing" {
			d.Firing = append(d.Firing, a)
		} else {
			d.Pending++
		}
	}
	d.Models, _ = u.modelRows(alerts)
	for _, m := range d.Models {
		if len(m.Problems) > 0 || m.Alerts > 0 {
			d.ModelProblems++
		}
	}
	if d.GPU, err = u.gpus(ctx, alerts); err != nil {
		return nil, err
	}
	if c := u.o.Cost; c != nil && c.Enabled() {
		d.CostOn = true
		if d.Budgets, err = c.Budgets(ctx); err != nil {
			return nil, err
		}
	}
	return &view{Page: "overview", Title: "Overview", Nav: "overview", Data: d}, nil
}
