package runtime

import (
	"fmt"
	"sync"

	"github.com/breakergen/breakergen/runtime/storage"
)

// Breaker holds what its circuits share: storage, clock, listeners and the
// default and operator options, plus the registry of circuits by name. A Breaker
// is safe for concurrent use; make one per process (or per storage) and share it.
type Breaker struct {
	storage   storage.Storage
	binder    storage.Binder // nil unless the storage offers a fast path
	clock     Clock
	coarse    bool // clock is the default, so the hot path may read the coarse clock
	listeners []Listener
	defaults  Options
	overrides map[string]Options

	mu       sync.Mutex
	circuits map[string]*Circuit
}

// Option configures a Breaker.
type Option func(*Breaker)

// WithStorage sets where circuit state lives; the default is storage.NewMemory().
// A storage that is not fault tolerant is wrapped as
// storage.FaultTolerant(storage.CircuitProxy(s)), so its failures fail open, emit
// EventStorageFailure and do not hammer a dead backend.
func WithStorage(s storage.Storage) Option {
	return func(b *Breaker) { b.storage = s }
}

// WithClock sets the clock for every time decision made with in-memory storage
// (Redis uses its server's clock). The default is the system clock; nil keeps it.
func WithClock(c Clock) Option {
	return func(b *Breaker) {
		if c != nil {
			b.clock, b.coarse = c, false
		}
	}
}

// WithListener adds a listener for the events of every circuit. It may be given
// several times; listeners are called in the order given.
func WithListener(l Listener) Option {
	return func(b *Breaker) {
		if l != nil {
			b.listeners = append(b.listeners, l)
		}
	}
}

// WithDefaults sets the options every circuit inherits, above the built-in
// defaults (see Options) and below the options given in code.
func WithDefaults(o Options) Option {
	return func(b *Breaker) { b.defaults = b.defaults.merge(o) }
}

// WithOverrides sets an operator's options for the circuit name. They win over
// the options given in code or generated from directives, so a circuit can be
// tuned without regenerating.
func WithOverrides(name string, o Options) Option {
	return func(b *Breaker) { b.overrides[name] = b.overrides[name].merge(o) }
}

// New returns a Breaker configured by opts, on in-memory storage unless
// WithStorage says otherwise.
//
// New panics with a message starting "breakergen: invalid options" when
// WithDefaults or WithOverrides was given an invalid Options (see
// Options.Validate): a misconfigured breaker is a programming error that must not
// reach production silently.
func New(opts ...Option) *Breaker {
	b := &Breaker{
		clock:     systemClock{},
		coarse:    true,
		overrides: make(map[string]Options),
		circuits:  make(map[string]*Circuit),
	}
	for _, opt := range opts {
		opt(b)
	}
	if err := b.defaults.Validate(); err != nil {
		panic(fmt.Sprintf("%v (WithDefaults)", err))
	}
	for name, o := range b.overrides {
		if err := o.Validate(); err != nil {
			panic(fmt.Sprintf("%v (WithOverrides %q)", err, name))
		}
	}
	if b.storage == nil {
		b.storage = storage.NewMemory()
	}
	if !b.storage.FaultTolerant() {
		b.storage = storage.FaultTolerant(storage.CircuitProxy(b.storage, storage.CircuitProxyOptions{Clock: b.clock.Now}))
	}
	if n, ok := b.storage.(storage.FailureNotifier); ok {
		n.NotifyFailures(b.storageFailed)
	}
	b.binder, _ = b.storage.(storage.Binder)
	return b
}

// Circuit returns the circuit name, creating it on first use with the options o
// (merged in order) laid over the Breaker's defaults, and the operator's
// overrides for name laid over them.
//
// The first registration of a name fixes its options: later calls return the same
// circuit and ignore their o, so two decorators that share a circuit name share
// one circuit, configured by whichever was built first. Circuit panics with a
// message starting "breakergen: invalid options" when o is invalid.
func (b *Breaker) Circuit(name string, o ...Options) *Circuit {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c := b.circuits[name]; c != nil {
		return c
	}
	resolved := defaultOptions.merge(b.defaults)
	for _, code := range o {
		if err := code.Validate(); err != nil {
			panic(fmt.Sprintf("%v (circuit %q)", err, name))
		}
		resolved = resolved.merge(code)
	}
	resolved = resolved.merge(b.overrides[name])
	c := &Circuit{
		name:      name,
		opts:      resolved,
		policy:    resolved.policy(),
		storage:   b.storage,
		clock:     b.clock,
		coarse:    b.coarse,
		listeners: b.listeners,
	}
	if b.binder != nil {
		c.fast = b.binder.Bind(name, c.policy)
		c.mem, _ = c.fast.(*storage.MemoryCircuit)
		c.quick = len(b.listeners) == 0
	}
	b.circuits[name] = c
	return c
}

// Circuits returns the circuits registered so far, in no particular order.
func (b *Breaker) Circuits() []*Circuit {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]*Circuit, 0, len(b.circuits))
	for _, c := range b.circuits {
		out = append(out, c)
	}
	return out
}

// storageFailed turns a failure the fault-tolerant storage absorbed into an event.
func (b *Breaker) storageFailed(f storage.Failure) {
	if len(b.listeners) == 0 {
		return
	}
	b.mu.Lock()
	c := b.circuits[f.Circuit]
	b.mu.Unlock()
	opts := defaultOptions.merge(b.defaults)
	if c != nil {
		opts = c.opts
	}
	now := b.clock.Now()
	notify(b.listeners, Event{
		Type:    EventStorageFailure,
		Circuit: f.Circuit,
		Err:     f.Err,
		Status:  Status{CurrentTime: now, Options: opts, Stub: true},
		Time:    now,
	})
}
