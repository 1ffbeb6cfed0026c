//go:build !linux

package doctor

import (
	"errors"
	"time"
)

// ReadKmsg is Linux-only.
func ReadKmsg(string) ([]byte, time.Duration, error) {
	return nil, 0, errors.New("the kernel log is read on Linux only")
}
