// Package state is mlre's state database: the things that are not time
// series and must survive a restart (the notification queue, the
// notification log, alert groups). It is SQLite through the pure-Go
// modernc.org/sqlite driver, in WAL mode with synchronous=FULL, so a write
// that returned is on disk.
package state

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// FileName is the database's name inside the data directory.
const FileName = "state.db"

// migrations are applied in order; a database records how many it has had.
// Never edit one that has shipped: add another.
var migrations = []string{
	// 1: alerting — groups of alerts, their alerts, the notification log
	// (what each integration was last told, as Alertmanager's nflog), and the
	// outbox of notifications not yet delivered.
	`CREATE TABLE alert_groups (
		group_key    TEXT PRIMARY KEY,
		route_id     TEXT NOT NULL,
		receiver     TEXT NOT NULL,
		group_labels TEXT NOT NULL,
		first_seen   INTEGER NOT NULL,
		last_flush   INTEGER NOT NULL DEFAULT 0
	);
	CREATE TABLE group_alerts (
		group_key   TEXT NOT NULL,
		fingerprint TEXT NOT NULL,
		alert       TEXT NOT NULL,
		PRIMARY KEY (group_key, fingerprint)
	);
	CREATE TABLE notify_log (
		group_key   TEXT NOT NULL,
		receiver    TEXT NOT NULL,
		integration TEXT NOT NULL,
		sent_at     INTEGER NOT NULL,
		firing      TEXT NOT NULL,
		resolved    TEXT NOT NULL,
		PRIMARY KEY (group_key, receiver, integration)
	);
	CREATE TABLE outbox (
		id           INTEGER PRIMARY KEY AUTOINCREMENT,
		receiver     TEXT NOT NULL,
		integration  TEXT NOT NULL,
		group_key    TEXT NOT NULL,
		group_labels TEXT NOT NULL,
		reason       INTEGER NOT NULL,
		alerts       TEXT NOT NULL,
		created      INTEGER NOT NULL,
		attempts     INTEGER NOT NULL DEFAULT 0,
		next_attempt INTEGER NOT NULL,
		last_error   TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX outbox_due ON outbox (receiver, integration, next_attempt, id);`,
}

// Open opens (creating if needed) the state database in dir and brings its
// schema up to date.
func Open(ctx context.Context, dir string) (*sql.DB, error) {
	path := filepath.Join(dir, FileName)
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening state database %s: %w", path, err)
	}
	// One connection: SQLite serialises writers anyway, and this keeps every
	// transaction's view consistent without lock retries.
	db.SetMaxOpenConns(1)
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("state database %s: %w", path, err)
	}
	return db, nil
}

func migrate(ctx context.Context, db *sql.DB) error {
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("reading schema version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this mlre knows (%d); use a newer mlre", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	return nil
}
