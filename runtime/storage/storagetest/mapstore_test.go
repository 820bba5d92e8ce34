package storagetest_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
)

// mapStore is the smallest storage that can run a breaker, as a third party
// would write one for a database of its own: circuits in a map under one mutex,
// the window a list of outcomes. It implements only storage.Storage and the
// decision path of storage.Handle, and passes storagetest.RunDecision.
type mapStore struct {
	mu       sync.Mutex
	circuits map[string]*mapCircuit
}

type mapCircuit struct {
	state      storage.State
	lock       storage.Lock
	openedAt   time.Time
	reservedAt time.Time
	outcomes   []mapOutcome
	window     time.Duration // the first binding's: it fixes the geometry
}

type mapOutcome struct {
	at      time.Time
	failure bool
}

func newMapStore() *mapStore { return &mapStore{circuits: make(map[string]*mapCircuit)} }

// Bind returns the circuit's handle; the first binding fixes its window.
func (m *mapStore) Bind(name string, p storage.Policy) (storage.Handle, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("mapstore: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.circuits[name]
	if c == nil {
		c = &mapCircuit{window: p.EvaluationWindow}
		m.circuits[name] = c
	}
	return &mapHandle{m: m, c: c, p: p}, nil
}

type mapHandle struct {
	m *mapStore
	c *mapCircuit
	p storage.Policy
}

// status returns the circuit at now, dropping outcomes older than the window;
// the caller holds the mutex.
func (h *mapHandle) status(now time.Time) storage.Status {
	c := h.c
	live := c.outcomes[:0]
	failures := 0
	for _, o := range c.outcomes {
		if now.Sub(o.at) < c.window {
			live = append(live, o)
			if o.failure {
				failures++
			}
		}
	}
	c.outcomes = live
	return storage.Status{State: c.state, Lock: c.lock, OpenedAt: c.openedAt, ReservedAt: c.reservedAt,
		Failures: failures, Samples: len(live), CurrentTime: now}
}

func (h *mapHandle) Status(_ context.Context, now time.Time) (storage.Status, error) {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	return h.status(now), nil
}

func (h *mapHandle) Record(_ context.Context, now time.Time, o storage.Outcome) (storage.Result, error) {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	c := h.c
	c.outcomes = append(c.outcomes, mapOutcome{at: now, failure: !o.Success})
	st := h.status(now)
	t := storage.TransitionNone
	switch {
	case o.Probe && c.state == storage.StateOpen && o.Success && c.openedAt.Equal(o.OpenedAt):
		c.state, c.reservedAt, c.outcomes = storage.StateClosed, time.Time{}, nil
		t = storage.TransitionClosed
	case o.Probe && c.state == storage.StateOpen && c.openedAt.Equal(o.OpenedAt):
		c.openedAt = now
		t = storage.TransitionReopened
	case !o.Success && c.state == storage.StateClosed && h.p.FailsThreshold(st.Failures, st.Samples):
		c.state, c.openedAt, c.reservedAt = storage.StateOpen, now, time.Time{}
		t = storage.TransitionOpened
	}
	return storage.Result{Transition: t, Status: h.status(now)}, nil
}

func (h *mapHandle) Reserve(_ context.Context, now, openedAt, reservedAt time.Time) (time.Time, bool, error) {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	c := h.c
	if c.state != storage.StateOpen || !c.openedAt.Equal(openedAt) || !c.reservedAt.Equal(reservedAt) {
		return time.Time{}, false, nil
	}
	c.reservedAt = now
	return now, true, nil
}

func (h *mapHandle) Release(_ context.Context, _, reservedAt time.Time) (bool, error) {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	if reservedAt.IsZero() || !h.c.reservedAt.Equal(reservedAt) {
		return false, nil
	}
	h.c.reservedAt = time.Time{}
	return true, nil
}

func (h *mapHandle) Lock(_ context.Context, _ time.Time, l storage.Lock) error {
	if !l.Valid() {
		return fmt.Errorf("mapstore: %w: lock %d", storage.ErrInvalid, l)
	}
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	h.c.lock = l
	return nil
}

func (h *mapHandle) Reset(context.Context, time.Time) error {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	*h.c = mapCircuit{window: h.c.window}
	return nil
}
