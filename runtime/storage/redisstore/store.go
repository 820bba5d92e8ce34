package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/redis/go-redis/v9"
)

// Store is a storage.Storage in Redis. Create one with New.
//
// A Store is safe for concurrent use, by any number of goroutines and processes
// sharing the same Redis and prefix. It is not fault tolerant: its methods return
// Redis's errors, and the runtime wraps it so that they fail open.
type Store struct {
	client   redis.UniversalClient
	cfg      config
	tagStart string // "{" + escaped prefix + ":"

	// offset is added to the server's time inside every script, in microseconds.
	// Only the package's tests change it, to move time without sleeping.
	offset atomic.Int64
}

var _ storage.Storage = (*Store)(nil)

// New returns a Store that keeps circuits in the Redis behind client, configured
// by opts. It does not contact Redis. It fails with an error wrapping ErrInvalid
// when client is nil or an option is invalid.
func New(client redis.UniversalClient, opts ...Option) (*Store, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: nil client", ErrInvalid)
	}
	cfg := defaults()
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	return &Store{
		client:   client,
		cfg:      cfg,
		tagStart: "{" + escaper.Replace(cfg.prefix) + ":",
	}, nil
}

// Prefix returns the key prefix the Store was configured with.
func (s *Store) Prefix() string { return s.cfg.prefix }

// FaultTolerant reports false: Redis may fail, so the runtime wraps the Store.
func (s *Store) FaultTolerant() bool { return false }

// Status reads the circuit's status. now is ignored; CurrentTime is Redis's time.
func (s *Store) Status(ctx context.Context, name string, p storage.Policy, _ time.Time) (storage.Status, error) {
	width, n := s.window(p)
	v, err := s.run(ctx, scriptStatus, "Status", name, width, n)
	if err != nil {
		return storage.Status{}, err
	}
	r, err := decodeResult(v)
	if err != nil {
		return storage.Status{}, s.fail("Status", name, err)
	}
	return r.Status, nil
}

// Record counts the outcome in the window and applies the transition it causes,
// in one script. now is ignored.
func (s *Store) Record(ctx context.Context, name string, p storage.Policy, _ time.Time, o storage.Outcome) (storage.Result, error) {
	width, n := s.window(p)
	v, err := s.run(ctx, scriptRecord, "Record", name, width, n,
		flag(o.Success), flag(o.Probe), micros(o.OpenedAt),
		strconv.FormatFloat(p.RateThreshold, 'g', -1, 64), p.SampleThreshold,
		s.stateTTL(p), windowTTL(width, n))
	if err != nil {
		return storage.Result{}, err
	}
	r, err := decodeResult(v)
	if err != nil {
		return storage.Result{}, s.fail("Record", name, err)
	}
	return r, nil
}

// Open opens a closed circuit, with OpenedAt set to Redis's time.
func (s *Store) Open(ctx context.Context, name string, p storage.Policy, _ time.Time) (bool, error) {
	return s.runBool(ctx, scriptOpen, "Open", name, s.stateTTL(p))
}

// Reopen gives an open circuit a new OpenedAt, Redis's time, if its current one
// equals previous. The reservation is kept.
func (s *Store) Reopen(ctx context.Context, name string, p storage.Policy, _, previous time.Time) (bool, error) {
	return s.runBool(ctx, scriptReopen, "Reopen", name, micros(previous), s.stateTTL(p))
}

// Close closes an open circuit, clearing its reservation and its window.
func (s *Store) Close(ctx context.Context, name string, p storage.Policy, _ time.Time) (bool, error) {
	return s.runBool(ctx, scriptClose, "Close", name, s.stateTTL(p))
}

// Reserve sets ReservedAt to Redis's time if the circuit is open and its
// ReservedAt equals previous (zero for none), and returns it. Of several callers
// passing the same previous, exactly one wins. A loser gets the zero time.
func (s *Store) Reserve(ctx context.Context, name string, p storage.Policy, _, previous time.Time) (time.Time, bool, error) {
	v, err := s.run(ctx, scriptReserve, "Reserve", name, micros(previous), s.stateTTL(p))
	if err != nil {
		return time.Time{}, false, err
	}
	a, err := ints(v, 2)
	if err != nil {
		return time.Time{}, false, s.fail("Reserve", name, err)
	}
	if a[0] != 1 {
		return time.Time{}, false, nil
	}
	return fromMicros(a[1]), true, nil
}

// Release clears the reservation if ReservedAt equals reservedAt.
func (s *Store) Release(ctx context.Context, name string, _ storage.Policy, reservedAt time.Time) (bool, error) {
	return s.runBool(ctx, scriptRelease, "Release", name, micros(reservedAt))
}

// Lock sets the circuit's lock; it expires after the LockTTL option, if set.
// LockNone clears it.
func (s *Store) Lock(ctx context.Context, name string, l storage.Lock) error {
	var v string
	switch l {
	case storage.LockNone:
	case storage.LockOpen:
		v = "open"
	case storage.LockClosed:
		v = "closed"
	default:
		return fmt.Errorf("breakergen: redisstore: Lock %q: invalid lock %d", name, l)
	}
	_, err := s.run(ctx, scriptLock, "Lock", name, v, ttlMillis(s.cfg.lockTTL))
	return err
}

// Unlock clears the circuit's lock.
func (s *Store) Unlock(ctx context.Context, name string) error {
	_, err := s.run(ctx, scriptLock, "Unlock", name, "", 0)
	return err
}

// Reset deletes every key of the circuit: state, window, reservation and lock.
func (s *Store) Reset(ctx context.Context, name string) error {
	_, err := s.run(ctx, scriptReset, "Reset", name)
	return err
}

// History returns the window's live buckets, oldest first, at Redis's time.
func (s *Store) History(ctx context.Context, name string, p storage.Policy, _ time.Time) ([]storage.Bucket, error) {
	width, n := s.window(p)
	v, err := s.run(ctx, scriptHistory, "History", name, width, n)
	if err != nil {
		return nil, err
	}
	b, err := decodeHistory(v)
	if err != nil {
		return nil, s.fail("History", name, err)
	}
	return b, nil
}

// run runs script on the circuit's keys with the test offset as ARGV[1] and args
// after it, and maps its errors.
func (s *Store) run(ctx context.Context, script *redis.Script, op, name string, args ...any) (any, error) {
	argv := make([]any, 0, len(args)+1)
	argv = append(argv, s.offset.Load())
	argv = append(argv, args...)
	v, err := script.Run(ctx, s.client, s.keys(name), argv...).Result()
	if err != nil {
		return nil, s.fail(op, name, err)
	}
	return v, nil
}

func (s *Store) runBool(ctx context.Context, script *redis.Script, op, name string, args ...any) (bool, error) {
	v, err := s.run(ctx, script, op, name, args...)
	if err != nil {
		return false, err
	}
	n, ok := v.(int64)
	if !ok {
		return false, s.fail(op, name, fmt.Errorf("%w: reply %T", storage.ErrCorrupt, v))
	}
	return n == 1, nil
}

// fail wraps err with the operation and circuit. Errors that mean our keys hold
// data we cannot read (CORRUPT from the scripts, WRONGTYPE from Redis) wrap
// storage.ErrCorrupt as well as Redis's error.
func (s *Store) fail(op, name string, err error) error {
	var rerr redis.Error
	if errors.As(err, &rerr) && !errors.Is(err, storage.ErrCorrupt) {
		if hasPrefix(rerr.Error(), "CORRUPT") || hasPrefix(rerr.Error(), "WRONGTYPE") {
			return fmt.Errorf("breakergen: redisstore: %s %q: %w: %w", op, name, storage.ErrCorrupt, err)
		}
	}
	return fmt.Errorf("breakergen: redisstore: %s %q: %w", op, name, err)
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// window returns the bucket width in microseconds and the bucket count for p. A
// window shorter than one microsecond per bucket, or none, is a minute, as in
// the in-memory storage.
func (s *Store) window(p storage.Policy) (width int64, n int) {
	n = s.cfg.buckets
	width = p.EvaluationWindow.Microseconds() / int64(n)
	if width <= 0 {
		width = time.Minute.Microseconds() / int64(n)
	}
	return width, n
}

// stateTTL is the state key's TTL in milliseconds: StateTTL plus CoolDown.
func (s *Store) stateTTL(p storage.Policy) int64 {
	d := s.cfg.stateTTL + max(p.CoolDown, 0)
	if d < s.cfg.stateTTL { // overflow
		return maxTTL
	}
	return ttlMillis(d)
}

// windowTTL is the window key's TTL in milliseconds: the window plus one bucket.
func windowTTL(width int64, n int) int64 {
	us := width * int64(n+1)
	if us/int64(n+1) != width {
		return maxTTL
	}
	return ttlMillis(time.Duration(min(us, math.MaxInt64/1000)) * time.Microsecond)
}

// maxTTL caps every TTL, in milliseconds: about a hundred years, far from the
// overflow Redis rejects.
const maxTTL = 100 * 365 * 24 * 3600 * 1000

// ttlMillis rounds d up to whole milliseconds, 0 for none, at most maxTTL.
func ttlMillis(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	ms := int64(d / time.Millisecond)
	if d%time.Millisecond != 0 {
		ms++
	}
	return min(ms, maxTTL)
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// micros returns t in Unix microseconds, 0 for the zero time.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// fromMicros is the inverse of micros.
func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us)
}
