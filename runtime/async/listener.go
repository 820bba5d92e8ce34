package async

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/breakergen/breakergen/internal/hotpath/nilness"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/callcount"
)

// DefaultQueue is the queue length of a Listener built without WithQueue.
const DefaultQueue = 1024

// MaxQueue is the longest queue WithQueue accepts.
const MaxQueue = 1 << 20

// Listener delivers events to another listener on a goroutine of its own,
// through a bounded queue, so that a listener that may block (a log sink on the
// network, a webhook) never holds up a call. Build one with New and give it to
// runtime.WithListener: the Breaker then owns it, and Breaker.Shutdown shuts
// it down.
//
// Handle never blocks: when the queue is full the event is dropped and counted
// (Dropped). Events reach the wrapped listener one at a time, in the order
// Handle queued them; a panic in the wrapped listener is recovered and the
// next event delivered. Shutdown stops the goroutine after delivering what is
// queued.
//
// Call counting is not queued: when the wrapped listener is a
// callcount.Counter, CountCalls is forwarded to it and its counting functions
// run on the calls' goroutines, as they would without the wrapper. A
// Counter's functions must not block anyway, and a queued count would cost a
// call more than the count itself.
//
// A Listener is safe for concurrent use.
type Listener struct {
	next  runtime.Listener
	queue chan runtime.Event

	mu     sync.RWMutex // Handle holds it for reading while it queues; Shutdown for writing to stop
	closed bool

	dropped atomic.Uint64
	stop    chan struct{} // closed by Shutdown: drain the queue and exit
	abandon chan struct{} // closed when Shutdown's context ends: drop what is queued
	done    chan struct{} // closed when the goroutine has exited
	once    sync.Once
}

// Option configures a Listener in New.
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

type config struct{ queue int }

// WithQueue sets how many events may wait for the wrapped listener before
// more are dropped: from 1 to MaxQueue. Default DefaultQueue.
func WithQueue(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 1 || n > MaxQueue {
			return fmt.Errorf("WithQueue(%d): want 1 to %d", n, MaxQueue)
		}
		c.queue = n
		return nil
	})
}

// New returns l behind a bounded queue, delivered on a goroutine of its own
// that runs until Shutdown. It returns an error wrapping runtime.ErrInvalid
// when l is nil or an option is invalid.
func New(l runtime.Listener, opts ...Option) (*Listener, error) {
	cfg := config{queue: DefaultQueue}
	var errs []error
	if nilness.Is(l) {
		errs = append(errs, errors.New("nil listener"))
	}
	for i, o := range opts {
		if o == nil {
			errs = append(errs, fmt.Errorf("option %d is nil", i+1))
			continue
		}
		if err := o.apply(&cfg); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("breakergen: invalid options: %w: async.New: %w", runtime.ErrInvalid, err)
	}
	a := &Listener{
		next:    l,
		queue:   make(chan runtime.Event, cfg.queue),
		stop:    make(chan struct{}),
		abandon: make(chan struct{}),
		done:    make(chan struct{}),
	}
	go a.run()
	return a, nil
}

// Handle queues e for the wrapped listener, or drops and counts it when the
// queue is full or the listener was shut down. It never blocks.
func (a *Listener) Handle(e runtime.Event) {
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

// CountCalls forwards to the wrapped listener when it is a callcount.Counter,
// and returns nil (count nothing) otherwise. See Listener.
func (a *Listener) CountCalls(circuit string) func(callcount.Outcome) {
	if cc, ok := a.next.(callcount.Counter); ok {
		return cc.CountCalls(circuit)
	}
	return nil
}

// eventFilter is the optional interface of a listener that says which event
// types it wants (see runtime.WithListener).
type eventFilter interface {
	Events() []runtime.EventType
}

// Events returns the event types the wrapped listener asks for with an
// Events method of its own, or every type, so that runtime.WithListener(a)
// with no types gives the Listener just what the wrapped listener wants.
func (a *Listener) Events() []runtime.EventType {
	if f, ok := a.next.(eventFilter); ok {
		return f.Events()
	}
	var all []runtime.EventType
	for t := runtime.EventType(1); t.String() != "unknown"; t++ {
		all = append(all, t)
	}
	return all
}

// Dropped returns how many events were dropped: queued while the queue was
// full, handled after Shutdown, or still queued when Shutdown's context ended.
func (a *Listener) Dropped() uint64 { return a.dropped.Load() }

// Queued returns how many events wait for the wrapped listener.
func (a *Listener) Queued() int { return len(a.queue) }

// shutdowner is a wrapped listener that has the lifecycle verb of breakergen.
type shutdowner interface {
	Shutdown(context.Context) error
}

// Shutdown stops the listener: events handled from now on are dropped, those
// already queued are delivered, the goroutine exits, and then the wrapped
// listener is shut down when it has a Shutdown method (the Listener owns what
// it wraps). When ctx ends first, the events still queued are dropped
// (counted in Dropped), the wrapped listener is still asked to shut down, and
// Shutdown returns ctx's error; the goroutine then exits as soon as the
// wrapped listener returns from the event it is handling. Shutdown may be
// called more than once; later calls wait, as the first, for the goroutine to
// exit.
func (a *Listener) Shutdown(ctx context.Context) error {
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
func (a *Listener) abandonQueue() {
	a.mu.Lock()
	defer a.mu.Unlock()
	select {
	case <-a.abandon:
	default:
		close(a.abandon)
	}
}

// run delivers queued events until Shutdown, then drains the queue and exits.
func (a *Listener) run() {
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

// deliver hands e to the wrapped listener, containing its panic, or drops e
// once Shutdown gave up.
func (a *Listener) deliver(e runtime.Event) {
	select {
	case <-a.abandon:
		a.dropped.Add(1)
	default:
		defer func() { _ = recover() }()
		a.next.Handle(e)
	}
}
