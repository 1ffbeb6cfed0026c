// Command ingestbench streams model predictions at mlre's ingest API
// (POST /api/v1/models/<model>/predictions, NDJSON) as fast as the server
// accepts them, for a bounded time, and prints a flat JSON report: rows sent
// and accepted, duplicates, errors, rows/s (also per time slice), request
// latency and the client's own CPU time.
//
// Request bodies are generated before the clock starts: --pool templates of
// --rows-per-request rows each, 20 features by default (16 numerical, 4
// categorical; numbers with --precision decimals). Every id is "<id-prefix>-<request number>-<row>"; at send
// time a worker copies a template and writes the request number into each
// id, so no id repeats within a run, and the per-run prefix keeps runs
// against the same server apart (a re-sent id would count as a duplicate).
//
// With --sink ADDR it instead runs a trivial receiver that reads each body,
// counts its lines and answers 200 with mlre's response at once, to show what
// the client alone can send. With --write-reference FILE it writes a
// reference CSV drawn from the same distributions and prints the model's
// features: list (YAML) for the config.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type options struct {
	url         string
	model       string
	perRequest  int
	concurrency int
	features    int
	duration    time.Duration
	warmup      time.Duration
	slice       time.Duration
	pool        int
	precision   int
	version     string
	idPrefix    string
	timeout     time.Duration
}

func main() {
	var o options
	var sinkAddr, refPath string
	var refRows int
	flag.StringVar(&o.url, "url", "http://127.0.0.1:9800", "mlre's base URL")
	flag.StringVar(&o.model, "model", "bench", "model name (the URL path segment)")
	flag.IntVar(&o.perRequest, "rows-per-request", 1000, "predictions per request")
	flag.IntVar(&o.concurrency, "concurrency", 4, "concurrent senders, each with one request in flight")
	flag.IntVar(&o.features, "features", 20, "features per prediction (a fifth categorical, the rest numerical)")
	flag.DurationVar(&o.duration, "duration", 30*time.Second, "measured sending time")
	flag.DurationVar(&o.warmup, "warmup", 5*time.Second, "sending time before the measurement starts; not counted in the rate")
	flag.DurationVar(&o.slice, "slice", 0, "also report rows/s per slice of the measured time, by request start (0: no slices)")
	flag.IntVar(&o.pool, "pool", 16, "distinct request bodies generated in advance")
	flag.IntVar(&o.precision, "precision", 4, "decimals of the numerical features (-1: shortest exact form, 16-17 digits, as json.dumps writes a float)")
	flag.StringVar(&o.version, "version", "v1", `the rows' model version ("": none)`)
	flag.StringVar(&o.idPrefix, "id-prefix", "", "prefix of every id (default: unique per run, from the clock)")
	flag.DurationVar(&o.timeout, "timeout", 60*time.Second, "per-request timeout")
	flag.StringVar(&sinkAddr, "sink", "", "run a trivial ingest sink on this address instead of sending")
	flag.StringVar(&refPath, "write-reference", "", "write a reference CSV to this file, print the features: YAML, and exit")
	flag.IntVar(&refRows, "reference-rows", 5000, "rows of the reference CSV")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if o.features <= 0 {
		fail(2, "--features must be positive")
	}
	switch {
	case sinkAddr != "":
		if err := runSink(ctx, sinkAddr); err != nil {
			fail(1, "sink: %v", err)
		}
		return
	case refPath != "":
		if err := writeReferenceFile(refPath, newSchema(o.features), refRows); err != nil {
			fail(1, "%v", err)
		}
		return
	}
	if o.perRequest <= 0 || o.concurrency <= 0 || o.duration <= 0 || o.pool <= 0 || o.warmup < 0 || o.slice < 0 {
		fail(2, "--rows-per-request, --concurrency, --duration and --pool must be positive")
	}
	if o.idPrefix == "" {
		o.idPrefix = strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	rep, err := run(ctx, o)
	if rep != nil {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	}
	if err != nil {
		fail(1, "%v", err)
	}
	if rep.RowsAccepted == 0 {
		os.Exit(1)
	}
}

func fail(code int, format string, a ...any) {
	fmt.Fprintf(os.Stderr, "ingestbench: "+format+"\n", a...)
	os.Exit(code)
}

func writeReferenceFile(path string, s schema, rows int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := writeReference(f, s, rows, 1); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return s.writeFeaturesYAML(os.Stdout)
}

// report is ingestbench's JSON output. Counts cover the measured window
// (requests started after the warm-up); warmup_* fields cover the warm-up.
type report struct {
	URL               string         `json:"url"`
	Features          int            `json:"features"`
	Precision         int            `json:"precision"`
	RowsPerRequest    int            `json:"rows_per_request"`
	Concurrency       int            `json:"concurrency"`
	DurationS         float64        `json:"duration_s"`
	WarmupS           float64        `json:"warmup_s"`
	IDPrefix          string         `json:"id_prefix"`
	Requests          int64          `json:"requests"`
	RequestsOK        int64          `json:"requests_ok"`
	RowsSent          int64          `json:"rows_sent"`
	RowsAccepted      int64          `json:"rows_accepted"`
	Duplicates        int64          `json:"duplicates"`
	Errors            int64          `json:"errors"`
	ErrorsByStatus    map[string]int `json:"errors_by_status,omitempty"`
	FirstError        string         `json:"first_error,omitempty"`
	ElapsedS          float64        `json:"elapsed_s"`
	RowsPerSec        float64        `json:"rows_per_sec"`
	RequestsPerSec    float64        `json:"requests_per_sec"`
	MBPerSec          float64        `json:"body_mb_per_sec"`
	P50Ms             float64        `json:"p50_ms"`
	P90Ms             float64        `json:"p90_ms"`
	P99Ms             float64        `json:"p99_ms"`
	MaxMs             float64        `json:"max_ms"`
	BytesSent         int64          `json:"body_bytes_sent"`
	WarmupRequests    int64          `json:"warmup_requests"`
	WarmupAccepted    int64          `json:"warmup_rows_accepted"`
	WarmupErrors      int64          `json:"warmup_errors"`
	ClientCPUS        float64        `json:"client_cpu_s"`
	ClientCores       float64        `json:"client_cores"`
	ClientCPUPerMRows float64        `json:"client_cpu_s_per_million_rows"`
	SliceS            float64        `json:"slice_s,omitempty"`
	SliceRowsPerSec   []float64      `json:"rows_per_sec_by_slice,omitempty"`
}

// body is a request body that says when the transport is done with it, so
// its buffer can be filled again.
type body struct {
	*bytes.Reader
	once sync.Once
	done chan struct{}
}

func (b *body) Close() error {
	b.once.Do(func() { close(b.done) })
	return nil
}

// sender is one worker: it sends one request at a time, alternating
// between two buffers.
type sender struct {
	o      options
	url    string
	tpls   []*template
	seq    *atomic.Uint64
	client *http.Client
	bufs   [2][]byte
	inUse  [2]chan struct{}

	// results, read after the worker finishes
	lat                    []time.Duration
	requests, ok           int64
	sent, accepted, dups   int64
	errs, bytes            int64
	wRequests, wAcc, wErrs int64
	byStatus               map[string]int
	firstErr               string
	lastDone               time.Time
	slices                 []int64
}

type ingestResponse struct {
	Status string `json:"status"`
	Data   struct {
		Accepted   int64 `json:"accepted"`
		Duplicates int64 `json:"duplicates"`
	} `json:"data"`
	Error string `json:"error"`
}

func (s *sender) send(ctx context.Context, k int) (code int, res ingestResponse, msg string, n int, err error) {
	if s.inUse[k] != nil {
		<-s.inUse[k] // the transport closed the previous body in this buffer
	}
	seq := s.seq.Add(1) - 1
	t := s.tpls[seq%uint64(len(s.tpls))]
	s.bufs[k] = t.fill(s.bufs[k], seq)
	b := &body{Reader: bytes.NewReader(s.bufs[k]), done: make(chan struct{})}
	s.inUse[k] = b.done
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, b)
	if err != nil {
		b.Close()
		return 0, res, "", t.rows, err
	}
	req.ContentLength = int64(len(s.bufs[k]))
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("User-Agent", "ingestbench")
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, res, "", t.rows, err
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, res, "", t.rows, err
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, res, string(bytes.TrimSpace(rb[:min(len(rb), 512)])), t.rows, nil
	}
	if err := json.Unmarshal(rb, &res); err != nil || res.Status != "success" {
		return resp.StatusCode, res, "unexpected response: " + string(rb[:min(len(rb), 200)]), t.rows, nil
	}
	return resp.StatusCode, res, "", t.rows, nil
}

// loop sends until the deadline; requests started before measureFrom count
// as warm-up.
func (s *sender) loop(ctx context.Context, measureFrom, deadline time.Time) {
	for k := 0; ctx.Err() == nil; k ^= 1 {
		start := time.Now()
		if !start.Before(deadline) {
			return
		}
		code, res, msg, rows, err := s.send(ctx, k)
		end := time.Now()
		good := err == nil && code/100 == 2 && msg == ""
		if !start.Before(measureFrom) {
			s.requests++
			s.sent += int64(rows)
			s.bytes += int64(len(s.bufs[k]))
			s.lat = append(s.lat, end.Sub(start))
			s.lastDone = end
			if good {
				s.ok++
				s.accepted += res.Data.Accepted
				s.dups += res.Data.Duplicates
				if s.o.slice > 0 {
					// By start, so the last slice is not a sliver of
					// responses that came after the deadline.
					i := int(start.Sub(measureFrom) / s.o.slice)
					for len(s.slices) <= i {
						s.slices = append(s.slices, 0)
					}
					s.slices[i] += res.Data.Accepted
				}
			} else {
				s.errs++
			}
		} else {
			s.wRequests++
			if good {
				s.wAcc += res.Data.Accepted
				s.dups += res.Data.Duplicates
			} else {
				s.wErrs++
			}
		}
		if !good {
			key := strconv.Itoa(code)
			if err != nil {
				key, msg = "transport", err.Error()
			}
			s.byStatus[key]++
			if s.firstErr == "" {
				s.firstErr = key + ": " + msg
			}
		}
	}
}

func run(ctx context.Context, o options) (*report, error) {
	sch := newSchema(o.features)
	tpls := make([]*template, o.pool)
	for i := range tpls {
		tpls[i] = buildTemplate(newGen(sch, uint64(i)+2), o.perRequest, o.idPrefix, o.version, o.precision)
	}
	tr := &http.Transport{
		MaxIdleConns:        o.concurrency,
		MaxIdleConnsPerHost: o.concurrency,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	client := &http.Client{Transport: tr, Timeout: o.timeout}
	url := o.url + "/api/v1/models/" + o.model + "/predictions"
	var seq atomic.Uint64
	senders := make([]*sender, o.concurrency)
	for i := range senders {
		senders[i] = &sender{o: o, url: url, tpls: tpls, seq: &seq, client: client, byStatus: map[string]int{}}
	}

	var ru0 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start := time.Now()
	measureFrom := start.Add(o.warmup)
	deadline := measureFrom.Add(o.duration)
	var wg sync.WaitGroup
	for _, s := range senders {
		wg.Go(func() { s.loop(ctx, measureFrom, deadline) })
	}
	wg.Wait()
	wall := time.Since(start)
	var ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)

	rep := &report{
		URL: url, Features: o.features, Precision: o.precision, RowsPerRequest: o.perRequest, Concurrency: o.concurrency,
		DurationS: o.duration.Seconds(), WarmupS: o.warmup.Seconds(), IDPrefix: o.idPrefix,
		ErrorsByStatus: map[string]int{},
	}
	var lat []time.Duration
	var sl []int64
	end := measureFrom
	for _, s := range senders {
		rep.Requests += s.requests
		rep.RequestsOK += s.ok
		rep.RowsSent += s.sent
		rep.RowsAccepted += s.accepted
		rep.Duplicates += s.dups
		rep.Errors += s.errs
		rep.BytesSent += s.bytes
		rep.WarmupRequests += s.wRequests
		rep.WarmupAccepted += s.wAcc
		rep.WarmupErrors += s.wErrs
		for k, v := range s.byStatus {
			rep.ErrorsByStatus[k] += v
		}
		if rep.FirstError == "" {
			rep.FirstError = s.firstErr
		}
		if s.lastDone.After(end) {
			end = s.lastDone
		}
		lat = append(lat, s.lat...)
		for i, n := range s.slices {
			for len(sl) <= i {
				sl = append(sl, 0)
			}
			sl[i] += n
		}
	}
	if len(rep.ErrorsByStatus) == 0 {
		rep.ErrorsByStatus = nil
	}
	elapsed := end.Sub(measureFrom).Seconds()
	if elapsed > 0 {
		rep.RowsPerSec = math.Round(float64(rep.RowsAccepted) / elapsed)
		rep.RequestsPerSec = round3(float64(rep.RequestsOK) / elapsed)
		rep.MBPerSec = round3(float64(rep.BytesSent) / elapsed / 1e6)
	}
	rep.ElapsedS = round3(elapsed)
	rep.SliceRowsPerSec = sliceRates(sl, o.slice, o.duration.Seconds())
	if o.slice > 0 {
		rep.SliceS = o.slice.Seconds()
	}
	slices.Sort(lat)
	rep.P50Ms = pct(lat, 0.50)
	rep.P90Ms = pct(lat, 0.90)
	rep.P99Ms = pct(lat, 0.99)
	if len(lat) > 0 {
		rep.MaxMs = ms(lat[len(lat)-1])
	}
	cpu := tv(ru1.Utime) + tv(ru1.Stime) - tv(ru0.Utime) - tv(ru0.Stime)
	rep.ClientCPUS = round3(cpu)
	rep.ClientCores = round3(cpu / wall.Seconds())
	if tot := rep.RowsSent + rep.WarmupRequests*int64(o.perRequest); tot > 0 {
		rep.ClientCPUPerMRows = round3(cpu / float64(tot) * 1e6)
	}
	if ctx.Err() != nil {
		return rep, errors.New("interrupted")
	}
	return rep, nil
}

// sliceRates turns rows accepted per slice (by request start) into rows/s;
// a last slice cut short by the end of the run is divided by its own
// length.
func sliceRates(rows []int64, slice time.Duration, elapsed float64) []float64 {
	if slice <= 0 || len(rows) == 0 {
		return nil
	}
	out := make([]float64, len(rows))
	for i, n := range rows {
		d := slice.Seconds()
		if rest := elapsed - float64(i)*d; rest < d {
			d = rest
		}
		if d > 0 {
			out[i] = math.Round(float64(n) / d)
		}
	}
	return out
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

func pct(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := max(int(math.Ceil(q*float64(len(sorted))))-1, 0)
	return ms(sorted[i])
}

func ms(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }
func round3(f float64) float64   { return math.Round(f*1000) / 1000 }

// sinkHandler answers like mlre's ingest API without doing its work: it
// reads the body, counts its non-empty lines as accepted rows and answers
// 200 at once.
func sinkHandler(reqs, rows *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		n := bytes.Count(b, []byte{'\n'})
		if len(b) > 0 && b[len(b)-1] != '\n' {
			n++
		}
		reqs.Add(1)
		rows.Add(int64(n))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"success","data":{"accepted":%d,"duplicates":0}}`, n)
	})
}

// runSink serves the sink until ctx ends (SIGINT or SIGTERM), then prints
// what it saw as JSON.
func runSink(ctx context.Context, addr string) error {
	var reqs, rows atomic.Int64
	srv := &http.Server{Addr: addr, Handler: sinkHandler(&reqs, &rows), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	fmt.Printf(`{"requests": %d, "rows": %d}`+"\n", reqs.Load(), rows.Load())
	return nil
}
