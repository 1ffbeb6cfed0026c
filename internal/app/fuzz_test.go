package app

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/prometheus/prompb"
)

// FuzzRemoteWrite sends arbitrary bodies, raw and snappy-framed, to the
// remote_write receiver through the full handler stack. Every answer must be
// a 2xx or a 4xx with a JSON error — never a 5xx, a panic or a hang — and the
// server must keep answering queries.
func FuzzRemoteWrite(f *testing.F) {
	now := time.Now()
	valid := &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{
		Labels:  []prompb.Label{{Name: "__name__", Value: "fuzz_metric"}, {Name: "a", Value: "b"}},
		Samples: []prompb.Sample{{Timestamp: now.UnixMilli(), Value: 1}},
	}}}
	vb, err := valid.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(vb, true)
	f.Add(vb, false)
	f.Add([]byte{}, true)
	f.Add([]byte("\x0a\x05\x0a\x03\x0a\x01"), true)
	noName := &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{Labels: []prompb.Label{{Name: "", Value: "x"}}, Samples: []prompb.Sample{{Timestamp: 1, Value: 2}}}}}
	nb, _ := noName.Marshal()
	f.Add(nb, true)

	a, err := New(Options{Listen: "127.0.0.1:0", DataDir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	a.ready.Store(true)
	f.Cleanup(func() { _ = a.Stop() })
	h := a.Handler()

	f.Fuzz(func(t *testing.T, payload []byte, frame bool) {
		body := payload
		if frame {
			body = snappyEncode(payload)
		}
		req := httptest.NewRequest(http.MethodPost, "/api/v1/write", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-protobuf")
		req.Header.Set("Content-Encoding", "snappy")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch {
		case rec.Code >= 200 && rec.Code < 300:
		case rec.Code >= 400 && rec.Code < 500:
			var e struct {
				Status, Error string
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Status != "error" || e.Error == "" {
				t.Fatalf("%d without a JSON error: %q", rec.Code, rec.Body.String())
			}
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
		q := httptest.NewRecorder()
		h.ServeHTTP(q, httptest.NewRequest(http.MethodGet, "/api/v1/query?query=count(fuzz_metric)", nil))
		if q.Code != http.StatusOK {
			t.Fatalf("query after write: %d %s", q.Code, q.Body.String())
		}
	})
}
