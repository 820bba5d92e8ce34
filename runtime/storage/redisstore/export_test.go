package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore/internal/engine"
)

// Advance moves the store's view of the server's time forward by d (backward for
// a negative d), for tests that must not sleep.
func (s *Store) Advance(d time.Duration) { s.e.Advance(d) }

// Keys returns the state, bucket, lock and token keys of the named circuit.
func (s *Store) Keys(name string) []string { return s.e.Keys(name) }

// RecordSeq is Record as the batch seq of the store's process, so a test can
// send it again as a client's retry would, or out of order.
func RecordSeq(ctx context.Context, h storage.Handle, o storage.Outcome, seq uint64) (storage.Result, error) {
	return engine.RecordSeq(ctx, h, o, seq)
}

// ReserveToken is Reserve with a token of the caller's.
func ReserveToken(ctx context.Context, h storage.Handle, openedAt, reservedAt time.Time, token string) (time.Time, bool, error) {
	return engine.ReserveToken(ctx, h, openedAt, reservedAt, token)
}

// Inspect reads the circuit name of the stores of prefix on client, as an
// operator does.
func Inspect(t testing.TB, client redis.UniversalClient, prefix, name string) (Inspection, error) {
	s, err := New(client, WithPrefix(prefix), WithStrict())
	if err != nil {
		return Inspection{}, err
	}
	return s.Inspect(t.Context(), name)
}

// FlushListedTwice runs a flush of the fleet circuit behind h with the circuit
// listed twice, as a round's dirty list can hold it.
func FlushListedTwice(ctx context.Context, h storage.Handle) error {
	return engine.FlushListedTwice(ctx, h)
}

// Reports returns the batches the store sent in report scripts, and those the
// scripts handed back to the flush script.
func (s *Store) Reports() (sent, handedBack int64) { return s.e.Reports() }
