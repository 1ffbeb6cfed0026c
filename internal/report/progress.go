package report

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Progress draws the progress of a long comparison on one terminal line:
// the bytes read of each file, then the columns compared (or, when files
// are read in passes, whichever of the two moved last). It redraws at most
// once per interval and clears the line when stopped. Its methods are safe
// for concurrent use.
type Progress struct {
	w        io.Writer
	interval time.Duration

	mu     sync.Mutex
	files  []*fileProgress
	passes int64 // how many times each file is read
	last   string

	done, total atomic.Int64
	// comparing is set by Columns and cleared by the files' callbacks:
	// the line shows what happened last, as files read in several passes
	// alternate between the two.
	comparing atomic.Bool
	stop      chan struct{}
	stopped   chan struct{}
}

type fileProgress struct {
	label string
	size  int64
	read  atomic.Int64
}

// NewProgress returns a Progress drawing to w.
func NewProgress(w io.Writer, interval time.Duration) *Progress {
	return &Progress{w: w, interval: interval, passes: 1}
}

// Passes says the files are read n times (ComparePasses), so that the
// percentages cover every pass. Call it before Start.
func (p *Progress) Passes(n int) {
	p.mu.Lock()
	p.passes = int64(max(1, n))
	p.mu.Unlock()
}

// File registers a file of size bytes (0 if unknown), shown as label, and
// returns the callback that counts its bytes read, for
// dataset.Options.Progress.
func (p *Progress) File(label string, size int64) func(n int64) {
	f := &fileProgress{label: label, size: size}
	p.mu.Lock()
	p.files = append(p.files, f)
	p.mu.Unlock()
	return func(n int64) {
		f.read.Add(n)
		if p.comparing.Load() {
			p.comparing.Store(false)
		}
	}
}

// Columns records the columns compared, for Options.Progress.
func (p *Progress) Columns(done, total int) {
	p.total.Store(int64(total))
	p.comparing.Store(true)
	for {
		old := p.done.Load()
		if int64(done) <= old || p.done.CompareAndSwap(old, int64(done)) {
			return
		}
	}
}

// Start draws now and then every interval until Stop.
func (p *Progress) Start() {
	p.stop, p.stopped = make(chan struct{}), make(chan struct{})
	p.draw()
	go func() {
		defer close(p.stopped)
		t := time.NewTicker(p.interval)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.draw()
			}
		}
	}()
}

// Stop draws the final state and clears the line.
func (p *Progress) Stop() {
	if p.stop == nil {
		return
	}
	close(p.stop)
	<-p.stopped
	p.stop = nil
	p.draw()
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, "\r\x1b[K")
}

func (p *Progress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	line := p.line()
	if line == p.last {
		return
	}
	p.last = line
	fmt.Fprint(p.w, "\r"+line+"\x1b[K")
}

// line is the current state, under 80 columns for two files.
func (p *Progress) line() string {
	if total := p.total.Load(); total > 0 && p.comparing.Load() {
		return fmt.Sprintf("mlre drift: comparing columns %d/%d", p.done.Load(), total)
	}
	parts := make([]string, 0, len(p.files))
	for _, f := range p.files {
		read := f.read.Load()
		if f.size > 0 {
			parts = append(parts, fmt.Sprintf("%s %3d%% of %s", f.label, min(100, read*100/(f.size*p.passes)), megabytes(f.size)))
		} else {
			parts = append(parts, fmt.Sprintf("%s %s", f.label, megabytes(read)))
		}
	}
	line := "mlre drift: reading " + strings.Join(parts, ", ")
	if p.passes > 1 {
		line += fmt.Sprintf(" (%d passes)", p.passes)
	}
	return line
}

func megabytes(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d kB", (n+1023)>>10)
	}
	return fmt.Sprintf("%.0f MB", float64(n)/(1<<20))
}
