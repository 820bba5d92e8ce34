package storagetest_test

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func memory(*testing.T) storage.Storage { return storage.NewMemory() }

func TestMemory(t *testing.T) {
	storagetest.Run(t, storagetest.Harness{New: memory, Policies: true})
}

// TestMapStore runs the decision part of the suite against mapStore, the
// smallest backend that can run a breaker: a map and a mutex.
func TestMapStore(t *testing.T) {
	storagetest.RunDecision(t, storagetest.Harness{New: func(*testing.T) storage.Storage { return newMapStore() }})
}

// serverClock makes a Memory behave like a backend with a clock of its own: its
// handles ignore the now they are given and use the wall clock, moved by
// Advance, cut to microseconds as Redis TIME is.
type serverClock struct {
	mem    *storage.Memory
	mu     sync.Mutex
	offset time.Duration
}

func (s *serverClock) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Now().Add(s.offset).Truncate(time.Microsecond)
}

func (s *serverClock) Bind(name string, p storage.Policy) (storage.Handle, error) {
	h, err := s.mem.Bind(name, p)
	if err != nil {
		return nil, err
	}
	return &clockHandle{h: h, op: h.(storage.Operator), s: s}, nil
}

func (s *serverClock) List(ctx context.Context) ([]string, error) { return s.mem.List(ctx) }
func (s *serverClock) Clear(ctx context.Context) error            { return s.mem.Clear(ctx) }

type clockHandle struct {
	h  storage.Handle
	op storage.Operator
	s  *serverClock
}

func (c *clockHandle) Status(ctx context.Context, _ time.Time) (storage.Status, error) {
	return c.h.Status(ctx, c.s.now())
}

func (c *clockHandle) Record(ctx context.Context, _ time.Time, o storage.Outcome) (storage.Result, error) {
	return c.h.Record(ctx, c.s.now(), o)
}

func (c *clockHandle) Reserve(ctx context.Context, _, openedAt, reservedAt time.Time) (time.Time, bool, error) {
	return c.h.Reserve(ctx, c.s.now(), openedAt, reservedAt)
}

func (c *clockHandle) Release(ctx context.Context, _, reservedAt time.Time) (bool, error) {
	return c.h.Release(ctx, c.s.now(), reservedAt)
}

func (c *clockHandle) Lock(ctx context.Context, _ time.Time, l storage.Lock) error {
	return c.h.Lock(ctx, c.s.now(), l)
}

func (c *clockHandle) Reset(ctx context.Context, _ time.Time) error { return c.h.Reset(ctx, c.s.now()) }

func (c *clockHandle) Open(ctx context.Context, _ time.Time) (bool, error) {
	return c.op.Open(ctx, c.s.now())
}

func (c *clockHandle) Reopen(ctx context.Context, _, previous time.Time) (bool, error) {
	return c.op.Reopen(ctx, c.s.now(), previous)
}

func (c *clockHandle) Close(ctx context.Context, _ time.Time) (bool, error) {
	return c.op.Close(ctx, c.s.now())
}

func (c *clockHandle) History(ctx context.Context, _ time.Time) ([]storage.Bucket, error) {
	return c.op.History(ctx, c.s.now())
}

// TestOwnClock runs the suite the way it runs against Redis: through Advance,
// with instants the storage takes from a running clock of its own.
func TestOwnClock(t *testing.T) {
	storagetest.Run(t, storagetest.Harness{
		New: func(*testing.T) storage.Storage {
			// Far from the suite's own instants, so a storage that used the
			// suite's now would be caught.
			return &serverClock{mem: storage.NewMemory(), offset: -1000 * time.Hour}
		},
		Advance: func(t *testing.T, s storage.Storage, d time.Duration) {
			c, ok := s.(*serverClock)
			require.True(t, ok, "Advance got %T", s)
			c.mu.Lock()
			c.offset += d
			c.mu.Unlock()
		},
	})
}

const mutantEnv = "STORAGETEST_MUTANT"

// TestMutant runs the suite against a broken Memory; TestSuiteCatchesMutants
// runs it in a child process and expects it to fail.
func TestMutant(t *testing.T) {
	kind := os.Getenv(mutantEnv)
	if kind == "" {
		t.Skip("run by TestSuiteCatchesMutants")
	}
	storagetest.Run(t, storagetest.Harness{New: func(*testing.T) storage.Storage {
		return &mutant{mem: storage.NewMemory(), kind: kind}
	}, Policies: true})
}

func TestSuiteCatchesMutants(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	for kind, subtest := range map[string]string{
		"reserve-always-wins":     "Reserve",
		"reserve-ignores-opened":  "ReserveComparesOpenedAt",
		"reopen-ignores-previous": "Reopen",
		"close-drops-lock":        "LockSurvivesTransitions",
		"status-hides-lock":       "Lock",
		"list-unsorted":           "ListAndClear",
		"reset-keeps-lock":        "Reset",
		"hot-ignores-threshold":   "HotPath",
		"late-probe-closes":       "ProbeFailureReopens",

		"policy-slow-dropped":       "SlowOutcomes",
		"policy-hung-never-counted": "HungCallsOpen",
		"policy-ended-ignored":      "AbandonedCallsNeverHang",
		"policy-abandoned-ignored":  "AdaptiveAbandoned",
		"policy-no-backoff":         "BackoffDoubles",
		"policy-admits-rejected":    "RampAdmitsTheSchedule",
		"policy-one-probe":          "SeveralProbes",
	} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestMutant$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), mutantEnv+"="+kind)
			out, err := cmd.CombinedOutput()
			require.Error(t, err, "the suite passed a storage whose %s; output:\n%s", kind, out)
			assert.Contains(t, string(out), "--- FAIL: TestMutant/"+subtest+" ",
				"the suite did not fail subtest %s for a storage whose %s", subtest, kind)
		})
	}
}

// Example shows a backend's conformance test. Run needs the *testing.T of a
// test, so the example only builds the harness.
func Example() {
	h := storagetest.Harness{
		New: func(*testing.T) storage.Storage { return storage.NewMemory() },
	}
	// In a test of a backend that implements only the decision path:
	//	storagetest.RunDecision(t, h)
	// and of one that implements storage.Operator and storage.Admin too:
	//	storagetest.Run(t, h)
	_ = h
}

// TestPoliciesOptIn checks that Run makes no storage for the policy cases
// unless the harness asks for them, so a backend that applies no policy runs
// the classic suite exactly as before.
func TestPoliciesOptIn(t *testing.T) {
	made := func(policies bool) int {
		n := 0
		storagetest.Run(t, storagetest.Harness{New: func(*testing.T) storage.Storage { n++; return storage.NewMemory() }, Policies: policies})
		return n
	}
	classic, all := made(false), made(true)
	assert.Greater(t, all, classic, "storages made with Harness.Policies, and without")
}
