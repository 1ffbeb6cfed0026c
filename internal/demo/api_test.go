package demo

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/common/route"
	"github.com/stretchr/testify/require"
)

func TestIncidentsAPI(t *testing.T) {
	f, err := New(Options{Dir: t.TempDir(), Schedule: Schedule{Order: []string{StalePipeline, ErrorBurst}}})
	require.NoError(t, err)
	t.Cleanup(f.Stop)
	// The fleet posts to nowhere: only the schedule matters here.
	require.NoError(t, f.Start(context.Background(), "127.0.0.1:1"))
	r := route.New()
	f.Register(r)

	for _, tc := range []struct {
		method, path string
		code         int
		errType      string
	}{
		{http.MethodGet, "/demo/incidents", http.StatusOK, ""},
		{http.MethodPost, "/demo/incidents/" + ErrorBurst, http.StatusOK, ""},
		{http.MethodPost, "/demo/incidents/nope", http.StatusNotFound, "not_found"},
	} {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		require.Equal(t, tc.code, rec.Code, "%s %s: %s", tc.method, tc.path, rec.Body)
		var env struct {
			ErrorType string `json:"errorType"`
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &env))
		require.Equal(t, tc.errType, env.ErrorType)
	}

	byName := map[string]IncidentStatus{}
	for _, s := range f.Incidents() {
		byName[s.Name] = s
	}
	require.True(t, byName[ErrorBurst].Active)
	require.NotNil(t, byName[ErrorBurst].Ends)
	require.Equal(t, "3m", byName[ErrorBurst].Duration)
	require.False(t, byName[StalePipeline].Active)
	// The schedule starts stale-pipeline first, a minute after Start.
	require.NotNil(t, byName[StalePipeline].NextStart)
	require.NotNil(t, byName[ErrorBurst].NextStart)
	require.True(t, byName[StalePipeline].NextStart.Before(*byName[ErrorBurst].NextStart))
	require.Nil(t, byName[FeatureDrift].NextStart, "not in the schedule's order")

	_, err = New(Options{Dir: t.TempDir(), Schedule: Schedule{Order: []string{"nope"}}})
	require.ErrorIs(t, err, ErrUnknownIncident)
}
