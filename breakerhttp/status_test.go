package breakerhttp_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/breakergen/breakergen/breakerhttp"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/fakeclock"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var statusStart = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// hostileName is a circuit name that would run script if it were markup.
const hostileName = `<script>document.title="pwned"</script><img src=x onerror="document.body.dataset.pwned=1">'"&`

// hostileError is the error of a failure that opened a circuit, made of
// markup: the page shows it as text.
var hostileError = errors.New(`503 from upstream: <img src=x onerror="document.body.dataset.pwned=2">`)

func fail(c *runtime.Circuit) { failWith(c, errors.New("down")) }

func failWith(c *runtime.Circuit, err error) {
	_ = c.Run(context.Background(), func(context.Context) error { return err })
}

// localStorage is memory storage whose circuits named in local report this
// process's own verdict (storage.ScopeProcess), as a Redis fleet store does for a
// local opening, or for every circuit while it is cut off from Redis.
type localStorage struct {
	storage.Storage
	local map[string]bool
}

func (s localStorage) Bind(name string, p storage.Policy) (storage.Handle, error) {
	h, err := s.Storage.Bind(name, p)
	if err != nil || !s.local[name] {
		return h, err
	}
	return localHandle{h}, nil
}

// localHandle hides the memory handle's optional interfaces: only the
// decision path, every status of storage.ScopeProcess.
type localHandle struct{ storage.Handle }

func (h localHandle) Status(ctx context.Context, now time.Time) (storage.Status, error) {
	st, err := h.Handle.Status(ctx, now)
	st.Scope = storage.ScopeProcess
	return st, err
}

func (h localHandle) Record(ctx context.Context, now time.Time, o storage.Outcome) (storage.Result, error) {
	r, err := h.Handle.Record(ctx, now, o)
	r.Status.Scope = storage.ScopeProcess
	return r, err
}

// statusBreaker returns a breaker with circuits in every state: closed with
// samples, open, half-open, a probe in flight, locked open (closed and
// half-open underneath) and locked closed, open in this process only (a
// local opening) and closed by this process alone (as when cut off from
// Redis), and a hostile name; and the EventLog listening to it, which holds
// their 9 events (statusEvents).
func statusBreaker(t *testing.T) (*runtime.Breaker, *fakeclock.Clock, *breakerhttp.EventLog) {
	t.Helper()
	clock := fakeclock.New(statusStart)
	local := localStorage{storage.NewMemory(), map[string]bool{"inventory": true, "alone": true}}
	events := breakerhttp.NewEventLog()
	b := runtime.MustNew(runtime.WithClock(clock), runtime.WithStorage(local), runtime.WithListener(events))
	ctx := context.Background()
	opts := runtime.Options{CoolDown: time.Minute}
	for _, name := range []string{"half-open", "probing", "locked-half-open"} {
		for range 3 {
			fail(b.Circuit(name, opts))
		}
	}
	clock.Advance(time.Minute)
	for range 3 {
		failWith(b.Circuit("payments", opts), hostileError)
	}
	for range 3 {
		fail(b.Circuit("inventory", opts))
	}
	require.NoError(t, b.Circuit("alone").Run(ctx, func(context.Context) error { return nil }))
	clock.Advance(15 * time.Second)
	search := b.Circuit("search", runtime.Options{SampleThreshold: 10})
	for _, err := range []error{nil, nil, nil, errors.New("slow")} {
		_ = search.Run(ctx, func(context.Context) error { return err })
	}
	probe, err := b.Circuit("probing").Allow(ctx) // reserved, never done: in flight
	require.NoError(t, err)
	require.True(t, probe.Probe())
	require.NoError(t, b.Circuit("locked-half-open").LockOpen(ctx))
	require.NoError(t, b.Circuit("locked-open").LockOpen(ctx))
	require.NoError(t, b.Circuit("locked-closed").LockClosed(ctx))
	b.Circuit(hostileName)
	return b, clock, events
}

// statusEvents are the events of statusBreaker's circuits, newest first:
// time after statusStart, circuit, type, state after, scope, lock, error.
var statusEvents = []struct {
	at                                    time.Duration
	circuit, typ, state, scope, lock, err string
}{
	{75 * time.Second, "locked-closed", "lock_changed", "closed (locked closed)", "fleet", "closed", ""},
	{75 * time.Second, "locked-open", "lock_changed", "open (locked open)", "fleet", "open", ""},
	{75 * time.Second, "locked-half-open", "lock_changed", "open (locked open)", "fleet", "open", ""},
	{75 * time.Second, "probing", "probe", "open, probe in flight", "fleet", "", ""},
	{time.Minute, "inventory", "opened", "open (this process)", "process", "", "down"},
	{time.Minute, "payments", "opened", "open", "fleet", "", hostileError.Error()},
	{0, "locked-half-open", "opened", "open", "fleet", "", "down"},
	{0, "probing", "opened", "open", "fleet", "", "down"},
	{0, "half-open", "opened", "open", "fleet", "", "down"},
}

func serve(t *testing.T, h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

type jsonPage struct {
	Time     time.Time        `json:"time"`
	Circuits []map[string]any `json:"circuits"`
}

func decode(t *testing.T, w *httptest.ResponseRecorder) map[string]map[string]any {
	t.Helper()
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, "application/json", w.Header().Get("Content-Type"))
	var p jsonPage
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
	out := make(map[string]map[string]any)
	for _, c := range p.Circuits {
		out[c["name"].(string)] = c
	}
	return out
}

func TestStatusJSON(t *testing.T) {
	b, _, _ := statusBreaker(t)
	h := breakerhttp.StatusHandler(b)
	got := decode(t, serve(t, h, "/?format=json"))
	require.Len(t, got, 10)

	p := got["payments"]
	assert.Equal(t, "open", p["state"])
	assert.Equal(t, "none", p["lock"])
	assert.Equal(t, statusStart.Add(time.Minute).Format(time.RFC3339), p["opened_at"])
	assert.Equal(t, statusStart.Add(2*time.Minute).Format(time.RFC3339), p["next_probe"])
	assert.InDelta(t, 45, p["next_probe_in_seconds"], 1e-9)
	assert.InDelta(t, 1.0, p["failure_rate"], 1e-9)
	assert.InDelta(t, 3, p["samples"], 1e-9)
	assert.InDelta(t, 60, p["cool_down_seconds"], 1e-9)

	assert.Equal(t, "fleet", p["scope"])

	inv := got["inventory"]
	assert.Equal(t, "open (this process)", inv["state"], "a local opening")
	assert.Equal(t, "process", inv["scope"])
	assert.InDelta(t, 45, inv["next_probe_in_seconds"], 1e-9)
	assert.Equal(t, "closed (this process)", got["alone"]["state"])
	assert.Equal(t, "process", got["alone"]["scope"])

	assert.Equal(t, "half-open", got["half-open"]["state"])
	assert.InDelta(t, 0, got["half-open"]["next_probe_in_seconds"], 1e-9, "due")

	s := got["search"]
	assert.Equal(t, "closed", s["state"])
	assert.InDelta(t, 0.25, s["failure_rate"], 1e-9)
	assert.InDelta(t, 4, s["samples"], 1e-9)
	assert.NotContains(t, s, "opened_at")
	assert.NotContains(t, s, "next_probe")

	assert.Equal(t, "open, probe in flight", got["probing"]["state"])
	assert.Equal(t, true, got["probing"]["probe_in_flight"])
	assert.Equal(t, false, got["half-open"]["probe_in_flight"])
	assert.Equal(t, "open (locked open)", got["locked-half-open"]["state"], "not half-open beside lock open")
	assert.Equal(t, "open (locked open)", got["locked-open"]["state"])
	assert.Equal(t, "open", got["locked-open"]["lock"])
	assert.Equal(t, "closed (locked closed)", got["locked-closed"]["state"])
	assert.Equal(t, "closed", got["locked-closed"]["lock"])
	assert.Contains(t, got, hostileName, "names are data, kept as they are")

	accept := decode(t, serve(t, h, "/", "Accept", "application/json"))
	assert.Len(t, accept, 10, "Accept: application/json")
}

func TestStatusHTML(t *testing.T) {
	b, _, _ := statusBreaker(t)
	h := breakerhttp.StatusHandler(b)
	for _, w := range []*httptest.ResponseRecorder{
		serve(t, h, "/"),
		serve(t, h, "/", "Accept", "text/html,application/json;q=0.9"),
		serve(t, h, "/?format=html", "Accept", "application/json"),
	} {
		require.Equal(t, http.StatusOK, w.Code)
		assert.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
		assert.Contains(t, w.Header().Get("Content-Security-Policy"), "default-src 'none'")
		assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
		body := w.Body.String()
		assert.Contains(t, body, "10 circuits: 6 open or half-open (1 open in this process only), 2 locked open, 1 locked closed; as of <time datetime=\"2026-03-01T12:01:15Z\">")
		assert.Contains(t, body, `<td class="state open">open, probe in flight</td>`)
		assert.Contains(t, body, "<td class=\"state open\">open (this process)</td>\n<td class=\"verdict verdict-process\">this process</td>")
		assert.Contains(t, body, "<td class=\"state closed\">closed (this process)</td>\n<td class=\"verdict verdict-process\">this process</td>")
		assert.Contains(t, body, "<td class=\"state open\">open</td>\n<td class=\"verdict verdict-fleet\">fleet</td>")
		assert.Contains(t, body, "&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt;&lt;img src=x onerror=&#34;document.body.dataset.pwned=1&#34;&gt;&#39;&#34;&amp;")
		assert.NotContains(t, body, "<script")
		assert.Contains(t, body, "in 45s")
		assert.Contains(t, body, "none while locked open")
		assert.Contains(t, body, "25.0%")
	}
	refreshed := serve(t, h, "/?refresh=5")
	assert.Contains(t, refreshed.Body.String(), `<meta http-equiv="refresh" content="5">`)
	assert.NotContains(t, serve(t, h, "/").Body.String(), "http-equiv")
	for _, bad := range []string{"0", "3601", "x", "-1"} {
		w := serve(t, h, "/?refresh="+bad)
		assert.Equal(t, http.StatusBadRequest, w.Code, bad)
	}
}

// TestStatusWordsAfterAFailedProbe: a reopened circuit reads "open", and
// no probe is in flight; one circuit is "1 circuit".
func TestStatusWordsAfterAFailedProbe(t *testing.T) {
	clock := fakeclock.New(statusStart)
	b := runtime.MustNew(runtime.WithClock(clock))
	c := b.Circuit("payments", runtime.Options{CoolDown: time.Minute})
	for range 3 {
		fail(c)
	}
	clock.Advance(time.Minute)
	fail(c) // the probe fails: reopened
	h := breakerhttp.StatusHandler(b)
	got := decode(t, serve(t, h, "/?format=json"))["payments"]
	assert.Equal(t, "open", got["state"])
	assert.Equal(t, false, got["probe_in_flight"])
	body := serve(t, h, "/").Body.String()
	assert.Contains(t, body, "1 circuit: 1 open or half-open")
	assert.Contains(t, body, "in 1m0s")
	assert.NotContains(t, body, "probe in flight")
}

// TestStatusOfALocalProbe: a probe in flight of a local opening is one,
// though its words end with "(this process)".
func TestStatusOfALocalProbe(t *testing.T) {
	clock := fakeclock.New(statusStart)
	b := runtime.MustNew(runtime.WithClock(clock),
		runtime.WithStorage(localStorage{storage.NewMemory(), map[string]bool{"inventory": true}}))
	c := b.Circuit("inventory", runtime.Options{CoolDown: time.Minute})
	for range 3 {
		fail(c)
	}
	clock.Advance(time.Minute)
	probe, err := c.Allow(context.Background())
	require.NoError(t, err)
	require.True(t, probe.Probe())
	h := breakerhttp.StatusHandler(b)
	got := decode(t, serve(t, h, "/?format=json"))["inventory"]
	assert.Equal(t, "open, probe in flight (this process)", got["state"])
	assert.Equal(t, "process", got["scope"])
	assert.Equal(t, true, got["probe_in_flight"])
	body := serve(t, h, "/").Body.String()
	assert.Contains(t, body, "1 circuit: 1 open or half-open (1 open in this process only)")
	assert.Contains(t, body, "<td>probe in flight</td>")
}

func TestStatusIsReadOnly(t *testing.T) {
	b, _, _ := statusBreaker(t)
	h := breakerhttp.StatusHandler(b)
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, "LOCK"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(m, "/", strings.NewReader("lock=open")))
		assert.Equal(t, http.StatusMethodNotAllowed, w.Code, m)
		assert.Equal(t, "GET, HEAD", w.Header().Get("Allow"))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodHead, "/?format=json", nil))
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.Empty(t, w.Body.String())
}

func TestStatusOfAnEmptyBreaker(t *testing.T) {
	h := breakerhttp.StatusHandler(runtime.MustNew())
	assert.Contains(t, serve(t, h, "/").Body.String(), "No circuits yet")
	w := serve(t, h, "/?format=json")
	body, err := io.ReadAll(w.Body)
	require.NoError(t, err)
	assert.Contains(t, string(body), `"circuits": []`)
	assert.PanicsWithValue(t, "breakerhttp: StatusHandler: nil *runtime.Breaker", func() { breakerhttp.StatusHandler(nil) })
}

// failing is a storage whose every call fails.
type failing struct{}

var errStorage = errors.New("dial tcp 127.0.0.1:1: connection refused")

func (failing) Bind(string, storage.Policy) (storage.Handle, error) { return failingHandle{}, nil }

type failingHandle struct{}

func (failingHandle) Status(context.Context, time.Time) (storage.Status, error) {
	return storage.Status{}, errStorage
}
func (failingHandle) Record(context.Context, time.Time, storage.Outcome) (storage.Result, error) {
	return storage.Result{}, errStorage
}
func (failingHandle) Reserve(context.Context, time.Time, time.Time, time.Time) (time.Time, bool, error) {
	return time.Time{}, false, errStorage
}
func (failingHandle) Release(context.Context, time.Time, time.Time) (bool, error) {
	return false, errStorage
}
func (failingHandle) Lock(context.Context, time.Time, storage.Lock) error { return errStorage }
func (failingHandle) Reset(context.Context, time.Time) error              { return errStorage }

func TestStatusWhenTheStorageFails(t *testing.T) {
	b := runtime.MustNew(runtime.WithStorage(failing{}))
	b.Circuit("db")
	got := decode(t, serve(t, breakerhttp.StatusHandler(b), "/?format=json"))
	assert.Equal(t, "unknown (storage failed)", got["db"]["state"])
	assert.NotEmpty(t, got["db"]["error"])
	assert.Contains(t, serve(t, breakerhttp.StatusHandler(b), "/").Body.String(), "(storage error)")
}
