package alerting

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/config/receiver"
	"github.com/prometheus/alertmanager/dispatch"
	"github.com/prometheus/alertmanager/notify"
	"github.com/prometheus/alertmanager/template"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/common/model"
)

// Backoff bounds for redelivery while a receiver is down.
const (
	minBackoff     = time.Second
	maxBackoff     = 5 * time.Minute
	deliverTimeout = 30 * time.Second
	tick           = 200 * time.Millisecond
)

// Dispatcher routes, groups, deduplicates and delivers alerts.
type Dispatcher struct {
	db     *sql.DB
	logger *slog.Logger
	now    func() time.Time

	mu           sync.Mutex
	cfg          *Config
	integrations map[string]notify.Integration // "receiver/name[idx]"
	workers      map[string]context.CancelFunc
	wake         map[string]chan struct{}
	ctx          context.Context
	wg           sync.WaitGroup

	sent, failed, retried *prometheus.CounterVec
	queued                prometheus.GaugeFunc
	latency               prometheus.Histogram
}

// NewDispatcher returns a dispatcher over the state database db. It does
// nothing until Run; ApplyConfig gives it routes and receivers.
func NewDispatcher(db *sql.DB, reg prometheus.Registerer, logger *slog.Logger) *Dispatcher {
	d := &Dispatcher{
		db: db, logger: logger, now: time.Now,
		integrations: map[string]notify.Integration{},
		workers:      map[string]context.CancelFunc{},
		wake:         map[string]chan struct{}{},
	}
	f := promauto.With(reg)
	d.sent = f.NewCounterVec(prometheus.CounterOpts{Name: "mlre_notifications_total", Help: "Notifications delivered, by receiver and integration."}, []string{"receiver", "integration"})
	d.failed = f.NewCounterVec(prometheus.CounterOpts{Name: "mlre_notifications_failed_total", Help: "Notifications dropped after an unrecoverable error (e.g. HTTP 400), by receiver and integration."}, []string{"receiver", "integration"})
	d.retried = f.NewCounterVec(prometheus.CounterOpts{Name: "mlre_notification_retries_total", Help: "Failed delivery attempts that will be retried, by receiver and integration."}, []string{"receiver", "integration"})
	d.latency = f.NewHistogram(prometheus.HistogramOpts{Name: "mlre_notification_delivery_seconds", Help: "Time from queueing a notification to its delivery.", Buckets: prometheus.ExponentialBuckets(0.01, 4, 10)})
	d.queued = f.NewGaugeFunc(prometheus.GaugeOpts{Name: "mlre_notification_queue_length", Help: "Notifications waiting for delivery."}, func() float64 {
		var n int
		_ = db.QueryRow("SELECT count(*) FROM outbox").Scan(&n)
		return float64(n)
	})
	return d
}

// ApplyConfig switches to cfg (nil: no built-in delivery). Queued
// notifications for receivers that still exist are kept.
func (d *Dispatcher) ApplyConfig(cfg *Config, externalURL *url.URL) error {
	integrations := map[string]notify.Integration{}
	if cfg != nil {
		tmpl, err := template.FromGlobs(cfg.AM.Templates)
		if err != nil {
			return fmt.Errorf("notifications: templates: %w", err)
		}
		tmpl.ExternalURL = externalURL
		for _, rc := range cfg.AM.Receivers {
			ints, err := receiver.BuildReceiverIntegrations(rc, tmpl, d.logger.With("receiver", rc.Name))
			if err != nil {
				return fmt.Errorf("notifications: receiver %s: %w", rc.Name, err)
			}
			for _, in := range ints {
				integrations[rc.Name+"/"+in.String()] = in
			}
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg = cfg
	d.integrations = integrations
	if d.ctx != nil {
		d.syncWorkers()
	}
	return nil
}

// Run starts the group scheduler and one delivery worker per integration,
// and returns when ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	d.mu.Lock()
	d.ctx = ctx
	d.syncWorkers()
	d.mu.Unlock()
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			d.wg.Wait()
			return
		case <-t.C:
			if err := d.flushDue(ctx); err != nil && ctx.Err() == nil {
				d.logger.Error("flushing alert groups", "err", err)
			}
		}
	}
}

// syncWorkers starts a worker for every integration that has none and stops
// the workers of integrations that are gone. d.mu is held.
func (d *Dispatcher) syncWorkers() {
	for k, cancel := range d.workers {
		if _, ok := d.integrations[k]; !ok {
			cancel()
			delete(d.workers, k)
		}
	}
	for k := range d.integrations {
		if _, ok := d.workers[k]; ok {
			continue
		}
		ctx, cancel := context.WithCancel(d.ctx)
		d.workers[k] = cancel
		if d.wake[k] == nil {
			d.wake[k] = make(chan struct{}, 1)
		}
		d.wg.Add(1)
		go func(k string, wake chan struct{}) {
			defer d.wg.Done()
			d.deliverLoop(ctx, k, wake)
		}(k, d.wake[k])
	}
}

// storedAlert is an alert as kept in group_alerts and the outbox.
type storedAlert struct {
	Labels       model.LabelSet `json:"labels"`
	Annotations  model.LabelSet `json:"annotations"`
	StartsAt     time.Time      `json:"startsAt"`
	EndsAt       time.Time      `json:"endsAt"`
	GeneratorURL string         `json:"generatorURL"`
}

// Ingest takes alerts from the rule manager (firing ones with EndsAt in the
// future, resolved ones with EndsAt when they resolved). It returns once the
// alerts are in the state database.
func (d *Dispatcher) Ingest(ctx context.Context, alerts []model.Alert) error {
	d.mu.Lock()
	cfg := d.cfg
	d.mu.Unlock()
	if cfg == nil || len(alerts) == 0 {
		return nil
	}
	now := d.now()
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, a := range alerts {
		fp := a.Labels.Fingerprint().String()
		for _, r := range cfg.Route.Match(a.Labels) {
			gl := groupLabels(r, a.Labels)
			key := r.Key() + ":" + gl.String()
			glb, _ := json.Marshal(gl)
			if _, err := tx.ExecContext(ctx, `INSERT INTO alert_groups (group_key, route_id, receiver, group_labels, first_seen)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (group_key) DO NOTHING`, key, r.ID(), r.RouteOpts.Receiver, string(glb), now.UnixMilli()); err != nil {
				return err
			}
			sa := storedAlert{Labels: a.Labels, Annotations: a.Annotations, StartsAt: a.StartsAt, EndsAt: a.EndsAt, GeneratorURL: a.GeneratorURL}
			// Keep the earliest start, as Alertmanager merges updates.
			var prev string
			err := tx.QueryRowContext(ctx, `SELECT alert FROM group_alerts WHERE group_key = ? AND fingerprint = ?`, key, fp).Scan(&prev)
			if err == nil {
				var old storedAlert
				if json.Unmarshal([]byte(prev), &old) == nil && old.StartsAt.Before(sa.StartsAt) && !old.resolvedAt(now) {
					sa.StartsAt = old.StartsAt
				}
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			b, _ := json.Marshal(sa)
			if _, err := tx.ExecContext(ctx, `INSERT INTO group_alerts (group_key, fingerprint, alert) VALUES (?, ?, ?)
				ON CONFLICT (group_key, fingerprint) DO UPDATE SET alert = excluded.alert`, key, fp, string(b)); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

func (a storedAlert) resolvedAt(now time.Time) bool {
	return !a.EndsAt.IsZero() && !a.EndsAt.After(now)
}

func groupLabels(r *dispatch.Route, ls model.LabelSet) model.LabelSet {
	out := model.LabelSet{}
	for ln, lv := range ls {
		if _, ok := r.RouteOpts.GroupBy[ln]; ok || r.RouteOpts.GroupByAll {
			out[ln] = lv
		}
	}
	return out
}

type groupRow struct {
	key, routeID, receiver string
	labels                 model.LabelSet
	firstSeen, lastFlush   time.Time
}

// flushDue flushes every group whose group_wait (first flush) or
// group_interval (later flushes) has passed.
func (d *Dispatcher) flushDue(ctx context.Context) error {
	d.mu.Lock()
	cfg := d.cfg
	d.mu.Unlock()
	if cfg == nil {
		return nil
	}
	routes := map[string]*dispatch.Route{}
	cfg.Route.Walk(func(r *dispatch.Route) { routes[r.ID()] = r })

	rows, err := d.db.QueryContext(ctx, `SELECT group_key, route_id, receiver, group_labels, first_seen, last_flush FROM alert_groups`)
	if err != nil {
		return err
	}
	var due []groupRow
	now := d.now()
	for rows.Next() {
		var g groupRow
		var gl string
		var first, last int64
		if err := rows.Scan(&g.key, &g.routeID, &g.receiver, &gl, &first, &last); err != nil {
			rows.Close()
			return err
		}
		_ = json.Unmarshal([]byte(gl), &g.labels)
		g.firstSeen, g.lastFlush = time.UnixMilli(first), time.UnixMilli(last)
		opts := dispatch.DefaultRouteOpts
		if r, ok := routes[g.routeID]; ok {
			opts = r.RouteOpts
		}
		if (last == 0 && !now.Before(g.firstSeen.Add(opts.GroupWait))) || (last != 0 && !now.Before(g.lastFlush.Add(opts.GroupInterval))) {
			due = append(due, g)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, g := range due {
		opts := dispatch.DefaultRouteOpts
		if r, ok := routes[g.routeID]; ok {
			opts = r.RouteOpts
		}
		if err := d.flush(ctx, g, opts, now); err != nil {
			return fmt.Errorf("group %s: %w", g.key, err)
		}
	}
	return nil
}

// flush decides, per integration of the group's receiver, whether the
// receiver must hear about the group (Alertmanager's dedup rules), queues
// the notification, records it in the notification log and forgets resolved
// alerts — all in one transaction.
func (d *Dispatcher) flush(ctx context.Context, g groupRow, opts dispatch.RouteOpts, now time.Time) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT fingerprint, alert FROM group_alerts WHERE group_key = ?`, g.key)
	if err != nil {
		return err
	}
	var firing, resolved []storedAlert
	firingFP, resolvedFP := map[string]bool{}, map[string]bool{}
	for rows.Next() {
		var fp, js string
		if err := rows.Scan(&fp, &js); err != nil {
			rows.Close()
			return err
		}
		var a storedAlert
		if err := json.Unmarshal([]byte(js), &a); err != nil {
			continue
		}
		if a.resolvedAt(now) {
			resolved = append(resolved, a)
			resolvedFP[fp] = true
		} else {
			firing = append(firing, a)
			firingFP[fp] = true
		}
	}
	rows.Close()

	d.mu.Lock()
	var ints []string
	for k := range d.integrations {
		if len(k) > len(g.receiver) && k[:len(g.receiver)+1] == g.receiver+"/" {
			ints = append(ints, k)
		}
	}
	integrations := d.integrations
	d.mu.Unlock()
	sort.Strings(ints)
	if len(ints) == 0 && (len(firing) > 0 || len(resolved) > 0) {
		d.logger.Warn("alert group routes to a receiver that is not configured", "receiver", g.receiver, "group", g.key)
	}
	var queued []string
	for _, k := range ints {
		in := integrations[k]
		name := in.String()
		var entry *logEntry
		var sentAt int64
		var fj, rj string
		err := tx.QueryRowContext(ctx, `SELECT sent_at, firing, resolved FROM notify_log WHERE group_key = ? AND receiver = ? AND integration = ?`, g.key, g.receiver, name).Scan(&sentAt, &fj, &rj)
		switch {
		case err == nil:
			entry = &logEntry{sentAt: time.UnixMilli(sentAt), firing: map[string]bool{}, resolved: map[string]bool{}}
			_ = json.Unmarshal([]byte(fj), &entry.firing)
			_ = json.Unmarshal([]byte(rj), &entry.resolved)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		reason := needsUpdate(entry, firingFP, resolvedFP, in.SendResolved(), opts.RepeatInterval, now)
		if reason == notify.ReasonDoNotNotify {
			continue
		}
		send := firing
		if in.SendResolved() {
			send = append(append([]storedAlert{}, firing...), resolved...)
		}
		if len(send) > 0 {
			ab, _ := json.Marshal(send)
			glb, _ := json.Marshal(g.labels)
			if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (receiver, integration, group_key, group_labels, reason, alerts, created, next_attempt)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, g.receiver, name, g.key, string(glb), int(reason), string(ab), now.UnixMilli(), now.UnixMilli()); err != nil {
				return err
			}
			queued = append(queued, k)
		}
		fb, _ := json.Marshal(firingFP)
		rb, _ := json.Marshal(resolvedFP)
		if _, err := tx.ExecContext(ctx, `INSERT INTO notify_log (group_key, receiver, integration, sent_at, firing, resolved) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (group_key, receiver, integration) DO UPDATE SET sent_at = excluded.sent_at, firing = excluded.firing, resolved = excluded.resolved`,
			g.key, g.receiver, name, now.UnixMilli(), string(fb), string(rb)); err != nil {
			return err
		}
	}
	// Resolved alerts have been told (or needed not be); forget them.
	for fp := range resolvedFP {
		if _, err := tx.ExecContext(ctx, `DELETE FROM group_alerts WHERE group_key = ? AND fingerprint = ?`, g.key, fp); err != nil {
			return err
		}
	}
	if len(firing) == 0 {
		for _, q := range []string{`DELETE FROM alert_groups WHERE group_key = ?`, `DELETE FROM notify_log WHERE group_key = ?`} {
			if _, err := tx.ExecContext(ctx, q, g.key); err != nil {
				return err
			}
		}
	} else if _, err := tx.ExecContext(ctx, `UPDATE alert_groups SET last_flush = ? WHERE group_key = ?`, now.UnixMilli(), g.key); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	d.mu.Lock()
	for _, k := range queued {
		select {
		case d.wake[k] <- struct{}{}:
		default:
		}
	}
	d.mu.Unlock()
	return nil
}

type logEntry struct {
	sentAt           time.Time
	firing, resolved map[string]bool
}

// needsUpdate is Alertmanager's DedupStage.needsUpdate over fingerprint sets.
func needsUpdate(e *logEntry, firing, resolved map[string]bool, sendResolved bool, repeat time.Duration, now time.Time) notify.NotifyReason {
	if e == nil {
		if len(firing) > 0 {
			return notify.ReasonFirstNotification
		}
		return notify.ReasonDoNotNotify
	}
	if !subset(firing, e.firing) {
		if len(e.firing) == 0 {
			return notify.ReasonFirstNotification
		}
		return notify.ReasonNewAlertsInGroup
	}
	if len(firing) == 0 {
		if len(e.firing) > 0 {
			return notify.ReasonAllAlertsResolved
		}
		return notify.ReasonDoNotNotify
	}
	if sendResolved && !subset(resolved, e.resolved) {
		return notify.ReasonNewResolvedAlerts
	}
	if e.sentAt.Before(now.Add(-repeat)) {
		return notify.ReasonRepeatIntervalElapsed
	}
	return notify.ReasonDoNotNotify
}

func subset(a, b map[string]bool) bool {
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// deliverLoop delivers the outbox rows of one integration, oldest first,
// retrying with exponential backoff while the receiver fails.
func (d *Dispatcher) deliverLoop(ctx context.Context, key string, wake chan struct{}) {
	d.mu.Lock()
	in := d.integrations[key]
	d.mu.Unlock()
	receiverName := key[:len(key)-len(in.String())-1]
	for ctx.Err() == nil {
		wait, err := d.deliverNext(ctx, receiverName, in)
		if err != nil && ctx.Err() == nil {
			d.logger.Error("notification queue", "receiver", receiverName, "integration", in.String(), "err", err)
			wait = time.Second
		}
		if wait == 0 {
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// deliverNext tries the oldest due notification. It returns how long to wait
// before trying again: 0 to go on at once, or until the next row is due.
func (d *Dispatcher) deliverNext(ctx context.Context, receiverName string, in notify.Integration) (time.Duration, error) {
	name := in.String()
	var (
		id                       int64
		groupKey, gl, alertsJSON string
		reason, attempts         int
		created, nextAttempt     int64
	)
	err := d.db.QueryRowContext(ctx, `SELECT id, group_key, group_labels, reason, alerts, created, attempts, next_attempt FROM outbox
		WHERE receiver = ? AND integration = ? ORDER BY id LIMIT 1`, receiverName, name).
		Scan(&id, &groupKey, &gl, &reason, &alertsJSON, &created, &attempts, &nextAttempt)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Minute, nil
	}
	if err != nil {
		return 0, err
	}
	now := d.now()
	if due := time.UnixMilli(nextAttempt); now.Before(due) {
		return due.Sub(now), nil
	}
	var stored []storedAlert
	if err := json.Unmarshal([]byte(alertsJSON), &stored); err != nil {
		return 0, err
	}
	var labels model.LabelSet
	_ = json.Unmarshal([]byte(gl), &labels)
	queuedAt := time.UnixMilli(created)
	alerts := make([]*alert.Alert, 0, len(stored))
	var firingHashes, resolvedHashes []uint64
	for _, s := range stored {
		m := model.Alert{Labels: s.Labels, Annotations: s.Annotations, StartsAt: s.StartsAt, EndsAt: s.EndsAt, GeneratorURL: s.GeneratorURL}
		if !s.resolvedAt(queuedAt) {
			// Firing when queued: it must read as firing however late
			// the delivery, so it carries no end time.
			m.EndsAt = time.Time{}
			firingHashes = append(firingHashes, uint64(m.Labels.Fingerprint()))
		} else {
			resolvedHashes = append(resolvedHashes, uint64(m.Labels.Fingerprint()))
		}
		alerts = append(alerts, alert.New(m, queuedAt, false))
	}
	nctx, cancel := context.WithTimeout(ctx, deliverTimeout)
	defer cancel()
	nctx = notify.WithReceiverName(nctx, receiverName)
	nctx = notify.WithGroupKey(nctx, groupKey)
	nctx = notify.WithGroupLabels(nctx, labels)
	nctx = notify.WithNow(nctx, queuedAt)
	nctx = notify.WithNotificationReason(nctx, notify.NotifyReason(reason))
	nctx = notify.WithFiringAlerts(nctx, firingHashes)
	nctx = notify.WithResolvedAlerts(nctx, resolvedHashes)
	nctx = notify.WithRepeatInterval(nctx, dispatch.DefaultRouteOpts.RepeatInterval)
	v := in.Notify(nctx, alerts...)
	switch {
	case v.Err() == nil:
		d.sent.WithLabelValues(receiverName, in.Name()).Inc()
		d.latency.Observe(d.now().Sub(queuedAt).Seconds())
		_, err := d.db.ExecContext(ctx, `DELETE FROM outbox WHERE id = ?`, id)
		return 0, err
	case v.ShouldRetry() || ctx.Err() != nil:
		if ctx.Err() != nil {
			return 0, nil // shutting down; the row stays for the next start
		}
		attempts++
		backoff := min(minBackoff<<min(attempts-1, 20), maxBackoff)
		if v.Delay() > backoff {
			backoff = v.Delay()
		}
		d.retried.WithLabelValues(receiverName, in.Name()).Inc()
		d.logger.Warn("notification failed; will retry", "receiver", receiverName, "integration", name, "attempt", attempts, "retry_in", backoff, "err", v.Err())
		_, err := d.db.ExecContext(ctx, `UPDATE outbox SET attempts = ?, next_attempt = ?, last_error = ? WHERE id = ?`,
			attempts, d.now().Add(backoff).UnixMilli(), v.Err().Error(), id)
		return backoff, err
	default:
		d.failed.WithLabelValues(receiverName, in.Name()).Inc()
		d.logger.Error("notification dropped: the receiver refused it and retrying cannot help", "receiver", receiverName, "integration", name, "err", v.Err())
		_, err := d.db.ExecContext(ctx, `DELETE FROM outbox WHERE id = ?`, id)
		return 0, err
	}
}
