package redisstore

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/breakergen/breakergen/internal/hotpath/coarse"
	"github.com/breakergen/breakergen/runtime/storage"
)

// fleet is the machinery of a fleet store: its circuits, the server clock
// estimate, and the goroutines that flush, refresh, listen and watch for a
// Redis gone silent. The goroutines start with the first binding and stop with
// Shutdown. A strict store has one too, for its circuits' own verdicts, with no
// goroutine and no subscription.
type fleet struct {
	s      *Store
	born   int64 // local monotonic nanoseconds when the store was made
	clock  serverClock
	subs   *subscriber
	strict bool
	// detached is set while Redis has not answered for longer than the
	// staleness bound: every circuit decides from this process's outcomes.
	detached atomic.Bool
	failures storeFailures // the store's own failures, one report a second per cause

	mu        sync.Mutex
	circuits  map[string]*fcircuit
	byChannel map[string]*fcircuit
	started   bool

	stopped   atomic.Bool
	stop      chan struct{}
	refreshed chan struct{} // a signal to refresh every circuit at once
	wg        sync.WaitGroup
	once      sync.Once
	err       error
}

func newFleet(s *Store) *fleet {
	f := &fleet{
		s:         s,
		born:      monoNanos(),
		strict:    s.cfg.strict,
		circuits:  make(map[string]*fcircuit),
		byChannel: make(map[string]*fcircuit),
		stop:      make(chan struct{}),
		refreshed: make(chan struct{}, 1),
	}
	f.clock.test = &s.offset
	f.subs = newSubscriber(f)
	return f
}

// bind returns the fleet circuit of h's name, making it, and starting the
// fleet's goroutines, on the first binding.
func (f *fleet) bind(h *handle) *fcircuit {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.circuits[h.name]
	if c != nil {
		h.seq = c.h.seq
	} else {
		// A circuit made again after it was dropped numbers its batches on
		// from where any earlier one of this store could have got: Redis
		// remembers the last it counted, and a lower number counts nothing.
		h.seq = new(atomic.Uint64)
		h.seq.Store(uint64((monoNanos() - f.born) / int64(time.Microsecond)))
		c = newFcircuit(f, h)
		f.circuits[h.name] = c
		if !f.strict {
			f.byChannel[h.channel] = c
			f.subs.add(h.channel)
		}
	}
	c.handles++
	if !f.started && !f.stopped.Load() && !f.strict {
		f.started = true
		f.wg.Add(3)
		go f.loop(f.s.cfg.flush, f.flushRound, nil)
		go f.loop(f.s.cfg.refresh, f.refreshRound, f.refreshed)
		go f.watch()
	}
	return c
}

// unbind gives back one handle of c; the last one flushes what c counted and
// forgets it.
func (f *fleet) unbind(c *fcircuit) {
	f.mu.Lock()
	c.handles--
	last := c.handles == 0 && f.circuits[c.h.name] == c
	if last {
		delete(f.circuits, c.h.name)
		if !f.strict {
			delete(f.byChannel, c.h.channel)
			f.subs.remove(c.h.channel)
		}
	}
	f.mu.Unlock()
	if last && !f.stopped.Load() {
		ctx, cancel := context.WithTimeout(context.Background(), roundTimeout)
		defer cancel()
		_ = f.drain(ctx, []*fcircuit{c})
	}
}

// all returns the fleet's circuits.
func (f *fleet) all() []*fcircuit {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]*fcircuit, 0, len(f.circuits))
	for _, c := range f.circuits {
		out = append(out, c)
	}
	return out
}

// refreshSoon asks the refresh loop for a round over every circuit at once, as
// after the subscription reconnected (announcements may have been lost).
func (f *fleet) refreshSoon() {
	select {
	case f.refreshed <- struct{}{}:
	default:
	}
}

// roundTimeout bounds one round of flushes or refreshes: a dead Redis must not
// hold the fleet's goroutines, nor Shutdown, for the client's own timeouts.
const roundTimeout = time.Second

// loop runs round every interval, and when signal fires, until the fleet
// stops. A round that fails waits twice as long before the next, up to a
// second more, so that a dead Redis is not hammered.
func (f *fleet) loop(interval time.Duration, round func(ctx context.Context, all bool) error, signal <-chan struct{}) {
	defer f.wg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	var backoff time.Duration
	next := time.Time{}
	for {
		all := false
		select {
		case <-f.stop:
			return
		case <-t.C:
		case <-signal:
			all, next = true, time.Time{}
		}
		if time.Now().Before(next) {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), roundTimeout)
		err := round(ctx, all)
		cancel()
		if err == nil {
			backoff = 0
			continue
		}
		backoff = min(max(2*backoff, interval), time.Second)
		next = time.Now().Add(backoff)
	}
}

// flushRound flushes the outcomes of every circuit with traffic.
func (f *fleet) flushRound(ctx context.Context, _ bool) error {
	return f.flush(ctx, f.all())
}

// refreshRound re-reads the circuits whose cached state may be stale: those not
// closed and unlocked, those with traffic not synced within the refresh
// interval, or every one when all is set.
func (f *fleet) refreshRound(ctx context.Context, all bool) error {
	stale := time.Duration(f.s.cfg.refresh).Microseconds()
	now := f.clock.nowUS()
	var due []*fcircuit
	for _, c := range f.all() {
		s := c.cache.Load()
		idle := !c.dirty.Load() && c.inflightN.Load() == 0
		if all || !s.known || s.state != storage.StateClosed || s.lock != storage.LockNone || (!idle && now-s.at >= stale) {
			due = append(due, c)
		}
	}
	return errors.Join(f.refresh(ctx, due), f.restore(ctx, due))
}

// shutdown flushes what every circuit counted, stops the goroutines and the
// subscriptions, and waits for them, within ctx. Later calls return the first
// call's result.
func (f *fleet) shutdown(ctx context.Context) error {
	f.once.Do(func() {
		f.mu.Lock()
		f.stopped.Store(true)
		f.mu.Unlock()
		close(f.stop)
		var errs []error
		errs = append(errs, f.drain(ctx, f.all()))
		for _, c := range f.all() {
			c.forget() // the hot path asks from now on: nothing would flush its counts
		}
		f.subs.close()
		done := make(chan struct{})
		go func() {
			f.wg.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-ctx.Done():
			errs = append(errs, ctx.Err())
		}
		f.err = errors.Join(errs...)
	})
	return f.err
}

// drain flushes cs until nothing they counted is left, in up to drainAttempts
// flushes, each bounded by roundTimeout and all by ctx. A circuit whose earlier
// batch waits to be sent again sends it first and takes what its ring counted
// since only in the next flush; a flush that fails, as on a connection a
// network fault left dead in the client's pool, is tried again on another.
// It returns the last flush's error.
func (f *fleet) drain(ctx context.Context, cs []*fcircuit) error {
	var err error
	for range drainAttempts {
		round, cancel := context.WithTimeout(ctx, roundTimeout)
		err = f.flush(round, cs)
		cancel()
		if (err == nil && !pending(cs)) || ctx.Err() != nil {
			break
		}
	}
	return err
}

// drainAttempts bounds the flushes of a drain, so that Shutdown with a context
// that has no deadline returns within seconds when Redis is gone.
const drainAttempts = 4

// pending reports whether any of cs holds outcomes not yet sent.
func pending(cs []*fcircuit) bool {
	for _, c := range cs {
		c.mu.Lock()
		waiting := len(c.outbox) > 0
		c.mu.Unlock()
		if waiting || c.dirty.Load() {
			return true
		}
	}
	return false
}

// monoNanos is the local monotonic clock batches are stamped with.
func monoNanos() int64 { return coarse.MonoNow() }
