package runtime

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/breakergen/breakergen/runtime/internal/inproc"
	"github.com/breakergen/breakergen/runtime/storage"
)

// Breaker holds what its circuits share: storage, clock, listeners and the
// default and operator options, plus the registry of circuits by name. A Breaker
// is safe for concurrent use; make one per process (or per storage) and share it.
type Breaker struct {
	storage storage.Storage
	// given is the storage WithStorage gave, which storage may wrap: the one
	// whose policies a circuit needs (storage.CheckPolicy) and names.
	given     storage.Storage
	clock     Clock
	coarse    bool
	ls        *listeners
	specs     []listenerSpec
	defaults  Options
	overrides map[string]Options
	timeout   time.Duration // the storage deadline of a protected call's storage calls (WithStorageTimeout)

	mu       sync.Mutex
	circuits map[string]*Circuit

	life lifecycle // what Shutdown stops
}

// New returns a Breaker configured by opts, on in-memory storage unless
// WithStorage says otherwise, or an error wrapping ErrInvalid that names every
// invalid option.
func New(opts ...Option) (*Breaker, error) {
	cfg := config{clock: systemClock{}, coarse: true, overrides: make(map[string]Options), timeout: defaultStorageTimeout}
	var errs []error
	for i, o := range opts {
		if o == nil {
			errs = append(errs, invalid("option %d is nil", i+1))
			continue
		}
		if err := o.apply(&cfg); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	b := &Breaker{
		storage:   cfg.storage,
		given:     cfg.storage,
		clock:     cfg.clock,
		coarse:    cfg.coarse,
		ls:        newListeners(eventSpecs(cfg.listeners)),
		specs:     cfg.listeners,
		defaults:  cfg.defaults,
		overrides: cfg.overrides,
		timeout:   cfg.timeout,
		circuits:  make(map[string]*Circuit),
	}
	b.life.own(cfg.storage, cfg.listeners)
	switch s := b.storage.(type) {
	case nil:
		b.storage = storage.NewMemory()
		b.given = b.storage
	default:
		if !storage.IsTolerant(s) {
			var err error
			if b.storage, err = storage.FaultTolerant(s); err != nil {
				return nil, err
			}
		}
	}
	return b, nil
}

// timeoutFor returns the storage deadline of the calls of a circuit bound to
// h: none for a handle that never blocks (Memory's and Null's, however their
// storage was wrapped: the runtime asks the handle Bind returned), the
// breaker's storage timeout for every other.
func (b *Breaker) timeoutFor(h storage.Handle) time.Duration {
	if inproc.Is(h) {
		return 0
	}
	return b.timeout
}

// MustNew is New for start-up code with literal options: it panics with New's
// error when an option is invalid, since a misconfigured breaker is a
// programming error that must not reach production silently.
func MustNew(opts ...Option) *Breaker {
	b, err := New(opts...)
	if err != nil {
		panic(err)
	}
	return b
}

// Circuit returns the circuit name, creating it on first use with the options o
// (merged in order) laid over the Breaker's defaults, and the operator's
// overrides for name laid over them.
//
// Two decorators or callers that ask for one name share one circuit, and must
// agree on its options: a later call that gives options and whose effective
// options differ from the first registration's is an error (see Register); a
// call without options joins the circuit as it is. Circuit panics with
// Register's error when o is invalid, differs from the registered options, or
// the storage refuses the circuit; use Register to get the error instead, and
// Lookup to find a circuit without registering it.
func (b *Breaker) Circuit(name string, o ...Options) *Circuit {
	c, err := b.Register(name, o...)
	if err != nil {
		panic(err)
	}
	return c
}

// Register is Circuit returning an error, wrapping ErrInvalid, instead of
// panicking when o is invalid, the storage refuses to bind the circuit, or the
// circuit is already registered with other effective options.
//
// A name registered again with the same effective options (the defaults, o
// and the overrides merged), or with no options (none, or only zero
// Options), returns the same circuit. Different effective options are an
// error naming the circuit and what differs, so that two
// decorators built in an incidental order never silently run with the first
// one's options. Functions (IsFailure) are the same when they have one code
// pointer (reflect's Value.Pointer): one function, or method values of one
// method whatever their receivers; two closures may differ even when one
// function literal made them (the compiler may inline it), so build a closure
// once and share it. Exclude and Success are the same when they hold the
// same errors by identity (==), in any order. Give registrations that need different options circuits of
// their own: another name, or runtime.WithInstance(name) for a decorator.
func (b *Breaker) Register(name string, o ...Options) (*Circuit, error) {
	resolved, err := b.resolve(name, o)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if c := b.circuits[name]; c != nil {
		if givesOptions(o) && c.opts.differ(resolved) != "" {
			return nil, conflictError(name, c.opts, resolved)
		}
		return c, nil
	}
	notifier := &circuitNotifier{}
	p := resolved.policy()
	p.Notify = notifier
	h, err := b.bind(name, p)
	if err != nil {
		return nil, fmt.Errorf("breakergen: circuit %q: %w", name, err)
	}
	c := newCircuit(b, name, resolved, h)
	notifier.c.Store(c)
	b.circuits[name] = c
	return c, nil
}

// bind binds the circuit name with p, once the storage has said it applies
// every policy p sets; a policy that decides each call needs the handle's
// storage.Gate.
func (b *Breaker) bind(name string, p storage.Policy) (storage.Handle, error) {
	if err := storage.CheckPolicy(b.given, p); err != nil {
		return nil, err
	}
	if err := storage.CheckPolicy(b.storage, p); b.storage != b.given && err != nil {
		return nil, fmt.Errorf("%w (the fault-tolerant wrapper of %T)", err, b.given)
	}
	h, err := b.storage.Bind(name, p)
	if err != nil {
		return nil, err
	}
	if _, ok := h.(storage.Gate); p.NeedsGate() && !ok {
		if u, ok := h.(storage.Unbinder); ok {
			u.Unbind()
		}
		return nil, fmt.Errorf("%w: the storage's handle %T does not implement storage.Gate, which SlowCall, Ramp and ModeAdaptive need", ErrInvalid, h)
	}
	return h, nil
}

// Lookup returns the circuit name if it was registered and not dropped.
func (b *Breaker) Lookup(name string) (*Circuit, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.circuits[name]
	return c, ok
}

// Circuits returns the circuits registered and not dropped, sorted by name.
func (b *Breaker) Circuits() []*Circuit {
	b.mu.Lock()
	out := make([]*Circuit, 0, len(b.circuits))
	for _, c := range b.circuits {
		out = append(out, c)
	}
	b.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// Drop forgets the circuit name, so circuits made for dynamic names (per host,
// per tenant) can be reclaimed: the Breaker no longer holds it and gives its
// storage handle back, so in-memory storage forgets its state once no other
// Breaker holds it (Redis keys of an idle circuit expire by themselves). It
// reports whether the circuit was registered. The dropped *Circuit must not be
// used afterwards; a later Circuit(name) makes a new one.
func (b *Breaker) Drop(name string) bool {
	b.mu.Lock()
	c, ok := b.circuits[name]
	delete(b.circuits, name)
	b.mu.Unlock()
	if ok {
		c.unbind()
	}
	return ok
}
