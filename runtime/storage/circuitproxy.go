package storage

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// Defaults of CircuitProxyOptions, taken by zero fields.
const (
	proxyFailureThreshold = 3
	proxyRateThreshold    = 0.5
	proxySampleThreshold  = 10
	proxyWindow           = 10 * time.Second
	proxyCoolDown         = 2 * time.Second
)

// CircuitProxyOptions tunes the breaker CircuitProxy puts in front of a backend.
// Every zero field takes its default, so the zero value is the default
// configuration.
type CircuitProxyOptions struct {
	// FailureThreshold is the number of failures in a row that opens the proxy.
	// Default 3.
	FailureThreshold int
	// RateThreshold is the failure rate, in (0, 1], within Window that opens the
	// proxy once SampleThreshold calls were counted in it; it catches a backend
	// that fails often but not in a row. Default 0.5.
	RateThreshold float64
	// SampleThreshold is the number of calls within Window needed before
	// RateThreshold applies. Default 10.
	SampleThreshold int
	// Window is the span over which the failure rate is counted; the count starts
	// afresh when a call comes Window or more after the count began. Default 10s.
	Window time.Duration
	// CoolDown is how long the open proxy fails calls without calling the backend
	// before it lets one probe through; it also bounds how long a probe that never
	// returns holds back the next. Default 2s, so a recovered backend is used
	// again within seconds.
	CoolDown time.Duration
	// Clock gives the time for the methods that are not given a now: Lock,
	// Unlock, Reset, Release, List and Clear. Give it the clock the runtime uses.
	// Default time.Now.
	Clock func() time.Time
}

// Validate reports every negative or out-of-range field of o. Zero fields are
// valid: they take their defaults.
func (o CircuitProxyOptions) Validate() error {
	var errs []error
	if o.FailureThreshold < 0 {
		errs = append(errs, fmt.Errorf("breakergen: circuit proxy: FailureThreshold %d is negative", o.FailureThreshold))
	}
	if math.IsNaN(o.RateThreshold) || o.RateThreshold < 0 || o.RateThreshold > 1 {
		errs = append(errs, fmt.Errorf("breakergen: circuit proxy: RateThreshold %v is not in (0, 1]", o.RateThreshold))
	}
	if o.SampleThreshold < 0 {
		errs = append(errs, fmt.Errorf("breakergen: circuit proxy: SampleThreshold %d is negative", o.SampleThreshold))
	}
	if o.Window < 0 {
		errs = append(errs, fmt.Errorf("breakergen: circuit proxy: Window %v is negative", o.Window))
	}
	if o.CoolDown < 0 {
		errs = append(errs, fmt.Errorf("breakergen: circuit proxy: CoolDown %v is negative", o.CoolDown))
	}
	return errors.Join(errs...)
}

// merge returns o with the non-zero fields of over in place of its own.
func (o CircuitProxyOptions) merge(over CircuitProxyOptions) CircuitProxyOptions {
	if over.FailureThreshold != 0 {
		o.FailureThreshold = over.FailureThreshold
	}
	if over.RateThreshold != 0 {
		o.RateThreshold = over.RateThreshold
	}
	if over.SampleThreshold != 0 {
		o.SampleThreshold = over.SampleThreshold
	}
	if over.Window != 0 {
		o.Window = over.Window
	}
	if over.CoolDown != 0 {
		o.CoolDown = over.CoolDown
	}
	if over.Clock != nil {
		o.Clock = over.Clock
	}
	return o
}

// CircuitProxy returns s behind a small circuit breaker of its own, so that a
// backend that keeps failing (Redis down, a network partition) is not called, and
// waited for, on every call. It is meant to sit inside FaultTolerant, as the
// runtime wires it: FaultTolerant(CircuitProxy(s)).
//
// The proxy has one breaker for the whole backend, driven by the now given to each
// call (and by Clock for the methods given none). It opens after FailureThreshold
// failures in a row, or when at least SampleThreshold calls within Window failed at
// RateThreshold or more. While it is open every call returns at once, without
// calling s, an error that wraps ErrStorageOpen and describes the backend's last
// error. After CoolDown it is half-open: exactly one call at a time goes through
// as the probe and the others still fail with ErrStorageOpen; the probe's success
// closes the proxy and its failure opens it for another CoolDown. A probe that
// has not returned after CoolDown is given up, and the next call probes.
//
// Only failures of the backend count: an error that is the caller's own context
// error (ctx.Err() is not nil and matches it) counts neither way, and an error
// wrapping ErrCorrupt counts as an answer, since the backend answered. Every
// error is returned to the caller unchanged. A now more than CoolDown before the
// instant the proxy opened is taken as a clock from another timeline and lets a
// probe through, so mixing clocks cannot hold the proxy open for long.
//
// Several opts are merged field by field, later non-zero fields winning. If the
// merged options do not pass Validate, or s is nil, the result fails every call
// with that error and never calls s; call Validate first to catch bad options
// early. The proxy's FaultTolerant method reports false: it returns errors.
//
// The result is safe for concurrent use.
func CircuitProxy(s Storage, opts ...CircuitProxyOptions) Storage {
	var o CircuitProxyOptions
	for _, over := range opts {
		o = o.merge(over)
	}
	if err := o.Validate(); err != nil {
		return failing{err}
	}
	if s == nil {
		return failing{errNilStorage}
	}
	o = CircuitProxyOptions{
		FailureThreshold: proxyFailureThreshold,
		RateThreshold:    proxyRateThreshold,
		SampleThreshold:  proxySampleThreshold,
		Window:           proxyWindow,
		CoolDown:         proxyCoolDown,
		Clock:            time.Now,
	}.merge(o)
	return &circuitProxy{backend: s, o: o}
}

// circuitProxy is the Storage returned by CircuitProxy. It is safe for concurrent
// use: its breaker state is guarded by mu, which is never held while the backend
// is called.
type circuitProxy struct {
	backend Storage
	o       CircuitProxyOptions

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

var _ Storage = (*circuitProxy)(nil)

// verdict is what one backend call says about the backend's health.
type verdict uint8

const (
	verdictSuccess verdict = iota
	verdictFailure
	verdictIgnore
)

func judge(ctx context.Context, err error) verdict {
	switch {
	case err == nil, errors.Is(err, ErrCorrupt):
		return verdictSuccess
	case callerDone(ctx, err):
		return verdictIgnore
	}
	return verdictFailure
}

// cooled reports whether d has passed from since to now, or now is so far before
// since that it must come from another clock.
func cooled(now, since time.Time, d time.Duration) bool {
	e := now.Sub(since)
	return e >= d || e < -d
}

// admit decides whether a call at now may reach the backend. A non-zero probe
// means the call is the half-open probe.
func (c *circuitProxy) admit(now time.Time) (probe uint64, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.open {
		return 0, nil
	}
	if !cooled(now, c.openedAt, c.o.CoolDown) {
		return 0, c.openErr
	}
	if c.probe != 0 && !cooled(now, c.probeAt, c.o.CoolDown) {
		return 0, c.openErr
	}
	c.lastID++
	c.probe, c.probeAt = c.lastID, now
	return c.probe, nil
}

// report counts the outcome of a call admitted at now.
func (c *circuitProxy) report(ctx context.Context, now time.Time, probe uint64, err error) {
	v := judge(ctx, err)
	c.mu.Lock()
	defer c.mu.Unlock()
	if probe != 0 {
		if probe != c.probe {
			return // given up on: a later probe decides
		}
		c.probe = 0
		switch v {
		case verdictSuccess:
			c.closeLocked(now)
		case verdictFailure:
			c.openLocked(now, err)
		}
		return
	}
	if c.open || v == verdictIgnore {
		return // a call admitted before the proxy opened, or no verdict
	}
	if now.Before(c.winStart) || !now.Before(c.winStart.Add(c.o.Window)) {
		c.winStart, c.samples, c.failures = now, 0, 0
	}
	c.samples++
	if v == verdictSuccess {
		c.inARow = 0
		return
	}
	c.failures++
	c.inARow++
	if c.inARow >= c.o.FailureThreshold ||
		(c.samples >= c.o.SampleThreshold && float64(c.failures)/float64(c.samples) >= c.o.RateThreshold) {
		c.openLocked(now, err)
	}
}

func (c *circuitProxy) openLocked(now time.Time, err error) {
	c.open, c.openedAt = true, now
	c.openErr = fmt.Errorf("%w (last backend error: %v)", ErrStorageOpen, err)
}

func (c *circuitProxy) closeLocked(now time.Time) {
	c.open, c.openErr = false, nil
	c.inARow, c.winStart, c.samples, c.failures = 0, now, 0, 0
}

// call runs fn against the backend if the breaker admits it at now, and counts
// its outcome.
func (c *circuitProxy) call(ctx context.Context, now time.Time, fn func() error) error {
	probe, err := c.admit(now)
	if err != nil {
		return err
	}
	err = fn()
	c.report(ctx, now, probe, err)
	return err
}

// Status reads the backend's status unless the proxy is open.
func (c *circuitProxy) Status(ctx context.Context, name string, p Policy, now time.Time) (st Status, err error) {
	err = c.call(ctx, now, func() (err error) {
		st, err = c.backend.Status(ctx, name, p, now)
		return err
	})
	return st, err
}

// Record records in the backend unless the proxy is open.
func (c *circuitProxy) Record(ctx context.Context, name string, p Policy, now time.Time, o Outcome) (r Result, err error) {
	err = c.call(ctx, now, func() (err error) {
		r, err = c.backend.Record(ctx, name, p, now, o)
		return err
	})
	return r, err
}

// Open opens the circuit in the backend unless the proxy is open.
func (c *circuitProxy) Open(ctx context.Context, name string, p Policy, now time.Time) (ok bool, err error) {
	err = c.call(ctx, now, func() (err error) {
		ok, err = c.backend.Open(ctx, name, p, now)
		return err
	})
	return ok, err
}

// Reopen reopens the circuit in the backend unless the proxy is open.
func (c *circuitProxy) Reopen(ctx context.Context, name string, p Policy, now, previous time.Time) (ok bool, err error) {
	err = c.call(ctx, now, func() (err error) {
		ok, err = c.backend.Reopen(ctx, name, p, now, previous)
		return err
	})
	return ok, err
}

// Close closes the circuit in the backend unless the proxy is open.
func (c *circuitProxy) Close(ctx context.Context, name string, p Policy, now time.Time) (ok bool, err error) {
	err = c.call(ctx, now, func() (err error) {
		ok, err = c.backend.Close(ctx, name, p, now)
		return err
	})
	return ok, err
}

// Reserve reserves the probe in the backend unless the proxy is open.
func (c *circuitProxy) Reserve(ctx context.Context, name string, p Policy, now, previous time.Time) (at time.Time, ok bool, err error) {
	err = c.call(ctx, now, func() (err error) {
		at, ok, err = c.backend.Reserve(ctx, name, p, now, previous)
		return err
	})
	return at, ok, err
}

// Release releases the reservation in the backend unless the proxy is open.
func (c *circuitProxy) Release(ctx context.Context, name string, p Policy, reservedAt time.Time) (ok bool, err error) {
	err = c.call(ctx, c.o.Clock(), func() (err error) {
		ok, err = c.backend.Release(ctx, name, p, reservedAt)
		return err
	})
	return ok, err
}

// Lock sets the lock in the backend unless the proxy is open.
func (c *circuitProxy) Lock(ctx context.Context, name string, l Lock) error {
	return c.call(ctx, c.o.Clock(), func() error { return c.backend.Lock(ctx, name, l) })
}

// Unlock clears the lock in the backend unless the proxy is open.
func (c *circuitProxy) Unlock(ctx context.Context, name string) error {
	return c.call(ctx, c.o.Clock(), func() error { return c.backend.Unlock(ctx, name) })
}

// Reset resets the circuit in the backend unless the proxy is open.
func (c *circuitProxy) Reset(ctx context.Context, name string) error {
	return c.call(ctx, c.o.Clock(), func() error { return c.backend.Reset(ctx, name) })
}

// History reads the backend's buckets unless the proxy is open.
func (c *circuitProxy) History(ctx context.Context, name string, p Policy, now time.Time) (b []Bucket, err error) {
	err = c.call(ctx, now, func() (err error) {
		b, err = c.backend.History(ctx, name, p, now)
		return err
	})
	return b, err
}

// List lists the backend's circuits unless the proxy is open.
func (c *circuitProxy) List(ctx context.Context) (names []string, err error) {
	err = c.call(ctx, c.o.Clock(), func() (err error) {
		names, err = c.backend.List(ctx)
		return err
	})
	return names, err
}

// Clear clears the backend unless the proxy is open.
func (c *circuitProxy) Clear(ctx context.Context) error {
	return c.call(ctx, c.o.Clock(), func() error { return c.backend.Clear(ctx) })
}

// FaultTolerant reports false: the proxy returns the backend's errors, and
// ErrStorageOpen while open.
func (c *circuitProxy) FaultTolerant() bool { return false }
