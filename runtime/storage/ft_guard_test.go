package storage_test

import (
	"context"
	"testing"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFaultTolerantGuardsItsBackend checks the guard inside FaultTolerant, the
// one layer between the runtime and a backend: after three failures in a row
// the backend is called no more until the guard's cool-down, every call is
// answered from the fallback meanwhile, each failure reported wraps
// ErrStorageOpen, the hot path is not used, and the first call after the
// cool-down probes the backend and, answered, closes the guard.
func TestFaultTolerantGuardsItsBackend(t *testing.T) {
	ctx := t.Context()
	backend, log := newFlaky(), &failureLog{}
	h := bind(t, must(storage.FaultTolerant(hotFlaky{backend}, storage.OnFailure(log.add))))
	hot, ok := h.(storage.HotPath)
	require.True(t, ok, "a fault-tolerant handle has a hot path")
	require.NotEqual(t, storage.AdmitAsk, hot.Admit().Verdict, "the backend's hot path, while it answers")

	backend.fail(errBackend)
	for range 3 {
		assert.True(t, statusAt(t, h, pxT0).Stub, "answered from the fallback")
	}
	require.EqualValues(t, 3, backend.calls.Load(), "calls that reached the failing backend")
	for _, f := range log.take() {
		assert.ErrorIs(t, f.Err, errBackend)
	}
	for range 10 {
		assert.True(t, statusAt(t, h, pxT0).Stub, "answered from the fallback")
	}
	assert.EqualValues(t, 3, backend.calls.Load(), "calls that reached the backend once the guard opened")
	failures := log.take()
	require.Len(t, failures, 10)
	for _, f := range failures {
		assert.ErrorIs(t, f.Err, storage.ErrStorageOpen)
	}
	assert.Equal(t, storage.AdmitAsk, hot.Admit().Verdict, "the decision path, while the guard is open")

	backend.heal()
	assert.False(t, statusAt(t, h, pxT0.Add(cooled)).Stub, "the probe after the cool-down, answered by the backend")
	assert.EqualValues(t, 4, backend.calls.Load())
	assert.False(t, statusAt(t, h, pxT0.Add(cooled)).Stub, "the guard closed")
	assert.NotEqual(t, storage.AdmitAsk, hot.Admit().Verdict, "the backend's hot path again")
	assert.Empty(t, log.take(), "failures once the backend answers")
	_, err := h.Record(ctx, pxT0.Add(cooled), storage.Outcome{Success: true})
	require.NoError(t, err)
}

// TestFaultTolerantDefersGuardedOutcomes is exactly-once counting through the
// one layer: an outcome the guard keeps from the backend (open, or the call's
// storage budget spent before it began) is handed to a backend handle that is
// a Deferrer, and one the backend was asked for is not, though it failed.
func TestFaultTolerantDefersGuardedOutcomes(t *testing.T) {
	backend := newFlaky()
	h := bind(t, must(storage.FaultTolerant(backend)))
	backend.fail(errBackend)
	_, err := h.Record(t.Context(), pxT0, storage.Outcome{})
	require.NoError(t, err, "answered from the fallback")
	assert.Zero(t, backend.deferred.Load(), "an outcome the backend was asked for")
	for range 2 {
		_ = statusAt(t, h, pxT0) // the guard opens on the third failure
	}
	r, err := h.Record(t.Context(), pxT0, storage.Outcome{Success: true})
	require.NoError(t, err)
	assert.True(t, r.Status.Stub)
	assert.EqualValues(t, 1, backend.deferred.Load(), "an outcome kept from the backend by the open guard")
	spent, cancel := context.WithTimeoutCause(context.Background(), 0, storage.ErrTimeout)
	defer cancel()
	_, err = h.Record(spent, pxT0.Add(cooled), storage.Outcome{})
	require.NoError(t, err)
	assert.EqualValues(t, 2, backend.deferred.Load(), "an outcome whose storage budget was spent")
}

// TestFaultTolerantGuardOptions checks that the guard's options are those of
// FaultTolerant, validated when it is built, and that an already fault-tolerant
// storage takes OnFailure functions but refuses a second guard.
func TestFaultTolerantGuardOptions(t *testing.T) {
	_, err := storage.FaultTolerant(newFlaky(), storage.WithFailuresInARow(0))
	require.ErrorIs(t, err, storage.ErrInvalid)
	assert.ErrorContains(t, err, "WithFailuresInARow(0)")
	ft := must(storage.FaultTolerant(newFlaky(), storage.WithFailuresInARow(1)))
	again, err := storage.FaultTolerant(ft, storage.OnFailure(func(storage.Failure) {}))
	require.NoError(t, err)
	assert.Same(t, ft, again, "an already fault-tolerant storage is returned as it is")
	_, err = storage.FaultTolerant(ft, storage.WithBackendCoolDown(storage.MaxCoolDown))
	assert.ErrorIs(t, err, storage.ErrInvalid, "a second guard on a fault-tolerant storage")

	backend := newFlaky()
	h := bind(t, must(storage.FaultTolerant(backend, storage.WithFailuresInARow(1))))
	backend.fail(errBackend)
	for range 3 {
		_ = statusAt(t, h, pxT0)
	}
	assert.EqualValues(t, 1, backend.calls.Load(), "WithFailuresInARow(1): one failure opens the guard")
}

// hotFlaky is a flaky backend whose handles have the hot path of its memory.
type hotFlaky struct{ *flaky }

func (f hotFlaky) Bind(name string, p storage.Policy) (storage.Handle, error) {
	h, err := f.flaky.Bind(name, p)
	if err != nil {
		return nil, err
	}
	mh, err := f.mem.Bind(name, p)
	if err != nil {
		return nil, err
	}
	return struct {
		storage.Handle
		storage.HotPath
	}{h, mh.(storage.HotPath)}, nil
}

// TestFaultTolerantPassesNotifyOn checks that what a backend tells off any
// call reaches the runtime through the wrapper, which binds the backend with
// the runtime's Notify: a failure (to the runtime's function and to
// OnFailure's) and a transition. No wrapper has a notifier interface to
// forget to re-expose.
func TestFaultTolerantPassesNotifyOn(t *testing.T) {
	backend := &notifying{Memory: storage.NewMemory()}
	onFailure, runtimeFailures := &failureLog{}, &failureLog{}
	var transitions []storage.Result
	p := pxPolicy
	p.Notify = storage.NotifyFuncs{Failure: runtimeFailures.add, Transition: func(r storage.Result) { transitions = append(transitions, r) }}
	_, err := must(storage.FaultTolerant(backend, storage.OnFailure(onFailure.add))).Bind("c", p)
	require.NoError(t, err)
	require.NotNil(t, backend.bound)
	backend.bound.Failed(storage.Failure{Op: "Flush", Circuit: "c", Err: errBackend})
	backend.bound.Transitioned(storage.Result{Transition: storage.TransitionOpened, Remote: true})
	assert.Equal(t, []storage.Failure{{Op: "Flush", Circuit: "c", Err: errBackend}}, runtimeFailures.take())
	assert.Equal(t, []storage.Failure{{Op: "Flush", Circuit: "c", Err: errBackend}}, onFailure.take())
	assert.Equal(t, []storage.Result{{Transition: storage.TransitionOpened, Remote: true}}, transitions)
}

// notifying is a backend that is not tolerant and keeps the Notify of its
// last binding, to speak as a fleet store's background work does.
type notifying struct {
	*storage.Memory
	bound storage.Notifier
}

func (n *notifying) FaultTolerant() bool { return false }

func (n *notifying) Bind(name string, p storage.Policy) (storage.Handle, error) {
	n.bound = p.Notify
	return n.Memory.Bind(name, p)
}
