package doctor

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ReadKmsg returns the kernel log's records from /dev/kmsg (or another
// file) without waiting for new ones, and the uptime to date them by.
// Reading /dev/kmsg takes root (or CAP_SYSLOG where dmesg is restricted).
func ReadKmsg(path string) ([]byte, time.Duration, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, 0, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	var out bytes.Buffer
	buf := make([]byte, 16<<10)
	for out.Len() < 64<<20 {
		n, err := syscall.Read(fd, buf)
		switch {
		case errors.Is(err, syscall.EAGAIN):
			return out.Bytes(), uptime(), nil
		case errors.Is(err, syscall.EPIPE):
			continue // a record was overwritten while we read; go on
		case errors.Is(err, syscall.EINTR):
			continue
		case err != nil:
			return out.Bytes(), uptime(), &os.PathError{Op: "read", Path: path, Err: err}
		case n == 0:
			return out.Bytes(), uptime(), nil // a regular file ends
		}
		out.Write(buf[:n])
		if buf[n-1] != '\n' {
			out.WriteByte('\n')
		}
	}
	return out.Bytes(), uptime(), nil
}

func uptime() time.Duration {
	b, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	s, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}
