// Command collectors is the HTTP half of the collector benchmark
// (bench/run-collectors.sh); the in-process half is this package's Go
// benchmarks (go test -bench . ./bench/collectors).
//
//	collectors serve --listen 127.0.0.1:PORT
//	    serves mlre's host collector at /metrics the way mlre serves
//	    /metrics/node: a registry holding only the collector, behind
//	    promhttp.HandlerFor with OpenMetrics enabled. Runs until SIGINT/SIGTERM.
//	collectors scrape --url URL --n N
//	    GETs URL N times, one after the other, over one kept-alive
//	    connection with the headers a Prometheus text-format scrape sends
//	    (gzip included), and prints "series=S bytes=B wall_s=W cpu_s=C":
//	    the last response's sample lines and uncompressed size, the wall
//	    time of all N scrapes, and the scraper's own CPU time.
//
// The script runs the same scraper against node_exporter and against
// `collectors serve`, and measures each server's CPU from /proc/PID/stat.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mlre-dev/mlre/internal/hostmetrics"
)

// acceptText is the Accept header of a Prometheus scrape that asks for the
// classic text format (node_exporter 1.5 offers no OpenMetrics), so both
// servers encode the same format.
const acceptText = "text/plain;version=0.0.4;q=1,*/*;q=0.1"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: collectors serve|scrape [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "scrape":
		err = scrape(os.Args[2:], os.Stdout)
	default:
		err = fmt.Errorf("unknown command %q: want serve or scrape", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "collectors:", err)
		os.Exit(1)
	}
}

// hostHandler is mlre's /metrics/node: the host collector alone in a
// registry, served as internal/api serves an in-process source.
func hostHandler() (http.Handler, error) {
	h, err := hostmetrics.New(hostmetrics.Options{})
	if err != nil {
		return nil, fmt.Errorf("host collector: %w", err)
	}
	reg := prometheus.NewRegistry()
	if err := reg.Register(h); err != nil {
		return nil, fmt.Errorf("registering the host collector: %w", err)
	}
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true}), nil
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:29831", "address to serve /metrics on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	h, err := hostHandler()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listening: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	fmt.Printf("serving mlre's host collector on http://%s/metrics\n", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func scrape(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("scrape", flag.ContinueOnError)
	url := fs.String("url", "", "URL to scrape")
	n := fs.Int("n", 500, "number of scrapes, one after the other")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" || *n < 1 {
		return errors.New("scrape needs --url and --n >= 1")
	}
	// The default transport asks for gzip and decompresses, as Prometheus's
	// scrape client does; the decompression is the client's CPU, not the
	// server's.
	client := &http.Client{Timeout: 10 * time.Second}
	var body []byte
	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start := time.Now()
	for i := 0; i < *n; i++ {
		req, err := http.NewRequest(http.MethodGet, *url, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Accept", acceptText)
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("scrape %d: %w", i+1, err)
		}
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("scrape %d: reading the body: %w", i+1, err)
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("scrape %d: %s", i+1, resp.Status)
		}
	}
	wall := time.Since(start)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
	_, err := fmt.Fprintf(out, "series=%d bytes=%d wall_s=%.3f cpu_s=%.3f\n", countSeries(body), len(body), wall.Seconds(), cpu.Seconds())
	return err
}

// countSeries counts the sample lines of a text exposition.
func countSeries(body []byte) int {
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) > 0 && line[0] != '#' {
			n++
		}
	}
	return n
}
