package storage_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newFT returns the handle of circuit "c" of FaultTolerant over a new flaky
// backend, with failures collected in a log.
func newFT(t *testing.T) (storage.Handle, *flaky, *failureLog) {
	t.Helper()
	backend := newFlaky()
	log := &failureLog{}
	s := must(storage.FaultTolerant(backend, append(neverGuarded, storage.OnFailure(log.add))...))
	return bind(t, s), backend, log
}

// neverGuarded keeps a FaultTolerant wrapper's guard closed whatever the
// backend does, so that every call reaches the backend: for the tests of the
// fallback, each failure met as the backend's (the guard has tests of its own).
var neverGuarded = []storage.FaultTolerantOption{storage.WithFailuresInARow(1 << 30), storage.WithFailureRate(1, 1<<30)}

func TestFaultTolerantConformance(t *testing.T) {
	storagetest.Run(t, storagetest.Harness{New: func(*testing.T) storage.Storage {
		return must(storage.FaultTolerant(newFlaky()))
	}})
}

func TestFaultTolerantReportsEveryFailure(t *testing.T) {
	backend, log := newFlaky(), &failureLog{}
	var mine failureLog
	h := bindNotified(t, must(storage.FaultTolerant(backend, append(neverGuarded, storage.OnFailure(log.add))...)), mine.add)
	backend.fail(errBackend)
	for _, o := range ops {
		err := o.call(t.Context(), h)
		if o.name == "Lock" || o.name == "Reset" || o.name == "History" {
			assert.ErrorIs(t, err, errBackend, "%s returns the backend's error", o.name)
		} else {
			assert.NoError(t, err, "%s never fails", o.name)
		}
		for _, l := range []*failureLog{log, &mine} {
			f := l.take()
			if assert.Len(t, f, 1, "failures reported for %s", o.name) {
				assert.Equal(t, storage.Failure{Op: o.name, Circuit: "c", Err: errBackend}, f[0])
			}
		}
	}
}

func TestFaultTolerantStub(t *testing.T) {
	h, backend, _ := newFT(t)
	assert.False(t, statusAt(t, h, pxT0).Stub, "a healthy status")
	backend.fail(errBackend)
	st := statusAt(t, h, pxT0)
	assert.True(t, st.Stub, "a status while the backend fails")
	r, err := h.Record(t.Context(), pxT0, storage.Outcome{})
	require.NoError(t, err)
	assert.True(t, r.Status.Stub, "a result while the backend fails")
}

// TestFaultTolerantKeepsProtecting checks that the fallback decides while the
// backend fails: failures open the circuit in this process.
func TestFaultTolerantKeepsProtecting(t *testing.T) {
	h, backend, _ := newFT(t)
	backend.fail(errBackend)
	var ts []storage.Transition
	for range 3 {
		r, err := h.Record(t.Context(), pxT0, storage.Outcome{})
		require.NoError(t, err)
		if r.Transition != storage.TransitionNone {
			ts = append(ts, r.Transition)
		}
	}
	assert.Equal(t, []storage.Transition{storage.TransitionOpened}, ts)
	assert.Equal(t, storage.StateOpen, statusAt(t, h, pxT0).State)
	assert.Equal(t, storage.AdmitAsk, h.(storage.HotPath).Admit().Verdict, "the hot path while degraded")
}

func TestFaultTolerantReserveFailsOpen(t *testing.T) {
	h, backend, _ := newFT(t)
	backend.fail(errBackend)
	at, ok, err := h.Reserve(t.Context(), pxT0, pxT0, time.Time{})
	require.NoError(t, err)
	assert.True(t, ok && at.Equal(pxT0), "Reserve with the backend down and the fallback closed = %v, %v", at, ok)
}

func TestFaultTolerantRecovers(t *testing.T) {
	h, backend, log := newFT(t)
	backend.fail(errBackend)
	_ = statusAt(t, h, pxT0)
	backend.heal()
	st := statusAt(t, h, pxT0)
	assert.False(t, st.Stub, "a status once the backend answers again")
	assert.Len(t, log.take(), 1)
}

// TestFaultTolerantLocksWhileDown is the defect of a proxy that swallowed lock
// errors: the operator must learn that the lock did not reach the backend, the
// lock must hold here at once, survive the backend's stale lock when it
// returns, and reach the backend then.
func TestFaultTolerantLocksWhileDown(t *testing.T) {
	ctx := t.Context()
	h, backend, _ := newFT(t)
	backend.fail(errBackend)
	require.ErrorIs(t, h.Lock(ctx, pxT0, storage.LockOpen), errBackend, "Lock while the backend is down")
	assert.Equal(t, storage.LockOpen, statusAt(t, h, pxT0).Lock, "lock while the backend is down")
	backend.heal()
	assert.Equal(t, storage.LockOpen, statusAt(t, h, pxT0).Lock, "lock on the first read after the outage")
	backendHandle := bind(t, backend.mem)
	assert.Equal(t, storage.LockOpen, statusAt(t, backendHandle, pxT0).Lock, "the lock was re-sent to the backend")
	require.NoError(t, backendHandle.Lock(ctx, pxT0, storage.LockNone)) // another process unlocks
	assert.Equal(t, storage.LockNone, statusAt(t, h, pxT0).Lock, "a lock changed elsewhere after the re-send")

	require.NoError(t, h.Lock(ctx, pxT0, storage.LockClosed))
	backend.fail(errBackend)
	require.ErrorIs(t, h.Reset(ctx, pxT0), errBackend, "Reset while the backend is down")
	assert.Equal(t, storage.LockNone, statusAt(t, h, pxT0).Lock, "lock after a Reset while the backend is down")
	backend.heal()
	assert.Equal(t, storage.LockNone, statusAt(t, h, pxT0).Lock, "lock on the first read after the outage")
	assert.Equal(t, storage.LockNone, statusAt(t, backendHandle, pxT0).Lock, "the Reset's unlock was re-sent to the backend")
}

func TestFaultTolerantNeverHidesLocks(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		set  func(h, other storage.Handle) // other is a handle on the backend itself
		want storage.Lock
	}{
		{"locked through the proxy", func(h, _ storage.Handle) { _ = h.Lock(ctx, pxT0, storage.LockOpen) }, storage.LockOpen},
		{"locked closed through the proxy", func(h, _ storage.Handle) { _ = h.Lock(ctx, pxT0, storage.LockClosed) }, storage.LockClosed},
		{"locked by another process", func(_, o storage.Handle) { _ = o.Lock(ctx, pxT0, storage.LockOpen) }, storage.LockOpen},
		{"relocked by another process", func(h, o storage.Handle) {
			_ = h.Lock(ctx, pxT0, storage.LockOpen)
			_ = o.Lock(ctx, pxT0, storage.LockClosed)
		}, storage.LockClosed},
		{"unlocked by another process", func(h, o storage.Handle) {
			_ = h.Lock(ctx, pxT0, storage.LockOpen)
			_ = o.Lock(ctx, pxT0, storage.LockNone)
		}, storage.LockNone},
		{"reset through the proxy", func(h, _ storage.Handle) {
			_ = h.Lock(ctx, pxT0, storage.LockOpen)
			_ = h.Reset(ctx, pxT0)
		}, storage.LockNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, backend, _ := newFT(t)
			tt.set(h, bind(t, backend.mem))
			st := statusAt(t, h, pxT0)
			require.Equal(t, tt.want, st.Lock, "healthy status")
			backend.fail(errBackend)
			st = statusAt(t, h, pxT0)
			assert.True(t, st.Stub)
			assert.Equal(t, tt.want, st.Lock, "status with the backend down")
			r, _ := h.Record(ctx, pxT0, storage.Outcome{})
			assert.Equal(t, tt.want, r.Status.Lock, "Record with the backend down")
		})
	}
}

// TestFaultTolerantSlowReadKeepsNewerLock checks that a status read before a Lock
// but returned after it does not erase the lock the proxy knows.
func TestFaultTolerantSlowReadKeepsNewerLock(t *testing.T) {
	h, backend, _ := newFT(t)
	read, proceed := make(chan struct{}), make(chan struct{})
	hook := func(op string) {
		if op == "Status" {
			close(read)
			<-proceed
		}
	}
	backend.after.Store(&hook)
	done := make(chan storage.Status)
	go func() {
		st, _ := h.Status(context.Background(), pxT0)
		done <- st
	}()
	<-read // the slow read has seen no lock
	backend.after.Store(nil)
	require.NoError(t, h.Lock(t.Context(), pxT0, storage.LockOpen))
	close(proceed)
	assert.Equal(t, storage.LockNone, (<-done).Lock, "the slow read, begun before the Lock")
	backend.fail(errBackend)
	assert.Equal(t, storage.LockOpen, statusAt(t, h, pxT0).Lock, "lock with the backend down: a slow read erased it")
}

func TestFaultTolerantCallerContext(t *testing.T) {
	h, backend, log := newFT(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	backend.fail(context.Canceled)
	_, err := h.Status(ctx, pxT0)
	require.NoError(t, err)
	assert.Empty(t, log.take(), "the caller's own cancellation is not a storage failure")
	tctx, tcancel := context.WithTimeoutCause(context.Background(), time.Nanosecond, storage.ErrTimeout)
	defer tcancel()
	<-tctx.Done()
	backend.fail(tctx.Err())
	_, err = h.Status(tctx, pxT0)
	require.NoError(t, err)
	assert.Len(t, log.take(), 1, "the runtime's storage deadline is a storage failure")
}

// TestFaultTolerantOperatorReadsFail is the defect of a wrapper that answered
// History and List from its fallback with no error, so that an operator's tool
// showed one process's memory as the fleet's: they return the backend's error.
func TestFaultTolerantOperatorReadsFail(t *testing.T) {
	ctx := t.Context()
	backend, log := newFlaky(), &failureLog{}
	s := must(storage.FaultTolerant(backend, append(neverGuarded, storage.OnFailure(log.add))...))
	h := bind(t, s)
	backend.fail(errBackend)
	for range 2 {
		_, err := h.Record(ctx, pxT0, storage.Outcome{})
		require.NoError(t, err)
	}
	require.Equal(t, 2, statusAt(t, h, pxT0).Samples, "the fallback counts while the backend fails")
	log.take()

	b, err := h.(storage.Operator).History(ctx, pxT0)
	require.ErrorIs(t, err, errBackend, "History while the backend fails")
	assert.Nil(t, b, "History answered with the fallback's buckets")
	assert.Equal(t, []storage.Failure{{Op: "History", Circuit: "c", Err: errBackend}}, log.take())

	names, err := s.(storage.Admin).List(ctx)
	require.ErrorIs(t, err, errBackend, "List while the backend fails")
	assert.Nil(t, names, "List answered with the fallback's circuits")
	assert.Equal(t, []storage.Failure{{Op: "List", Err: errBackend}}, log.take())

	backend.heal()
	b, err = h.(storage.Operator).History(ctx, pxT0)
	require.NoError(t, err)
	assert.Empty(t, b, "the backend's window, which the failed records never reached")
	names, err = s.(storage.Admin).List(ctx)
	require.NoError(t, err)
	assert.Equal(t, must(backend.mem.List(ctx)), names)
}

// bareStorage is a backend with the decision path only: no Admin, and handles
// with no Operator.
type bareStorage struct{ mem *storage.Memory }

func (b bareStorage) Bind(name string, p storage.Policy) (storage.Handle, error) {
	h, err := b.mem.Bind(name, p)
	return struct{ storage.Handle }{h}, err
}

func TestFaultTolerantOperatorReadsUnsupported(t *testing.T) {
	ctx := t.Context()
	log := &failureLog{}
	s := must(storage.FaultTolerant(bareStorage{storage.NewMemory()}, storage.OnFailure(log.add)))
	h := bind(t, s)
	_, err := h.(storage.Operator).Open(ctx, pxT0)
	require.NoError(t, err, "Open falls back for a backend without Operator")
	b, err := h.(storage.Operator).History(ctx, pxT0)
	assert.ErrorIs(t, err, errors.ErrUnsupported, "History of a backend without Operator")
	assert.Nil(t, b)
	names, err := s.(storage.Admin).List(ctx)
	assert.ErrorIs(t, err, errors.ErrUnsupported, "List of a backend without Admin")
	assert.Nil(t, names)
	assert.Empty(t, log.take(), "a missing method is not a backend failure")
}

// TestFaultTolerantKeepsTolerantStorage is the defect of a wrapper made around
// a storage that never fails only because an option was given: such a storage
// is returned unchanged, and OnFailure is never called for it.
func TestFaultTolerantKeepsTolerantStorage(t *testing.T) {
	member := newFlaky()
	tests := []struct {
		name string
		s    storage.Storage
	}{
		{"memory", storage.NewMemory()},
		{"null", storage.NewNull()},
		{"fallback chain", must(storage.FallbackChain(member, storage.NewMemory()))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.True(t, storage.IsTolerant(tt.s))
			log := &failureLog{}
			got, err := storage.FaultTolerant(tt.s, storage.OnFailure(log.add))
			require.NoError(t, err)
			assert.Same(t, tt.s, got, "a tolerant storage given OnFailure")
			_, err = storage.FaultTolerant(tt.s, storage.OnFailure(nil))
			assert.ErrorIs(t, err, storage.ErrInvalid, "options are still checked")
		})
	}
	// The chain's handles report a member's failure to their own function only.
	chain, log, mine := tests[2].s, &failureLog{}, &failureLog{}
	_ = must(storage.FaultTolerant(chain, storage.OnFailure(log.add)))
	h := bindNotified(t, chain, mine.add)
	member.fail(errBackend)
	_ = statusAt(t, h, pxT0)
	assert.Empty(t, log.take(), "OnFailure given with a tolerant storage")
	assert.NotEmpty(t, mine.take(), "the chain's handle reports its member's failure")
}

func TestFaultTolerantNoDoubleWrap(t *testing.T) {
	s := must(storage.FaultTolerant(newFlaky()))
	again, err := storage.FaultTolerant(s)
	require.NoError(t, err)
	assert.Same(t, s, again)
	m := storage.NewMemory()
	same, err := storage.FaultTolerant(m)
	require.NoError(t, err)
	assert.Same(t, storage.Storage(m), same, "a tolerant storage is not wrapped")
}

func TestFaultTolerantInvalid(t *testing.T) {
	var typed *flaky
	for _, s := range []storage.Storage{nil, typed} {
		got, err := storage.FaultTolerant(s)
		assert.Nil(t, got)
		assert.ErrorIs(t, err, storage.ErrInvalid)
	}
	_, err := storage.FaultTolerant(newFlaky(), storage.OnFailure(nil))
	assert.ErrorIs(t, err, storage.ErrInvalid)
	_, err = storage.FaultTolerant(newFlaky(), nil)
	assert.ErrorIs(t, err, storage.ErrInvalid)
}

func TestFaultTolerantPanickingNotifier(t *testing.T) {
	backend := newFlaky()
	s := must(storage.FaultTolerant(backend, storage.OnFailure(func(storage.Failure) { panic("listener bug") })))
	h := bind(t, s)
	backend.fail(errBackend)
	assert.NotPanics(t, func() { _ = statusAt(t, h, pxT0) })
}

func TestFaultTolerantConcurrent(t *testing.T) {
	h, backend, _ := newFT(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				switch {
				case g == 0 && i%20 == 0:
					backend.fail(errBackend)
				case g == 0 && i%20 == 10:
					backend.heal()
				}
				_, _ = h.Record(context.Background(), pxT0, storage.Outcome{Success: i%2 == 0})
				_ = h.Lock(context.Background(), pxT0, storage.Lock(i%3))
				_, _ = h.Status(context.Background(), pxT0)
			}
		})
	}
	wg.Wait()
}
