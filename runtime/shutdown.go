package runtime

import (
	"context"
	"errors"
	"slices"
	"sync"
)

// shutdowner is what the Breaker owns: anything given to its options that has
// the lifecycle verb of breakergen.
type shutdowner interface {
	Shutdown(context.Context) error
}

// lifecycle is what Breaker.Shutdown stops, in its order. It is safe for
// concurrent use.
type lifecycle struct {
	storage   shutdowner   // the storage of WithStorage, when it has Shutdown
	listeners []shutdowner // the listeners of WithListener that have Shutdown, in order

	mu    sync.Mutex
	next  uint64
	hooks map[uint64]func(context.Context) error // of OnShutdown, by registration
}

// own records what the Breaker owns among what its options were given.
func (lc *lifecycle) own(s any, specs []listenerSpec) {
	lc.storage, _ = s.(shutdowner)
	for _, sp := range specs {
		if sd, ok := sp.l.(shutdowner); ok && !slices.Contains(lc.listeners, sd) {
			lc.listeners = append(lc.listeners, sd)
		}
	}
}

// Shutdown stops what the Breaker owns, in this order, and returns their
// errors joined:
//
//  1. the functions registered with OnShutdown, the latest first, each once
//     (generated code stops its keyed families this way);
//  2. the storage given to WithStorage, when it has a Shutdown(context.Context)
//     error method (a redisstore.Store sends what it counted and stops its
//     goroutines), while the listeners still take the events that causes;
//  3. the listeners given to WithListener that have such a method (an
//     async.Listener delivers what is queued; an otelbreaker.Recorder
//     unregisters), in the order they were given.
//
// The Breaker owns exactly these: what was given to its options and has a
// Shutdown method. Give an owned storage or listener to one Breaker, or stop
// it yourself and do not call this Shutdown. When ctx ends, each part not yet
// stopped is still asked to, with ctx, so that it gives up at once; Shutdown
// then returns ctx's error among the others.
//
// Shutdown may be called more than once, and concurrently: later calls ask
// the storage and listeners again (their Shutdown is idempotent too), so a
// call with a longer ctx can finish what an earlier one gave up. Calls made
// after Shutdown still run, fail open if the storage refuses them, and their
// events to a stopped listener are dropped.
func (b *Breaker) Shutdown(ctx context.Context) error {
	var errs []error
	for _, f := range b.life.takeHooks() {
		errs = append(errs, f(ctx))
	}
	if b.life.storage != nil {
		errs = append(errs, b.life.storage.Shutdown(ctx))
	}
	for _, l := range b.life.listeners {
		errs = append(errs, l.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

// OnShutdown registers f to run once, at the next Shutdown of b, before the
// storage and the listeners stop; functions run the latest registered first.
// It is meant for code that builds on a Breaker and holds resources of its
// own, such as generated decorators' keyed circuit families. stop removes f
// before it ran, reporting whether it did (false: f ran or runs already), so
// that something shorter-lived than b leaves nothing behind. A nil f is
// ignored.
func (b *Breaker) OnShutdown(f func(context.Context) error) (stop func() bool) {
	if f == nil {
		return func() bool { return false }
	}
	lc := &b.life
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.hooks == nil {
		lc.hooks = make(map[uint64]func(context.Context) error)
	}
	lc.next++
	id := lc.next
	lc.hooks[id] = f
	return func() bool {
		lc.mu.Lock()
		defer lc.mu.Unlock()
		_, ok := lc.hooks[id]
		delete(lc.hooks, id)
		return ok
	}
}

// takeHooks removes the registered functions and returns them, the latest
// registered first.
func (lc *lifecycle) takeHooks() []func(context.Context) error {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	ids := make([]uint64, 0, len(lc.hooks))
	for id := range lc.hooks {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]func(context.Context) error, 0, len(ids))
	for _, id := range slices.Backward(ids) {
		out = append(out, lc.hooks[id])
	}
	clear(lc.hooks)
	return out
}
