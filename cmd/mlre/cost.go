package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlre-dev/mlre/internal/coststatus"
)

func newCostCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cost",
		Short: "Report GPU spend and cost recommendations from a running mlre",
	}
	o := costReportOptions{}
	report := &cobra.Command{
		Use:   "report",
		Short: "Print the chargeback table (spend by owner) and the recommendations",
		Long: `Print GPU spend by an owner label over a period, split into allocated
(what the owners held), used (weighted by how busy the GPUs were) and idle
(allocated minus used), with the spend of GPUs nobody held; then the
recommendations: idle GPUs and the money they waste a day, GPUs whose memory
peak stays far below their capacity (a smaller GPU or a MIG slice would do),
and owners whose spend jumped compared with the window before.

It asks a running 'mlre serve' (GET /api/v1/cost and
/api/v1/cost/recommendations), whose config has a cost: section. With auth
on, pass a token with read scope in MLRE_TOKEN or --token-file.

Exit status: 0 on success, 1 when the server cannot answer, 2 on a wrong
command line.`,
		Example: `  mlre cost report                             # this month so far, by team
  mlre cost report --period 2026-11 --by model
  mlre cost report --by job --format csv > chargeback.csv
  mlre cost report --from 2026-11-01T00:00:00Z --to 2026-11-08T00:00:00Z --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), cmd.OutOrStdout()) },
	}
	f := report.Flags()
	f.StringVar(&o.url, "url", "http://127.0.0.1:9800", "address of the mlre server")
	f.StringVar(&o.tokenFile, "token-file", "", "file holding a bearer token (default: $MLRE_TOKEN)")
	f.StringVar(&o.period, "period", "", "a month (2026-11) or a day (2026-11-27), in UTC; default: this month so far")
	f.StringVar(&o.from, "from", "", "start of the range (RFC 3339 or Unix seconds), instead of --period")
	f.StringVar(&o.to, "to", "", "end of the range (RFC 3339 or Unix seconds), instead of --period")
	f.StringVar(&o.by, "by", "team", "owner label to break spend down by: team, model, job (training_job) or any of cost.owner_labels")
	f.StringVar(&o.format, "format", "table", "table, json or csv (csv: the chargeback table alone)")
	f.StringVar(&o.idleWindow, "idle-window", "", "window over which a GPU counts as idle (default: cost.idle.for)")
	f.DurationVar(&o.timeout, "timeout", 30*time.Second, "how long to wait for the server")
	cmd.AddCommand(report)
	return cmd
}

type costReportOptions struct {
	url, tokenFile, period, from, to, by, format, idleWindow string
	timeout                                                  time.Duration
}

func (o *costReportOptions) run(ctx context.Context, w io.Writer) error {
	switch o.format {
	case "table", "json", "csv":
	default:
		return usageErr("--format %q: use table, json or csv", o.format)
	}
	if o.period != "" && (o.from != "" || o.to != "") {
		return usageErr("give --period, or --from and --to, not both")
	}
	// Check the range here, so that a typo is a usage error, not a 400.
	q := url.Values{"by": {o.by}}
	for k, v := range map[string]string{"period": o.period, "from": o.from, "to": o.to} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if _, _, err := coststatus.ParseRange(q.Get, time.Now()); err != nil {
		return usageErr("%v", err)
	}
	base, err := url.Parse(o.url)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return usageErr("--url %q: write the server's address like http://127.0.0.1:9800", o.url)
	}
	token := os.Getenv("MLRE_TOKEN")
	if o.tokenFile != "" {
		b, err := os.ReadFile(o.tokenFile)
		if err != nil {
			return usageErr("--token-file: %v", err)
		}
		token = strings.TrimSpace(string(b))
	}
	c := &apiClient{base: strings.TrimRight(o.url, "/"), token: token, http: &http.Client{Timeout: o.timeout}}
	var spend coststatus.Spend
	if err := c.get(ctx, "/api/v1/cost?"+q.Encode(), &spend); err != nil {
		return err
	}
	var rec coststatus.Recommendations
	if o.format != "csv" {
		rq := url.Values{"by": {o.by}}
		if o.idleWindow != "" {
			rq.Set("idle_window", o.idleWindow)
		}
		if err := c.get(ctx, "/api/v1/cost/recommendations?"+rq.Encode(), &rec); err != nil {
			return err
		}
	}
	switch o.format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Spend           coststatus.Spend           `json:"spend"`
			Recommendations coststatus.Recommendations `json:"recommendations"`
		}{spend, rec})
	case "csv":
		return writeSpendCSV(w, spend)
	}
	writeSpendTable(w, spend)
	writeRecommendations(w, rec)
	return nil
}

type apiClient struct {
	base, token string
	http        *http.Client
}

// get fetches an mlre API path and decodes its data into v; the server's
// own error message is passed on.
func (c *apiClient) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return &exitError{code: exitFailure, err: err}
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("asking %s: %w (is mlre serve running there? --url sets the address)", c.base, err)}
	}
	defer resp.Body.Close()
	var body struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err == nil {
		err = json.Unmarshal(b, &body)
	}
	if err != nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("%s %s: %s: not an mlre API answer", c.base, path, resp.Status)}
	}
	if resp.StatusCode != http.StatusOK || body.Status != "success" {
		msg := body.Error
		if msg == "" {
			msg = resp.Status
		}
		if resp.StatusCode == http.StatusBadRequest {
			return usageErr("%s", msg)
		}
		return &exitError{code: exitFailure, err: errors.New(msg)}
	}
	return json.Unmarshal(body.Data, v)
}

func money(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

func writeSpendTable(w io.Writer, s coststatus.Spend) {
	fmt.Fprintf(w, "GPU spend by %s, %s to %s (%s)\n\n", s.By, s.From.UTC().Format("2006-01-02 15:04"), s.To.UTC().Format("2006-01-02 15:04 UTC"), s.Currency)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	perK := s.By == "model"
	head := strings.ToUpper(s.By) + "\tALLOCATED\tUSED\tIDLE\tIDLE %\t"
	if perK {
		head += "PER 1K PREDICTIONS\t"
	}
	fmt.Fprintln(tw, head)
	line := func(name string, r coststatus.SpendRow) {
		pct := "-"
		if r.Allocated > 0 {
			pct = fmt.Sprintf("%.0f%%", r.Idle/r.Allocated*100)
		}
		l := fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t", name, money(r.Allocated), money(r.Used), money(r.Idle), pct)
		if perK {
			if r.DollarsPer1kPredictions != nil {
				l += strconv.FormatFloat(*r.DollarsPer1kPredictions, 'f', 4, 64) + "\t"
			} else {
				l += "-\t"
			}
		}
		fmt.Fprintln(tw, l)
	}
	for _, r := range s.Rows {
		name := r.Owner
		if name == "" {
			name = "(no " + s.By + ")"
		}
		line(name, r)
	}
	line("TOTAL", s.Total)
	tw.Flush()
	fmt.Fprintf(w, "\nGPUs nobody held: %s %s\n", money(s.Unallocated), s.Currency)
}

func owners(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, " ")
}

func writeRecommendations(w io.Writer, r coststatus.Recommendations) {
	fmt.Fprintf(w, "\nRecommendations\n")
	fmt.Fprintf(w, "\nIdle GPUs (held, under the idle threshold over %s): %d, wasting %s %s a day\n", r.IdleWindow, len(r.IdleGPUs), money(r.WastedPerDay), r.Currency)
	for _, g := range r.IdleGPUs {
		fmt.Fprintf(w, "  %s GPU %s (%s, %s) %s: %.1f%% busy, wastes %s %s a day\n",
			g.Hostname, g.Index, g.ModelName, g.UUID, owners(g.Owners), g.BusyRatio*100, money(g.WastedPerDay), r.Currency)
	}
	fmt.Fprintf(w, "\nOversized GPUs (memory peak under %.0f%% over %s): %d\n", coststatus.OversizedPeakRatio*100, r.MemoryWindow, len(r.OversizedGPUs))
	for _, g := range r.OversizedGPUs {
		fmt.Fprintf(w, "  %s GPU %s (%s, %s) %s: %s\n", g.Hostname, g.Index, g.ModelName, g.UUID, owners(g.Owners), g.Suggestion)
	}
	fmt.Fprintf(w, "\nSpend jumps (allocated, the last %s against the %s before): %d\n", r.CompareWindow, r.CompareWindow, len(r.SpendJumps))
	for _, j := range r.SpendJumps {
		fmt.Fprintf(w, "  %s=%s: %s -> %s %s (%.1f×)\n", j.By, j.Owner, money(j.Previous), money(j.Current), r.Currency, j.Ratio)
	}
}

func writeSpendCSV(w io.Writer, s coststatus.Spend) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{s.By, "allocated", "used", "idle", "currency", "from", "to"})
	from, to := s.From.UTC().Format(time.RFC3339), s.To.UTC().Format(time.RFC3339)
	for _, r := range s.Rows {
		_ = cw.Write([]string{r.Owner, money(r.Allocated), money(r.Used), money(r.Idle), s.Currency, from, to})
	}
	_ = cw.Write([]string{"(unallocated)", money(s.Unallocated), "0.00", money(s.Unallocated), s.Currency, from, to})
	cw.Flush()
	return cw.Error()
}
