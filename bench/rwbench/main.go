// Command rwbench pushes a synthetic Prometheus remote_write 1.0 stream
// (protobuf + snappy, as Prometheus's queue manager sends it) at a receiver as
// fast as the receiver accepts it, for a bounded time, and prints a JSON
// report: samples sent and accepted, errors, samples/s and request latency.
//
// Series are partitioned across --concurrency workers (like remote_write
// shards): each worker owns its series and sends sequentially, so every
// series receives strictly increasing timestamps. Timestamps follow the wall
// clock (in milliseconds, bumped by 1ms when the clock has not moved), so they
// are never in the future and a second run against the same server continues
// where the first left off. Each worker builds its next requests while the
// current one is in flight, so encoding does not serialise with the round
// trip.
//
// With --sink ADDR it instead runs a trivial receiver (reads the body, answers
// 204; with --sink.check it also decodes every request and checks per-series
// timestamp order), used to show the client alone is far faster than the
// servers under test.
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
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"
)

type options struct {
	url         string
	series      int
	perRequest  int
	concurrency int
	duration    time.Duration
	warmup      time.Duration
	prebuild    int
	cluster     string
	timeout     time.Duration
}

func main() {
	var o options
	var sinkAddr string
	var sinkCheck bool
	flag.StringVar(&o.url, "url", "http://127.0.0.1:9800/api/v1/write", "remote_write receiver URL")
	flag.IntVar(&o.series, "series", 10000, "number of distinct series")
	flag.IntVar(&o.perRequest, "samples-per-request", 2000, "samples per request (Prometheus's max_samples_per_send)")
	flag.IntVar(&o.concurrency, "concurrency", 4, "concurrent senders (Prometheus's shards); series are partitioned across them")
	flag.DurationVar(&o.duration, "duration", 30*time.Second, "measured sending time")
	flag.DurationVar(&o.warmup, "warmup", 0, "sending time before the measurement starts (series creation happens here); not counted in the rate")
	flag.IntVar(&o.prebuild, "prebuild", 2, "requests each worker builds ahead of the one in flight")
	flag.StringVar(&o.cluster, "cluster", "rwbench", "value of the external label cluster=... on every series")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Second, "per-request timeout")
	flag.StringVar(&sinkAddr, "sink", "", "run a trivial remote_write sink on this address instead of sending")
	flag.BoolVar(&sinkCheck, "sink.check", false, "sink: decode each request and check that timestamps increase per series")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if sinkAddr != "" {
		if err := runSink(ctx, sinkAddr, sinkCheck); err != nil {
			fmt.Fprintln(os.Stderr, "rwbench sink:", err)
			os.Exit(1)
		}
		return
	}
	if o.series <= 0 || o.perRequest <= 0 || o.concurrency <= 0 || o.duration <= 0 || o.prebuild < 1 {
		fmt.Fprintln(os.Stderr, "rwbench: --series, --samples-per-request, --concurrency, --duration and --prebuild must be positive")
		os.Exit(2)
	}
	if o.concurrency > o.series {
		o.concurrency = o.series
	}
	rep, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rwbench:", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(rep)
	if rep.SamplesAccepted == 0 {
		os.Exit(1)
	}
}

// report is rwbench's JSON output. Counts cover the measured window only
// (requests started after the warm-up); warmup_* fields cover the warm-up.
type report struct {
	URL               string         `json:"url"`
	Series            int            `json:"series"`
	SamplesPerRequest int            `json:"samples_per_request"`
	Concurrency       int            `json:"concurrency"`
	DurationS         float64        `json:"duration_s"`
	WarmupS           float64        `json:"warmup_s"`
	Requests          int64          `json:"requests"`
	RequestsOK        int64          `json:"requests_ok"`
	SamplesSent       int64          `json:"samples_sent"`
	SamplesAccepted   int64          `json:"samples_accepted"`
	Errors            int64          `json:"errors"`
	ErrorsByStatus    map[string]int `json:"errors_by_status,omitempty"`
	FirstError        string         `json:"first_error,omitempty"`
	ElapsedS          float64        `json:"elapsed_s"`
	SamplesPerSec     float64        `json:"samples_per_sec"`
	RequestsPerSec    float64        `json:"requests_per_sec"`
	P50Ms             float64        `json:"p50_ms"`
	P90Ms             float64        `json:"p90_ms"`
	P99Ms             float64        `json:"p99_ms"`
	MaxMs             float64        `json:"max_ms"`
	CompressedBytes   int64          `json:"compressed_bytes_sent"`
	UncompressedBytes int64          `json:"uncompressed_bytes_sent"`
	WarmupRequests    int64          `json:"warmup_requests"`
	WarmupAccepted    int64          `json:"warmup_samples_accepted"`
	WarmupErrors      int64          `json:"warmup_errors"`
	ClientCPUS        float64        `json:"client_cpu_s"`
	ClientCPUPerMSamp float64        `json:"client_cpu_s_per_million_samples"`
}

// request is one encoded remote_write request.
type request struct {
	samples   int
	raw       []byte // protobuf
	body      []byte // snappy(raw)
	pending   []prompb.TimeSeries
	samplesBf []prompb.Sample
	wr        prompb.WriteRequest
}

// worker owns a disjoint subset of the series and sends them in order.
type worker struct {
	o      options
	series []*series
	rng    *rand.Rand
	pos    int   // next series in the ring
	ts     int64 // timestamp of the current pass over the ring
	free   chan *request
	ready  chan *request
	client *http.Client

	// results, read after the worker finishes
	lat                []time.Duration
	requests, ok       int64
	sent, accepted     int64
	errs               int64
	compBytes, rawByte int64
	wRequests, wAcc    int64
	wErrs              int64
	byStatus           map[string]int
	firstErr           string
	lastDone           time.Time
}

// build fills r with the next perRequest samples of the worker's ring. As in
// Prometheus's queue manager every sample is its own TimeSeries entry; a
// series appears again only after all the worker's other series, with a
// later timestamp.
func (w *worker) build(r *request) error {
	n := w.o.perRequest
	if cap(r.pending) < n {
		r.pending = make([]prompb.TimeSeries, n)
		r.samplesBf = make([]prompb.Sample, n)
	}
	r.pending = r.pending[:n]
	for i := 0; i < n; i++ {
		if w.pos == 0 {
			now := time.Now().UnixMilli()
			if now <= w.ts {
				now = w.ts + 1
			}
			w.ts = now
		}
		s := w.series[w.pos]
		r.samplesBf[i] = prompb.Sample{Value: s.next(w.rng), Timestamp: w.ts}
		r.pending[i] = prompb.TimeSeries{Labels: s.labels, Samples: r.samplesBf[i : i+1 : i+1]}
		w.pos++
		if w.pos == len(w.series) {
			w.pos = 0
		}
	}
	r.samples = n
	r.wr.Timeseries = r.pending
	size := r.wr.Size()
	if cap(r.raw) < size {
		r.raw = make([]byte, size)
	}
	r.raw = r.raw[:size]
	if _, err := r.wr.MarshalToSizedBuffer(r.raw); err != nil {
		return err
	}
	r.body = snappy.Encode(r.body[:cap(r.body)], r.raw)
	return nil
}

// builder keeps w.ready stocked with encoded requests until ctx ends.
func (w *worker) builder(ctx context.Context) {
	defer close(w.ready)
	for {
		var r *request
		select {
		case <-ctx.Done():
			return
		case r = <-w.free:
		}
		if err := w.build(r); err != nil {
			fmt.Fprintln(os.Stderr, "rwbench: encoding:", err)
			return
		}
		select {
		case <-ctx.Done():
			return
		case w.ready <- r:
		}
	}
}

func (w *worker) send(ctx context.Context, r *request) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.o.url, bytes.NewReader(r.body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("User-Agent", "rwbench")
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var msg string
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		msg = string(bytes.TrimSpace(b))
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, msg, nil
}

// loop sends until the deadline; requests started before measureFrom count
// as warm-up.
func (w *worker) loop(ctx context.Context, measureFrom, deadline time.Time) {
	for r := range w.ready {
		start := time.Now()
		if !start.Before(deadline) {
			return
		}
		code, msg, err := w.send(ctx, r)
		end := time.Now()
		measured := !start.Before(measureFrom)
		good := err == nil && code/100 == 2
		if measured {
			w.requests++
			w.sent += int64(r.samples)
			w.compBytes += int64(len(r.body))
			w.rawByte += int64(len(r.raw))
			w.lat = append(w.lat, end.Sub(start))
			w.lastDone = end
			if good {
				w.ok++
				w.accepted += int64(r.samples)
			} else {
				w.errs++
			}
		} else {
			w.wRequests++
			if good {
				w.wAcc += int64(r.samples)
			} else {
				w.wErrs++
			}
		}
		if !good {
			key := strconv.Itoa(code)
			if err != nil {
				key = "transport"
				msg = err.Error()
			}
			w.byStatus[key]++
			if w.firstErr == "" {
				w.firstErr = key + ": " + msg
			}
			if err != nil && ctx.Err() != nil {
				return
			}
		}
		w.free <- r
	}
}

func run(ctx context.Context, o options) (*report, error) {
	all := genSeries(o.series, o.cluster)
	tr := &http.Transport{
		MaxIdleConns:        o.concurrency,
		MaxIdleConnsPerHost: o.concurrency,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	client := &http.Client{Transport: tr, Timeout: o.timeout}
	workers := make([]*worker, o.concurrency)
	for i := range workers {
		workers[i] = &worker{
			o:        o,
			rng:      rand.New(rand.NewPCG(uint64(i)+1, 42)),
			free:     make(chan *request, o.prebuild+1),
			ready:    make(chan *request, o.prebuild),
			client:   client,
			byStatus: map[string]int{},
		}
		for j := 0; j < o.prebuild+1; j++ {
			workers[i].free <- &request{}
		}
	}
	// Series i goes to worker i mod concurrency, so every worker carries
	// both node_exporter and dcgm series.
	for i, s := range all {
		w := workers[i%o.concurrency]
		w.series = append(w.series, s)
	}

	var ru0 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start := time.Now()
	measureFrom := start.Add(o.warmup)
	deadline := measureFrom.Add(o.duration)
	var wg sync.WaitGroup
	for _, w := range workers {
		bctx, cancelBuild := context.WithCancel(ctx)
		wg.Add(2)
		go func() { defer wg.Done(); w.builder(bctx) }()
		go func() {
			defer wg.Done()
			w.loop(ctx, measureFrom, deadline)
			cancelBuild()
			// Drain so the builder can exit.
			for range w.ready {
			}
		}()
	}
	wg.Wait()
	var ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)

	rep := &report{
		URL: o.url, Series: len(all), SamplesPerRequest: o.perRequest, Concurrency: o.concurrency,
		DurationS: o.duration.Seconds(), WarmupS: o.warmup.Seconds(), ErrorsByStatus: map[string]int{},
	}
	var lat []time.Duration
	end := measureFrom
	for _, w := range workers {
		rep.Requests += w.requests
		rep.RequestsOK += w.ok
		rep.SamplesSent += w.sent
		rep.SamplesAccepted += w.accepted
		rep.Errors += w.errs
		rep.CompressedBytes += w.compBytes
		rep.UncompressedBytes += w.rawByte
		rep.WarmupRequests += w.wRequests
		rep.WarmupAccepted += w.wAcc
		rep.WarmupErrors += w.wErrs
		for k, v := range w.byStatus {
			rep.ErrorsByStatus[k] += v
		}
		if rep.FirstError == "" {
			rep.FirstError = w.firstErr
		}
		if w.lastDone.After(end) {
			end = w.lastDone
		}
		lat = append(lat, w.lat...)
	}
	if len(rep.ErrorsByStatus) == 0 {
		rep.ErrorsByStatus = nil
	}
	rep.ElapsedS = end.Sub(measureFrom).Seconds()
	if rep.ElapsedS > 0 {
		rep.SamplesPerSec = round(float64(rep.SamplesAccepted) / rep.ElapsedS)
		rep.RequestsPerSec = round(float64(rep.RequestsOK) / rep.ElapsedS)
	}
	rep.ElapsedS = round3(rep.ElapsedS)
	slices.Sort(lat)
	rep.P50Ms = pct(lat, 0.50)
	rep.P90Ms = pct(lat, 0.90)
	rep.P99Ms = pct(lat, 0.99)
	if len(lat) > 0 {
		rep.MaxMs = ms(lat[len(lat)-1])
	}
	cpu := tv(ru1.Utime) + tv(ru1.Stime) - tv(ru0.Utime) - tv(ru0.Stime)
	rep.ClientCPUS = round3(cpu)
	if tot := rep.SamplesSent + rep.WarmupRequests*int64(o.perRequest); tot > 0 {
		rep.ClientCPUPerMSamp = round3(cpu / float64(tot) * 1e6)
	}
	if ctx.Err() != nil {
		return rep, errors.New("interrupted")
	}
	return rep, nil
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

func pct(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	if i < 0 {
		i = 0
	}
	return ms(sorted[i])
}

func ms(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }
func round(f float64) float64    { return math.Round(f) }
func round3(f float64) float64   { return math.Round(f*1000) / 1000 }

// runSink serves a trivial remote_write receiver until ctx ends (SIGINT or
// SIGTERM), then prints what it saw as JSON.
func runSink(ctx context.Context, addr string, check bool) error {
	var mu sync.Mutex
	var reqs, samples, outOfOrder, decodeErrs int64
	last := map[string]int64{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if !check {
			mu.Lock()
			reqs++
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
			return
		}
		raw, err := snappy.Decode(nil, body)
		var wr prompb.WriteRequest
		if err == nil {
			err = wr.Unmarshal(raw)
		}
		mu.Lock()
		defer mu.Unlock()
		reqs++
		if err != nil {
			decodeErrs++
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var key []byte
		for _, ts := range wr.Timeseries {
			key = key[:0]
			for _, l := range ts.Labels {
				key = append(append(append(key, l.Name...), 0xff), l.Value...)
				key = append(key, 0xfe)
			}
			for _, s := range ts.Samples {
				samples++
				if prev, ok := last[string(key)]; ok && s.Timestamp <= prev {
					outOfOrder++
				}
				last[string(key)] = s.Timestamp
			}
		}
		w.WriteHeader(http.StatusNoContent)
	})
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
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
	mu.Lock()
	defer mu.Unlock()
	out := map[string]any{"requests": reqs}
	if check {
		out["samples"] = samples
		out["series"] = len(last)
		out["out_of_order_samples"] = outOfOrder
		out["decode_errors"] = decodeErrs
	}
	b, _ := json.Marshal(out) // map keys come out sorted
	fmt.Println(string(b))
	return nil
}
