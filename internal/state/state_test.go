package state

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOpenMigratesAndReopens(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := Open(ctx, dir)
	require.NoError(t, err)
	var v int
	require.NoError(t, db.QueryRow("PRAGMA user_version").Scan(&v))
	require.Equal(t, len(migrations), v)
	var mode string
	require.NoError(t, db.QueryRow("PRAGMA journal_mode").Scan(&mode))
	require.Equal(t, "wal", mode)
	_, err = db.Exec(`INSERT INTO outbox (receiver, integration, group_key, group_labels, reason, alerts, created, next_attempt) VALUES ('r','webhook[0]','g','{}',1,'[]',1,1)`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	// Reopening applies nothing twice and keeps the rows.
	db, err = Open(ctx, dir)
	require.NoError(t, err)
	defer db.Close()
	var n int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM outbox").Scan(&n))
	require.Equal(t, 1, n)
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(context.Background(), dir)
	require.NoError(t, err)
	_, err = db.Exec("PRAGMA user_version = 999")
	require.NoError(t, err)
	require.NoError(t, db.Close())
	_, err = Open(context.Background(), dir)
	require.ErrorContains(t, err, "schema version 999 is newer than this mlre knows")
}
