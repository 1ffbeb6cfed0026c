package report

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe for the drawing goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestProgress(t *testing.T) {
	var out syncBuffer
	p := NewProgress(&out, time.Hour) // no redraws but the first and the last
	ref := p.File("reference", 4<<20)
	cur := p.File("current", 0)
	p.Start()
	require.Equal(t, "\rmlre drift: reading reference   0% of 4 MB, current 0 kB\x1b[K", out.String())
	ref(3 << 20)
	cur(1500)
	require.Equal(t, "mlre drift: reading reference  75% of 4 MB, current 2 kB", p.line())

	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { p.Columns(i+1, 50) })
	}
	wg.Wait()
	p.Columns(3, 50) // late callers never move it back
	require.Equal(t, "mlre drift: comparing columns 50/50", p.line())
	ref(1 << 20) // a second pass over the files: reading shows again
	require.Equal(t, "mlre drift: reading reference 100% of 4 MB, current 2 kB", p.line())
	p.Columns(50, 50)
	p.Stop()
	p.Stop() // idempotent
	got := out.String()
	require.True(t, strings.HasSuffix(got, "\rmlre drift: comparing columns 50/50\x1b[K\r\x1b[K"), "%q", got)
	require.Equal(t, 2, strings.Count(got, "mlre drift:"), "drawn at start and at the end only")
}

func TestProgressRedraws(t *testing.T) {
	var out syncBuffer
	p := NewProgress(&out, 5*time.Millisecond)
	p.Start()
	p.Columns(1, 2)
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "columns 1/2") }, time.Second, time.Millisecond)
	time.Sleep(30 * time.Millisecond)
	require.Equal(t, 1, strings.Count(out.String(), "columns 1/2"), "an unchanged line is not redrawn")
	p.Stop()
}

func TestProgressPasses(t *testing.T) {
	p := NewProgress(&syncBuffer{}, time.Hour)
	ref := p.File("reference", 800<<20)
	cur := p.File("current", 790<<20)
	p.Passes(2)
	ref(800 << 20)
	cur(395 << 20)
	require.Equal(t, "mlre drift: reading reference  50% of 800 MB, current  25% of 790 MB (2 passes)", p.line())
	require.Less(t, len(p.line()), 80)
}
