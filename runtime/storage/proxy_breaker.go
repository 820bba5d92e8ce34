package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// proxyBreaker is the guard: the small breaker of FaultTolerant and of each
// guarded FallbackChain member, one for the whole backend.
// Its state is guarded by mu, which is never held while the backend is called.
type proxyBreaker struct {
	cfg gateConfig
	// isOpen mirrors open for readers on the hot path, which take no lock.
	isOpen atomic.Bool

	mu       sync.Mutex
	open     bool
	openedAt time.Time
	openErr  error     // returned while open: wraps ErrStorageOpen
	probe    uint64    // id of the probe in flight, 0 for none
	probeAt  time.Time // when the probe in flight was let through
	lastID   uint64
	inARow   int       // failures in a row while closed
	winStart time.Time // start of the rate window
	samples  int       // calls counted in the rate window
	failures int       // failures counted in the rate window
}

// proxyVerdict is what one backend call says about the backend's health.
type proxyVerdict uint8

const (
	proxySuccess proxyVerdict = iota
	proxyFailure
	proxyIgnore
)

// judgeBackend tells a backend failure from an answer (a corrupt value is an
// answer: the backend works) and from the caller's own cancellation.
func judgeBackend(ctx context.Context, err error) proxyVerdict {
	switch {
	case err == nil, errors.Is(err, ErrCorrupt), errors.Is(err, ErrInvalid), errors.Is(err, ErrDetached):
		return proxySuccess
	case callerDone(ctx, err):
		return proxyIgnore
	}
	return proxyFailure
}

// cooled reports whether d has passed from since to now, or now is so far before
// since that it must come from another clock.
func cooled(now, since time.Time, d time.Duration) bool {
	e := now.Sub(since)
	return e >= d || e < -d
}

// admit decides whether a call at now may reach the backend. A non-zero probe
// means the call is the half-open probe.
func (b *proxyBreaker) admit(now time.Time) (probe uint64, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open {
		return 0, nil
	}
	if !cooled(now, b.openedAt, b.cfg.coolDown) {
		return 0, b.openErr
	}
	if b.probe != 0 && !cooled(now, b.probeAt, b.cfg.coolDown) {
		return 0, b.openErr
	}
	b.lastID++
	b.probe, b.probeAt = b.lastID, now
	return b.probe, nil
}

// closed reports whether the breaker lets calls through without a probe. It
// takes no lock.
func (b *proxyBreaker) closed() bool { return !b.isOpen.Load() }

// report counts the outcome of a call admitted at now; end is the instant the
// call ended, so that a call that failed slowly opens the breaker from its end
// and not from its start.
func (b *proxyBreaker) report(ctx context.Context, now, end time.Time, probe uint64, err error) {
	v := judgeBackend(ctx, err)
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe != 0 {
		if probe != b.probe {
			return // given up on: a later probe decides
		}
		b.probe = 0
		switch v {
		case proxySuccess:
			b.closeLocked(now)
		case proxyFailure:
			b.openLocked(end, err)
		}
		return
	}
	if b.open || v == proxyIgnore {
		return // a call admitted before the breaker opened, or no verdict
	}
	if now.Before(b.winStart) || !now.Before(b.winStart.Add(b.cfg.window)) {
		b.winStart, b.samples, b.failures = now, 0, 0
	}
	b.samples++
	if v == proxySuccess {
		b.inARow = 0
		return
	}
	b.failures++
	b.inARow++
	if b.inARow >= b.cfg.inARow ||
		(b.samples >= b.cfg.samples && float64(b.failures)/float64(b.samples) >= b.cfg.rate) {
		b.openLocked(end, err)
	}
}

func (b *proxyBreaker) openLocked(now time.Time, err error) {
	b.open, b.openedAt = true, now
	b.isOpen.Store(true)
	b.openErr = fmt.Errorf("%w (last backend error: %v)", ErrStorageOpen, err)
}

func (b *proxyBreaker) closeLocked(now time.Time) {
	b.open, b.openErr = false, nil
	b.isOpen.Store(false)
	b.inARow, b.winStart, b.samples, b.failures = 0, now, 0, 0
}
