package storagetest_test

import (
	"context"
	"slices"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
)

// mutant is a Memory with one rule broken, named by kind.
type mutant struct {
	mem  *storage.Memory
	kind string
}

func (m *mutant) Bind(name string, p storage.Policy) (storage.Handle, error) {
	h, err := m.mem.Bind(name, p)
	if err != nil {
		return nil, err
	}
	return &mutantHandle{Handle: h, op: h.(storage.Operator), hot: h.(storage.HotPath), kind: m.kind}, nil
}

func (m *mutant) List(ctx context.Context) ([]string, error) {
	names, err := m.mem.List(ctx)
	if m.kind == "list-unsorted" {
		slices.Reverse(names)
	}
	return names, err
}

func (m *mutant) Clear(ctx context.Context) error { return m.mem.Clear(ctx) }

type mutantHandle struct {
	storage.Handle
	op   storage.Operator
	hot  storage.HotPath
	kind string
}

func (m *mutantHandle) Reserve(ctx context.Context, now, openedAt, reservedAt time.Time) (time.Time, bool, error) {
	st, _ := m.Handle.Status(ctx, now)
	switch m.kind {
	case "reserve-always-wins":
		openedAt, reservedAt = st.OpenedAt, st.ReservedAt
	case "reserve-ignores-opened":
		openedAt = st.OpenedAt
	case "policy-one-probe":
		if st.Probes > 0 && !st.ReservedAt.Before(st.OpenedAt) {
			return time.Time{}, false, nil
		}
	}
	return m.Handle.Reserve(ctx, now, openedAt, reservedAt)
}

func (m *mutantHandle) Status(ctx context.Context, now time.Time) (storage.Status, error) {
	st, err := m.Handle.Status(ctx, now)
	switch m.kind {
	case "status-hides-lock":
		st.Lock = storage.LockNone
	case "policy-no-backoff":
		st.CoolDown = 0
	}
	return st, err
}

func (m *mutantHandle) Record(ctx context.Context, now time.Time, o storage.Outcome) (storage.Result, error) {
	if m.kind == "late-probe-closes" && o.Probe && o.Success {
		st, _ := m.Handle.Status(ctx, now)
		o.OpenedAt = st.OpenedAt // closes whatever open period it finds
	}
	if m.kind == "policy-slow-dropped" {
		o.Slow = false
	}
	r, err := m.Handle.Record(ctx, now, o)
	if r.Transition == storage.TransitionClosed && m.kind == "close-drops-lock" {
		_ = m.Handle.Lock(ctx, now, storage.LockNone) // after the result was read
	}
	return r, err
}

func (m *mutantHandle) Reset(ctx context.Context, now time.Time) error {
	st, _ := m.Handle.Status(ctx, now)
	err := m.Handle.Reset(ctx, now)
	if m.kind == "reset-keeps-lock" && st.Lock != storage.LockNone {
		_ = m.Handle.Lock(ctx, now, st.Lock)
	}
	return err
}

func (m *mutantHandle) Open(ctx context.Context, now time.Time) (bool, error) {
	return m.op.Open(ctx, now)
}

func (m *mutantHandle) Reopen(ctx context.Context, now, previous time.Time) (bool, error) {
	if m.kind == "reopen-ignores-previous" {
		st, _ := m.Handle.Status(ctx, now)
		previous = st.OpenedAt
	}
	return m.op.Reopen(ctx, now, previous)
}

func (m *mutantHandle) Close(ctx context.Context, now time.Time) (bool, error) {
	return m.op.Close(ctx, now)
}

func (m *mutantHandle) History(ctx context.Context, now time.Time) ([]storage.Bucket, error) {
	return m.op.History(ctx, now)
}

func (m *mutantHandle) Admit() storage.Admission { return m.hot.Admit() }
func (m *mutantHandle) Succeeded(now int64)      { m.hot.Succeeded(now) }

func (m *mutantHandle) Failed(now int64) bool {
	if m.kind == "hot-ignores-threshold" {
		m.hot.Succeeded(now) // counts something, and says the caller is done
		return true
	}
	return m.hot.Failed(now)
}

// SupportsPolicy says the mutant applies every policy, as Memory does, so
// the policy cases run against it.
func (m *mutant) SupportsPolicy(p storage.Policy) error { return m.mem.SupportsPolicy(p) }

func (m *mutantHandle) gate() storage.Gate { return m.Handle.(storage.Gate) }

func (m *mutantHandle) AdmitAt(now int64) storage.Admission {
	switch m.kind {
	case "policy-hung-never-counted":
		return m.hot.Admit()
	case "policy-admits-rejected":
		if a := m.gate().AdmitAt(now); a.Verdict != storage.AdmitReject {
			return a
		}
		return storage.Admission{Verdict: storage.AdmitRun}
	}
	return m.gate().AdmitAt(now)
}

func (m *mutantHandle) Ended(now int64) {
	if m.kind != "policy-ended-ignored" {
		m.gate().Ended(now)
	}
}

func (m *mutantHandle) Abandoned(now int64) {
	if m.kind != "policy-abandoned-ignored" {
		m.gate().Abandoned(now)
	}
}
