package storage

import (
	"fmt"
	"math"
	"time"
)

// ProxyOption configures CircuitProxy. Options are applied in order, a later
// option of one kind replacing an earlier one; any invalid option, or a nil one,
// makes CircuitProxy fail with an error naming it.
type ProxyOption interface {
	applyProxy(*proxyConfig)
}

// proxyConfig is CircuitProxy's configuration; its zero value is invalid, start
// from defaultProxyConfig.
type proxyConfig struct {
	inARow   int
	rate     float64
	samples  int
	window   time.Duration
	coolDown time.Duration
	errs     []error
}

func defaultProxyConfig() proxyConfig {
	return proxyConfig{inARow: 3, rate: 0.5, samples: 10, window: 10 * time.Second, coolDown: 2 * time.Second}
}

type proxyOptionFunc func(*proxyConfig)

func (f proxyOptionFunc) applyProxy(c *proxyConfig) { f(c) }

// WithFailuresInARow opens the proxy after n backend failures in a row, n ≥ 1.
// Default 3.
func WithFailuresInARow(n int) ProxyOption {
	return proxyOptionFunc(func(c *proxyConfig) {
		if n < 1 {
			c.errs = append(c.errs, fmt.Errorf("%w: circuit proxy: WithFailuresInARow(%d): want at least 1", ErrInvalid, n))
		}
		c.inARow = n
	})
}

// WithFailureRate opens the proxy when, within the rate window, at least samples
// calls were counted (samples ≥ 1) and a share rate of them (0 < rate ≤ 1)
// failed; it catches a backend that fails often but not in a row. Default 0.5
// over 10 calls.
func WithFailureRate(rate float64, samples int) ProxyOption {
	return proxyOptionFunc(func(c *proxyConfig) {
		if math.IsNaN(rate) || rate <= 0 || rate > 1 || samples < 1 {
			c.errs = append(c.errs, fmt.Errorf("%w: circuit proxy: WithFailureRate(%v, %d): want a rate in (0, 1] and at least 1 sample", ErrInvalid, rate, samples))
		}
		c.rate, c.samples = rate, samples
	})
}

// WithRateWindow sets the span over which WithFailureRate counts; the count
// starts afresh when a call comes d or more after the count began. Between
// MinWindow and MaxWindow. Default 10s.
func WithRateWindow(d time.Duration) ProxyOption {
	return proxyOptionFunc(func(c *proxyConfig) {
		if d < MinWindow || d > MaxWindow {
			c.errs = append(c.errs, fmt.Errorf("%w: circuit proxy: WithRateWindow(%v): want [%v, %v]", ErrInvalid, d, MinWindow, MaxWindow))
		}
		c.window = d
	})
}

// WithProxyCoolDown sets how long the open proxy fails calls without calling the
// backend before it lets one probe through; it also bounds how long a probe that
// never returns holds back the next. Between MinCoolDown and MaxCoolDown.
// Default 2s, so a recovered backend is used again within seconds.
func WithProxyCoolDown(d time.Duration) ProxyOption {
	return proxyOptionFunc(func(c *proxyConfig) {
		if d < MinCoolDown || d > MaxCoolDown {
			c.errs = append(c.errs, fmt.Errorf("%w: circuit proxy: WithProxyCoolDown(%v): want [%v, %v]", ErrInvalid, d, MinCoolDown, MaxCoolDown))
		}
		c.coolDown = d
	})
}
