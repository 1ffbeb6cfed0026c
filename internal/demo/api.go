package demo

import (
	"errors"
	"net/http"

	"github.com/prometheus/common/route"

	"github.com/mlre-dev/mlre/internal/httperr"
)

// Register adds the demo's routes under /api/v1 (api.Registrar):
//
//	GET  /api/v1/demo/incidents        every incident and its state
//	POST /api/v1/demo/incidents/:name  start an incident now
func (f *Fleet) Register(r *route.Router) {
	r.Get("/demo/incidents", func(w http.ResponseWriter, _ *http.Request) {
		httperr.WriteData(w, f.Incidents())
	})
	r.Post("/demo/incidents/:name", f.trigger)
}

func (f *Fleet) trigger(w http.ResponseWriter, r *http.Request) {
	name := route.Param(r.Context(), "name")
	if err := f.Trigger(name); err != nil {
		if errors.Is(err, ErrUnknownIncident) {
			httperr.Write(w, http.StatusNotFound, httperr.TypeNotFound, err.Error())
			return
		}
		httperr.Write(w, http.StatusInternalServerError, httperr.TypeInternal, err.Error())
		return
	}
	for _, s := range f.Incidents() {
		if s.Name == name {
			httperr.WriteData(w, s)
			return
		}
	}
}
