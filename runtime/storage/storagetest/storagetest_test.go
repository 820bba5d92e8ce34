package storagetest_test

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/storagetest"
)

func memory(*testing.T) storage.Storage { return storage.NewMemory() }

func TestMemory(t *testing.T) {
	storagetest.Run(t, storagetest.Harness{New: memory})
}

// serverClock makes a Memory behave like a backend with a clock of its own: it
// ignores the now it is given and uses the wall clock, moved by Advance, cut to
// microseconds as Redis TIME is.
type serverClock struct {
	storage.Storage
	mu     sync.Mutex
	offset time.Duration
}

func (s *serverClock) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Now().Add(s.offset).Truncate(time.Microsecond)
}

func (s *serverClock) Status(ctx context.Context, name string, p storage.Policy, _ time.Time) (storage.Status, error) {
	return s.Storage.Status(ctx, name, p, s.now())
}

func (s *serverClock) Record(ctx context.Context, name string, p storage.Policy, _ time.Time, o storage.Outcome) (storage.Result, error) {
	return s.Storage.Record(ctx, name, p, s.now(), o)
}

func (s *serverClock) Open(ctx context.Context, name string, p storage.Policy, _ time.Time) (bool, error) {
	return s.Storage.Open(ctx, name, p, s.now())
}

func (s *serverClock) Reopen(ctx context.Context, name string, p storage.Policy, _, previous time.Time) (bool, error) {
	return s.Storage.Reopen(ctx, name, p, s.now(), previous)
}

func (s *serverClock) Close(ctx context.Context, name string, p storage.Policy, _ time.Time) (bool, error) {
	return s.Storage.Close(ctx, name, p, s.now())
}

func (s *serverClock) Reserve(ctx context.Context, name string, p storage.Policy, _, previous time.Time) (time.Time, bool, error) {
	return s.Storage.Reserve(ctx, name, p, s.now(), previous)
}

func (s *serverClock) History(ctx context.Context, name string, p storage.Policy, _ time.Time) ([]storage.Bucket, error) {
	return s.Storage.History(ctx, name, p, s.now())
}

// TestOwnClock runs the suite the way it runs against Redis: through Advance,
// with instants the storage takes from a running clock of its own.
func TestOwnClock(t *testing.T) {
	storagetest.Run(t, storagetest.Harness{
		New: func(*testing.T) storage.Storage {
			// Far from the suite's own instants, so a storage that used the
			// suite's now would be caught.
			return &serverClock{Storage: storage.NewMemory(), offset: -1000 * time.Hour}
		},
		Advance: func(t *testing.T, s storage.Storage, d time.Duration) {
			c, ok := s.(*serverClock)
			if !ok {
				t.Fatalf("Advance got %T", s)
			}
			c.mu.Lock()
			c.offset += d
			c.mu.Unlock()
		},
	})
}

// mutant is a Memory with one rule broken.
type mutant struct {
	*storage.Memory
	kind string
}

func (m *mutant) Reserve(ctx context.Context, name string, p storage.Policy, now, previous time.Time) (time.Time, bool, error) {
	if m.kind == "reserve-always-wins" {
		st, _ := m.Memory.Status(ctx, name, p, now)
		previous = st.ReservedAt
	}
	return m.Memory.Reserve(ctx, name, p, now, previous)
}

func (m *mutant) Reopen(ctx context.Context, name string, p storage.Policy, now, previous time.Time) (bool, error) {
	if m.kind == "reopen-ignores-previous" {
		st, _ := m.Memory.Status(ctx, name, p, now)
		previous = st.OpenedAt
	}
	return m.Memory.Reopen(ctx, name, p, now, previous)
}

func (m *mutant) Close(ctx context.Context, name string, p storage.Policy, now time.Time) (bool, error) {
	ok, err := m.Memory.Close(ctx, name, p, now)
	if ok && m.kind == "close-drops-lock" {
		_ = m.Memory.Unlock(ctx, name)
	}
	return ok, err
}

func (m *mutant) Status(ctx context.Context, name string, p storage.Policy, now time.Time) (storage.Status, error) {
	st, err := m.Memory.Status(ctx, name, p, now)
	if m.kind == "status-hides-lock" {
		st.Lock = storage.LockNone
	}
	return st, err
}

func (m *mutant) List(ctx context.Context) ([]string, error) {
	names, err := m.Memory.List(ctx)
	if m.kind == "list-unsorted" {
		slices.Reverse(names)
	}
	return names, err
}

func (m *mutant) Reset(ctx context.Context, name string) error {
	if m.kind == "reset-keeps-lock" {
		st, _ := m.Memory.Status(ctx, name, storage.Policy{EvaluationWindow: time.Minute}, time.Now())
		defer func() {
			if st.Lock != storage.LockNone {
				_ = m.Memory.Lock(ctx, name, st.Lock)
			}
		}()
	}
	return m.Memory.Reset(ctx, name)
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
		return &mutant{Memory: storage.NewMemory(), kind: kind}
	}})
}

func TestSuiteCatchesMutants(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	for kind, subtest := range map[string]string{
		"reserve-always-wins":     "Reserve",
		"reopen-ignores-previous": "Reopen",
		"close-drops-lock":        "LockSurvivesTransitions",
		"status-hides-lock":       "Lock",
		"list-unsorted":           "ListAndClear",
		"reset-keeps-lock":        "Reset",
	} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestMutant$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), mutantEnv+"="+kind)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a storage whose %s; output:\n%s", kind, out)
			}
			if want := "--- FAIL: TestMutant/" + subtest + " "; !strings.Contains(string(out), want) {
				t.Errorf("the suite did not fail subtest %s for a storage whose %s; output:\n%s", subtest, kind, out)
			}
		})
	}
}

// Example shows a backend's conformance test. Run needs the *testing.T of a
// test, so the example only builds the harness.
func Example() {
	h := storagetest.Harness{
		New: func(*testing.T) storage.Storage { return storage.NewMemory() },
	}
	// In a test: storagetest.Run(t, h)
	_ = h
}
