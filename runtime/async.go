package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/breakergen/breakergen/internal/hotpath/nilness"
)

// DefaultAsyncQueue is the queue length of an AsyncListener built without
// AsyncQueue.
const DefaultAsyncQueue = 1024

// MaxAsyncQueue is the longest queue AsyncQueue accepts.
const MaxAsyncQueue = 1 << 20

// AsyncListener delivers events to another listener on a goroutine of its own,
// through a bounded queue, so that a listener that may block (a log sink on the
// network, a webhook) never holds up a call. Build one with NewAsync and give
// it to WithListener: the Breaker then owns it, and Breaker.Shutdown shuts it
// down.
//
// Handle never blocks: when the queue is full the event is dropped and counted
// (Dropped). Events reach the wrapped listener one at a time, in the order
// Handle queued them; a panic in the wrapped listener is recovered and the
// next event delivered. Shutdown stops the goroutine after delivering what is
// queued.
//
// Call counting is not queued: when the wrapped listener is a CallCounter,
// CountCalls is forwarded to it and its counting functions run on the calls'
// goroutines, as they would without the wrapper. A CallCounter's functions
// must not block anyway, and a queued count would cost a call more than the
// count itself.
//
// An AsyncListener is safe for concurrent use.
type AsyncListener struct {
	next  Listener
	queue chan Event

	mu     sync.RWMutex // Handle holds it for reading while it queues; Shutdown for writing to stop
	closed bool

	dropped atomic.Uint64
	stop    chan struct{} // closed by Shutdown: drain the queue and exit
	abandon chan struct{} // closed when Shutdown's context ends: drop what is queued
	done    chan struct{} // closed when the goroutine has exited
	once    sync.Once
}

// AsyncOption configures an AsyncListener in NewAsync.
type AsyncOption interface {
	applyAsync(*asyncConfig) error
}

type asyncOptionFunc func(*asyncConfig) error

func (f asyncOptionFunc) applyAsync(c *asyncConfig) error { return f(c) }

type asyncConfig struct{ queue int }

// AsyncQueue sets how many events may wait for the wrapped listener before
// more are dropped: from 1 to MaxAsyncQueue. Default DefaultAsyncQueue.
func AsyncQueue(n int) AsyncOption {
	return asyncOptionFunc(func(c *asyncConfig) error {
		if n < 1 || n > MaxAsyncQueue {
			return fmt.Errorf("AsyncQueue(%d): want 1 to %d", n, MaxAsyncQueue)
		}
		c.queue = n
		return nil
	})
}

// NewAsync returns l behind a bounded queue, delivered on a goroutine of its
// own that runs until Shutdown. It returns an error wrapping ErrInvalid when l
// is nil or an option is invalid.
func NewAsync(l Listener, opts ...AsyncOption) (*AsyncListener, error) {
	cfg := asyncConfig{queue: DefaultAsyncQueue}
	var errs []error
	if nilness.Is(l) {
		errs = append(errs, errors.New("nil listener"))
	}
	for i, o := range opts {
		if o == nil {
			errs = append(errs, fmt.Errorf("option %d is nil", i+1))
			continue
		}
		if err := o.applyAsync(&cfg); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("breakergen: invalid options: %w: NewAsync: %w", ErrInvalid, err)
	}
	a := &AsyncListener{
		next:    l,
		queue:   make(chan Event, cfg.queue),
		stop:    make(chan struct{}),
		abandon: make(chan struct{}),
		done:    make(chan struct{}),
	}
	go a.run()
	return a, nil
}

// Handle queues e for the wrapped listener, or drops and counts it when the
// queue is full or the listener was shut down. It never blocks.
func (a *AsyncListener) Handle(e Event) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.closed {
		a.dropped.Add(1)
		return
	}
	select {
	case a.queue <- e:
	default:
		a.dropped.Add(1)
	}
}

// CountCalls forwards to the wrapped listener when it is a CallCounter, and
// returns nil (count nothing) otherwise. See AsyncListener.
func (a *AsyncListener) CountCalls(circuit string) func(CallOutcome) {
	if cc, ok := a.next.(CallCounter); ok {
		return cc.CountCalls(circuit)
	}
	return nil
}

// Events returns the event types the wrapped listener asks for with an
// Events method of its own, or every type, so that WithListener(a) with no
// types gives the AsyncListener just what the wrapped listener wants.
func (a *AsyncListener) Events() []EventType {
	if f, ok := a.next.(eventFilter); ok {
		return f.Events()
	}
	all := make([]EventType, 0, eventTypes-1)
	for t := EventType(1); t < eventTypes; t++ {
		all = append(all, t)
	}
	return all
}

// Dropped returns how many events were dropped: queued while the queue was
// full, handled after Shutdown, or still queued when Shutdown's context ended.
func (a *AsyncListener) Dropped() uint64 { return a.dropped.Load() }

// Queued returns how many events wait for the wrapped listener.
func (a *AsyncListener) Queued() int { return len(a.queue) }

// Shutdown stops the listener: events handled from now on are dropped, those
// already queued are delivered, the goroutine exits, and then the wrapped
// listener is shut down when it has a Shutdown method (the AsyncListener owns
// what it wraps). When ctx ends first, the events still queued are dropped
// (counted in Dropped), the wrapped listener is still asked to shut down, and
// Shutdown returns ctx's error; the goroutine then exits as soon as the
// wrapped listener returns from the event it is handling. Shutdown may be called more than once; later calls wait, as the
// first, for the goroutine to exit.
func (a *AsyncListener) Shutdown(ctx context.Context) error {
	a.once.Do(func() {
		a.mu.Lock()
		a.closed = true
		a.mu.Unlock()
		close(a.stop)
	})
	var err error
	select {
	case <-a.done:
	case <-ctx.Done():
		a.abandonQueue()
		err = ctx.Err()
	}
	if sd, ok := a.next.(shutdowner); ok {
		err = errors.Join(err, sd.Shutdown(ctx))
	}
	return err
}

// abandonQueue tells the goroutine to drop, rather than deliver, what is
// still queued.
func (a *AsyncListener) abandonQueue() {
	a.mu.Lock()
	defer a.mu.Unlock()
	select {
	case <-a.abandon:
	default:
		close(a.abandon)
	}
}

// run delivers queued events until Shutdown, then drains the queue and exits.
func (a *AsyncListener) run() {
	defer close(a.done)
	for {
		select {
		case e := <-a.queue:
			a.deliver(e)
		case <-a.stop:
			for {
				select {
				case e := <-a.queue:
					a.deliver(e)
				default:
					return
				}
			}
		}
	}
}

// deliver hands e to the wrapped listener, or drops it once Shutdown gave up.
func (a *AsyncListener) deliver(e Event) {
	select {
	case <-a.abandon:
		a.dropped.Add(1)
	default:
		deliver(a.next, e)
	}
}
