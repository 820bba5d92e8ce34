package storage_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/require"
)

var (
	errBackend = errors.New("boom")
	pxT0       = time.Date(2030, time.January, 2, 3, 4, 5, 0, time.UTC)
	pxPolicy   = storage.Policy{CoolDown: time.Minute, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 3}
)

// flaky is a backend that fails on command: its handles answer from a Memory
// while it is healthy and with its error while it fails. It counts the calls
// that reach it, and runs an optional hook before each call (before its health
// is checked) and after each answer.
type flaky struct {
	mem   *storage.Memory
	err   atomic.Pointer[error] // nil while healthy
	calls atomic.Int64
	// deferred counts the outcomes given to its handles' Defer.
	deferred atomic.Int64
	before   atomic.Pointer[func(op string)]
	after    atomic.Pointer[func(op string)]
}

var _ storage.Storage = (*flaky)(nil)

func newFlaky() *flaky { return &flaky{mem: storage.NewMemory()} }

// fail makes every call fail with err; heal makes them work again.
func (f *flaky) fail(err error) { f.err.Store(&err) }
func (f *flaky) heal()          { f.err.Store(nil) }

func (f *flaky) enter(op string) error {
	f.calls.Add(1)
	if h := f.before.Load(); h != nil {
		(*h)(op)
	}
	if err := f.err.Load(); err != nil {
		return *err
	}
	return nil
}

func (f *flaky) leave(op string) {
	if h := f.after.Load(); h != nil {
		(*h)(op)
	}
}

func (f *flaky) Bind(name string, p storage.Policy) (storage.Handle, error) {
	h, err := f.mem.Bind(name, p)
	if err != nil {
		return nil, err
	}
	return &flakyHandle{f: f, h: h, op: h.(storage.Operator)}, nil
}

func (f *flaky) List(ctx context.Context) ([]string, error) {
	return call(f, "List", func() ([]string, error) { return f.mem.List(ctx) })
}

func (f *flaky) Clear(ctx context.Context) error {
	_, err := call(f, "Clear", func() (bool, error) { return true, f.mem.Clear(ctx) })
	return err
}

// call runs fn as the backend's operation op.
func call[T any](f *flaky, op string, fn func() (T, error)) (T, error) {
	if err := f.enter(op); err != nil {
		var zero T
		return zero, err
	}
	defer f.leave(op)
	return fn()
}

type flakyHandle struct {
	f  *flaky
	h  storage.Handle
	op storage.Operator
}

func (h *flakyHandle) Status(ctx context.Context, now time.Time) (storage.Status, error) {
	return call(h.f, "Status", func() (storage.Status, error) { return h.h.Status(ctx, now) })
}

func (h *flakyHandle) Record(ctx context.Context, now time.Time, o storage.Outcome) (storage.Result, error) {
	return call(h.f, "Record", func() (storage.Result, error) { return h.h.Record(ctx, now, o) })
}

// Defer counts a deferred outcome: a flaky handle is a storage.Deferrer, as a
// fleet store's is.
func (h *flakyHandle) Defer(storage.Outcome) { h.f.deferred.Add(1) }

func (h *flakyHandle) Reserve(ctx context.Context, now, openedAt, reservedAt time.Time) (time.Time, bool, error) {
	var ok bool
	at, err := call(h.f, "Reserve", func() (t time.Time, err error) {
		t, ok, err = h.h.Reserve(ctx, now, openedAt, reservedAt)
		return t, err
	})
	return at, ok, err
}

func (h *flakyHandle) Release(ctx context.Context, now, reservedAt time.Time) (bool, error) {
	return call(h.f, "Release", func() (bool, error) { return h.h.Release(ctx, now, reservedAt) })
}

func (h *flakyHandle) Lock(ctx context.Context, now time.Time, l storage.Lock) error {
	_, err := call(h.f, "Lock", func() (bool, error) { return true, h.h.Lock(ctx, now, l) })
	return err
}

func (h *flakyHandle) Reset(ctx context.Context, now time.Time) error {
	_, err := call(h.f, "Reset", func() (bool, error) { return true, h.h.Reset(ctx, now) })
	return err
}

func (h *flakyHandle) Open(ctx context.Context, now time.Time) (bool, error) {
	return call(h.f, "Open", func() (bool, error) { return h.op.Open(ctx, now) })
}

func (h *flakyHandle) Reopen(ctx context.Context, now, previous time.Time) (bool, error) {
	return call(h.f, "Reopen", func() (bool, error) { return h.op.Reopen(ctx, now, previous) })
}

func (h *flakyHandle) Close(ctx context.Context, now time.Time) (bool, error) {
	return call(h.f, "Close", func() (bool, error) { return h.op.Close(ctx, now) })
}

func (h *flakyHandle) History(ctx context.Context, now time.Time) ([]storage.Bucket, error) {
	return call(h.f, "History", func() ([]storage.Bucket, error) { return h.op.History(ctx, now) })
}

// failureLog collects the Failures reported to it. It is safe for concurrent use.
type failureLog struct {
	mu   sync.Mutex
	list []storage.Failure
}

func (f *failureLog) add(x storage.Failure) {
	f.mu.Lock()
	f.list = append(f.list, x)
	f.mu.Unlock()
}

func (f *failureLog) take() []storage.Failure {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.list
	f.list = nil
	return out
}

// ops is one call of every Handle and Operator method, for table-driven tests.
var ops = []struct {
	name string
	call func(ctx context.Context, h storage.Handle) error
}{
	{"Status", func(ctx context.Context, h storage.Handle) error { _, err := h.Status(ctx, pxT0); return err }},
	{"Record", func(ctx context.Context, h storage.Handle) error {
		_, err := h.Record(ctx, pxT0, storage.Outcome{})
		return err
	}},
	{"Reserve", func(ctx context.Context, h storage.Handle) error {
		_, _, err := h.Reserve(ctx, pxT0, time.Time{}, time.Time{})
		return err
	}},
	{"Release", func(ctx context.Context, h storage.Handle) error { _, err := h.Release(ctx, pxT0, pxT0); return err }},
	{"Lock", func(ctx context.Context, h storage.Handle) error { return h.Lock(ctx, pxT0, storage.LockOpen) }},
	{"Reset", func(ctx context.Context, h storage.Handle) error { return h.Reset(ctx, pxT0) }},
	{"Open", func(ctx context.Context, h storage.Handle) error {
		_, err := h.(storage.Operator).Open(ctx, pxT0)
		return err
	}},
	{"Reopen", func(ctx context.Context, h storage.Handle) error {
		_, err := h.(storage.Operator).Reopen(ctx, pxT0, pxT0)
		return err
	}},
	{"Close", func(ctx context.Context, h storage.Handle) error {
		_, err := h.(storage.Operator).Close(ctx, pxT0)
		return err
	}},
	{"History", func(ctx context.Context, h storage.Handle) error {
		_, err := h.(storage.Operator).History(ctx, pxT0)
		return err
	}},
}

// bind binds circuit "c" with pxPolicy.
func bind(t *testing.T, s storage.Storage) storage.Handle {
	t.Helper()
	h, err := s.Bind("c", pxPolicy)
	require.NoError(t, err)
	return h
}

// bindNotified binds circuit "c" of s with the policy of the proxy tests,
// its failures told to fn, as the runtime binds its circuits.
func bindNotified(t *testing.T, s storage.Storage, fn func(storage.Failure)) storage.Handle {
	t.Helper()
	p := pxPolicy
	p.Notify = storage.NotifyFuncs{Failure: fn}
	h, err := s.Bind("c", p)
	require.NoError(t, err)
	return h
}

// statusAt reads h's status at now.
func statusAt(t *testing.T, h storage.Handle, now time.Time) storage.Status {
	t.Helper()
	st, err := h.Status(t.Context(), now)
	require.NoError(t, err)
	return st
}

// must returns v, and panics (failing the test) on err: for constructors in
// tests, as must(storage.Guarded(s)).
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
