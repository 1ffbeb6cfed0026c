// Package httperr writes errors in the Prometheus HTTP API's JSON shape:
// {"status":"error","errorType":"bad_data","error":"..."}.
package httperr

import (
	"encoding/json"
	"net/http"
)

// Error types, as the Prometheus HTTP API names them, plus mlre's auth ones.
const (
	TypeBadData      = "bad_data"
	TypeUnauthorized = "unauthorized"
	TypeForbidden    = "forbidden"
	TypeTooLarge     = "too_large"
	TypeInternal     = "internal"
	TypeUnavailable  = "unavailable"
	TypeNotFound     = "not_found"
	TypeExecution    = "execution"
)

// Body is the JSON body of an error response.
type Body struct {
	Status    string `json:"status"`
	ErrorType string `json:"errorType"`
	Error     string `json:"error"`
}

// Write writes an error response with the given status code.
func Write(w http.ResponseWriter, code int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Del("Content-Length")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(Body{Status: "error", ErrorType: typ, Error: msg})
}

// TypeFor picks an error type for a status code.
func TypeFor(code int) string {
	switch {
	case code == http.StatusUnauthorized:
		return TypeUnauthorized
	case code == http.StatusForbidden:
		return TypeForbidden
	case code == http.StatusRequestEntityTooLarge:
		return TypeTooLarge
	case code == http.StatusServiceUnavailable:
		return TypeUnavailable
	case code >= 500:
		return TypeInternal
	default:
		return TypeBadData
	}
}

// WriteData writes a success response: {"status":"success","data":...}.
// A value JSON cannot hold (NaN, ±Inf) gives a 500 naming the problem
// rather than a truncated body.
func WriteData(w http.ResponseWriter, data any) {
	b, err := json.Marshal(struct {
		Status string `json:"status"`
		Data   any    `json:"data"`
	}{"success", data})
	if err != nil {
		Write(w, http.StatusInternalServerError, TypeInternal, "encoding the response: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(b, '\n'))
}
