package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/breakergen/breakergen/runtime/storage"
)

// Advance moves the store's view of the server's time forward by d (backward for
// a negative d), for tests that must not sleep.
func (s *Store) Advance(d time.Duration) { s.offset.Add(d.Microseconds()) }

// Keys returns the state, bucket, lock and token keys of the named circuit.
func (s *Store) Keys(name string) []string { return s.keys(name) }

// RecordSeq is Record as the batch seq of the store's process, so a test can
// send it again as a client's retry would, or out of order.
func RecordSeq(ctx context.Context, h storage.Handle, o storage.Outcome, seq uint64) (storage.Result, error) {
	a, err := raw(h).record(ctx, o, !o.Success, seqNum{n: seq})
	return a.res, err
}

// raw returns the scripts' handle behind h.
func raw(h storage.Handle) *handle {
	switch h := h.(type) {
	case *shandle:
		return h.h
	case *fhandle:
		return h.h
	}
	return h.(*handle)
}

// ReserveToken is Reserve with a token of the caller's.
func ReserveToken(ctx context.Context, h storage.Handle, openedAt, reservedAt time.Time, token string) (time.Time, bool, error) {
	return raw(h).reserve(ctx, openedAt, reservedAt, token)
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
	c := h.(*fhandle).c
	return c.f.flush(ctx, []*fcircuit{c, c})
}

// Reports returns the batches the store sent in report scripts, and those the
// scripts handed back to the flush script.
func (s *Store) Reports() (sent, handedBack int64) {
	return s.fleet.reports.Load(), s.fleet.handedBack.Load()
}
