package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// docsWarmup is how long the demo runs before the test when it takes the
// screenshots for the docs: $MLRE_DOCS_WARMUP, by default 10 minutes.
func docsWarmup(t *testing.T) time.Duration {
	if os.Getenv("MLRE_DOCS_IMAGES") == "" {
		return 0
	}
	d, err := time.ParseDuration(os.Getenv("MLRE_DOCS_WARMUP"))
	if err != nil {
		return 10 * time.Minute
	}
	return d
}

// TestUIDemo runs `mlre serve --demo` and walks its web UI in Chromium:
// every page renders with the demo fleet's data and draws its charts, the
// navigation and the links between pages work, incidents started through
// the demo API become visible (a firing SLO page and an XID 79 with its
// recommended action), the keyboard reaches the content, axe-core finds no
// serious accessibility problem, and nothing fails in the browser's console.
// It saves a screenshot of every page (docs/quickstart.md shows them).
func TestUIDemo(t *testing.T) {
	b := newBrowser(t)
	bin, err := mlreBinary()
	require.NoError(t, err)
	dir := t.TempDir()
	p := startProcess(t, bin, func(port int) []string {
		return []string{"serve", "--demo", "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--storage.path", filepath.Join(dir, "data")}
	}, "/-/ready")

	if d := docsWarmup(t); d > 0 {
		t.Logf("MLRE_DOCS_IMAGES is set: letting the fleet run for %v first, so that the charts have history", d)
		time.Sleep(d)
	}
	for _, inc := range []string{"error-burst", "xid-79"} {
		resp, err := http.Post(p.url+"/api/v1/demo/incidents/"+inc, "", nil)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusOK, resp.StatusCode, "starting incident %s", inc)
	}

	// checkPage runs the checks every page gets.
	checkPage := func(name string) {
		t.Helper()
		drawn, declared := b.charts()
		require.Equal(t, declared, drawn, "%s: every chart with data is drawn", name)
		require.Empty(t, b.accessibility(), "%s: accessibility", name)
		require.Empty(t, b.errors(), "%s: console errors", name)
		b.screenshot(name)
	}
	// reloadUntil reloads the page until the CSS selector sel has text
	// containing want.
	reloadUntil := func(timeout time.Duration, sel, want string) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		for {
			var got string
			b.do("reload", chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("footer")))
			got = get(b, "reading "+sel, chromedp.Evaluate[string](fmt.Sprintf(
				`Array.from(document.querySelectorAll(%q)).map(e => e.textContent).join("\n")`, sel)))
			if strings.Contains(got, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%q did not appear in %s within %v; it reads:\n%s", want, sel, timeout, got)
			}
			time.Sleep(3 * time.Second)
		}
	}

	// Overview: the incidents show up as firing alerts, SLOs, models and
	// GPU nodes are listed, and the demo banner names the incidents. The
	// XID comes first: its incident lasts 2 minutes.
	b.do("overview", chromedp.Navigate(p.url+"/"), chromedp.WaitVisible(chromedp.CSS("h1")))
	require.Equal(t, "Overview", b.text("h1"))
	require.Equal(t, "Skip to content", b.focusAfterTabs(1), "the first Tab reaches the skip link")
	reloadUntil(90*time.Second, "section[aria-labelledby=h-alerts]", "GPUXidRestartNode")
	gpus := b.text("section[aria-labelledby=h-gpus]")
	require.Contains(t, gpus, "gpu-node-a")
	require.Contains(t, gpus, "gpu-node-b")
	require.Contains(t, gpus, "GPU lost", "XID 79 takes a GPU off the bus")

	// The GPU page, while the GPU is lost: its XID with the action.
	b.do("following the GPU node link", chromedp.Click(chromedp.CSS(`a[href="/infra#node-gpu-node-b"]`)), chromedp.WaitVisible(chromedp.CSS("#gpus")))
	require.Equal(t, "GPUs & hosts", b.text("h1"))
	gpuTable := b.text("#gpus")
	require.Contains(t, gpuTable, "not responding")
	require.Contains(t, gpuTable, "Action: Cordon and drain the node", "an XID comes with NVIDIA's recommended action")
	checkPage("infra")

	b.do("overview", chromedp.Navigate(p.url+"/"), chromedp.WaitVisible(chromedp.CSS("h1")))
	reloadUntil(4*time.Minute, "section[aria-labelledby=h-alerts]", "FraudScorerErrorBudgetBurn")
	// The ticket (5m and 30m windows) can fire before the page (1m and 5m).
	reloadUntil(4*time.Minute, "section[aria-labelledby=h-slos]", "Paging: FraudScorerErrorBudgetBurn")
	reloadUntil(2*time.Minute, "section[aria-labelledby=h-models]", "fraud")
	banner := b.text("aside.demo")
	require.Contains(t, banner, "error-burst")
	require.Contains(t, banner, "stale-pipeline")
	checkPage("overview")

	// From the overview's firing alert to its SLO's page.
	b.do("following the alert to its SLO", chromedp.Click(chromedp.CSS(`section[aria-labelledby=h-alerts] a[href="/slos/fraud-scorer/availability"]`)),
		chromedp.WaitVisible(chromedp.CSS("#h-burn")))
	require.Contains(t, b.location(), "/slos/fraud-scorer/")
	require.Contains(t, b.text("h1"), "fraud-scorer")
	require.Contains(t, b.text("h1"), "Paging")
	require.Contains(t, b.text("section[aria-labelledby=h-rules]"), "firing")
	checkPage("slo")

	// The navigation, page by page.
	nav := func(label, wantH1 string) {
		t.Helper()
		b.do("nav "+label, chromedp.Click(chromedp.CSS(fmt.Sprintf(`nav[aria-label=Main] a[href=%q]`, label))),
			chromedp.WaitVisible(chromedp.CSS("footer")))
		require.Equal(t, wantH1, b.text("h1"))
		require.Equal(t, "page", get(b, "current nav entry",
			chromedp.Evaluate[string](`document.querySelector('nav[aria-label=Main] a[aria-current]').getAttribute("aria-current")`)))
	}
	nav("/slos", "SLOs")
	require.GreaterOrEqual(t, get(b, "SLO rows", chromedp.Evaluate[int](`document.querySelectorAll("table.slo-table tbody tr").length`)), 5)
	checkPage("slos")

	nav("/models", "Models")
	b.do("a model", chromedp.Click(chromedp.CSS(`a[href="/models/fraud"]`)), chromedp.WaitVisible(chromedp.CSS("footer")))
	reloadUntil(2*time.Minute, "section.version h3", "Reference vs window")
	require.Contains(t, b.text("h1"), "fraud")
	require.Contains(t, b.text("section.version"), "amount")
	checkPage("model")
	b.do("churn", chromedp.Navigate(p.url+"/models/churn"), chromedp.WaitVisible(chromedp.CSS("footer")))
	reloadUntil(2*time.Minute, "section.version", "By region")
	checkPage("model-churn")

	nav("/infra", "GPUs & hosts")

	nav("/alerts", "Alerts")
	require.Contains(t, b.text("section[aria-labelledby=h-firing]"), "FraudScorerErrorBudgetBurn")
	checkPage("alerts")

	nav("/cost", "Cost")
	require.Contains(t, b.text("section[aria-labelledby=h-budgets]"), "$")
	checkPage("cost")

	nav("/query", "Query")
	b.do("a query", chromedp.SendKeys(chromedp.CSS("#expr"), `sum by (job) (rate(http_requests_total[1m]))`),
		chromedp.Click(chromedp.CSS(`form.query button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("table.query-result")))
	require.Contains(t, b.text("table.query-result"), "fraud-scorer")
	checkPage("query")
}
