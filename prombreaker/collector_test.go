package prombreaker_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/breakergen/breakergen/prombreaker"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/breakerimpl"
	"github.com/breakergen/breakergen/runtime/fakeclock"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	down  = errors.New("connection refused")
)

func run(c *runtime.Circuit, err error) error {
	return c.Run(context.Background(), func(context.Context) error { return err })
}

// fixture is a breaker on a fake clock with a registered, watching collector,
// served by promhttp on loopback.
type fixture struct {
	clock *fakeclock.Clock
	b     *runtime.Breaker
	col   *prombreaker.Collector
	url   string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{clock: fakeclock.New(start), col: prombreaker.MustNewCollector()}
	f.b = runtime.MustNew(runtime.WithClock(f.clock), runtime.WithListener(f.col))
	f.col.Watch(f.b)
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(f.col))
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

func (f *fixture) scrape(t *testing.T, want string, names ...string) {
	t.Helper()
	assert.NoError(t, testutil.ScrapeAndCompare(f.url, strings.NewReader(want), names...))
}

const callsHelp = `# HELP breakergen_calls_total Calls through the circuit, by outcome: success, failure, excluded (an excluded error or the caller's own cancellation, not recorded) and skipped (refused by an open, reserved or locked-open circuit); each call has one outcome.
# TYPE breakergen_calls_total counter
`

const transitionsHelp = `Transitions of the circuit: to opened (a closed circuit failed its threshold), reopened (a probe failed) or closed (a probe succeeded), ` +
	`by scope: fleet (the storage's shared state) or process (this process's own verdict: a local opening, or a process cut off from its storage); ` +
	`transitions learnt from other processes included.`

const gaugesHelp = `# HELP breakergen_circuit_open 1 when the circuit is open or half-open, 0 when closed; read at scrape time.
# TYPE breakergen_circuit_open gauge
`

func TestScrapeThroughALifeCycle(t *testing.T) {
	f := newFixture(t)
	c := f.b.Circuit("payments", runtime.Options{CoolDown: 30 * time.Second, Exclude: []error{context.DeadlineExceeded}})
	other := f.b.Circuit("search")
	require.NoError(t, run(c, nil))
	require.ErrorIs(t, run(c, context.DeadlineExceeded), context.DeadlineExceeded) // excluded
	for range 3 {
		_ = run(c, down)
	}
	require.ErrorIs(t, run(c, nil), runtime.ErrOpen)
	breakerimpl.CountFallback(c) // a fallback answered it, as a generated method tells
	require.NoError(t, run(other, nil))

	f.scrape(t, callsHelp+`breakergen_calls_total{circuit="payments",outcome="excluded"} 1
breakergen_calls_total{circuit="payments",outcome="failure"} 2
breakergen_calls_total{circuit="payments",outcome="skipped"} 2
breakergen_calls_total{circuit="payments",outcome="success"} 1
breakergen_calls_total{circuit="search",outcome="excluded"} 0
breakergen_calls_total{circuit="search",outcome="failure"} 0
breakergen_calls_total{circuit="search",outcome="skipped"} 0
breakergen_calls_total{circuit="search",outcome="success"} 1
`, "breakergen_calls_total")
	f.scrape(t, `# HELP breakergen_fallbacks_total Skipped calls that a generated decorator's fallback answered (also counted as skipped in calls_total).
# TYPE breakergen_fallbacks_total counter
breakergen_fallbacks_total{circuit="payments"} 1
breakergen_fallbacks_total{circuit="search"} 0
`, "breakergen_fallbacks_total")
	f.scrape(t, gaugesHelp+`breakergen_circuit_open{circuit="payments"} 1
breakergen_circuit_open{circuit="search"} 0
`, "breakergen_circuit_open")

	f.clock.Advance(30 * time.Second) // half-open: shown as open
	f.scrape(t, gaugesHelp+`breakergen_circuit_open{circuit="payments"} 1
breakergen_circuit_open{circuit="search"} 0
`, "breakergen_circuit_open")

	require.NoError(t, run(c, nil)) // the probe closes it
	f.scrape(t, gaugesHelp+`breakergen_circuit_open{circuit="payments"} 0
breakergen_circuit_open{circuit="search"} 0
`, "breakergen_circuit_open")
	f.scrape(t, `# HELP breakergen_transitions_total `+transitionsHelp+`
# TYPE breakergen_transitions_total counter
breakergen_transitions_total{circuit="payments",scope="fleet",to="closed"} 1
breakergen_transitions_total{circuit="payments",scope="fleet",to="opened"} 1
breakergen_transitions_total{circuit="payments",scope="fleet",to="reopened"} 0
breakergen_transitions_total{circuit="payments",scope="process",to="closed"} 0
breakergen_transitions_total{circuit="payments",scope="process",to="opened"} 0
breakergen_transitions_total{circuit="payments",scope="process",to="reopened"} 0
breakergen_transitions_total{circuit="search",scope="fleet",to="closed"} 0
breakergen_transitions_total{circuit="search",scope="fleet",to="opened"} 0
breakergen_transitions_total{circuit="search",scope="fleet",to="reopened"} 0
breakergen_transitions_total{circuit="search",scope="process",to="closed"} 0
breakergen_transitions_total{circuit="search",scope="process",to="opened"} 0
breakergen_transitions_total{circuit="search",scope="process",to="reopened"} 0
# HELP breakergen_probes_total Probes granted: calls let through a half-open circuit to test the dependency.
# TYPE breakergen_probes_total counter
breakergen_probes_total{circuit="payments"} 1
breakergen_probes_total{circuit="search"} 0
`, "breakergen_transitions_total", "breakergen_probes_total")
}

func TestGaugesReadTheWindowAndLocks(t *testing.T) {
	f := newFixture(t)
	c := f.b.Circuit("db", runtime.Options{SampleThreshold: 100})
	for _, err := range []error{nil, down, nil, nil} {
		_ = run(c, err)
	}
	require.NoError(t, c.LockClosed(context.Background()))
	f.scrape(t, `# HELP breakergen_failure_rate Failures divided by samples within the circuit's evaluation window (0 with no samples); read at scrape time.
# TYPE breakergen_failure_rate gauge
breakergen_failure_rate{circuit="db"} 0.25
# HELP breakergen_window_samples Outcomes counted within the circuit's evaluation window; read at scrape time.
# TYPE breakergen_window_samples gauge
breakergen_window_samples{circuit="db"} 4
# HELP breakergen_circuit_locked 1 for the operator's lock in force on the circuit (lock="open": every call skipped; lock="closed": every call runs), else 0.
# TYPE breakergen_circuit_locked gauge
breakergen_circuit_locked{circuit="db",lock="closed"} 1
breakergen_circuit_locked{circuit="db",lock="open"} 0
`, "breakergen_failure_rate", "breakergen_window_samples", "breakergen_circuit_locked")
}

func TestStorageFailuresCountWhatWasSuppressed(t *testing.T) {
	f := newFixture(t)
	f.col.Handle(runtime.Event{Type: runtime.EventStorageFailure, Circuit: "db"})
	f.col.Handle(runtime.Event{Type: runtime.EventStorageFailure, Circuit: "db", Suppressed: 57})
	f.scrape(t, `# HELP breakergen_storage_failures_total Storage failures the breaker survived by failing open (including those whose events were rate-limited).
# TYPE breakergen_storage_failures_total counter
breakergen_storage_failures_total 59
`, "breakergen_storage_failures_total")
}

func TestDroppedCircuitsLeaveTheScrape(t *testing.T) {
	f := newFixture(t)
	for _, name := range []string{"tenant-a", "tenant-b"} {
		require.NoError(t, run(f.b.Circuit(name), nil))
	}
	require.True(t, f.b.Drop("tenant-a"))
	f.scrape(t, gaugesHelp+`breakergen_circuit_open{circuit="tenant-b"} 0
`, "breakergen_circuit_open")
	n, err := testutil.GatherAndCount(gatherer(t, f.col), "breakergen_calls_total")
	require.NoError(t, err)
	assert.Equal(t, 4, n, "one circuit's outcomes")
}

func gatherer(t *testing.T, c prometheus.Collector) prometheus.Gatherer {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(c))
	return reg
}

func TestMetricsPassTheLinter(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, run(f.b.Circuit("x\xffy"), nil)) // not UTF-8: the label is mended
	problems, err := testutil.CollectAndLint(f.col)
	require.NoError(t, err)
	assert.Empty(t, problems)
	assert.NoError(t, testutil.CollectAndCompare(f.col, strings.NewReader(gaugesHelp+
		"breakergen_circuit_open{circuit=\"x\uFFFDy\"} 0\n"), "breakergen_circuit_open"))
}

func TestOptions(t *testing.T) {
	col := prombreaker.MustNewCollector(prombreaker.WithNamespace("shop"),
		prombreaker.WithConstLabels(prometheus.Labels{"service": "checkout"}))
	b := runtime.MustNew(runtime.WithListener(col))
	col.Watch(b)
	require.NoError(t, run(b.Circuit("db"), nil))
	assert.NoError(t, testutil.CollectAndCompare(col, strings.NewReader(`# HELP shop_window_samples Outcomes counted within the circuit's evaluation window; read at scrape time.
# TYPE shop_window_samples gauge
shop_window_samples{circuit="db",service="checkout"} 1
`), "shop_window_samples"))

	for name, opts := range map[string][]prombreaker.Option{
		"bad namespace":    {prombreaker.WithNamespace("9 lives")},
		"label of its own": {prombreaker.WithConstLabels(prometheus.Labels{"circuit": "x"})},
		"scope label":      {prombreaker.WithConstLabels(prometheus.Labels{"scope": "x"})},
		"bad label name":   {prombreaker.WithConstLabels(prometheus.Labels{"a-b": "x"})},
		"timeout":          {prombreaker.WithStatusTimeout(0)},
		"nil option":       {nil},
	} {
		t.Run(name, func(t *testing.T) {
			col, err := prombreaker.NewCollector(opts...)
			assert.ErrorIs(t, err, runtime.ErrInvalid)
			assert.Nil(t, col)
		})
	}
	assert.Panics(t, func() { prombreaker.MustNewCollector(prombreaker.WithStatusTimeout(-1)) })
}

// localStorage is memory storage whose circuits named in local report this
// process's own verdict (storage.ScopeProcess), as a fleet store does for a local
// opening or when cut off from Redis.
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

// TestTransitionsByScopeAndTheLocalGauge: a local opening counts under
// scope="process" and sets breakergen_circuit_local; a transition learnt from
// another process counts like one of this process's own; lock changes count
// by the lock set, learnt ones included.
func TestTransitionsByScopeAndTheLocalGauge(t *testing.T) {
	col := prombreaker.MustNewCollector()
	clock := fakeclock.New(start)
	b := runtime.MustNew(runtime.WithClock(clock), runtime.WithListener(col),
		runtime.WithStorage(localStorage{storage.NewMemory(), map[string]bool{"payments": true}}))
	col.Watch(b)
	local, fleet := b.Circuit("payments"), b.Circuit("search")
	for range 3 {
		_ = run(local, down)
	}
	require.ErrorIs(t, run(local, nil), runtime.ErrOpen)
	require.NoError(t, run(fleet, nil))
	learnt := runtime.Status{State: runtime.StateOpen, OpenedAt: start, CurrentTime: start}
	col.Handle(runtime.Event{Type: runtime.EventOpened, Circuit: "search", Status: learnt, Remote: true})
	col.Handle(runtime.Event{Type: runtime.EventClosed, Circuit: "search", Remote: true})
	require.NoError(t, fleet.LockOpen(context.Background()))
	col.Handle(runtime.Event{Type: runtime.EventLockChanged, Circuit: "search", Remote: true}) // an unlock: LockNone

	assert.NoError(t, testutil.CollectAndCompare(col, strings.NewReader(`# HELP breakergen_circuit_local 1 when the verdict in force is this process's own (a local opening, or a process cut off from its storage deciding alone), 0 when the fleet's; read at scrape time.
# TYPE breakergen_circuit_local gauge
breakergen_circuit_local{circuit="payments"} 1
breakergen_circuit_local{circuit="search"} 0
# HELP breakergen_transitions_total `+transitionsHelp+`
# TYPE breakergen_transitions_total counter
breakergen_transitions_total{circuit="payments",scope="fleet",to="closed"} 0
breakergen_transitions_total{circuit="payments",scope="fleet",to="opened"} 0
breakergen_transitions_total{circuit="payments",scope="fleet",to="reopened"} 0
breakergen_transitions_total{circuit="payments",scope="process",to="closed"} 0
breakergen_transitions_total{circuit="payments",scope="process",to="opened"} 1
breakergen_transitions_total{circuit="payments",scope="process",to="reopened"} 0
breakergen_transitions_total{circuit="search",scope="fleet",to="closed"} 1
breakergen_transitions_total{circuit="search",scope="fleet",to="opened"} 1
breakergen_transitions_total{circuit="search",scope="fleet",to="reopened"} 0
breakergen_transitions_total{circuit="search",scope="process",to="closed"} 0
breakergen_transitions_total{circuit="search",scope="process",to="opened"} 0
breakergen_transitions_total{circuit="search",scope="process",to="reopened"} 0
# HELP breakergen_lock_changes_total Operator lock changes of the circuit, by the lock set: open, closed, or none (unlocked); changes learnt from other processes included.
# TYPE breakergen_lock_changes_total counter
breakergen_lock_changes_total{circuit="payments",lock="closed"} 0
breakergen_lock_changes_total{circuit="payments",lock="none"} 0
breakergen_lock_changes_total{circuit="payments",lock="open"} 0
breakergen_lock_changes_total{circuit="search",lock="closed"} 0
breakergen_lock_changes_total{circuit="search",lock="none"} 1
breakergen_lock_changes_total{circuit="search",lock="open"} 1
`), "breakergen_circuit_local", "breakergen_transitions_total", "breakergen_lock_changes_total"))
}
