package e2e

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// axe is Deque's axe-core accessibility checker (MPL-2.0, testdata/), run
// in the pages the browser tests open.
//
//go:embed testdata/axe-core-4.14.1/axe.min.js
var axe string

// mlreBinary builds cmd/mlre once per test binary run.
var mlreBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "mlre-e2e-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "mlre")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/mlre-dev/mlre/cmd/mlre")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/mlre: %w\n%s", err, out)
	}
	return bin, nil
})

// artifactDir is where the browser tests save their screenshots:
// $MLRE_ARTIFACTS (CI keeps them), else a temporary directory.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("MLRE_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, "screenshots")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// browser is a headless Chromium driven over the DevTools protocol.
type browser struct {
	ctx  context.Context
	t    *testing.T
	mu   sync.Mutex
	errs []string // console errors, exceptions and CSP violations
	shot string   // the screenshot directory
}

// newBrowser starts Debian's chromium (skipping or failing, like the other
// real programs, when it is missing) with a laptop-sized window.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	chrome := needBinary(t, "chromium")
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chrome),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(1366, 900),
		chromedp.NoSandbox, // CI runs as root
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("lang", "en-GB"),
	)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	b := &browser{ctx: ctx, t: t, shot: artifactDir(t)}
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	// The first action starts the browser, which lives as long as the
	// context it is given: ctx itself, not one with a timeout.
	require.NoError(t, chromedp.Do(ctx), "starting %s", chrome)
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				b.mu.Lock()
				b.errs = append(b.errs, fmt.Sprintf("%s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line))
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// do runs actions with a time limit, failing the test on error.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	require.NoError(b.t, chromedp.Do(ctx, actions...), what)
}

// get runs one action that returns a value.
func get[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	require.NoError(b.t, err, what)
	return v
}

// errors returns and clears the console errors seen so far.
func (b *browser) errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.errs
	b.errs = nil
	return out
}

// text returns the visible text of the first element matching the CSS
// selector sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(get(b, "reading "+sel, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible)))
}

// location is the page's URL.
func (b *browser) location() string {
	b.t.Helper()
	return get(b, "location", chromedp.Location())
}

// screenshot saves the whole page as name.png. With $MLRE_DOCS_IMAGES set
// (to docs/images), it also saves what the window shows there, as
// ui-name.png: docs/quickstart.md shows those.
func (b *browser) screenshot(name string) string {
	b.t.Helper()
	png := get(b, "screenshot "+name, chromedp.FullScreenshot(100))
	p := filepath.Join(b.shot, name+".png")
	require.NoError(b.t, os.WriteFile(p, png, 0o644))
	if dir := os.Getenv("MLRE_DOCS_IMAGES"); dir != "" {
		get(b, "scrolling to the top", chromedp.Evaluate[bool](`window.scrollTo(0, 0); true`))
		view := get(b, "window screenshot "+name, chromedp.CaptureScreenshot())
		require.NoError(b.t, os.WriteFile(filepath.Join(dir, "ui-"+name+".png"), view, 0o644))
	}
	return p
}

// axeViolation is one failed axe-core rule.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// accessibility runs axe-core's WCAG 2 A and AA rules on the page and
// returns the serious and critical violations, described.
func (b *browser) accessibility() []string {
	b.t.Helper()
	get(b, "loading axe-core", chromedp.Evaluate[bool](axe+";true"))
	raw := get(b, "running axe-core", chromedp.Evaluate[string](
		`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}}).then(r => JSON.stringify(r.violations))`,
		chromedp.EvalAwaitPromise))
	var res []axeViolation
	require.NoError(b.t, json.Unmarshal([]byte(raw), &res))
	var out []string
	for _, v := range res {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		for i, n := range v.Nodes {
			if i == 3 {
				out = append(out, fmt.Sprintf("%s: and %d more", v.ID, len(v.Nodes)-3))
				break
			}
			tgt, _ := json.Marshal(n.Target)
			out = append(out, fmt.Sprintf("%s (%s): %s at %s: %s", v.ID, v.Impact, v.Help, tgt, n.HTML))
		}
	}
	return out
}

// focusAfterTabs presses Tab n times from the top of the page and returns
// the text of the focused element.
func (b *browser) focusAfterTabs(n int) string {
	b.t.Helper()
	get(b, "blur", chromedp.Evaluate[bool](`document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); true`))
	for range n {
		b.do("tab", chromedp.KeyEvent("\t"))
	}
	return get(b, "focused element", chromedp.Evaluate[string](`document.activeElement ? document.activeElement.textContent.trim() : ""`))
}

// charts returns how many charts the page declares, and how many of them
// uPlot drew.
func (b *browser) charts() (drawn, declared int) {
	b.t.Helper()
	drawn = get(b, "counting drawn charts", chromedp.Evaluate[int](`document.querySelectorAll("div.plot .uplot canvas").length`))
	declared = get(b, "counting charts", chromedp.Evaluate[int](`document.querySelectorAll("div.plot[data-chart]").length`))
	return drawn, declared
}
