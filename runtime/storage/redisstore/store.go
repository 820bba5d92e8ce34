package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/breakergen/breakergen/internal/hotpath/nilness"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/redis/go-redis/v9"
)

// Store is a storage.Storage in Redis. Create one with New.
//
// A Store is safe for concurrent use, by any number of goroutines and processes
// sharing the same Redis and prefix. It is not fault tolerant: its handles return
// Redis's errors, and the runtime wraps it so that they fail open.
type Store struct {
	client   redis.UniversalClient
	cfg      config
	tagStart string // "{" + escaped prefix + ":"
	pub      string // the command that announces changes: PUBLISH, which a cluster carries to every node
	fleet    *fleet // the circuits' verdicts; in fleet mode, also the cache and goroutines
	// pid names this store among the processes of the fleet in the quorum's
	// sets: 64 random bits, new with every store.
	pid      string
	link     link // when Redis last answered
	replicas acks // the replicas behind each master, when counted automatically
	// primeOnce counts the replicas at the first binding (primeReplicas).
	primeOnce sync.Once

	// bg runs the give-backs of reservations whose callers gave up (giveBack);
	// stop ends their waits at Shutdown. bgMu orders starting one with
	// stopping.
	bgMu    sync.Mutex
	bg      sync.WaitGroup
	stop    chan struct{}
	stopped bool

	// offset is added to the server's time inside every script, in microseconds.
	// Only the package's tests change it, to move time without sleeping.
	offset atomic.Int64
}

var (
	_ storage.Storage  = (*Store)(nil)
	_ storage.Admin    = (*Store)(nil)
	_ storage.Tolerant = (*Store)(nil)
)

// New returns a Store that keeps circuits in the Redis behind client, configured
// by opts. It does not contact Redis. It fails with an error wrapping ErrInvalid
// when client is nil (or a typed nil) or an option is invalid.
func New(client redis.UniversalClient, opts ...Option) (*Store, error) {
	if nilness.Is(client) {
		return nil, fmt.Errorf("%w: nil client", ErrInvalid)
	}
	cfg := defaults()
	var errs []error
	for i, o := range opts {
		if o == nil {
			errs = append(errs, fmt.Errorf("%w: option %d is nil", ErrInvalid, i+1))
			continue
		}
		if err := o.apply(&cfg); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	s := &Store{
		client:   client,
		cfg:      cfg,
		tagStart: "{" + prefixEscaper.Replace(cfg.prefix) + ":",
		pub:      "publish",
		pid:      newToken(),
		stop:     make(chan struct{}),
	}
	s.fleet = newFleet(s)
	return s, nil
}

// Prefix returns the key prefix the Store was configured with.
func (s *Store) Prefix() string { return s.cfg.prefix }

// FaultTolerant reports false: Redis may fail, so the runtime wraps the Store.
func (s *Store) FaultTolerant() bool { return false }

// Bind returns the handle of the circuit name: its keys and the arguments its
// policy gives every script, computed once. It makes no Redis call. It fails,
// with an error wrapping ErrInvalid, when p does not pass Policy.Validate.
func (s *Store) Bind(name string, p storage.Policy) (storage.Handle, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%w: circuit %q: %w", ErrInvalid, name, err)
	}
	width, n := s.window(p)
	h := &handle{
		s:         s,
		name:      name,
		channel:   s.channel(name),
		width:     width,
		buckets:   n,
		rate:      p.RateThreshold,
		samples:   p.SampleThreshold,
		stateTTL:  s.stateTTL(p),
		windowTTL: windowTTL(width, n),
		coolDown:  p.CoolDown.Microseconds(),
	}
	s.primeOnce.Do(s.primeReplicas)
	c := s.fleet.bind(h)
	c.listen(p.Notify)
	if s.cfg.strict {
		return &shandle{c: c, h: h, p: p}, nil
	}
	return &fhandle{c: c, h: h, p: p, cool: h.coolDown}, nil
}

// Flush sends now the outcomes a fleet store counted and has not sent yet,
// instead of at the next flush interval, and returns the first error within
// ctx. A service may call it before it drains, and a test before it reads
// Redis. It does nothing for a strict store, whose every outcome is sent as it
// happens. Flush is safe to call concurrently with the store's own flushes.
func (s *Store) Flush(ctx context.Context) error {
	if s.cfg.strict {
		return nil
	}
	return s.fleet.drain(ctx, s.fleet.all())
}

// Shutdown flushes the outcomes a fleet store counted and has not sent yet,
// stops its goroutines and subscriptions, and waits for them, within ctx. It
// may be called more than once; later calls return the first one's result. The
// store's handles keep working afterwards, as a strict store's: every decision a
// script. A strict store has only the give-backs of reservations whose callers
// gave up to stop and wait for.
func (s *Store) Shutdown(ctx context.Context) error {
	var err error
	if !s.cfg.strict {
		err = s.fleet.shutdown(ctx)
	}
	s.bgMu.Lock()
	if !s.stopped {
		s.stopped = true
		close(s.stop)
	}
	s.bgMu.Unlock()
	done := make(chan struct{})
	go func() {
		s.bg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		err = errors.Join(err, ctx.Err())
	}
	return err
}
