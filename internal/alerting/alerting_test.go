package alerting

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/mlre-dev/mlre/internal/state"
)

// receiver is a webhook endpoint that records what it gets and can be "down".
type testReceiver struct {
	srv  *httptest.Server
	down atomic.Bool
	mu   sync.Mutex
	msgs []webhookMsg
	hits atomic.Int64
}

type webhookMsg struct {
	Version      string            `json:"version"`
	GroupKey     string            `json:"groupKey"`
	Status       string            `json:"status"`
	Receiver     string            `json:"receiver"`
	GroupLabels  map[string]string `json:"groupLabels"`
	CommonLabels map[string]string `json:"commonLabels"`
	ExternalURL  string            `json:"externalURL"`
	Alerts       []struct {
		Status      string            `json:"status"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
		Fingerprint string            `json:"fingerprint"`
	} `json:"alerts"`
	// Slack
	Channel     string `json:"channel"`
	Attachments []struct {
		Title string `json:"title"`
		Text  string `json:"text"`
		Color string `json:"color"`
	} `json:"attachments"`
}

func newReceiver(t *testing.T) *testReceiver {
	r := &testReceiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		if r.down.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		b, _ := io.ReadAll(req.Body)
		var m webhookMsg
		if err := json.Unmarshal(b, &m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.msgs = append(r.msgs, m)
		r.mu.Unlock()
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *testReceiver) messages() []webhookMsg {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]webhookMsg(nil), r.msgs...)
}

func (r *testReceiver) waitN(t *testing.T, n int) []webhookMsg {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := r.messages(); len(m) >= n {
			return m
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("receiver got %d notifications, want %d: %+v", len(r.messages()), n, r.messages())
	return nil
}

type harness struct {
	d      *Dispatcher
	cancel context.CancelFunc
	done   chan struct{}
	reg    *prometheus.Registry
}

// start runs a dispatcher over the state database in dir with the given
// notifications config.
func start(t *testing.T, dir, cfgText string) *harness {
	t.Helper()
	db, err := state.Open(context.Background(), dir)
	require.NoError(t, err)
	cfg, err := ParseConfig(cfgText)
	require.NoError(t, err)
	reg := prometheus.NewRegistry()
	d := NewDispatcher(db, reg, slog.New(slog.DiscardHandler))
	u, _ := url.Parse("http://mlre.example:9800")
	require.NoError(t, d.ApplyConfig(cfg, u))
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{d: d, cancel: cancel, done: make(chan struct{}), reg: reg}
	go func() { d.Run(ctx); close(h.done) }()
	t.Cleanup(func() { h.stop(); db.Close() })
	return h
}

func (h *harness) stop() {
	h.cancel()
	<-h.done
}

func firing(name string, extra ...string) model.Alert {
	ls := model.LabelSet{"alertname": model.LabelValue(name)}
	for i := 0; i+1 < len(extra); i += 2 {
		ls[model.LabelName(extra[i])] = model.LabelValue(extra[i+1])
	}
	return model.Alert{Labels: ls, Annotations: model.LabelSet{"summary": "it broke"}, StartsAt: time.Now().Add(-time.Minute), EndsAt: time.Now().Add(4 * time.Minute)}
}

func resolved(a model.Alert) model.Alert {
	a.EndsAt = time.Now().Add(-time.Second)
	return a
}

func TestWebhookFiringThenResolved(t *testing.T) {
	rcv := newReceiver(t)
	h := start(t, t.TempDir(), fmt.Sprintf(`
route:
  receiver: hook
  group_by: [alertname, slo]
  group_wait: 0s
  group_interval: 300ms
receivers:
  - name: hook
    webhook_configs:
      - url: %s
        send_resolved: true
`, rcv.srv.URL))
	a := firing("APIHighErrorRate", "slo", "availability", "severity", "page")
	require.NoError(t, h.d.Ingest(context.Background(), []model.Alert{a}))
	m := rcv.waitN(t, 1)[0]
	require.Equal(t, "4", m.Version)
	require.Equal(t, "firing", m.Status)
	require.Equal(t, "hook", m.Receiver)
	require.Equal(t, map[string]string{"alertname": "APIHighErrorRate", "slo": "availability"}, m.GroupLabels)
	require.Equal(t, "http://mlre.example:9800", m.ExternalURL)
	require.Len(t, m.Alerts, 1)
	require.Equal(t, "firing", m.Alerts[0].Status)
	require.Equal(t, "page", m.Alerts[0].Labels["severity"])
	require.Equal(t, "it broke", m.Alerts[0].Annotations["summary"])
	require.Equal(t, `{}:{alertname="APIHighErrorRate", slo="availability"}`, m.GroupKey, "the group key Alertmanager would send")

	// The same alert again (the rule manager resends every minute) is not news.
	require.NoError(t, h.d.Ingest(context.Background(), []model.Alert{a}))
	time.Sleep(time.Second)
	require.Len(t, rcv.messages(), 1)

	require.NoError(t, h.d.Ingest(context.Background(), []model.Alert{resolved(a)}))
	m = rcv.waitN(t, 2)[1]
	require.Equal(t, "resolved", m.Status)
	require.Equal(t, "resolved", m.Alerts[0].Status)
	require.Equal(t, 2.0, testutil.ToFloat64(h.d.sent.WithLabelValues("hook", "webhook")))
}

func TestRoutingGroupingAndRepeat(t *testing.T) {
	pager, tickets := newReceiver(t), newReceiver(t)
	h := start(t, t.TempDir(), fmt.Sprintf(`
route:
  receiver: tickets
  group_by: [service]
  group_wait: 200ms
  group_interval: 200ms
  repeat_interval: 1h
  routes:
    - matchers: ['severity="page"']
      receiver: pager
      repeat_interval: 1s
receivers:
  - name: pager
    webhook_configs: [{url: %s}]
  - name: tickets
    webhook_configs: [{url: %s}]
`, pager.srv.URL, tickets.srv.URL))
	require.NoError(t, h.d.Ingest(context.Background(), []model.Alert{
		firing("Burn", "service", "api", "slo", "a", "severity", "page"),
		firing("Burn", "service", "api", "slo", "b", "severity", "page"),
		firing("Burn", "service", "api", "slo", "a", "severity", "ticket"),
	}))
	// Both pages arrive together, in one group (group_by service).
	p := pager.waitN(t, 1)[0]
	require.Len(t, p.Alerts, 2)
	require.Equal(t, map[string]string{"service": "api"}, p.GroupLabels)
	require.Equal(t, map[string]string{"alertname": "Burn", "service": "api", "severity": "page"}, p.CommonLabels)
	tk := tickets.waitN(t, 1)[0]
	require.Len(t, tk.Alerts, 1)
	require.Equal(t, "ticket", tk.Alerts[0].Labels["severity"])
	// The page route repeats every second while it fires; tickets do not.
	pager.waitN(t, 3)
	require.Len(t, tickets.messages(), 1)
}

func TestSlack(t *testing.T) {
	slack := newReceiver(t)
	h := start(t, t.TempDir(), fmt.Sprintf(`
route:
  receiver: slack
  group_wait: 0s
receivers:
  - name: slack
    slack_configs:
      - api_url: %s
        channel: '#ml-alerts'
        title: '{{ .CommonLabels.alertname }} ({{ .Status }})'
        text: '{{ range .Alerts }}{{ .Annotations.summary }}{{ end }}'
`, slack.srv.URL))
	require.NoError(t, h.d.Ingest(context.Background(), []model.Alert{firing("FeaturesStale")}))
	m := slack.waitN(t, 1)[0]
	require.Equal(t, "#ml-alerts", m.Channel)
	require.Len(t, m.Attachments, 1)
	require.Equal(t, "FeaturesStale (firing)", m.Attachments[0].Title)
	require.Equal(t, "it broke", m.Attachments[0].Text)
	require.Equal(t, "danger", m.Attachments[0].Color)
}

// TestReceiverOutageLosesNothing: while the receiver is down, notifications
// wait in the state database; a restart of mlre in between loses nothing;
// once the receiver is back, every notification arrives, in order.
func TestReceiverOutageLosesNothing(t *testing.T) {
	rcv := newReceiver(t)
	rcv.down.Store(true)
	dir := t.TempDir()
	cfg := fmt.Sprintf(`
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 0s
  group_interval: 200ms
receivers:
  - name: hook
    webhook_configs: [{url: %s, send_resolved: true}]
`, rcv.srv.URL)
	h := start(t, dir, cfg)
	a := firing("ModelDrift")
	require.NoError(t, h.d.Ingest(context.Background(), []model.Alert{a}))
	for rcv.hits.Load() < 2 { // failed at least twice: it is retrying
		time.Sleep(50 * time.Millisecond)
	}
	require.NoError(t, h.d.Ingest(context.Background(), []model.Alert{resolved(a)}))
	time.Sleep(500 * time.Millisecond) // the resolved notification is queued too
	require.Greater(t, testutil.ToFloat64(h.d.retried.WithLabelValues("hook", "webhook")), 0.0)
	h.stop()

	var queued int
	db, err := state.Open(context.Background(), dir)
	require.NoError(t, err)
	require.NoError(t, db.QueryRow("SELECT count(*) FROM outbox").Scan(&queued))
	require.NoError(t, db.Close())
	require.Equal(t, 2, queued, "firing and resolved wait in the outbox across the restart")

	rcv.down.Store(false)
	start(t, dir, cfg)
	msgs := rcv.waitN(t, 2)
	require.Equal(t, "firing", msgs[0].Status)
	require.Equal(t, "resolved", msgs[1].Status)
	time.Sleep(500 * time.Millisecond)
	require.Len(t, rcv.messages(), 2, "each notification is delivered once")
}

func TestUnsupportedConfig(t *testing.T) {
	_, err := ParseConfig("route: {receiver: a}\nreceivers: [{name: a}]\ninhibit_rules: [{source_matchers: ['a=b'], target_matchers: ['c=d']}]\n")
	require.ErrorContains(t, err, "inhibit_rules: not supported by mlre's built-in delivery")
	_, err = ParseConfig("route: {receiver: nope}\nreceivers: [{name: a}]\n")
	require.ErrorContains(t, err, `undefined receiver "nope"`)
}
