package redisstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/breakergen/breakergen/internal/hotpath/nilness"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore/internal/engine"
	"github.com/redis/go-redis/v9"
)

// Store is a storage.Storage in Redis. Create one with New.
//
// A Store is safe for concurrent use, by any number of goroutines and processes
// sharing the same Redis and prefix. It is not fault tolerant: its handles return
// Redis's errors, and the runtime wraps it so that they fail open.
type Store struct {
	// e does the work: the scripts and, in fleet mode, the fleet machine.
	e *engine.Engine
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
	return &Store{e: engine.New(client, cfg.engine(), nil)}, nil
}

// Prefix returns the key prefix the Store was configured with.
func (s *Store) Prefix() string { return s.e.Prefix() }

// FaultTolerant reports false: Redis may fail, so the runtime wraps the Store.
func (s *Store) FaultTolerant() bool { return false }

// Bind returns the handle of the circuit name: its keys and the arguments its
// policy gives every script, computed once. It makes no Redis call. It fails,
// with an error wrapping ErrInvalid, when p does not pass Policy.Validate.
func (s *Store) Bind(name string, p storage.Policy) (storage.Handle, error) {
	return s.e.Bind(name, p)
}

// SupportsPolicy reports nil when the store applies every policy p sets (see
// storage.PolicySupport). Of the policies beyond the classic ones a Store
// applies CoolDownMax and HalfOpenProbes in both modes, and Ramp in fleet
// mode, each fleet-wide (see the package doc). It returns an error wrapping
// ErrInvalid naming any other p sets.
func (s *Store) SupportsPolicy(p storage.Policy) error { return s.e.SupportsPolicy(p) }

// Flush sends now the outcomes a fleet store counted and has not sent yet,
// instead of at the next flush interval, and returns the first error within
// ctx. A service may call it before it drains, and a test before it reads
// Redis. It does nothing for a strict store, whose every outcome is sent as it
// happens. Flush is safe to call concurrently with the store's own flushes.
func (s *Store) Flush(ctx context.Context) error { return s.e.Flush(ctx) }

// Shutdown flushes the outcomes a fleet store counted and has not sent yet,
// stops its goroutines and subscriptions, and waits for them, within ctx. It
// may be called more than once; later calls return the first one's result. The
// store's handles keep working afterwards, as a strict store's: every decision a
// script. A strict store has only the give-backs of reservations whose callers
// gave up to stop and wait for.
func (s *Store) Shutdown(ctx context.Context) error { return s.e.Shutdown(ctx) }

// List returns the names of the circuits that have a key under the prefix,
// sorted. It SCANs every master of a cluster (every shard of a ring), so it costs
// a pass over the keyspace: it is meant for operators, not the request path.
//
// A fleet store first sends what it counted and has not sent yet, so that a
// circuit it holds outcomes of is listed.
func (s *Store) List(ctx context.Context) ([]string, error) { return s.e.List(ctx) }

// Clear deletes every circuit key under the prefix, on every master or shard,
// and leaves each circuit the tombstone a Reset leaves, so that processes that
// knew an opening or a lock do not write it back as state Redis lost. Other
// keys are left alone. It is not atomic: a circuit written while Clear runs
// may survive it.
//
// The circuits this store holds forget, here too, the outcomes they have not
// sent yet and what they knew of Redis.
func (s *Store) Clear(ctx context.Context) error { return s.e.Clear(ctx) }
