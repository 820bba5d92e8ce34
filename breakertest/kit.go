package breakertest

import (
	"context"
	"sync"
	"testing"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
)

// Kit is a Breaker for one test, with what the test needs to steer and watch
// it: the Clock its circuits decide by, a Recorder of every event, and methods
// that force a circuit open, half-open or closed. Build one with New, or
// NewSynctest inside a testing/synctest bubble. A Kit is safe for concurrent
// use.
type Kit struct {
	// Breaker is the breaker to give the code under test.
	Breaker *runtime.Breaker
	// Clock is the time every circuit of Breaker decides by.
	Clock *Clock
	// Events records every event of every circuit of Breaker.
	Events *Recorder

	t    testing.TB
	opts []runtime.Option // the caller's options, for resolving a circuit's policy
	mem  *storage.Memory  // Breaker's storage, which forcing writes to
	mu   sync.Mutex       // guards handles and scratch
	hs   map[string]storage.Handle
	// scratch resolves the options of circuits the code under test has not
	// registered yet, without registering them on Breaker (the first
	// registration fixes a circuit's options, and that must stay the code's).
	scratch *runtime.Breaker
}

// New returns a Kit whose Breaker has in-memory storage, a standing Clock
// showing DefaultStart and a Recorder of every event, plus opts (defaults,
// overrides, more listeners). The kit's clock and storage come last, so a
// WithClock or WithStorage in opts has no effect. An invalid option fails
// the test.
func New(t testing.TB, opts ...runtime.Option) *Kit {
	t.Helper()
	return newKit(t, NewClock(DefaultStart), opts)
}

// NewSynctest is New with a following clock (NewFollowingClock): call it
// inside a testing/synctest bubble, where time.Now is the bubble's fake time,
// so a time.Sleep of a cool-down in the test makes the circuit half-open and
// returns at once.
func NewSynctest(t testing.TB, opts ...runtime.Option) *Kit {
	t.Helper()
	return newKit(t, NewFollowingClock(), opts)
}

func newKit(t testing.TB, clock *Clock, opts []runtime.Option) *Kit {
	t.Helper()
	k := &Kit{
		Clock:  clock,
		Events: NewRecorder(),
		t:      t,
		opts:   opts,
		mem:    storage.NewMemory(),
		hs:     make(map[string]storage.Handle),
	}
	all := append([]runtime.Option{runtime.WithListener(k.Events)}, opts...)
	all = append(all, runtime.WithClock(clock), runtime.WithStorage(k.mem))
	b, err := runtime.New(all...)
	if err != nil {
		t.Fatalf("breakertest: %v", err)
	}
	k.Breaker = b
	t.Cleanup(k.unbind)
	return k
}

// Circuit returns the circuit name of the kit's Breaker, failing the test when
// the code under test has not made it yet.
func (k *Kit) Circuit(name string) *runtime.Circuit {
	k.t.Helper()
	c, ok := k.Breaker.Lookup(name)
	if !ok {
		k.t.Fatalf("breakertest: no circuit %q: the code under test has not made it yet", name)
	}
	return c
}

// Status returns the status of the circuit name, which must exist.
func (k *Kit) Status(name string) runtime.Status {
	k.t.Helper()
	st, err := k.Circuit(name).Status(context.Background())
	if err != nil {
		k.t.Fatalf("breakertest: status of %q: %v", name, err)
	}
	return st
}

// unbind gives back the handles forcing took, when the test ends.
func (k *Kit) unbind() {
	k.mu.Lock()
	defer k.mu.Unlock()
	for name, h := range k.hs {
		if u, ok := h.(storage.Unbinder); ok {
			u.Unbind()
		}
		delete(k.hs, name)
	}
}
