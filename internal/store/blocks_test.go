package store

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMaxBlockDuration(t *testing.T) {
	ms := func(d time.Duration) int64 { return int64(d / time.Millisecond) }
	day := 24 * time.Hour
	for _, tc := range []struct {
		retention, want time.Duration
	}{
		{15 * day, 36 * time.Hour},     // the default retention: a tenth
		{365 * day, 31 * day},          // capped at 31 days
		{0, 31 * day},                  // size-based retention only
		{6 * time.Hour, 2 * time.Hour}, // never below the 2h head blocks
		{30 * day, 3 * day},
	} {
		require.Equal(t, ms(tc.want), maxBlockDuration(ms(tc.retention), ms(2*time.Hour)), "retention %s", tc.retention)
	}
}
