package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/redis/go-redis/v9"
)

// Engine is what a redisstore.Store does: the scripts of every circuit, and
// in fleet mode the fleet machine. The Store holds one and delegates to it.
type Engine struct {
	client   redis.UniversalClient
	cfg      Config
	clock    Clock
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
	// Only tests change it, to move time without sleeping.
	offset atomic.Int64
}

// New returns the engine of a store of client configured by cfg, reading
// local time from clock (RealClock when nil). It does not contact Redis.
func New(client redis.UniversalClient, cfg Config, clock Clock) *Engine {
	if clock == nil {
		clock = RealClock{}
	}
	s := &Engine{
		client:   client,
		cfg:      cfg,
		clock:    clock,
		tagStart: "{" + prefixEscaper.Replace(cfg.Prefix) + ":",
		pub:      "publish",
		pid:      newToken(),
		stop:     make(chan struct{}),
	}
	s.link.clock = clock
	s.fleet = newFleet(s)
	return s
}

// Bind returns the handle of the circuit name: its keys and the arguments its
// policy gives every script, computed once. It makes no Redis call. It fails,
// with an error wrapping ErrInvalid, when p does not pass Policy.Validate or
// sets a policy the store does not apply (SupportsPolicy).
func (s *Engine) Bind(name string, p storage.Policy) (storage.Handle, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%w: circuit %q: %w", ErrInvalid, name, err)
	}
	if err := s.SupportsPolicy(p); err != nil {
		return nil, fmt.Errorf("circuit %q: %w", name, err)
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
		coolMax:   p.CoolDownMax.Microseconds(),
		ramp:      p.Ramp.Microseconds(),
		probes:    p.Probes(),
	}
	s.primeOnce.Do(s.primeReplicas)
	c := s.fleet.bind(h)
	c.listen(p.Notify)
	if s.cfg.Strict {
		return &shandle{c: c, h: h, p: p}, nil
	}
	return &fhandle{c: c, h: h, p: p, cool: h.coolDown}, nil
}

// SupportsPolicy reports nil when the store applies every policy p sets: of
// those beyond the classic ones, CoolDownMax, whose backed-off cool-down every
// process reads from Redis, HalfOpenProbes, whose reservations a script
// counts, and in fleet mode Ramp, whose start every process learns with the
// close. It returns an error wrapping ErrInvalid naming the
// others p sets.
func (s *Engine) SupportsPolicy(p storage.Policy) error {
	supported := []string{"CoolDownMax", "HalfOpenProbes", "Ramp"}
	if s.cfg.Strict {
		supported = supported[:2] // a ramp decides each call from the process's view
	}
	if set := p.Unsupported(supported...); set != "" {
		mode := "a Redis store"
		if s.cfg.Strict {
			mode = "a strict Redis store"
		}
		return fmt.Errorf("%w: %s does not apply %s yet", ErrInvalid, mode, set)
	}
	return nil
}

// Flush sends now the outcomes a fleet store counted and has not sent yet,
// and returns the first error within ctx; it does nothing in strict mode.
func (s *Engine) Flush(ctx context.Context) error {
	if s.cfg.Strict {
		return nil
	}
	return s.fleet.drain(ctx, s.fleet.all())
}

// Shutdown flushes what a fleet store counted, stops its goroutines and
// subscriptions and the give-backs of reservations, and waits for them within
// ctx. Later calls return the first one's result.
func (s *Engine) Shutdown(ctx context.Context) error {
	var err error
	if !s.cfg.Strict {
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

// Prefix returns the key prefix of the store's circuits.
func (s *Engine) Prefix() string { return s.cfg.Prefix }
