package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/faultproxy"
	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// events collects a breaker's events of every type.
type events struct {
	mu  sync.Mutex
	all []runtime.Event
}

func (r *events) Handle(e runtime.Event) {
	r.mu.Lock()
	r.all = append(r.all, e)
	r.mu.Unlock()
}

// of returns the events of type typ, in order.
func (r *events) of(typ runtime.EventType) []runtime.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []runtime.Event
	for _, e := range r.all {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// process is one process of a fleet test: a breaker on a fleet store, and
// the events it emitted.
type process struct {
	b      *runtime.Breaker
	s      *redisstore.Store
	c      *runtime.Circuit
	events *events
}

// newProcess returns a process on client that shares like's prefix (a new one
// when like is nil), with the circuit "c" of o.
func newProcess(t *testing.T, client redis.UniversalClient, like *redisstore.Store, o runtime.Options, opts ...redisstore.Option) *process {
	t.Helper()
	var s *redisstore.Store
	if like == nil {
		s = newStore(t, client, opts...)
	} else {
		s = newStoreWithPrefix(t, client, like, opts...)
	}
	ev := &events{}
	b := runtime.MustNew(runtime.WithStorage(s), runtime.WithStorageTimeout(protocolTimeout), runtime.WithListener(ev))
	return &process{b: b, s: s, c: b.Circuit("c", o), events: ev}
}

// calls makes n calls of fn and returns how many ran.
func (p *process) calls(n int, fn func(context.Context) error) int {
	ran := 0
	for range n {
		if err := p.c.Run(context.Background(), fn); !errors.Is(err, runtime.ErrOpen) {
			ran++
		}
	}
	return ran
}

// status reads the circuit's status, failing the test on an error.
func (p *process) status(t *testing.T) runtime.Status {
	t.Helper()
	st, err := p.c.Status(context.Background())
	require.NoError(t, err)
	return st
}

// race makes n goroutines call fn at once and returns how many ran.
func (p *process) race(n int, fn func(context.Context) error) int {
	var ran atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			if err := p.c.Run(context.Background(), fn); !errors.Is(err, runtime.ErrOpen) {
				ran.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	return int(ran.Load())
}

// slowly is a probe that takes long enough for every racer to ask for it.
func slowly(err error) func(context.Context) error {
	return func(context.Context) error {
		time.Sleep(50 * time.Millisecond)
		return err
	}
}

// TestLocalOpening checks, for fleet and strict stores, that a process whose
// own calls fail while the fleet's are healthy stops calling by itself (a
// local opening, an EventOpened of ScopeProcess), that the others keep
// calling, and that it probes alone, one probe in the process, and closes by
// itself.
func TestLocalOpening(t *testing.T) {
	_, client := server(t)
	for _, mode := range []struct {
		name string
		opts []redisstore.Option
	}{{"fleet", nil}, {"strict", []redisstore.Option{redisstore.WithStrict()}}} {
		t.Run(mode.name, func(t *testing.T) {
			healthy := newProcess(t, client, nil, fleetOpts, mode.opts...)
			bad := newProcess(t, client, healthy.s, fleetOpts, mode.opts...)
			require.Equal(t, 20, healthy.calls(20, succeed))
			require.NoError(t, healthy.s.Flush(context.Background()))
			assert.Equal(t, 3, bad.calls(10, fail), "the bad process's calls before it skips: its threshold")
			opened := bad.events.of(runtime.EventOpened)
			require.Len(t, opened, 1, "the bad process's openings")
			assert.Equal(t, storage.ScopeProcess, opened[0].Status.Scope, "its opening is its own")
			st := bad.status(t)
			assert.True(t, st.Open(), "the bad process's circuit: %v", st)
			assert.Equal(t, storage.ScopeProcess, st.Scope)
			var refused *runtime.OpenCircuitError
			require.ErrorAs(t, bad.c.Run(context.Background(), succeed), &refused)
			assert.Equal(t, storage.ScopeProcess, refused.Status.Scope, "the refusal says whose verdict it is")

			assert.Equal(t, 20, healthy.calls(20, succeed), "the healthy process keeps calling")
			assert.Empty(t, healthy.events.of(runtime.EventOpened), "the healthy process's openings")
			st = healthy.status(t)
			assert.True(t, st.Closed() && st.Scope == storage.ScopeFleet, "the fleet's circuit: %v", st)

			bad.s.Advance(fleetOpts.CoolDown + time.Second)
			assert.Equal(t, 1, bad.race(8, slowly(nil)), "calls of 8 racers once the local cool-down is over: one probe")
			assert.Len(t, bad.events.of(runtime.EventProbe), 1, "EventProbe")
			closed := bad.events.of(runtime.EventClosed)
			require.Len(t, closed, 1, "the local probe's success closes the circuit here")
			assert.Equal(t, storage.ScopeProcess, closed[0].Status.Scope)
			assert.Equal(t, 5, bad.calls(5, succeed), "calls after the local closing")
		})
	}
}

// TestLocalProbeFails checks that a failed local probe reopens the circuit in
// the process, with a new cool-down.
func TestLocalProbeFails(t *testing.T) {
	_, client := server(t)
	healthy := newProcess(t, client, nil, fleetOpts)
	bad := newProcess(t, client, healthy.s, fleetOpts)
	healthy.calls(20, succeed)
	require.NoError(t, healthy.s.Flush(context.Background()))
	bad.calls(3, fail)
	first := bad.status(t).OpenedAt
	bad.s.Advance(fleetOpts.CoolDown + time.Second)
	assert.Equal(t, 1, bad.race(8, slowly(errDependency)), "one probe")
	reopened := bad.events.of(runtime.EventReopened)
	require.Len(t, reopened, 1)
	assert.Equal(t, storage.ScopeProcess, reopened[0].Status.Scope)
	st := bad.status(t)
	assert.True(t, st.Open() && st.OpenedAt.After(first), "reopened with a new OpenedAt: %v", st)
	assert.Zero(t, bad.calls(5, succeed), "calls while cooling down again")
}

// TestFleetTransitionEndsLocalOpening checks that the fleet's verdict
// supersedes a process's own: when the fleet's circuit opens and then closes,
// a process open by itself learns it and is closed with the fleet.
func TestFleetTransitionEndsLocalOpening(t *testing.T) {
	_, client := server(t)
	healthy := newProcess(t, client, nil, fleetOpts)
	bad := newProcess(t, client, healthy.s, fleetOpts)
	healthy.calls(20, succeed)
	require.NoError(t, healthy.s.Flush(context.Background()))
	bad.calls(3, fail)
	require.Equal(t, storage.ScopeProcess, bad.status(t).Scope)
	ctx := context.Background()
	h := bind(t, healthy.s, "c", policy).(storage.Operator)
	ok, err := h.Open(ctx, time.Time{})
	require.True(t, ok && err == nil, "Open = %v, %v", ok, err)
	eventually(t, time.Second, "the bad process learning the fleet's opening", func() bool {
		return bad.status(t).Scope == storage.ScopeFleet
	})
	ok, err = h.Close(ctx, time.Time{})
	require.True(t, ok && err == nil, "Close = %v, %v", ok, err)
	eventually(t, time.Second, "the bad process closed with the fleet", func() bool {
		return bad.calls(1, succeed) == 1
	})
	st := bad.status(t)
	assert.True(t, st.Closed() && st.Scope == storage.ScopeFleet, "%v", st)
}

// TestQuorum checks the fleet's opening with real breakers: one process that
// fails among healthy ones opens its circuit alone; a second opens the fleet's,
// which every process then learns; a process alone opens the fleet's at once.
func TestQuorum(t *testing.T) {
	_, client := server(t)
	ctx := context.Background()
	thin := runtime.Options{CoolDown: time.Minute, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 3}
	a := newProcess(t, client, nil, thin)
	b := newProcess(t, client, a.s, thin)
	c := newProcess(t, client, a.s, thin)
	a.calls(1, succeed)
	require.NoError(t, a.s.Flush(ctx))
	b.calls(4, fail)
	require.NoError(t, b.s.Flush(ctx))
	require.Equal(t, storage.ScopeProcess, b.status(t).Scope, "one voter: a local opening")
	in, err := a.s.Inspect(ctx, "c")
	require.NoError(t, err)
	assert.Equal(t, storage.StateClosed, in.State, "the fleet's circuit with one voter of two reporters")
	assert.Equal(t, 2, in.Reporting)
	assert.Equal(t, 1, in.Voting)
	c.calls(3, fail)
	in, err = a.s.Inspect(ctx, "c")
	require.NoError(t, err)
	assert.Equal(t, storage.StateOpen, in.State, "the fleet's circuit with two voters")
	opened := c.events.of(runtime.EventOpened)
	require.Len(t, opened, 1)
	assert.Equal(t, storage.ScopeFleet, opened[0].Status.Scope, "the second voter opens the fleet's circuit")
	eventually(t, time.Second, "the healthy process learning the fleet's opening", func() bool {
		return a.calls(1, succeed) == 0
	})

	alone := newProcess(t, client, nil, thin)
	alone.calls(3, fail)
	opened = alone.events.of(runtime.EventOpened)
	require.Len(t, opened, 1)
	assert.Equal(t, storage.ScopeFleet, opened[0].Status.Scope, "a process alone opens the fleet's circuit")
}

// TestQuietVotersOpenTheFleet is the ten quiet processes: each sees
// one call, and it fails. A vote needs no minimum of samples (a process's own
// window fails the rate threshold with one failure), so the fleet's window
// opens the circuit once it holds SampleThreshold failures, with ten voters;
// no process opens alone, as its own window holds one sample.
func TestQuietVotersOpenTheFleet(t *testing.T) {
	_, client := server(t)
	ctx := context.Background()
	opts := runtime.Options{CoolDown: time.Minute, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 10}
	ps := []*process{newProcess(t, client, nil, opts)}
	for range 9 {
		ps = append(ps, newProcess(t, client, ps[0].s, opts))
	}
	for i, p := range ps[:9] {
		p.calls(1, fail)
		require.NoError(t, p.s.Flush(ctx), "process %d", i)
		require.Empty(t, p.events.of(runtime.EventOpened), "process %d: %d failures in the fleet's window", i, i+1)
	}
	last := ps[9]
	last.calls(1, fail)
	opened := last.events.of(runtime.EventOpened)
	require.Len(t, opened, 1, "the tenth failure")
	assert.Equal(t, storage.ScopeFleet, opened[0].Status.Scope, "the fleet's opening, not the process's")
	in, err := ps[0].s.Inspect(ctx, "c")
	require.NoError(t, err)
	assert.Equal(t, storage.StateOpen, in.State, "the fleet's circuit, ten failures of ten")
	assert.Equal(t, 10, in.Voting, "processes voting to open, one failure each")
}

// TestCutOff puts one process behind a fault proxy and blackholes it: after
// the staleness bound it decides alone, says so once per circuit, holds the
// fleet's opening as its own and probes it alone, never waits on Redis, and
// trusts the fleet again when Redis answers, its outcomes counted once.
func TestCutOff(t *testing.T) {
	srv := redistest.Start(t)
	proxy := faultproxy.Start(t, srv.Addr())
	const stale = 300 * time.Millisecond
	cut := redis.NewClient(&redis.Options{Addr: proxy.Addr(), ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = cut.Close() })
	opts := runtime.Options{CoolDown: time.Minute, EvaluationWindow: 10 * time.Minute, RateThreshold: 0.5, SampleThreshold: 3}
	a := newProcess(t, srv.Client(t, nil), nil, opts)
	b := newProcess(t, cut, a.s, opts, redisstore.WithStaleAfter(stale), redisstore.WithRefreshInterval(50*time.Millisecond))
	ctx := context.Background()
	ran := b.calls(5, succeed) + a.calls(3, fail)
	require.Equal(t, 8, ran, "calls before the fleet's opening")
	eventually(t, time.Second, "b learning the fleet's opening", func() bool {
		n := b.calls(1, succeed)
		ran += n
		return n == 0
	})

	proxy.Blackhole()
	cutAt := time.Now()
	eventually(t, 5*time.Second, "b deciding alone", func() bool {
		st := b.status(t)
		return st.Scope == storage.ScopeProcess && !st.Stub
	})
	t.Logf("b decided alone %v after the cut (staleness bound %v)", time.Since(cutAt), stale)
	stales := 0
	for _, e := range b.events.of(runtime.EventStorageFailure) {
		if errors.Is(e.Err, redisstore.ErrStale) {
			stales++
		}
	}
	assert.Equal(t, 1, stales, "storage failures wrapping ErrStale")
	st := b.status(t)
	assert.True(t, st.Open(), "the fleet's opening, held by b: %v", st)

	start := time.Now()
	assert.ErrorIs(t, b.c.LockOpen(ctx), redisstore.ErrStale, "a lock that cannot reach the fleet")
	assert.ErrorIs(t, b.c.Unlock(ctx), redisstore.ErrStale, "kept here, sent when Redis answers")
	assert.Less(t, time.Since(start), 50*time.Millisecond, "locks while cut off wait on nothing")

	a.s.Advance(opts.CoolDown + time.Second)
	b.s.Advance(opts.CoolDown + time.Second)
	slowest, whileCut := time.Duration(0), 0
	for range 20 {
		start := time.Now()
		if err := b.c.Run(ctx, succeed); !errors.Is(err, runtime.ErrOpen) {
			whileCut++
		}
		slowest = max(slowest, time.Since(start))
	}
	ran += whileCut
	assert.Equal(t, 20, whileCut, "b's own probe closed the circuit here; its calls run")
	assert.Less(t, slowest, 50*time.Millisecond, "the slowest call while cut off")
	closed := b.events.of(runtime.EventClosed)
	require.Len(t, closed, 1)
	assert.Equal(t, storage.ScopeProcess, closed[0].Status.Scope)

	proxy.Heal()
	eventually(t, 5*time.Second, "b trusting the fleet again", func() bool { return b.status(t).Scope == storage.ScopeFleet })
	require.NoError(t, b.s.Flush(ctx))
	in, err := a.s.Inspect(ctx, "c")
	require.NoError(t, err)
	_, samples := in.Counts()
	assert.Equal(t, ran, samples, "every outcome, once: b's before the cut, a's, b's while cut off")
	assert.Equal(t, storage.StateOpen, in.State, "the fleet's circuit, which b closed only for itself")
	assert.Equal(t, 1, b.calls(1, succeed), "b probes the fleet's half-open circuit")
	in, err = a.s.Inspect(ctx, "c")
	require.NoError(t, err)
	assert.Equal(t, storage.StateClosed, in.State, "the fleet's circuit after b's probe")
}

// TestLearntTransitions checks that every process emits each transition once:
// the one that made it with Remote unset, every other one, which learns it
// from the announcement, with Remote set; locks alike. An opening carries the
// failure that caused it.
func TestLearntTransitions(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			a := newProcess(t, tg.client(t), nil, fleetOpts)
			b := newProcess(t, tg.client(t), a.s, fleetOpts)
			ctx := context.Background()
			b.calls(1, succeed) // b knows the circuit
			a.calls(3, fail)
			eventually(t, time.Second, "b learning the opening", func() bool { return len(b.events.of(runtime.EventOpened)) > 0 })
			opened := a.events.of(runtime.EventOpened)
			require.Len(t, opened, 1, "a's openings")
			assert.False(t, opened[0].Remote, "a made it")
			assert.ErrorIs(t, opened[0].Err, errDependency, "the failure that opened it")
			learnt := b.events.of(runtime.EventOpened)
			require.Len(t, learnt, 1, "b's openings")
			assert.True(t, learnt[0].Remote, "b learnt it")
			assert.Equal(t, storage.ScopeFleet, learnt[0].Status.Scope)

			require.NoError(t, a.c.LockOpen(ctx))
			eventually(t, time.Second, "b learning the lock", func() bool { return len(b.events.of(runtime.EventLockChanged)) > 0 })
			require.NoError(t, a.c.Unlock(ctx))
			eventually(t, time.Second, "b learning the unlock", func() bool { return len(b.events.of(runtime.EventLockChanged)) > 1 })
			for _, p := range []struct {
				who    *process
				remote bool
			}{{a, false}, {b, true}} {
				es := p.who.events.of(runtime.EventLockChanged)
				if assert.Len(t, es, 2, "the lock and the unlock") {
					for i, lock := range []runtime.Lock{runtime.LockOpen, runtime.LockNone} {
						assert.Equal(t, p.remote, es[i].Remote, "%v", lock)
						assert.Equal(t, lock, es[i].Status.Lock)
					}
				}
			}

			a.s.Advance(fleetOpts.CoolDown + time.Second)
			b.s.Advance(fleetOpts.CoolDown + time.Second)
			require.Equal(t, 1, a.calls(1, succeed), "a's probe")
			eventually(t, time.Second, "b learning the closing", func() bool { return len(b.events.of(runtime.EventClosed)) > 0 })
			time.Sleep(50 * time.Millisecond) // room for a duplicate to show up
			assert.Len(t, a.events.of(runtime.EventClosed), 1, "a's closings")
			assert.Len(t, b.events.of(runtime.EventClosed), 1, "b's closings")
			assert.True(t, b.events.of(runtime.EventClosed)[0].Remote)
			assert.Len(t, a.events.of(runtime.EventOpened), 1, "a learnt nothing of its own")
		})
	}
}

// TestCorruptSequenceKeyStillProtects corrupts the key the exactly-once
// sequences live in: every flush fails, and the circuit still stops calling
// the failing dependency, on this process's own verdict.
func TestCorruptSequenceKeyStillProtects(t *testing.T) {
	srv, client := server(t)
	p := newProcess(t, client, nil, fleetOpts)
	p.calls(1, succeed)
	require.NoError(t, srv.Client(t, nil).Set(context.Background(), p.s.Keys("c")[3], "x", 0).Err())
	ran := p.calls(100, fail)
	assert.LessOrEqual(t, ran, fleetOpts.SampleThreshold+1, "calls that reached the failing dependency")
	st := p.status(t)
	assert.True(t, st.Open(), "the circuit: %v", st)
}

// TestFailureStormsAreReportedPerStore blackholes Redis under a store of many
// busy circuits: the flushes and refreshes that fail every circuit at once are
// reported once a second per cause for the store, not once per circuit.
func TestFailureStormsAreReportedPerStore(t *testing.T) {
	const watch = 3 * time.Second
	circuits := 2000
	if os.Getenv(envLong) != "" {
		circuits = 5000 // the size
	}
	srv := redistest.Start(t)
	proxy := faultproxy.Start(t, srv.Addr())
	client := redis.NewClient(&redis.Options{Addr: proxy.Addr(), ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	s := newStore(t, client, redisstore.WithRefreshInterval(100*time.Millisecond))
	ev := &events{}
	b := runtime.MustNew(runtime.WithStorage(s), runtime.WithListener(ev, runtime.EventStorageFailure))
	ctx := context.Background()
	cs := make([]*runtime.Circuit, circuits)
	for i := range cs {
		cs[i] = b.Circuit(fmt.Sprintf("c%d", i), fleetOpts)
		require.NoError(t, cs[i].Run(ctx, succeed))
	}
	require.NoError(t, s.Flush(ctx))
	proxy.Blackhole()
	for end := time.Now().Add(watch); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		for _, c := range cs {
			_ = c.Run(ctx, succeed)
		}
	}
	failures := ev.of(runtime.EventStorageFailure)
	causes := make(map[string]int)
	op := regexp.MustCompile(`redisstore: (\w+)`)
	for _, e := range failures {
		m := op.FindStringSubmatch(e.Err.Error())
		require.NotNil(t, m, "an event of another cause: %v", e.Err)
		causes[m[1]]++
	}
	t.Logf("%d storage-failure events in %v for %d busy circuits: %v", len(failures), watch, circuits, causes)
	for cause, n := range causes {
		assert.LessOrEqual(t, n, int(watch/time.Second)+1, "events of %q", cause)
	}
}
