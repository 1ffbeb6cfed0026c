// Package store opens mlre's embedded Prometheus TSDB with the options the
// config asks for, and adapts it to what Prometheus's HTTP API expects.
package store

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	promconfig "github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/util/compression"
)

// DB is the embedded TSDB. It writes every appended sample to its write-ahead
// log before Commit returns, so acknowledged data survives a crash.
type DB struct {
	*tsdb.DB
	stats *tsdb.DBStats
}

// Open opens (or creates) the TSDB in dir, replaying its WAL. Exemplar
// storage is on when exemplars is true.
func Open(dir string, pc *promconfig.Config, exemplars bool, logger *slog.Logger, reg prometheus.Registerer) (*DB, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("creating storage directory %s (storage.path or --storage.path): %w", dir, err)
	}
	opts := tsdb.DefaultOptions()
	opts.WALCompression = compression.Snappy
	opts.EnableExemplarStorage = exemplars
	if tc := pc.StorageConfig.TSDBConfig; tc != nil {
		opts.OutOfOrderTimeWindow = tc.OutOfOrderTimeWindow
		if r := tc.Retention; r != nil {
			opts.RetentionDuration = int64(time.Duration(r.Time) / time.Millisecond)
			opts.MaxBytes = int64(r.Size)
			opts.MaxPercentage = r.Percentage
		}
	}
	opts.MaxBlockDuration = maxBlockDuration(opts.RetentionDuration, opts.MinBlockDuration)
	if ec := pc.StorageConfig.ExemplarsConfig; ec != nil {
		opts.MaxExemplars = ec.MaxExemplars
	}
	stats := tsdb.NewDBStats()
	db, err := tsdb.Open(dir, logger, reg, opts, stats)
	if err != nil {
		return nil, fmt.Errorf("opening TSDB in %s: %w", dir, err)
	}
	return &DB{DB: db, stats: stats}, nil
}

// maxBlockDuration is how long compaction lets a block grow, as Prometheus
// sets it (cmd/prometheus): a tenth of the retention time, at most 31 days.
// tsdb.DefaultOptions alone keeps every block at 2 hours, so 30 days of
// data would stay in about 360 blocks instead of about 20. Durations are in
// milliseconds.
func maxBlockDuration(retention, minBlock int64) int64 {
	limit := int64(31 * 24 * time.Hour / time.Millisecond)
	if retention != 0 && retention/10 < limit {
		limit = retention / 10
	}
	return max(limit, minBlock)
}

// Stats returns head statistics for /api/v1/status/tsdb.
func (d *DB) Stats(statsByLabelName string, limit int) (*tsdb.Stats, error) {
	return d.Head().Stats(statsByLabelName, limit), nil
}

// WALReplayStatus reports WAL replay progress for /api/v1/status/walreplay.
func (d *DB) WALReplayStatus() (tsdb.WALReplayStatus, error) {
	return d.stats.Head.WALReplayStatus.GetWALReplayStatus(), nil
}

// BlockMetas lists the persisted blocks for /api/v1/status/tsdb/blocks.
func (d *DB) BlockMetas() ([]tsdb.BlockMeta, error) { return d.DB.BlockMetas(), nil }
