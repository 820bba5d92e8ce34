package breakertest

import (
	"context"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
)

// ForceOpen opens the circuit name now, as if its failures had tripped it:
// calls are skipped with runtime.ErrOpen until its cool-down has passed on
// the kit's Clock. Its lock, window and reservation are forgotten first. The
// circuit need not exist yet: the code under test finds it open when it makes
// it (its options are resolved as the kit's Breaker would, without
// registering it).
func (k *Kit) ForceOpen(name string) {
	k.t.Helper()
	k.force(name, func(ctx context.Context, op storage.Operator, now time.Time, _ time.Duration) (bool, error) {
		return op.Open(ctx, now)
	})
}

// ForceHalfOpen opens the circuit name one cool-down ago: the next call is its
// probe, whose success closes it and whose failure reopens it. Its lock,
// window and reservation are forgotten first.
func (k *Kit) ForceHalfOpen(name string) {
	k.t.Helper()
	k.force(name, func(ctx context.Context, op storage.Operator, now time.Time, cool time.Duration) (bool, error) {
		return op.Open(ctx, now.Add(-cool))
	})
}

// ForceClosed closes the circuit name with an empty window, no reservation and
// no lock, as a new circuit is.
func (k *Kit) ForceClosed(name string) {
	k.t.Helper()
	k.force(name, nil)
}

// force resets the circuit name in the kit's storage, then applies open (when
// not nil) through the storage's operator interface.
func (k *Kit) force(name string, open func(context.Context, storage.Operator, time.Time, time.Duration) (bool, error)) {
	k.t.Helper()
	h, opts := k.handle(name)
	ctx, now := context.Background(), k.Clock.Now()
	if err := h.Reset(ctx, now); err != nil {
		k.t.Fatalf("breakertest: reset %q: %v", name, err)
	}
	if open == nil {
		return
	}
	op, ok := h.(storage.Operator)
	if !ok {
		k.t.Fatalf("breakertest: the storage of %q cannot be steered", name)
	}
	if ok, err := open(ctx, op, now, opts.CoolDown); err != nil || !ok {
		k.t.Fatalf("breakertest: open %q: opened %v, %v", name, ok, err)
	}
}

// handle returns the kit's own handle on the circuit name in its storage, bound
// with the circuit's resolved options, and those options.
func (k *Kit) handle(name string) (storage.Handle, runtime.Options) {
	k.t.Helper()
	opts := k.options(name)
	k.mu.Lock()
	defer k.mu.Unlock()
	if h, ok := k.hs[name]; ok {
		return h, opts
	}
	h, err := k.mem.Bind(name, storage.Policy{
		CoolDown:         opts.CoolDown,
		EvaluationWindow: opts.EvaluationWindow,
		RateThreshold:    opts.RateThreshold,
		SampleThreshold:  opts.SampleThreshold,
	})
	if err != nil {
		k.t.Fatalf("breakertest: bind %q: %v", name, err)
	}
	k.hs[name] = h
	return h, opts
}

// options returns the resolved options of the circuit name: its own when it
// exists, else those a breaker with the kit's options gives a new circuit of
// that name (defaults and overrides; not options the code under test will
// pass when it makes the circuit).
func (k *Kit) options(name string) runtime.Options {
	k.t.Helper()
	if c, ok := k.Breaker.Lookup(name); ok {
		return c.Options()
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.scratch == nil {
		b, err := runtime.New(append(k.opts[:len(k.opts):len(k.opts)], runtime.WithStorage(storage.NewMemory()))...)
		if err != nil {
			k.t.Fatalf("breakertest: %v", err)
		}
		k.scratch = b
	}
	return k.scratch.Circuit(name).Options()
}
