package redisstore

import (
	"fmt"
	"time"

	"github.com/breakergen/breakergen/runtime/storage/redisstore/internal/engine"
)

// Defaults of the options.
const (
	// DefaultPrefix is the key prefix used without WithPrefix.
	DefaultPrefix = "breakergen"
	// DefaultStateTTL is how long a circuit's state is kept after its last change
	// without WithStateTTL: a week, as Faulty's circuit_ttl.
	DefaultStateTTL = 7 * 24 * time.Hour
	// DefaultBuckets is the number of time buckets of a window without WithBuckets.
	DefaultBuckets = 10
	// MaxBuckets is the largest bucket count WithBuckets accepts.
	MaxBuckets = engine.MaxBuckets
	// DefaultFlushInterval is how often a fleet store flushes the outcomes it
	// counted locally, without WithFlushInterval.
	DefaultFlushInterval = 100 * time.Millisecond
	// DefaultRefreshInterval is how often a fleet store re-reads the status of
	// the circuits whose cached state could be stale, without
	// WithRefreshInterval.
	DefaultRefreshInterval = time.Second
	// DefaultQuorum is how many processes must vote to open a fleet's circuit
	// without WithQuorum.
	DefaultQuorum = 2
	// MaxQuorum is the largest quorum WithQuorum accepts.
	MaxQuorum = 1 << 16
	// DefaultStaleRefreshes is how many refresh intervals a fleet store goes
	// without an answer from Redis before it decides alone, without
	// WithStaleAfter.
	DefaultStaleRefreshes = 3
	// DefaultReplicaAckTimeout is how long a reservation or an operator's write
	// waits for the replicas' acknowledgement when the master reports replicas
	// and WithReplicaAcks was not given: well within the storage deadline of a
	// protected call (100 ms by default), far above a healthy replica's lag.
	DefaultReplicaAckTimeout = engine.DefaultReplicaAckTimeout
)

// Bounds of the fleet intervals.
const (
	MinFlushInterval   = time.Millisecond
	MaxFlushInterval   = 10 * time.Second
	MinRefreshInterval = 10 * time.Millisecond
	MaxRefreshInterval = 10 * time.Minute
	MinStaleAfter      = 10 * time.Millisecond
	MaxStaleAfter      = time.Hour
)

// Option configures a Store in New. Options are applied in order, a later option
// of one kind replacing an earlier one; an invalid option, or a nil one, makes
// New fail with an error naming it.
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// config is what the options set; New hands the engine its Config.
type config struct {
	prefix   string
	stateTTL time.Duration
	lockTTL  time.Duration
	buckets  int
	strict   bool
	flush    time.Duration
	refresh  time.Duration
	stale    time.Duration // 0: DefaultStaleRefreshes refresh intervals
	quorum   int
	// acks is how many replicas must acknowledge a reservation or an
	// operator's write, within ackTimeout; -1: one when the master has any.
	acks       int
	ackTimeout time.Duration
}

func defaults() config {
	return config{prefix: DefaultPrefix, stateTTL: DefaultStateTTL, buckets: DefaultBuckets,
		flush: DefaultFlushInterval, refresh: DefaultRefreshInterval, quorum: DefaultQuorum, acks: -1}
}

// staleAfter is the staleness bound in force.
func (c *config) staleAfter() time.Duration {
	if c.stale != 0 {
		return c.stale
	}
	return DefaultStaleRefreshes * c.refresh
}

// engine returns the engine's configuration.
func (c *config) engine() engine.Config {
	return engine.Config{Prefix: c.prefix, StateTTL: c.stateTTL, LockTTL: c.lockTTL,
		Buckets: c.buckets, Strict: c.strict, Flush: c.flush, Refresh: c.refresh,
		Stale: c.staleAfter(), Quorum: c.quorum, Acks: c.acks, AckTimeout: c.ackTimeout}
}

// WithPrefix sets the prefix of every key, so that several stores (or
// environments) can share one Redis. Default "breakergen". It must not be empty.
// Stores of a fleet must use the same prefix to share circuits.
func WithPrefix(prefix string) Option {
	return optionFunc(func(c *config) error {
		if prefix == "" {
			return fmt.Errorf("%w: empty prefix", ErrInvalid)
		}
		c.prefix = prefix
		return nil
	})
}

// WithStateTTL sets how long a circuit's state key (state, OpenedAt, reservation)
// lives after its last change. An open circuit's key lives CoolDown longer, so a
// circuit that nobody calls stays half-open at least this long before it is
// forgotten (and then reads as closed). Default DefaultStateTTL (7 days); it must
// be positive.
func WithStateTTL(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("%w: state TTL %v is not positive", ErrInvalid, d)
		}
		c.stateTTL = d
		return nil
	})
}

// WithLockTTL sets how long an operator's lock (LockOpen, LockClosed) lasts before
// it expires by itself. Default 0: locks last until Unlock or Reset. It must not
// be negative.
func WithLockTTL(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d < 0 {
			return fmt.Errorf("%w: lock TTL %v is negative", ErrInvalid, d)
		}
		c.lockTTL = d
		return nil
	})
}

// WithBuckets sets the number of time buckets of each circuit's window, from 1 to
// MaxBuckets. More buckets make the window's edge sharper and each status read a
// little dearer. Default DefaultBuckets (10). Every
// store of a fleet should use the same count.
func WithBuckets(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 1 || n > MaxBuckets {
			return fmt.Errorf("%w: %d buckets, want 1 to %d", ErrInvalid, n, MaxBuckets)
		}
		c.buckets = n
		return nil
	})
}

// WithStrict makes every decision a script, as Faulty does: each protected call
// reads the status and records its outcome in Redis (two round trips), and no
// goroutine, subscription or local count is kept. Default: fleet mode, where
// closed-state calls decide from a cached status and outcomes are flushed in
// batches (see the package documentation).
func WithStrict() Option {
	return optionFunc(func(c *config) error {
		c.strict = true
		return nil
	})
}

// WithFlushInterval sets how often a fleet store flushes the outcomes it counted
// locally: at most once per interval per circuit with traffic, in one pipeline
// for every circuit. A failure that would fail a circuit's threshold is flushed
// at once, whatever the interval. Between MinFlushInterval (1ms) and
// MaxFlushInterval (10s); default DefaultFlushInterval (100ms). Shorter shares
// successes sooner and costs Redis more scripts.
func WithFlushInterval(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d < MinFlushInterval || d > MaxFlushInterval {
			return fmt.Errorf("%w: flush interval %v, want %v to %v", ErrInvalid, d, MinFlushInterval, MaxFlushInterval)
		}
		c.flush = d
		return nil
	})
}

// WithRefreshInterval sets how often a fleet store re-reads the status of the
// circuits whose cached state may be stale (open, locked, or not read for a
// while), in case a broadcast was lost. Between MinRefreshInterval (10ms) and
// MaxRefreshInterval (10m); default DefaultRefreshInterval (1s).
func WithRefreshInterval(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d < MinRefreshInterval || d > MaxRefreshInterval {
			return fmt.Errorf("%w: refresh interval %v, want %v to %v", ErrInvalid, d, MinRefreshInterval, MaxRefreshInterval)
		}
		c.refresh = d
		return nil
	})
}

// WithStaleAfter sets how long a fleet store goes without a successful
// exchange with Redis before it stops trusting what it last learnt of the
// fleet and decides from its own outcomes alone: every circuit then decides as
// a process of its own (an opening the fleet had announced is kept, and probed
// by this process alone), no call waits on Redis, and each circuit says so once
// with a storage failure wrapping ErrStale. Its outcomes are still sent, once,
// when Redis answers again, and it trusts the fleet again at that answer.
// Between MinStaleAfter (10ms) and MaxStaleAfter (1h); default
// DefaultStaleRefreshes (3) refresh intervals (3s with the default refresh
// interval). A strict store keeps nothing to decide from and ignores it: its
// runtime's in-process fallback answers while Redis fails.
func WithStaleAfter(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d < MinStaleAfter || d > MaxStaleAfter {
			return fmt.Errorf("%w: stale after %v, want %v to %v", ErrInvalid, d, MinStaleAfter, MaxStaleAfter)
		}
		c.stale = d
		return nil
	})
}

// WithQuorum sets how many processes must vote before the fleet's circuit
// opens. A process votes to open a circuit when its own outcomes within the
// window failed the rate threshold at its last report (no minimum of samples:
// ten quiet processes with one failure each are ten votes). The fleet's
// circuit opens when the shared window fails the thresholds and at least n
// processes vote, or every process that reported outcomes within the window
// votes when fewer than n reported: a service of one process opens as it
// always did, while one bad host among many (its own DNS, network or
// connection pool) gets a local opening of its own instead of opening the
// circuit for everyone. Every store of a fleet should use the same quorum.
// Between 1 (any process opens it, as without quorum) and MaxQuorum; default
// DefaultQuorum (2).
func WithQuorum(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 1 || n > MaxQuorum {
			return fmt.Errorf("%w: quorum %d, want 1 to %d", ErrInvalid, n, MaxQuorum)
		}
		c.quorum = n
		return nil
	})
}

// WithReplicaAcks makes every reservation of a probe and every operator write
// (lock, unlock, reset) wait for n replicas of the master that owns the
// circuit to acknowledge it, within timeout, with WAIT pipelined after the
// script (no extra round trip). A reservation that fewer replicas acknowledged
// is not granted (the caller is skipped, and the reservation given back), so a
// failover to a replica never grants a second probe in one half-open window;
// an operator write that fewer acknowledged returns an error wrapping
// ErrUnacknowledged (it holds on the master; send it again). n = 0 waits for
// none. Default: every replica the master reports connected (asked with ROLE
// every 10 s), within DefaultReplicaAckTimeout; none when it has none. A
// write that only some replicas acknowledged can still be lost when the
// sentinels promote another, which is why the default asks for all: a master
// that lost one (to a failover, or a replica down) refuses, until its next
// check, writes a failover could lose. n from 0 to 16; timeout from 1ms to 1m
// when n > 0.
func WithReplicaAcks(n int, timeout time.Duration) Option {
	return optionFunc(func(c *config) error {
		if n < 0 || n > 16 || (n > 0 && (timeout < time.Millisecond || timeout > time.Minute)) {
			return fmt.Errorf("%w: replica acks %d within %v, want 0 to 16 within 1ms to 1m", ErrInvalid, n, timeout)
		}
		c.acks, c.ackTimeout = n, timeout
		return nil
	})
}
