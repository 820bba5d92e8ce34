package breakerhttp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/breakergen/breakergen/breakerhttp"
	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eventsPage is the status page's JSON with its events.
type eventsPage struct {
	Circuits []map[string]any `json:"circuits"`
	Events   []map[string]any `json:"events"`
}

// decodeEvents returns the events of a JSON answer, newest first.
func decodeEvents(t *testing.T, h http.Handler) []map[string]any {
	t.Helper()
	w := serve(t, h, "/?format=json")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var p eventsPage
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
	require.NotNil(t, p.Events, "the events: %s", w.Body.String())
	return p.Events
}

// TestStatusEventsJSON: with an EventLog, the JSON lists the transitions,
// probes and lock changes of a real breaker, newest first, each with its
// time, circuit, state after, scope, the lock set, whether it was learnt and
// the failure that caused it.
func TestStatusEventsJSON(t *testing.T) {
	b, _, events := statusBreaker(t)
	got := decodeEvents(t, breakerhttp.StatusHandler(b, breakerhttp.WithEventLog(events)))
	require.Len(t, got, len(statusEvents))
	for i, want := range statusEvents {
		e := got[i]
		assert.Equal(t, statusStart.Add(want.at).Format(time.RFC3339), e["time"], "event %d", i)
		assert.Equal(t, want.circuit, e["circuit"], "event %d", i)
		assert.Equal(t, want.typ, e["type"], "event %d", i)
		assert.Equal(t, want.state, e["state"], "event %d", i)
		assert.Equal(t, want.scope, e["scope"], "event %d", i)
		assert.Equal(t, false, e["remote"], "event %d: made here", i)
		if want.lock == "" {
			assert.NotContains(t, e, "lock", "event %d", i)
		} else {
			assert.Equal(t, want.lock, e["lock"], "event %d", i)
		}
		if want.err == "" {
			assert.NotContains(t, e, "error", "event %d", i)
		} else {
			assert.Equal(t, want.err, e["error"], "event %d", i)
		}
	}
}

// TestStatusEventsHTML: the page lists the events under the circuits, escapes
// the circuit names and errors, and tells a learnt event from one made here.
func TestStatusEventsHTML(t *testing.T) {
	b, clock, events := statusBreaker(t)
	events.Handle(runtime.Event{Type: runtime.EventClosed, Circuit: hostileName, Remote: true,
		Status: runtime.Status{State: runtime.StateClosed, CurrentTime: clock.Now()}, Time: clock.Now().Add(time.Millisecond)})
	events.Handle(runtime.Event{Type: runtime.EventLockChanged, Circuit: "locked-open", Remote: true,
		Status: runtime.Status{CurrentTime: clock.Now()}, Time: clock.Now().Add(2 * time.Millisecond)}) // an unlock
	body := serve(t, breakerhttp.StatusHandler(b, breakerhttp.WithEventLog(events)), "/").Body.String()
	_, table, ok := strings.Cut(body, `<table id="events">`)
	require.True(t, ok, "no table of events:\n%s", body)
	assert.Contains(t, body, "<h2>Recent events</h2>\n<p>The latest 50 transitions, probes and lock changes")
	assert.Equal(t, len(statusEvents)+2, strings.Count(table, "<tr>")-1, "a row per event, under the header")
	for _, want := range []string{
		"<th>Time</th><th>Circuit</th><th>Event</th><th>State after</th><th>Made by</th><th>Error</th>",
		"<tr>\n<td><time datetime=\"2026-03-01T12:01:15.002Z\">2026-03-01 12:01:15.002 UTC</time></td>\n<td class=\"name\">locked-open</td>\n" +
			"<td class=\"event event-lock_changed\">unlocked</td>\n<td class=\"state closed\">closed</td>\n" +
			"<td class=\"from from-remote\">another process (learnt)</td>\n<td class=\"error\">—</td>\n</tr>",
		"<td class=\"name\">&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt;&lt;img src=x onerror=&#34;document.body.dataset.pwned=1&#34;&gt;&#39;&#34;&amp;</td>\n" +
			"<td class=\"event event-closed\">closed (probe succeeded)</td>",
		"<td class=\"name\">payments</td>\n<td class=\"event event-opened\">opened</td>\n<td class=\"state open\">open</td>\n" +
			"<td class=\"from from-here\">this process</td>\n" +
			"<td class=\"error\">503 from upstream: &lt;img src=x onerror=&#34;document.body.dataset.pwned=2&#34;&gt;</td>",
		"<td class=\"name\">inventory</td>\n<td class=\"event event-opened\">opened</td>\n<td class=\"state open\">open (this process)</td>",
		"<td class=\"name\">probing</td>\n<td class=\"event event-probe\">probe granted</td>\n<td class=\"state open\">open, probe in flight</td>",
		"<td class=\"name\">locked-closed</td>\n<td class=\"event event-lock_changed\">locked closed</td>",
		"<td class=\"name\">locked-half-open</td>\n<td class=\"event event-lock_changed\">locked open</td>\n<td class=\"state open\">open (locked open)</td>",
	} {
		assert.Contains(t, table, want)
	}
	assert.Equal(t, 2, strings.Count(table, "another process (learnt)"))
	assert.Equal(t, len(statusEvents), strings.Count(table, `<td class="from from-here">this process</td>`))
	assert.NotContains(t, body, "<img")
	assert.NotContains(t, body, "<script")
}

// TestStatusWithoutEvents: without WithEventLog the page has no events, in
// HTML or JSON; with an EventLog that kept nothing, it says so.
func TestStatusWithoutEvents(t *testing.T) {
	b, _, _ := statusBreaker(t)
	h := breakerhttp.StatusHandler(b)
	assert.NotContains(t, serve(t, h, "/").Body.String(), "Recent events")
	assert.NotContains(t, serve(t, h, "/?format=json").Body.String(), `"events"`)

	empty := breakerhttp.StatusHandler(runtime.MustNew(), breakerhttp.WithEventLog(breakerhttp.NewEventLog()))
	assert.Contains(t, serve(t, empty, "/").Body.String(), `<tr><td colspan="6">No events yet.</td></tr>`)
	assert.Contains(t, serve(t, empty, "/?format=json").Body.String(), `"events": []`)
}

// TestStatusHandlerOptions: StatusHandler takes WithEventLog only, panicking
// with an error wrapping runtime.ErrInvalid otherwise, and New refuses it.
func TestStatusHandlerOptions(t *testing.T) {
	b := runtime.MustNew()
	for _, tc := range []struct {
		opts []breakerhttp.Option
		want string
	}{
		{[]breakerhttp.Option{nil}, "option 1 is nil"},
		{[]breakerhttp.Option{breakerhttp.WithEventLog(nil)}, "WithEventLog(nil)"},
		{[]breakerhttp.Option{breakerhttp.WithInstance("api")}, "options of a Transport, not of StatusHandler"},
		{[]breakerhttp.Option{breakerhttp.WithEventLog(breakerhttp.NewEventLog()), breakerhttp.WithOneCircuit()}, "options of a Transport"},
	} {
		var err error
		func() {
			defer func() { err, _ = recover().(error) }()
			breakerhttp.StatusHandler(b, tc.opts...)
		}()
		require.Error(t, err, "StatusHandler panics with an error: %s", tc.want)
		assert.ErrorIs(t, err, runtime.ErrInvalid, tc.want)
		assert.ErrorContains(t, err, tc.want)
		assert.True(t, strings.HasPrefix(err.Error(), "breakerhttp: StatusHandler: "), err.Error())
	}
	_, err := breakerhttp.New(nil, b, breakerhttp.WithEventLog(breakerhttp.NewEventLog()))
	require.ErrorIs(t, err, runtime.ErrInvalid)
	assert.ErrorContains(t, err, "WithEventLog is an option of StatusHandler")
}

// TestEventLogIsBounded: an EventLog keeps the latest 50 events it wants,
// newest first, while many goroutines handle events and pages are served;
// it ignores the others and cuts long errors.
func TestEventLogIsBounded(t *testing.T) {
	events := breakerhttp.NewEventLog()
	assert.Equal(t, []runtime.EventType{runtime.EventOpened, runtime.EventReopened, runtime.EventClosed,
		runtime.EventProbe, runtime.EventLockChanged}, events.Events())
	b := runtime.MustNew(runtime.WithListener(events))
	h := breakerhttp.StatusHandler(b, breakerhttp.WithEventLog(events))
	long := strings.Repeat("é", 1000) // 2,000 bytes
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 100 {
				at := statusStart.Add(time.Duration(g*100+i) * time.Second)
				events.Handle(runtime.Event{Type: runtime.EventFailure, Circuit: "ignored", Time: at})
				events.Handle(runtime.Event{Type: runtime.EventOpened, Circuit: fmt.Sprintf("c%d-%d", g, i),
					Err: errors.New(long), Time: at})
			}
		})
	}
	wg.Go(func() { // a real breaker's transitions, at once
		for i := range 20 {
			c := b.Circuit(fmt.Sprintf("real-%d", i))
			for range 3 {
				fail(c)
			}
		}
	})
	for range 4 {
		wg.Go(func() {
			for range 20 { // assert only: not the test's goroutine
				var p eventsPage
				if assert.NoError(t, json.Unmarshal(serve(t, h, "/?format=json").Body.Bytes(), &p)) {
					assert.LessOrEqual(t, len(p.Events), 50)
				}
				assert.Equal(t, http.StatusOK, serve(t, h, "/").Code)
			}
		})
	}
	wg.Wait()

	got := decodeEvents(t, h)
	require.Len(t, got, 50, "the latest 50")
	for _, e := range got {
		assert.NotEqual(t, "ignored", e["circuit"])
		assert.Equal(t, "opened", e["type"])
		msg, _ := e["error"].(string)
		assert.LessOrEqual(t, len(msg), 512, "an error is cut to 512 bytes")
		assert.True(t, utf8.ValidString(msg), "cut on a rune boundary")
		if strings.HasPrefix(msg, "é") {
			assert.True(t, strings.HasSuffix(msg, "é…"), "marked as cut: %q", msg[len(msg)-8:])
		}
	}

	// The newest first, once the others are done.
	for i := range 60 {
		events.Handle(runtime.Event{Type: runtime.EventClosed, Circuit: fmt.Sprintf("last-%d", i),
			Time: statusStart.Add(time.Hour + time.Duration(i)*time.Second)})
	}
	got = decodeEvents(t, h)
	require.Len(t, got, 50)
	for i, e := range got {
		assert.Equal(t, fmt.Sprintf("last-%d", 59-i), e["circuit"])
	}
}

// fleetPages returns two processes' status pages on one real redis-server in
// fleet mode, a made the circuit's opening and b learnt it, once b's
// EventLog has it.
func fleetPages(t *testing.T) (a, b http.Handler) {
	t.Helper()
	srv := redistest.Start(t)
	prefix := fmt.Sprintf("statuspage-%d", time.Now().UnixNano())
	opts := runtime.Options{CoolDown: time.Minute, SampleThreshold: 3}
	type process struct {
		b      *runtime.Breaker
		events *breakerhttp.EventLog
		h      http.Handler
	}
	newProcess := func() process {
		store, err := redisstore.New(srv.Client(t, nil), redisstore.WithPrefix(prefix))
		require.NoError(t, err)
		events := breakerhttp.NewEventLog()
		b := runtime.MustNew(runtime.WithStorage(store), runtime.WithListener(events))
		t.Cleanup(func() { _ = b.Shutdown(context.Background()) })
		return process{b, events, breakerhttp.StatusHandler(b, breakerhttp.WithEventLog(events))}
	}
	pa, pb := newProcess(), newProcess()
	ctx := context.Background()
	// b knows the circuit but calls nothing: with calls of its own that all
	// succeed it would not vote to open, and with the default quorum (2)
	// a's failures would open the circuit in a only (a local opening).
	_, err := pb.b.Circuit("payments", opts).Status(ctx)
	require.NoError(t, err, "b reading its circuit")
	for range 3 {
		failWith(pa.b.Circuit("payments", opts), hostileError)
	}
	require.Eventually(t, func() bool {
		var p eventsPage // no require: Eventually's goroutine
		return json.Unmarshal(serve(t, pb.h, "/?format=json").Body.Bytes(), &p) == nil && len(p.Events) > 0
	}, 5*time.Second, 10*time.Millisecond, "b learning the opening")
	return pa.h, pb.h
}

// TestStatusEventsLearntFromTheFleet: on a real redis-server, the process
// that opened the circuit shows the opening as its own, with the failure;
// another, which made no call, shows it as learnt.
func TestStatusEventsLearntFromTheFleet(t *testing.T) {
	a, b := fleetPages(t)
	made := decodeEvents(t, a)
	require.Len(t, made, 1, "a's events")
	assert.Equal(t, "payments", made[0]["circuit"])
	assert.Equal(t, "opened", made[0]["type"])
	assert.Equal(t, "open", made[0]["state"])
	assert.Equal(t, false, made[0]["remote"])
	assert.Equal(t, hostileError.Error(), made[0]["error"], "the failure that opened it")

	time.Sleep(50 * time.Millisecond) // room for a duplicate to show up
	learnt := decodeEvents(t, b)
	require.Len(t, learnt, 1, "b's events: the opening, once")
	assert.Equal(t, "payments", learnt[0]["circuit"])
	assert.Equal(t, "opened", learnt[0]["type"])
	assert.Equal(t, "open", learnt[0]["state"])
	assert.Equal(t, "fleet", learnt[0]["scope"])
	assert.Equal(t, true, learnt[0]["remote"], "learnt from a")
	assert.NotContains(t, learnt[0], "error", "a learnt transition carries no error")
	assert.Contains(t, serve(t, b, "/").Body.String(),
		"<td class=\"event event-opened\">opened</td>\n<td class=\"state open\">open</td>\n<td class=\"from from-remote\">another process (learnt)</td>")
}
