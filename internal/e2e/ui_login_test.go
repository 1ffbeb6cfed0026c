package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestUILogin runs mlre serve with a token and logs in to the web UI in
// Chromium: a page asks for the token once, a wrong one is refused with a
// message, the right one lands on the page first asked for, and later pages
// need no token again.
func TestUILogin(t *testing.T) {
	b := newBrowser(t)
	bin, err := mlreBinary()
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "token"), []byte("ui-s3cret-0123456789abcdef\n"), 0o600))
	cfg := filepath.Join(dir, "mlre.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(`
server:
  auth:
    tokens:
      - {name: ui, token_file: token, scopes: [read]}
collectors: {gpu: {enabled: false}}
`), 0o600))
	p := startProcess(t, bin, func(port int) []string {
		return []string{"serve", "--config", cfg, "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--storage.path", filepath.Join(dir, "data")}
	}, "/-/ready")

	b.do("opening /slos", chromedp.Navigate(p.url+"/slos"), chromedp.WaitVisible(chromedp.CSS("#token")))
	require.Equal(t, p.url+"/login?next=%2Fslos", b.location())
	require.Equal(t, "Log in to mlre", b.text("h1"))
	require.Empty(t, b.accessibility(), "accessibility of the login page")
	b.screenshot("login")

	b.do("a wrong token", chromedp.SendKeys(chromedp.CSS("#token"), "nope"), chromedp.Submit(chromedp.CSS("#token")),
		chromedp.WaitVisible(chromedp.CSS("p.error")))
	require.Contains(t, b.text("p.error"), "invalid bearer token")
	errs := b.errors()
	require.Len(t, errs, 1, "the refused login answers 401, and nothing else fails: %q", errs)
	require.Contains(t, errs[0], "401")

	b.do("the right token", chromedp.WaitVisible(chromedp.CSS("#token")), chromedp.SendKeys(chromedp.CSS("#token"), "ui-s3cret-0123456789abcdef"),
		chromedp.Submit(chromedp.CSS("#token")), chromedp.WaitVisible(chromedp.CSS("table.slo-table, p.empty")))
	require.Equal(t, p.url+"/slos", b.location())
	require.Equal(t, "SLOs", b.text("h1"))

	b.do("another page", chromedp.Navigate(p.url+"/infra"), chromedp.WaitVisible(chromedp.CSS("#h-hosts")))
	require.Equal(t, p.url+"/infra", b.location(), "the cookie keeps the login")
	b.do("logging out", chromedp.Click(chromedp.CSS("form.logout button")), chromedp.WaitVisible(chromedp.CSS("#token")))
	require.Empty(t, b.errors(), "console errors")

	// The API still wants its bearer token: the cookie is the UI's alone.
	code, body, err := httpGet(p.url + "/api/v1/query?query=up")
	require.NoError(t, err)
	require.Equal(t, 401, code)
	require.True(t, strings.Contains(string(body), "bearer"), string(body))
}
