package runtime

import (
	"fmt"
	"time"

	"github.com/breakergen/breakergen/internal/hotpath/nilness"
	"github.com/breakergen/breakergen/runtime/storage"
)

// defaultStorageTimeout is the storage time a protected call may spend, in
// all, when WithStorageTimeout is not given.
const defaultStorageTimeout = 100 * time.Millisecond

// maxStorageTimeout is the longest deadline WithStorageTimeout accepts.
const maxStorageTimeout = time.Minute

// Option configures a Breaker in New or MustNew. Options are applied in order;
// an invalid one makes New fail, and MustNew panic, naming it. As every option
// of breakergen, it is an interface with an unexported method, so only this
// package makes options and each reports its invalid values as an error.
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// config is what the options of a Breaker set.
type config struct {
	storage   storage.Storage // nil: a new storage.Memory
	clock     Clock
	coarse    bool // clock is the default: the hot path may read the coarse clock
	listeners []listenerSpec
	defaults  Options
	overrides map[string]Options
	timeout   time.Duration
}

// listenerSpec is one WithListener: the listener and the events it wants.
type listenerSpec struct {
	l    Listener
	only []EventType // none: every event, unless quiet
	// quiet: the listener's Events() listed no type, so it gets no event
	// (it may still count calls).
	quiet bool
}

// eventSpecs returns the specs of the listeners that get events.
func eventSpecs(specs []listenerSpec) []listenerSpec {
	out := make([]listenerSpec, 0, len(specs))
	for _, s := range specs {
		if !s.quiet {
			out = append(out, s)
		}
	}
	return out
}

// invalid returns the error of an invalid option, wrapping ErrInvalid.
func invalid(format string, args ...any) error {
	return fmt.Errorf("breakergen: invalid options: %w: "+format, append([]any{ErrInvalid}, args...)...)
}

// WithStorage sets where circuit state lives. Default: a new storage.NewMemory().
// A storage that is not storage.Tolerant is wrapped as
// storage.FaultTolerant(s), as Faulty auto-wires, so its
// failures fail open, emit EventStorageFailure and do not hammer a dead
// backend. A nil storage, or one holding a typed nil (an ignored constructor
// error), is an error.
func WithStorage(s storage.Storage) Option {
	return optionFunc(func(c *config) error {
		if nilness.Is(s) {
			return invalid("WithStorage(nil)")
		}
		c.storage = s
		return nil
	})
}

// WithClock sets the clock for every time decision made with in-memory storage
// (Redis uses its server's clock). Default: the system clock. Nil is an error.
func WithClock(clock Clock) Option {
	return optionFunc(func(c *config) error {
		if nilness.Is(clock) {
			return invalid("WithClock(nil)")
		}
		c.clock, c.coarse = clock, false
		return nil
	})
}

// WithListener adds a listener for the events of every circuit: only the event
// types listed; when none is listed, the types its Events() []EventType method
// returns, if it has one (prombreaker, otelbreaker, slogbreaker and
// async.Listener do), else every type. It may be given several times;
// listeners are called in the order given. A listener that implements
// callcount.Counter also counts every call, whatever types it gets.
//
// Asking for fewer types keeps the hot path fast: a closed circuit's success
// needs no status read unless a listener wants EventSuccess, a failure none
// unless one wants EventFailure, and a refused call allocates nothing unless
// one wants EventSkipped.
//
// The Breaker owns a listener that has a Shutdown(context.Context) error
// method, such as an async.Listener: Breaker.Shutdown shuts it down (see
// there). A nil listener or an unknown type is an error.
func WithListener(l Listener, only ...EventType) Option {
	return optionFunc(func(c *config) error {
		if nilness.Is(l) {
			return invalid("WithListener(nil)")
		}
		spec := listenerSpec{l: l, only: only}
		if f, ok := l.(eventFilter); ok && len(only) == 0 {
			spec.only = f.Events()
			spec.quiet = len(spec.only) == 0
		}
		for _, t := range spec.only {
			if !t.valid() {
				return invalid("WithListener: unknown event type %d", t)
			}
		}
		c.listeners = append(c.listeners, spec)
		return nil
	})
}

// eventFilter is the optional interface of a listener that says which event
// types it wants, for WithListener with no types.
type eventFilter interface {
	Events() []EventType
}

// WithStorageTimeout sets the storage time of every protected call: the status
// read and reservation of Allow and the record of Done share it, so a call
// never waits longer than d for the storage in all, whatever the storage
// client's own timeouts and retries. A storage call that misses it is a
// storage failure (EventStorageFailure, fail open), never mistaken for the
// caller's own cancellation; when Allow spent all of it, Done records the
// outcome in the fault-tolerant storage's fallback without asking. Operator
// calls (Status, LockOpen, LockClosed, Unlock, Reset) get it too when their
// context has no deadline of its own. Default 100ms; between 1ms and 1m.
// In-memory storage needs none and gets none.
func WithStorageTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d < time.Millisecond || d > maxStorageTimeout {
			return invalid("WithStorageTimeout(%v): want [1ms, %v]", d, maxStorageTimeout)
		}
		c.timeout = d
		return nil
	})
}

// WithDefaults sets the options every circuit inherits, above the built-in
// defaults (see Options) and below the options given in code. Given several
// times, later non-zero fields win. Options that fail Validate are an error.
func WithDefaults(o Options) Option {
	return optionFunc(func(c *config) error {
		if err := o.Validate(); err != nil {
			return fmt.Errorf("%w (WithDefaults)", err)
		}
		c.defaults = c.defaults.merge(o)
		return nil
	})
}

// WithOverrides sets an operator's options for the circuit name. They win over
// the options given in code or generated from directives, so a circuit can be
// tuned without regenerating. Options that fail Validate are an error.
func WithOverrides(name string, o Options) Option {
	return optionFunc(func(c *config) error {
		if err := o.Validate(); err != nil {
			return fmt.Errorf("%w (WithOverrides %q)", err, name)
		}
		c.overrides[name] = c.overrides[name].merge(o)
		return nil
	})
}
