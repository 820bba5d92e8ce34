package storage

import (
	"context"
	"time"
)

// null is the Storage returned by NewNull. It holds no state, so it is safe for
// concurrent use.
type null struct{}

var (
	_ Storage  = null{}
	_ Binder   = null{}
	_ FastPath = null{}
)

// NewNull returns a storage that stores nothing, for disabling circuit breaking
// without changing the code that uses it.
//
// Every circuit it reports is closed and unlocked, with an empty window and
// CurrentTime set to the now it was given, so every call runs. Record counts
// nothing and never causes a transition. Open, Reopen and Close report false,
// because the state they would change is never stored. Reserve always succeeds and
// returns now, so no caller is ever kept waiting for a probe, and Release reports
// true. Lock, Unlock, Reset and Clear do nothing, History and List are empty, and
// no method ever returns an error, so FaultTolerant reports true. The storage also
// implements Binder with a fast path that always reports a closed, unlocked
// circuit.
//
// The result is safe for concurrent use.
func NewNull() Storage { return null{} }

// Status reports a closed, unlocked circuit with an empty window at now.
func (null) Status(_ context.Context, _ string, _ Policy, now time.Time) (Status, error) {
	return Status{CurrentTime: now}, nil
}

// Record counts nothing and reports no transition.
func (null) Record(_ context.Context, _ string, _ Policy, now time.Time, _ Outcome) (Result, error) {
	return Result{Status: Status{CurrentTime: now}}, nil
}

// Open reports false: the circuit stays closed.
func (null) Open(context.Context, string, Policy, time.Time) (bool, error) { return false, nil }

// Reopen reports false: no circuit is ever open.
func (null) Reopen(context.Context, string, Policy, time.Time, time.Time) (bool, error) {
	return false, nil
}

// Close reports false: no circuit is ever open.
func (null) Close(context.Context, string, Policy, time.Time) (bool, error) { return false, nil }

// Reserve always succeeds and returns now.
func (null) Reserve(_ context.Context, _ string, _ Policy, now, _ time.Time) (time.Time, bool, error) {
	return now, true, nil
}

// Release reports true: no reservation is held.
func (null) Release(context.Context, string, Policy, time.Time) (bool, error) { return true, nil }

// Lock does nothing.
func (null) Lock(context.Context, string, Lock) error { return nil }

// Unlock does nothing.
func (null) Unlock(context.Context, string) error { return nil }

// Reset does nothing.
func (null) Reset(context.Context, string) error { return nil }

// History returns no buckets.
func (null) History(context.Context, string, Policy, time.Time) ([]Bucket, error) { return nil, nil }

// List returns no names.
func (null) List(context.Context) ([]string, error) { return nil, nil }

// Clear does nothing.
func (null) Clear(context.Context) error { return nil }

// FaultTolerant reports true: the null storage never fails.
func (null) FaultTolerant() bool { return true }

// Bind returns a fast path on which every circuit is closed and unlocked.
func (null) Bind(string, Policy) FastPath { return null{} }

// ClosedUnlocked reports true.
func (null) ClosedUnlocked() bool { return true }

// Succeeded does nothing.
func (null) Succeeded(int64) {}
