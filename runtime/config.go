package runtime

import (
	"fmt"
	"time"

	"github.com/breakergen/breakergen/internal/nilness"
	"github.com/breakergen/breakergen/runtime/storage"
)

// DefaultStorageTimeout is the storage time a protected call may spend, in
// all, when WithStorageTimeout is not given.
const DefaultStorageTimeout = 100 * time.Millisecond

// MaxStorageTimeout is the longest deadline WithStorageTimeout accepts.
const MaxStorageTimeout = time.Minute

// Option configures a Breaker in New or MustNew. Options are applied in order;
// an invalid one makes New fail, and MustNew panic, naming it.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is what the options of a Breaker set.
type config struct {
	storage   storage.Storage // nil: a new storage.Memory
	clock     Clock
	coarse    bool // clock is the default: the hot path may read the coarse clock
	listeners []listenerSpec
	defaults  Options
	overrides map[string]Options
	timeout   time.Duration
	errs      []error
}

// listenerSpec is one WithListener: the listener and the events it wants.
type listenerSpec struct {
	l    Listener
	only []EventType // none: every event
}

func (c *config) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("breakergen: invalid options: "+format, args...))
}

// WithStorage sets where circuit state lives. Default: a new storage.NewMemory().
// A storage that is not storage.Tolerant is wrapped as
// storage.FaultTolerant(storage.CircuitProxy(s)), as Faulty auto-wires, so its
// failures fail open, emit EventStorageFailure and do not hammer a dead
// backend. A nil storage, or one holding a typed nil (an ignored constructor
// error), is an error.
func WithStorage(s storage.Storage) Option {
	return optionFunc(func(c *config) {
		if nilness.Is(s) {
			c.fail("%w: WithStorage(nil)", storage.ErrInvalid)
			return
		}
		c.storage = s
	})
}

// WithClock sets the clock for every time decision made with in-memory storage
// (Redis uses its server's clock). Default: the system clock. Nil is an error.
func WithClock(clock Clock) Option {
	return optionFunc(func(c *config) {
		if nilness.Is(clock) {
			c.fail("%w: WithClock(nil)", storage.ErrInvalid)
			return
		}
		c.clock, c.coarse = clock, false
	})
}

// WithListener adds a listener for the events of every circuit: only the event
// types listed, or every type when none is listed. It may be given several
// times; listeners are called in the order given. A listener that implements
// CallCounter also counts every call, whatever types it lists.
//
// Listing types keeps the hot path fast: a closed circuit's success needs no
// status read unless a listener wants EventSuccess, a failure none unless one
// wants EventFailure, and a refused call allocates nothing unless one wants
// EventSkipped. A nil listener or an unknown type is an error.
func WithListener(l Listener, only ...EventType) Option {
	return optionFunc(func(c *config) {
		if nilness.Is(l) {
			c.fail("%w: WithListener(nil)", storage.ErrInvalid)
			return
		}
		for _, t := range only {
			if !t.valid() {
				c.fail("%w: WithListener: unknown event type %d", storage.ErrInvalid, t)
				return
			}
		}
		c.listeners = append(c.listeners, listenerSpec{l: l, only: only})
	})
}

// WithStorageTimeout sets the storage time of every protected call: the status
// read and reservation of Allow and the record of Done share it, so a call
// never waits longer than d for the storage in all, whatever the storage
// client's own timeouts and retries. A storage call that misses it is a
// storage failure (EventStorageFailure, fail open), never mistaken for the
// caller's own cancellation; when Allow spent all of it, Done records the
// outcome in the fault-tolerant storage's fallback without asking. Operator
// calls (Status, LockOpen, LockClosed, Unlock, Reset) get it too when their
// context has no deadline of its own. Default DefaultStorageTimeout (100ms);
// between 1ms and MaxStorageTimeout. In-memory storage needs none and gets none.
func WithStorageTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d < time.Millisecond || d > MaxStorageTimeout {
			c.fail("%w: WithStorageTimeout(%v): want [1ms, %v]", storage.ErrInvalid, d, MaxStorageTimeout)
			return
		}
		c.timeout = d
	})
}

// WithDefaults sets the options every circuit inherits, above the built-in
// defaults (see Options) and below the options given in code. Given several
// times, later non-zero fields win. Options that fail Validate are an error.
func WithDefaults(o Options) Option {
	return optionFunc(func(c *config) {
		if err := o.Validate(); err != nil {
			c.errs = append(c.errs, fmt.Errorf("%w (WithDefaults)", err))
			return
		}
		c.defaults = c.defaults.merge(o)
	})
}

// WithOverrides sets an operator's options for the circuit name. They win over
// the options given in code or generated from directives, so a circuit can be
// tuned without regenerating. Options that fail Validate are an error.
func WithOverrides(name string, o Options) Option {
	return optionFunc(func(c *config) {
		if err := o.Validate(); err != nil {
			c.errs = append(c.errs, fmt.Errorf("%w (WithOverrides %q)", err, name))
			return
		}
		c.overrides[name] = c.overrides[name].merge(o)
	})
}
