package breakerhttp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/breakergen/breakergen/breakerhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireChromium is the environment variable that turns a missing Chromium
// from a skip into a failure when it is "1" (CI sets it).
const requireChromium = "BREAKERGEN_REQUIRE_CHROMIUM"

// chromium returns the path of a Chromium binary, skipping the test (or
// failing it under requireChromium) when there is none.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	msg := "chromium not found on PATH; install the Debian package chromium (apt-get install chromium)"
	if os.Getenv(requireChromium) == "1" {
		t.Fatalf("%s; %s=1 requires it", msg, requireChromium)
	}
	t.Skipf("%s to run the browser check", msg)
	return ""
}

// dumpDOM loads url in headless Chromium and returns the DOM it rendered,
// after the page's scripts (were there any) had run.
func dumpDOM(t *testing.T, url string) string {
	t.Helper()
	bin := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--no-first-run", "--no-default-browser-check",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=2000",
		"--dump-dom", url)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "chromium: %s", stderr.String())
	return string(out)
}

// TestStatusPageInABrowser loads the page in a real headless Chromium and
// checks what it rendered: every circuit as a row, a local opening (this
// process's own verdict) marked and counted apart, a circuit name made of
// markup shown as text, its script never run, and the events of the trips,
// newest first, an error made of markup shown as text too.
func TestStatusPageInABrowser(t *testing.T) {
	b, _, events := statusBreaker(t)
	srv := httptest.NewServer(breakerhttp.StatusHandler(b, breakerhttp.WithEventLog(events)))
	defer srv.Close()

	dom := dumpDOM(t, srv.URL+"/")
	assert.Contains(t, dom, "<title>Circuits: 6 open, 2 locked open</title>", "the title, not one a script set")
	assert.NotContains(t, dom, "pwned=\"1\"", "no handler of the name ran")
	assert.NotContains(t, dom, "data-pwned")
	assert.NotContains(t, dom, "<script", "no script element")
	assert.NotContains(t, dom, "<img", "no image element")
	assert.Contains(t, dom, `<td class="name">&lt;script&gt;document.title="pwned"&lt;/script&gt;&lt;img src=x onerror="document.body.dataset.pwned=1"&gt;'"&amp;</td>`,
		"the name, as text")
	circuits, _, _ := strings.Cut(dom, `<table id="events">`)
	assert.Equal(t, 10, strings.Count(circuits, `<td class="name">`), "a row per circuit")
	assert.Contains(t, dom, `<p id="summary">10 circuits: 6 open or half-open (1 open in this process only), 2 locked open, 1 locked closed;`)
	assert.Contains(t, dom, `<th>State</th><th>Verdict</th><th>Lock</th>`)
	assert.Equal(t, 2, strings.Count(dom, `<td class="verdict verdict-process">this process</td>`), "the local opening and the circuit decided alone")
	assert.Equal(t, 8, strings.Count(dom, `<td class="verdict verdict-fleet">fleet</td>`))
	for _, want := range []string{
		`<td class="name">payments</td>`, `<td class="state open">open</td>`, "in 45s",
		`<td class="state half-open">half-open</td>`, "none while locked open", "25.0%",
		`<td class="state open">open, probe in flight</td>`, "<td>probe in flight</td>",
		`<td class="state open">open (locked open)</td>`, `<td class="state closed">closed (locked closed)</td>`,
		"<td class=\"name\">inventory</td>\n<td class=\"state open\">open (this process)</td>\n<td class=\"verdict verdict-process\">this process</td>",
		"<td class=\"name\">alone</td>\n<td class=\"state closed\">closed (this process)</td>\n<td class=\"verdict verdict-process\">this process</td>",
	} {
		assert.Contains(t, dom, want)
	}

	_, table, ok := strings.Cut(dom, `<table id="events">`)
	require.True(t, ok, "no table of events in the DOM:\n%s", dom)
	assert.Contains(t, dom, "<h2>Recent events</h2>")
	rows := eventRows(table)
	require.Len(t, rows, len(statusEvents), "a row per event:\n%s", table)
	for i, want := range statusEvents {
		assert.Contains(t, rows[i], `<td class="name">`+want.circuit+`</td>`, "row %d", i)
		assert.Contains(t, rows[i], `<td class="from from-here">this process</td>`, "row %d", i)
		assert.Contains(t, rows[i], statusStart.Add(want.at).Format("2006-01-02 15:04:05.000 UTC"), "row %d", i)
	}
	for _, want := range []string{
		`<td class="event event-opened">opened</td><td class="state open">open</td><td class="from from-here">this process</td>` +
			`<td class="error">503 from upstream: &lt;img src=x onerror="document.body.dataset.pwned=2"&gt;</td>`,
		`<td class="name">inventory</td><td class="event event-opened">opened</td><td class="state open">open (this process)</td>`,
		`<td class="event event-probe">probe granted</td><td class="state open">open, probe in flight</td>`,
		`<td class="name">locked-closed</td><td class="event event-lock_changed">locked closed</td>`,
	} {
		assert.Contains(t, strings.Join(rows, "\n"), want)
	}
}

// TestLearntEventsInABrowser: on a real redis-server, one process trips the
// circuit and another, which made no call, shows the opening on its
// page, rendered by Chromium, as learnt from another process; the first
// shows it as its own, with the failure as text.
func TestLearntEventsInABrowser(t *testing.T) {
	chromium(t) // skip before starting Redis
	a, b := fleetPages(t)
	for _, p := range []struct {
		h    http.Handler
		want string
	}{
		{a, `<td class="from from-here">this process</td><td class="error">503 from upstream: &lt;img src=x onerror="document.body.dataset.pwned=2"&gt;</td>`},
		{b, `<td class="from from-remote">another process (learnt)</td><td class="error">—</td>`},
	} {
		srv := httptest.NewServer(p.h)
		dom := dumpDOM(t, srv.URL+"/")
		srv.Close()
		_, table, ok := strings.Cut(dom, `<table id="events">`)
		require.True(t, ok, "no table of events in the DOM:\n%s", dom)
		rows := eventRows(table)
		require.Len(t, rows, 1, "the opening, once:\n%s", table)
		assert.Contains(t, rows[0], `<td class="name">payments</td><td class="event event-opened">opened</td><td class="state open">open</td>`+p.want)
		assert.NotContains(t, dom, "data-pwned")
	}
}

// eventRows returns the rows of the events table's body in a DOM Chromium
// dumped, their cells joined without the newlines between them.
func eventRows(table string) []string {
	body, _, _ := strings.Cut(table, "</tbody>")
	_, body, _ = strings.Cut(body, "<tbody>")
	var rows []string
	for _, r := range strings.Split(body, "<tr>")[1:] {
		r, _, _ = strings.Cut(r, "</tr>")
		rows = append(rows, strings.ReplaceAll(r, "\n", ""))
	}
	return rows
}
